"""Generate the DEMONSTRATION FINESS offer of the Gers (32) and the Pyrénées-Atlantiques (64).

DONNÉES DE DÉMONSTRATION — ne pas diffuser comme statistique. No open FINESS extract of these départements
was available offline (data/PROVENANCE §8), so the snapshot carries a fictitious but plausible offer written
in the producer's own formats, read by the same parser as the real files:

- `etalab-cs1100507-stock-demonstration.csv`: the data.gouv CSV extract format (`;`, Latin-1, first line a file
  header whose third field says DEMONSTRATION, `structureet` lines then `geolocalisation` lines), real FINESS
  category codes and labels (data/shared nomenclature), fictitious names ending with « (DÉMO) », FINESS numbers
  starting with the département code and the digits 99 so they cannot match a real establishment.
- `finess-activites-demonstration.json.gz`: installed ('09') and authorised ('01') total capacities in the
  "FINESS activités" JSON flux layout (`pmej[].ege[].activitesExercees[].capacite[]`); services without places
  (SAAD, CAMSP, CMPP, CLIC, mandataires…) have no capacity.

Rules (seed 2032, deterministic): for each category, the Gers count below (the order of magnitude of a rural
département of 190 000 inhabitants, 458 communes); the Pyrénées-Atlantiques get 3.3 × as many (population
ratio). An establishment is placed in a commune drawn with probability ∝ population^1.3 (services concentrate
in towns); capacities are uniform integers in the category's range. The `geolocalisation` line puts it within
1.5 km (uniform offset on each axis) of its commune's point in La Poste's file (laposte_codes_postaux snapshot:
first locality of the commune), projected to Lambert 93 with the IGN formulas (`lambert93`), so the distances of
the proximity indicators are plausible. Run:

    .venvs/pipeline/bin/python -m extract.demo.finess
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.settings import REPO_ROOT
from extract.sources import finess_etablissements, insee_populations_legales, laposte_codes_postaux

SEED = 2032
SNAPSHOT = REPO_ROOT / "data" / "snapshot"
OUT = SNAPSHOT / "finess_etablissements"
DEPARTEMENTS = {"32": ("GERS", 1.0), "64": ("PYRENEES ATLANTIQUES", 3.3)}
HEADER = "finess;etalab;DONNEES DE DEMONSTRATION - ne pas diffuser comme statistique;2026-11-01"

AGREGATS = {
    "4401": "Etab. et Services pour Personnes Agées",
    "4301": "Etab. et Services pour l'Enfance Handicapée",
    "4302": "Etab. et Services pour Adultes Handicapés",
    "4106": "Etablissements de l'Aide Sociale à l'Enfance",
    "4601": "Etablissements pour Adultes et Familles en Difficulté",
    "4607": "Services de protection juridique des majeurs",
    "4604": "Autres Etablissements Sociaux d'Hébergement et d'Accueil",
    "2206": "Etablissements de Soins et de prévention",
}
# categorie: (libellé FINESS, agrégat, nombre dans le Gers, capacité min, max, nom court)
CATEGORIES = {
    "500": ("Etablissement d'hébergement pour personnes âgées dépendantes", "4401", 44, 40, 110, "EHPAD"),
    "202": ("Résidences autonomie", "4401", 8, 18, 60, "RESIDENCE AUTONOMIE"),
    "207": ("Centre de Jour pour Personnes Agées", "4401", 4, 6, 15, "ACCUEIL DE JOUR"),
    "354": ("Service de Soins Infirmiers A Domicile (S.S.I.A.D)", "4401", 12, 25, 95, "SSIAD"),
    "209": ("Service Polyvalent Aide et Soins A Domicile (S.P.A.S.A.D.)", "4401", 2, 20, 60, "SPASAD"),
    "460": ("Service d'Aide et d'Accompagnement à Domicile (S.A.A.D.)", "4401", 26, 0, 0, "SAAD"),
    "463": ("Centres Locaux Information Coordination P.A .(C.L.I.C.)", "4401", 3, 0, 0, "CLIC"),
    "183": ("Institut Médico-Educatif (I.M.E.)", "4301", 5, 25, 80, "IME"),
    "186": ("Institut Thérapeutique Éducatif et Pédagogique (I.T.E.P.)", "4301", 2, 20, 45, "ITEP"),
    "182": ("Service d'Éducation Spéciale et de Soins à Domicile", "4301", 6, 15, 60, "SESSAD"),
    "190": ("Centre Action Médico-Sociale Précoce (C.A.M.S.P.)", "4301", 1, 0, 0, "CAMSP"),
    "189": ("Centre Médico-Psycho-Pédagogique (C.M.P.P.)", "4301", 2, 0, 0, "CMPP"),
    "246": ("Etablissement et Service d'Aide par le Travail (E.S.A.T.)", "4302", 8, 30, 110, "ESAT"),
    "252": ("Foyer Hébergement Adultes Handicapés", "4302", 6, 15, 45, "FOYER D'HEBERGEMENT"),
    "382": ("Foyer de Vie pour Adultes Handicapés", "4302", 7, 15, 50, "FOYER DE VIE"),
    "437": ("Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)", "4302", 4, 20, 45, "FAM"),
    "255": ("Maison d'Accueil Spécialisée (M.A.S.)", "4302", 2, 30, 60, "MAS"),
    "446": ("Service d'Accompagnement à la Vie Sociale (S.A.V.S.)", "4302", 4, 20, 70, "SAVS"),
    "445": ("Service d'accompagnement médico-social adultes handicapés", "4302", 2, 15, 40, "SAMSAH"),
    "177": ("Maison d'Enfants à Caractère Social", "4106", 4, 15, 45, "MECS"),
    "175": ("Foyer de l'Enfance", "4106", 1, 20, 40, "FOYER DE L'ENFANCE"),
    "462": ("Lieux de vie", "4106", 4, 4, 7, "LIEU DE VIE"),
    "214": ("Centre Hébergement & Réinsertion Sociale (C.H.R.S.)", "4601", 3, 15, 60, "CHRS"),
    "443": ("Centre Accueil Demandeurs Asile (C.A.D.A.)", "4601", 2, 40, 120, "CADA"),
    "258": ("Maisons Relais - Pensions de Famille", "4601", 3, 10, 25, "PENSION DE FAMILLE"),
    "340": ("Service mandataire judiciaire à la protection des majeurs", "4607", 3, 0, 0, "SERVICE MANDATAIRE"),
    "165": ("Appartement de Coordination Thérapeutique (A.C.T.)", "4604", 1, 5, 12, "ACT"),
    "178": ("Ctre.Accueil/ Accomp.Réduc.Risq.Usag. Drogues (C.A.A.R.U.D.)", "4604", 1, 0, 0, "CAARUD"),
    "197": ("Centre soins accompagnement prévention addictologie (CSAPA)", "2206", 2, 0, 0, "CSAPA"),
    "604": ("Communautés professionnelles territoriales de santé (CPTS)", "2206", 3, 0, 0, "CPTS"),
}


def communes() -> pd.DataFrame:
    pl = insee_populations_legales.parse(
        [SNAPSHOT / "insee_populations_legales" / insee_populations_legales.SNAPSHOT], None)
    pl = pl[pl["code_departement"].isin(list(DEPARTEMENTS))]
    return pl[["code_commune", "libelle", "code_departement", "population_municipale"]].reset_index(drop=True)


# Lambert 93 (RGF93, EPSG:2154): secant conic conformal projection on GRS80, IGN notes NTG_71 / ALG0003.
GRS80_E = 0.0818191910428158
L93_N, L93_C, L93_XS, L93_YS, L93_LON0 = 0.7256077650532670, 11754255.4261, 700000.0, 12655612.0499, np.radians(3)


def lambert93(longitude: float, latitude: float) -> tuple[float, float]:
    """WGS84 degrees → Lambert 93 metres (forward formula, isometric latitude)."""
    phi, e = np.radians(latitude), GRS80_E
    latiso = np.log(np.tan(np.pi / 4 + phi / 2) * ((1 - e * np.sin(phi)) / (1 + e * np.sin(phi))) ** (e / 2))
    radius, gamma = L93_C * np.exp(-L93_N * latiso), L93_N * (np.radians(longitude) - L93_LON0)
    return float(L93_XS + radius * np.sin(gamma)), float(L93_YS - radius * np.cos(gamma))


def points_communes() -> dict[str, tuple[float, float]]:
    """Commune → Lambert 93 point of its first locality in La Poste's file."""
    poste = laposte_codes_postaux.parse(
        [SNAPSHOT / "laposte_codes_postaux" / laposte_codes_postaux.SNAPSHOT], None).drop_duplicates("code_commune")
    return {c: lambert93(lon, lat) for c, lon, lat in zip(poste["code_commune"], poste["longitude"],
                                                         poste["latitude"], strict=True)}


@dataclass(frozen=True)
class _Establishment:
    """One demonstration establishment: its département, serial number there, FINESS category and commune row."""
    dep: str
    libdep: str
    serial: int
    categorie: str
    commune: pd.Series

    @property
    def nofinesset(self) -> str:
        return f"{self.dep}99{self.serial:05d}"

    @property
    def nofinessej(self) -> str:
        return f"{self.dep}98{self.serial:05d}"


def _structure_line(e: _Establishment, rng: np.random.Generator) -> str:
    """The `structureet` line of the CSV extract (one draw: the street number)."""
    libelle, agr, _, _, _, court = CATEGORIES[e.categorie]
    row = e.commune
    nom = f"{court} {row['libelle'].upper()} (DÉMO)"
    fields = ["structureet", e.nofinesset, e.nofinessej, nom[:38], nom, "", "", str(rng.integers(1, 60)),
              "RUE", "DES ECOLES", "", "", row["code_commune"][2:], e.dep, e.libdep,
              f"{row['code_commune'][:2]}000 {row['libelle'].upper()}", "", "", e.categorie, libelle, agr,
              AGREGATS[agr], "", "", "", "", "", "", "2005-01-01", "2005-01-01", "2026-10-01", ""]
    return ";".join(fields)


def _geo_line(e: _Establishment, rng: np.random.Generator, points: dict[str, tuple[float, float]]) -> str:
    """The `geolocalisation` line: the commune's La Poste point moved by up to 1.5 km on each axis (two draws)."""
    x0, y0 = points[e.commune["code_commune"]]
    x, y = x0 + rng.uniform(-1500, 1500), y0 + rng.uniform(-1500, 1500)
    return (f"geolocalisation;{e.nofinesset};{x:.1f};{y:.1f};1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,"
            "LAMBERT_93;2026-10-01")


def _ege(e: _Establishment, rng: np.random.Generator) -> dict | None:
    """The « FINESS activités » entry with installed and authorised capacities, for categories with places."""
    _, _, _, cmin, cmax, _ = CATEGORIES[e.categorie]
    if cmax <= 0:
        return None
    installee = int(rng.integers(cmin, cmax + 1))
    autorisee = installee + int(rng.integers(0, 3)) * 2
    capacite = [{"nombre": str(n), "statutCapacite": statut, "uniteMesureCapacite": "02", "modeFinancement": None,
                 "habilitation": None, "typeLogement": None, "genre": None}
                for n, statut in ((installee, "09"), (autorisee, "01"))]
    return {"egeId": str(e.serial), "numFinessEge": e.nofinesset, "activitesExercees": [{
        "caracteristiquesGeneriques": {"etatObjet": "A", "egeId": str(e.serial)},
        "nature": {"codeNature": "ASMR"}, "capacite": capacite}]}


def _establishments(rng: np.random.Generator) -> Iterator[_Establishment]:
    """Every establishment, département by département and category by category, each in a commune drawn with a
    weight of population^1.3."""
    com = communes()
    for dep, (libdep, factor) in DEPARTEMENTS.items():
        c = com[com["code_departement"] == dep].sort_values("code_commune").reset_index(drop=True)
        weights = c["population_municipale"].astype(float).to_numpy() ** 1.3
        weights /= weights.sum()
        serial = 0
        for categorie, (_, _, n32, _, _, _) in CATEGORIES.items():
            for _ in range(max(1, round(n32 * factor))):
                serial += 1
                yield _Establishment(dep, libdep, serial, categorie, c.iloc[rng.choice(len(c), p=weights)])


def generate() -> tuple[str, bytes]:
    """The CSV extract (latin-1 text) and the « FINESS activités » JSON, drawn from SEED."""
    rng = np.random.default_rng(SEED)
    points = points_communes()
    lines, geo, ege_by_ej = [HEADER], [], {}
    for e in _establishments(rng):
        lines.append(_structure_line(e, rng))
        geo.append(_geo_line(e, rng, points))
        ege = _ege(e, rng)
        if ege is not None:
            ege_by_ej.setdefault(e.nofinessej, []).append(ege)
    activites = {
        "schemaVersion": "v1.0.0", "generatedAt": "2026-11-01T00:00:00Z",
        "_avertissement": "DONNÉES DE DÉMONSTRATION — ne pas diffuser comme statistique",
        "pmej": [{"numFiness": ej, "pmSmsseId": ej, "activitesAutorisees": [], "ege": eges}
                 for ej, eges in ege_by_ej.items()],
    }
    return "\n".join(lines + geo) + "\n", json.dumps(activites, ensure_ascii=False, indent=None).encode("utf-8")


def main() -> None:
    csv_text, activites = generate()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / finess_etablissements.SNAPSHOT_CSV).write_bytes(csv_text.encode("latin-1"))
    (OUT / finess_etablissements.SNAPSHOT_ACTIVITES).write_bytes(gzip.compress(activites, mtime=0))
    for name in (finess_etablissements.SNAPSHOT_CSV, finess_etablissements.SNAPSHOT_ACTIVITES):
        print(OUT / name, (OUT / name).stat().st_size, "octets")


if __name__ == "__main__":
    main()
