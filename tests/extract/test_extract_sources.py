"""Each source, online connector replayed with `responses`: a sample answer, an empty answer, a server error, a
malformed body. A sample is `recorded/…` when its bytes came from the provider (or a file it publishes) and
`handwritten/…` when it was written by hand to the provider's documented format, `derived/…` for rows of a table
this project derived from a provider's files (tests/fixtures/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from extract.http import FetchError
from extract.readers import ParseError
from extract.registry import SOURCES
from extract.run import extract_source
from extract.sources import (
    _long,
    caf_allocataires_communes,
    ign_contours,
    insee_estimations_population_departement,
    insee_filosofi_communes,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RECORDED = FIXTURES / "recorded"

MELODI = "https://api.insee.fr/melodi/data/"
COG_2026 = "https://www.insee.fr/fr/statistiques/fichier/8740222/cog_ensemble_2026_csv.zip"

# Landing columns from docs/contracts.md §2 (the runner adds est_demonstration and _sha256).
CONTRACT = {
    "insee_cog_communes": ["typecom", "code_commune", "code_region", "code_departement", "libelle",
                           "code_commune_parent", "millesime"],
    "insee_cog_departements": ["code_departement", "code_region", "libelle"],
    "insee_cog_regions": ["code_region", "libelle"],
    "insee_cog_mouvements": ["mod", "date_effet", "typecom_avant", "code_commune_avant", "libelle_avant",
                             "typecom_apres", "code_commune_apres", "libelle_apres"],
    "epci_composition": ["siren_epci", "nom_epci", "nature_juridique", "mode_financement", "code_commune",
                         "nom_commune", "millesime"],
    "insee_populations_legales": ["code_commune", "libelle", "code_departement", "population_municipale",
                                  "population_comptee_a_part", "population_totale", "annee", "annee_vigueur"],
    "insee_estimations_population_departement": ["annee", "code_departement", "sexe", "tranche_age", "age_min",
                                                 "age_max", "population"],
    "drees_aide_sociale_departement": ["jeu", "feuille", "titre", "sous_entete", "code_departement", "annee",
                                       "valeur"],
    "territoires_action": ["code_commune", "code_territoire", "libelle_territoire"],
    "insee_rp_communes": ["code_commune", "annee", "code_mesure", "valeur"],
    "insee_filosofi_communes": ["niveau", "code_geo", "annee", "code_mesure", "valeur", "statut", "millesime_geo"],
    "insee_comparateur_communes": ["code_commune", "annee", "code_mesure", "valeur"],
    "caf_allocataires_communes": ["code_commune", "annee", "code_mesure", "valeur"],
    "finess_etablissements": ["nofinesset", "nofinessej", "raison_sociale", "code_commune", "categorie",
                              "libelle_categorie", "siret", "date_ouverture", "coord_x", "coord_y",
                              "systeme_coordonnees", "capacite_installee", "capacite_autorisee", "format_source"],
    "ign_contours": ["niveau", "code", "libelle", "geojson"],
    "insee_bpe_communes": ["code_commune", "annee", "type_equipement", "nombre"],
    "data_inclusion_services": ["source", "id_service", "structure_id", "nom_structure", "reseaux_porteurs", "nom",
                                "thematiques", "publics", "code_commune", "zone_eligibilite", "latitude", "longitude"],
    "laposte_codes_postaux": ["code_commune", "nom_commune", "code_postal", "ligne_5", "libelle_acheminement",
                              "latitude", "longitude"],
}
EXTRA = ["est_demonstration", "_sha256"]


def value(df: pd.DataFrame, **where):
    rows = df
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, where
    return rows.iloc[0]


def check_cog_communes(df):
    assert value(df, code_commune="2A004")["code_departement"] == "2A"
    assert value(df, code_commune="01001")["libelle"] == "L'Abergement-Clémenciat"
    assert value(df, code_commune="32013")["millesime"] == 2025
    assert value(df, code_commune="32067")["code_commune_parent"] == "32365"


def check_mouvements(df):
    row = value(df, code_commune_avant="32067", typecom_apres="COM")  # Cabas-Loumassès joins Cap d'Astarac
    assert row["code_commune_apres"] == "32365" and str(row["date_effet"]) == "2025-01-01" and row["mod"] == 32


def check_populations(df):
    auch = value(df, code_commune="32013")
    assert (auch["population_municipale"], auch["population_comptee_a_part"], auch["population_totale"]) == (
        22428, 1023, 23451)
    assert value(df, code_commune="01001")["code_departement"] == "01"


def check_estimations(df):
    gers = df[(df["code_departement"] == "32") & (df["sexe"] == "ensemble") & (df["annee"] == 2022)]
    assert gers["population"].sum() == 192279 and len(gers) == 20
    old = value(gers, tranche_age="95+")
    assert old["age_min"] == 95 and pd.isna(old["age_max"])
    assert "2B" in set(df["code_departement"])


def check_rp(df):
    assert value(df, code_commune="32013", code_mesure="pop_totale")["valeur"] == 22097.0
    assert value(df, code_commune="2A004", code_mesure="pop_60_plus")["valeur"] == 20488.6  # page 2
    assert value(df, code_commune="32013", code_mesure="familles_monoparentales")["valeur"] == 1189.1
    assert len(df[df["code_commune"] == "32013"]) == 9  # women-only row and département row ignored


def check_comparateur(df):
    """The real INSEE file as published (base_cc_comparateur.CSV, COG 2021): Auch's cells, read by hand."""
    auch = df[df["code_commune"] == "32013"].set_index(["code_mesure", "annee"])["valeur"]
    assert auch[("population_municipale", 2018)] == 22200 and auch[("population_municipale", 2013)] == 21962
    assert auch[("naissances_entre_recensements", 2018)] == 1042 and auch[("deces_domicilies", 2020)] == 332
    assert auch[("menages", 2018)] == pytest.approx(11680.4306573853)
    assert len(auch) == 18  # 16 measures, population and jobs in two censuses; no Filosofi, area or establishments
    # Mayotte's census cells are empty in the file: not landed; its 2020 births and deaths are
    mayotte = df.loc[df["code_commune"].str.startswith("976"), "code_mesure"]
    assert set(mayotte) == {"naissances_domiciliees", "deces_domicilies"}
    assert {"75056", "75101"} <= set(df["code_commune"])  # Paris and its arrondissements, as published


def check_filosofi(df):
    auch = dict(niveau="commune", code_geo="32013", annee=2021)
    assert value(df, **auch, code_mesure="taux_pauvrete")["valeur"] == 18.0  # real row, decimal comma « 18,0 »
    assert value(df, **auch, code_mesure="niveau_vie_median")["millesime_geo"] == 2023
    assert value(df, niveau="commune", code_geo="32013", annee=2019, code_mesure="niveau_vie_median")["valeur"] == 20700
    secret = value(df, niveau="commune", code_geo="32365", annee=2021, code_mesure="taux_pauvrete")  # real « s »
    assert pd.isna(secret["valeur"]) and secret["statut"] == "secret"
    empty = value(df, niveau="commune", code_geo="32365", annee=2019, code_mesure="taux_pauvrete")  # real empty cell
    assert pd.isna(empty["valeur"]) and empty["statut"] == "secret"
    # the archive's own EPCI, département and région rows land as such (hand-written members, see fixtures README)
    assert value(df, niveau="epci", code_geo="200066926", annee=2021, code_mesure="taux_pauvrete")["valeur"] == 15.5
    gers_2019 = value(df, niveau="departement", code_geo="32", annee=2019, code_mesure="niveau_vie_median")
    assert gers_2019["valeur"] == 20500
    assert value(df, niveau="region", code_geo="76", annee=2021, code_mesure="menages_fiscaux")["valeur"] == 2800000


def check_caf(df):
    assert value(df, code_commune="32013", annee=2024, code_mesure="foyers_rsa")["valeur"] == 620
    assert pd.isna(value(df, code_commune="32107", code_mesure="foyers_rsa")["valeur"])  # blurred
    assert value(df, code_commune="2A004", code_mesure="foyers_aah")["valeur"] == 1490
    assert set(df["annee"]) == {2023, 2024} and df["code_commune"].notna().all()  # June and blank dropped


def check_bpe(df):
    assert value(df, code_commune="32013", type_equipement="D502")["nombre"] == 5
    assert value(df, code_commune="2A004", type_equipement="D502")["annee"] == 2023
    assert "A101" not in set(df["type_equipement"])  # outside action sociale (D4-D7)
    assert len(df) == 4  # zero count and département row dropped


def check_contours(df):
    auch = value(df, niveau="commune", code="32013")
    geometry = json.loads(auch["geojson"])
    assert auch["libelle"] == "Auch" and geometry["type"] == "MultiPolygon"
    lon, lat = geometry["coordinates"][0][0][0]
    assert 0.4 < lon < 0.8 and 43.5 < lat < 43.8  # WGS84 longitude, latitude
    assert value(df, niveau="epci", code="200066926")["libelle"] == "CA Grand Auch Coeur de Gascogne"
    assert len(df) == 4


def check_laposte(df):
    auch = value(df, code_commune="32013")
    assert (auch["code_postal"], auch["latitude"], auch["longitude"]) == ("32000", 43.6534300414, 0.575190250459)
    assert len(df[df["code_commune"] == "2A004"]) == 3  # one row per postcode / locality
    assert value(df, code_commune="2A004", code_postal="20167")["ligne_5"] == "MEZZAVIA"


ONLINE = {  # source → (sample answers in request order, under tests/fixtures/, check of the landing table)
    "insee_cog_communes": ([(SOURCES["insee_cog_communes"].online_urls[0], "recorded/cog_ensemble_2025_csv.zip")],
                           check_cog_communes),
    "insee_cog_departements": ([(COG_2026, "recorded/cog_ensemble_2026_csv.zip")],
                               lambda df: value(df, code_departement="32")["code_region"] == "76"),
    "insee_cog_regions": ([(COG_2026, "recorded/cog_ensemble_2026_csv.zip")],
                          lambda df: value(df, code_region="76")["libelle"] == "Occitanie"),
    "insee_cog_mouvements": ([(COG_2026, "recorded/cog_ensemble_2026_csv.zip")], check_mouvements),
    "epci_composition": ([(SOURCES["epci_composition"].online_urls[0], "recorded/epci.json")],
                         lambda df: len(df[df["siren_epci"] == "200066926"]) == 34),
    "insee_populations_legales": ([(SOURCES["insee_populations_legales"].online_urls[0], "recorded/ensemble.zip")],
                                  check_populations),
    "insee_estimations_population_departement": (
        [(insee_estimations_population_departement.ONLINE_URL, "recorded/estim-pop-dep-sexe-aq-1975-2022.xlsx")],
        check_estimations),
    "insee_rp_communes": ([(MELODI + "DS_RP_POPULATION_PRINC", "handwritten/melodi_DS_RP_POPULATION_PRINC_page1.json"),
                           (MELODI + "DS_RP_POPULATION_PRINC", "handwritten/melodi_DS_RP_POPULATION_PRINC_page2.json"),
                           (MELODI + "DS_RP_MENAGES_COMP", "handwritten/melodi_DS_RP_MENAGES_COMP.json")], check_rp),
    "insee_comparateur_communes": ([(SOURCES["insee_comparateur_communes"].online_urls[0],
                                     "recorded/base_cc_comparateur_csv.zip")], check_comparateur),
    "insee_filosofi_communes": (list(zip(insee_filosofi_communes.ONLINE_URLS, (
        "handwritten/base-cc-filosofi-2019_CSV_extrait.zip",
        "handwritten/base-cc-filosofi-2021-geo2023-histo_CSV_extrait.zip"), strict=True)), check_filosofi),
    "caf_allocataires_communes": ([(caf_allocataires_communes.ONLINE_URL, "handwritten/caf_s_ben_com_f_export.csv")],
                                  check_caf),
    "ign_contours": ([(ign_contours.API + "/communes", "handwritten/geo_api_communes_32_contour.geojson"),
                      (ign_contours.API + "/epcis", "handwritten/geo_api_epcis_32_contour.geojson")], check_contours),
    "insee_bpe_communes": ([(MELODI + "DS_BPE", "handwritten/melodi_DS_BPE.json")], check_bpe),
    "laposte_codes_postaux": ([(SOURCES["laposte_codes_postaux"].online_urls[0],
                                "recorded/laposte_hexasmal_extrait.csv")], check_laposte),
}
EMPTY = {  # what an empty answer looks like for each kind of endpoint
    "insee_rp_communes": b'{"observations": [], "paging": {"isLast": true}}',
    "caf_allocataires_communes": b"dtreffre;numcomdo;nomcom;indfoy_ndur\n",
    "ign_contours": b'{"type": "FeatureCollection", "features": []}',
    "insee_bpe_communes": b'{"observations": [], "paging": {"isLast": true}}',
}


@pytest.fixture
def online(make_settings, monkeypatch):
    monkeypatch.setattr(_long, "selecteurs_melodi", lambda settings: ["DEP-32*COM"])
    return make_settings(OBS_MODE="online")


def urls(name):
    return list(dict.fromkeys(url for url, _ in ONLINE[name][0]))


@pytest.mark.parametrize("name", sorted(ONLINE))
@responses.activate
def test_sample_answer_lands(name, online, session):
    answers, check = ONLINE[name]
    for url, fixture in answers:
        assert fixture.split("/")[0] in ("recorded", "handwritten")  # the path says which
        responses.get(url, body=(FIXTURES / fixture).read_bytes())
    result = extract_source(name, online, session)
    df = pd.read_parquet(result["landing_path"])
    assert list(df.columns) == CONTRACT[name] + EXTRA
    assert result["rows"] == len(df) > 0 and not result["est_demonstration"] and not df["est_demonstration"].any()
    assert result["origin"].startswith("https://")
    assert check(df) is not False


@pytest.mark.parametrize("name", sorted(ONLINE))
@responses.activate
def test_empty_answer_is_refused(name, online, session):
    for url in urls(name):
        responses.get(url, body=EMPTY.get(name, b""))
    with pytest.raises(ParseError, match="vide|aucun"):
        extract_source(name, online, session)
    assert not (online.landing_dir / f"{name}.parquet").exists()


@pytest.mark.parametrize("name", sorted(ONLINE))
@responses.activate
def test_server_error_is_retried_then_reported(name, online, session):
    for url in urls(name):
        responses.get(url, status=500, body=b"Internal Server Error")
    with pytest.raises(FetchError, match="HTTP 500"):
        extract_source(name, online, session)
    assert len(responses.calls) == 3  # first try + 2 retries
    assert not (online.raw_dir / "_fetches.jsonl").exists()


@pytest.mark.parametrize("name", sorted(ONLINE))
@responses.activate
def test_malformed_body_is_refused(name, online, session):
    for url in urls(name):
        responses.get(url, body=b"<html><body>Maintenance en cours</body></html>", content_type="text/html")
    with pytest.raises(ParseError):
        extract_source(name, online, session)


def test_melodi_selectors_cover_the_departement_and_its_cross_border_epci(make_settings):
    selectors = _long.selecteurs_melodi(make_settings())
    assert selectors[0] == "DEP-32*COM"
    # CC d'Aire-sur-l'Adour (Landes-based) and CC des Deux Rives (82-based) have Gers communes (PROVENANCE §1.2)
    assert {"EPCI-200030435*COM", "EPCI-248200016*COM"} <= set(selectors)
    assert "EPCI-200066926*COM" not in selectors  # Grand Auch lies wholly in the Gers: DEP-32*COM covers it
    france = _long.selecteurs_melodi(make_settings(OBS_SCOPE="france"))
    assert {"DEP-2A*COM", "DEP-32*COM", "DEP-971*COM"} <= set(france) and all(s.startswith("DEP-") for s in france)


def test_drees_long_table_excerpt_and_bad_files(tmp_path, settings):
    # derived/: rows of the long table extracted from DREES's workbooks for this project (values unchanged), the
    # very format the connector reads (no machine-readable DREES file exists): not provider bytes
    parse = SOURCES["drees_aide_sociale_departement"].parser
    titles = FIXTURES / "derived" / "drees_aide_sociale_tables_titres.csv"
    df = parse([FIXTURES / "derived" / "drees_aide_sociale_par_departement_long.csv", titles], settings)
    assert list(df.columns) == CONTRACT["drees_aide_sociale_departement"]
    apa = value(df, code_departement="32", feuille="Tab4-pa", annee=2020)
    assert apa["valeur"] == 6310 and apa["titre"].startswith("Tableau 4")
    assert "2A" in set(df["code_departement"]) and "20A" not in set(df["code_departement"])
    # '2016' then '2016 (2)' (series break): the new series, which continues in later years, is kept
    assert value(df, code_departement="2A", feuille="Tableau 11", annee=2016)["valeur"] == 2496
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="vide"):
        parse([empty, titles], settings)
    bad = tmp_path / "bad.csv"
    bad.write_text("source;feuille;valeur\nx;y;z\n")
    with pytest.raises(ParseError, match="colonnes attendues absentes"):
        parse([bad, titles], settings)


def test_contours_snapshot_maps_2018_communes_to_cog_2025(settings):
    source = SOURCES["ign_contours"]
    df = source.parser([settings.snapshot_dir / "ign_contours" / f for f in source.snapshot_files], settings)
    assert list(df.columns) == CONTRACT["ign_contours"]
    merged = value(df, niveau="commune", code="32365")  # Cap d'Astarac = 32365 + 32067 + 32260 + 32413 (2018)
    assert merged["libelle"] == "Cap d'Astarac" and len(json.loads(merged["geojson"])["coordinates"]) >= 4
    assert not set(df["code"]) & {"32067", "32260", "32413", "32074", "64541"}
    communes = df[df["niveau"] == "commune"]
    assert len(communes[communes["code"].str.startswith("32")]) == 458
    assert communes["code"].str.startswith("64").sum() == 545
    assert value(df, niveau="epci", code="200066926")["libelle"] == "CA Grand Auch Coeur de Gascogne"


def test_contours_refuse_unknown_geometry(tmp_path, settings):
    bad = tmp_path / "communes-32.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                   '{"code": "32013", "nom": "Auch"}, "geometry": {"type": "Point", "coordinates": [0.5, 43.6]}}]}')
    with pytest.raises(ParseError, match="Point"):
        SOURCES["ign_contours"].parser([bad], settings)


def test_laposte_reads_the_data_gouv_gps_column_and_refuses_a_bad_code(tmp_path, settings):
    parse = SOURCES["laposte_codes_postaux"].parser
    datagouv = tmp_path / "laposte_hexasmal.csv"  # the data.gouv resource: one « lat, lon » column
    datagouv.write_text("#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5;"
                        "coordonnees_gps\n32013;AUCH;32000;AUCH;;43.6534300414, 0.575190250459\n"
                        "32107;CONDOM;32100;CONDOM;;\n", encoding="utf-8")
    df = parse([datagouv], settings)
    assert list(df.columns) == CONTRACT["laposte_codes_postaux"]
    assert (value(df, code_commune="32013")["latitude"], value(df, code_commune="32013")["longitude"]) == (
        43.6534300414, 0.575190250459)
    assert pd.isna(value(df, code_commune="32107")["latitude"])  # no point: the dbt models fall back on contours
    datagouv.write_text("Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement\n"
                        "AUCH;AUCH;32000;;AUCH\n", encoding="utf-8")
    with pytest.raises(ParseError, match="code commune INSEE valide"):
        parse([datagouv], settings)


@pytest.mark.parametrize("text", ["1.6", "12,5", "abc", "1e-3"])
def test_to_int_refuses_what_is_not_a_whole_number(text):
    from extract.readers import to_int

    with pytest.raises(ParseError, match="valeur non entière"):
        to_int(pd.Series(["3", text], dtype="string"), "population")


def test_to_int_reads_whole_numbers_exactly():
    from extract.readers import to_int

    out = to_int(pd.Series(["1\u202f234", "12.0", None, "-7"], dtype="string"), "population")
    assert out.tolist() == [1234, 12, pd.NA, -7]


def _comparateur_zip(tmp_path, header: str, row: str):
    import zipfile

    path = tmp_path / "base_cc_comparateur_csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("base_cc_comparateur.CSV", f"{header}\r\n{row}\r\n")
    return path


def test_comparateur_later_vintage_lands_by_column_pattern(tmp_path, settings):
    """INSEE renames the columns at each vintage (P18_POP → P22_POP, NAIS1318 → NAIS1622): the parser reads
    the years from the names, so the online file of a later vintage lands without a code change."""
    header = ("CODGEO;P22_POP;P16_POP;SUPERF;NAIS1622;DECE1622;P22_MEN;NAISD24;DECESD24;P22_LOG;P22_RP;P22_RSECOCC;"
              "P22_LOGVAC;P22_RP_PROP;NBMENFISC22;MED22;P22_EMPLT;P22_EMPLT_SAL;P16_EMPLT;P22_POP1564;"
              "P22_CHOM1564;P22_ACT1564")
    path = _comparateur_zip(tmp_path, header, "32013;22428;22100;72.48;900;1500;11900.5;170;340;13900;11900.5;"
                                              "440;1600;5100;11000;21000;16900;15100;16500;13300;1400;9400")
    df = SOURCES["insee_comparateur_communes"].parser([path], settings)
    got = df.set_index(["code_mesure", "annee"])["valeur"]
    assert got[("population_municipale", 2022)] == 22428 and got[("population_municipale", 2016)] == 22100
    assert got[("naissances_entre_recensements", 2022)] == 900 and got[("deces_domicilies", 2024)] == 340
    assert got[("emplois", 2016)] == 16500 and len(got) == 18  # MED22, NBMENFISC22, SUPERF left out


def test_comparateur_missing_variable_is_refused_in_french(tmp_path, settings):
    path = _comparateur_zip(tmp_path, "CODGEO;P18_POP;P13_POP", "32013;22200;21962")
    with pytest.raises(ParseError, match="aucune colonne pour .*menages.*meta_base_cc_comparateur"):
        SOURCES["insee_comparateur_communes"].parser([path], settings)
