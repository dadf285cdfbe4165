"""Every source, declared as data. Adding a source = one entry here + one module in extract/sources/.

`essential=True`: the territory referential; any other source that fails with no earlier landing is published
empty and marked unavailable instead of failing the run (extract/run.py).
Order matters only for `extract_all`: COG communes and EPCI come first because territoires_action validates
against them and the API sources compute their commune perimeter from them.
"""

from __future__ import annotations

from extract.registry_types import Fetched, Source
from extract.sources import (
    caf_allocataires_communes,
    compilation_populations_occitanie,
    data_inclusion_services,
    drees_aide_sociale_departement,
    epci_composition,
    finess_etablissements,
    ign_contours,
    insee_bpe_communes,
    insee_cog_communes,
    insee_cog_departements,
    insee_cog_mouvements,
    insee_cog_regions,
    insee_comparateur_communes,
    insee_estimations_population_departement,
    insee_filosofi_communes,
    insee_populations_legales,
    insee_rp_communes,
    laposte_codes_postaux,
    territoires_action,
)

__all__ = ["SOURCES", "Fetched", "Source"]

LO = "Licence Ouverte / Etalab 2.0"
YEARLY = "@yearly"  # INSEE/DGCL publish once a year; a monthly check costs nothing (same bytes → no-op)

_ENTRIES = [
    Source("insee_cog_communes", "INSEE", "Code officiel géographique — communes", LO, "2025", "csv (zip)",
           (insee_cog_communes.ONLINE_URL,), (insee_cog_communes.SNAPSHOT,), ("code_commune", "typecom"),
           YEARLY, False, insee_cog_communes.parse, essential=True),
    Source("insee_cog_departements", "INSEE", "Code officiel géographique — départements", LO, "2026",
           "csv (zip)", (insee_cog_departements.ONLINE_URL,), (insee_cog_departements.SNAPSHOT,),
           ("code_departement",), YEARLY, False, insee_cog_departements.parse, essential=True),
    Source("insee_cog_regions", "INSEE", "Code officiel géographique — régions", LO, "2026", "csv (zip)",
           (insee_cog_regions.ONLINE_URL,), (insee_cog_regions.SNAPSHOT,), ("code_region",), YEARLY, False,
           insee_cog_regions.parse, essential=True),
    Source("insee_cog_mouvements", "INSEE", "Code officiel géographique — mouvements des communes depuis 1943", LO,
           "2026", "csv (zip)", (insee_cog_mouvements.ONLINE_URL,), (insee_cog_mouvements.SNAPSHOT,),
           ("mod", "date_effet", "typecom_avant", "code_commune_avant", "typecom_apres", "code_commune_apres"),
           YEARLY, False, insee_cog_mouvements.parse, essential=True),
    Source("epci_composition", "DGCL (via Etalab decoupage-administratif 6.0.0)",
           "Composition communale des EPCI à fiscalité propre", LO, "2025", "json",
           (epci_composition.ONLINE_URL,), (epci_composition.SNAPSHOT,), ("siren_epci", "code_commune"), YEARLY,
           False, epci_composition.parse, essential=True),
    Source("insee_populations_legales", "INSEE", "Populations légales 2023 des communes (en vigueur au 01/01/2026)",
           LO, "2023", "csv ; BOM (zip)", (insee_populations_legales.ONLINE_URL,),
           (insee_populations_legales.SNAPSHOT,), ("code_commune",), YEARLY, False,
           insee_populations_legales.parse, essential=True),
    Source("insee_estimations_population_departement", "INSEE",
           "Estimations de population par département, sexe et âge quinquennal", LO, "2000-2022", "xlsx strict / csv",
           (insee_estimations_population_departement.ONLINE_URL,), (insee_estimations_population_departement.SNAPSHOT,),
           ("annee", "code_departement", "sexe", "tranche_age"), YEARLY, False,
           insee_estimations_population_departement.parse),
    # No stable URL for a machine-readable long table: DREES publishes workbooks; online mode uses the snapshot.
    Source("drees_aide_sociale_departement", "DREES", "Aide sociale départementale et minima sociaux (séries longues)",
           LO, "1996-2020", "csv ;", (), (drees_aide_sociale_departement.SNAPSHOT_DATA,
                                          drees_aide_sociale_departement.SNAPSHOT_TITLES),
           ("jeu", "feuille", "sous_entete", "code_departement", "annee"), YEARLY, False,
           drees_aide_sociale_departement.parse),
    Source("territoires_action", "Conseil départemental", "Territoires d'action sociale du département",
           "fichier du département", "courant", "csv ;", (), (), ("code_commune",), "@daily", False,
           territoires_action.parse, local_file=lambda settings: settings.territoires_file),
    Source("insee_rp_communes", "INSEE", "Recensement de la population — âges, ménages, familles (communes)", LO,
           "RP 2022 (API) / démonstration 2023", "json (Melodi) / csv démonstration", insee_rp_communes.ONLINE_URLS,
           (insee_rp_communes.SNAPSHOT,), ("code_commune", "annee", "code_mesure"), YEARLY, True,
           insee_rp_communes.parse, fetcher=insee_rp_communes.fetch),
    Source("insee_comparateur_communes", "INSEE",
           "Comparateur de territoire — recensement, état civil et emploi (communes)", LO,
           "RP 2018 et 2013, état civil 2013-2018 et 2020 (COG 2021)", "csv ; (zip)",
           (insee_comparateur_communes.ONLINE_URL,), (insee_comparateur_communes.SNAPSHOT,),
           ("code_commune", "annee", "code_mesure"), YEARLY, False, insee_comparateur_communes.parse),
    Source("insee_filosofi_communes", "INSEE", "Filosofi — ménages fiscaux, niveau de vie médian, pauvreté", LO,
           "2019 (COG 2021) et 2021 (COG 2023)", "csv ; (communes) / zip INSEE en ligne (communes, EPCI, "
           "départements, régions)", insee_filosofi_communes.ONLINE_URLS, insee_filosofi_communes.SNAPSHOT,
           ("niveau", "code_geo", "annee", "code_mesure"), YEARLY, False, insee_filosofi_communes.parse),
    Source("caf_allocataires_communes", "CNAF (data.caf.fr)", "Allocataires CAF par commune — toutes prestations",
           LO, "décembre 2020-2024", "csv ; (Opendatasoft export) / csv démonstration",
           (caf_allocataires_communes.ONLINE_URL,), (caf_allocataires_communes.SNAPSHOT,),
           ("code_commune", "annee", "code_mesure"), YEARLY, True, caf_allocataires_communes.parse,
           fetcher=caf_allocataires_communes.fetch),
    Source("finess_etablissements", "Ministère de la Santé / ANS (FINESS, data.gouv.fr)",
           "FINESS — établissements et services sociaux et médico-sociaux, capacités", LO, "flux quotidien",
           "csv ; Latin-1 (etalab-cs1100507) + json (flux activités) / démonstration",
           (finess_etablissements.ONLINE_URL,),
           (finess_etablissements.SNAPSHOT_CSV, finess_etablissements.SNAPSHOT_ACTIVITES), ("nofinesset",), "@weekly",
           True, finess_etablissements.parse, fetcher=finess_etablissements.fetch),
    Source("ign_contours", "IGN (Admin Express, via Etalab geo.api.gouv.fr / france-geojson)",
           "Contours des communes et des EPCI (cartes du Panorama)", LO, ign_contours.MILLESIME, "geojson (+ csv ;)",
           ign_contours.ONLINE_URLS, ign_contours.SNAPSHOT, ("niveau", "code"), YEARLY, False, ign_contours.parse,
           fetcher=ign_contours.fetch),
    # No open copy of these two here: offline they land a small DEMONSTRATION snapshot (extract/demo/offre_sources.py).
    Source("data_inclusion_services", "GIP de l'inclusion (data·inclusion API v1)",
           "Services d'insertion et d'action sociale (data·inclusion) — jeton DATA_INCLUSION_TOKEN",
           "Licence Ouverte / Etalab 2.0 (selon la source d'origine)", "flux courant",
           "json (pages API) / démonstration", data_inclusion_services.ONLINE_URLS,
           (data_inclusion_services.SNAPSHOT_SERVICES, data_inclusion_services.SNAPSHOT_STRUCTURES),
           ("source", "id_service"), "@weekly", True, data_inclusion_services.parse,
           fetcher=data_inclusion_services.fetch),
    Source("insee_bpe_communes", "INSEE", "Base permanente des équipements — action sociale (communes)", LO,
           "BPE 2023 (API) / démonstration", "json (Melodi DS_BPE) / csv démonstration",
           insee_bpe_communes.ONLINE_URLS, (insee_bpe_communes.SNAPSHOT,),
           ("code_commune", "annee", "type_equipement"), YEARLY, True, insee_bpe_communes.parse,
           fetcher=insee_bpe_communes.fetch),
    # A COMPILATION (Toulouse DataViz Hackaviz 2018), Occitanie only, frozen: no online URL, both modes read the copy.
    Source("compilation_populations_occitanie", "Toulouse DataViz (Hackaviz 2018), d'après l'INSEE",
           "Populations communales 1968, 1982, 1999, 2014 — compilation, Occitanie seulement",
           "MIT (dépôt gdevailly/hackaviz_tlse2018) ; données INSEE", "1968, 1982, 1999, 2014", "tsv (cp1252)", (),
           (compilation_populations_occitanie.SNAPSHOT,), ("code_commune", "annee", "code_mesure"), YEARLY, False,
           compilation_populations_occitanie.parse),
    Source("laposte_codes_postaux", "La Poste (data.gouv.fr)",
           "Base officielle des codes postaux — point de chaque localité (proximité des services)", LO, "~2022",
           "csv ;", (laposte_codes_postaux.ONLINE_URL,), (laposte_codes_postaux.SNAPSHOT,),
           ("code_commune", "code_postal", "libelle_acheminement", "ligne_5"), YEARLY, False,
           laposte_codes_postaux.parse),
]

SOURCES: dict[str, Source] = {s.name: s for s in _ENTRIES}
