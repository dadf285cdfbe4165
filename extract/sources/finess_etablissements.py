"""FINESS — social and medico-social establishments (ministère de la Santé / ANS, data.gouv.fr).

One landing row per établissement (ET, FINESS géographique), whatever the format received:

- **CSV extract** `etalab-cs1100507-stock-YYYYMMDD-HHMM.csv` (historic data.gouv resource): `;`, Latin-1, first
  line a file header (`finess;etalab;…`), no column names; `structureet` lines (32 fields, PROVENANCE §7) then
  `geolocalisation` lines (`nofinesset;coordxet;coordyet;sourcecoordet;datemaj`, Lambert 93 in metropole).
  The commune is `departement` (2 characters) + `commune` (3 digits); overseas FINESS départements `9A`…`9F`
  are turned back into INSEE codes 971…976.
- **JSON flux "FINESS structures"** (`finess-structures-journalier-YYYYMMDD.json.gz`, schemaVersion v1.0.0):
  `pmej[].ege[]` sites with `informationsGeneralesEGE.numFinessEge`, `categorieentiteGeographiqueExercice`,
  `adresse[].cogCommune`, WGS84 `coordonneeX/Y`. Closed sites (`dateFermeture` set) are left out.
- **JSON flux "FINESS activités"** (`finess-activites-journalier-YYYYMMDD.json.gz`): capacities of each site's
  activities, `pmej[].ege[].activitesExercees[].capacite[]`. Only *total* capacities are summed (no
  `modeFinancement`, `habilitation`, `typeLogement`, `genre` breakdown), `statutCapacite` '09' = installée and
  '01' = autorisée (as read by public readers of this flux — to check against the ANS schema
  `ansforge/finess` `flux/out/data.gouv/activite/` at the first online run). Active activities only
  (`etatObjet` 'A').

The CSV extract carries no capacity: capacities come from the activités file when it is among the files, else
they are null. Offline, the snapshot is a DEMONSTRATION Gers / Pyrénées-Atlantiques offer written in the CSV
extract's own format plus a capacities file in the activités flux format (extract/demo/finess.py).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import requests

from extract.http import FetchError, get
from extract.readers import ParseError, decode_text, read_bytes
from extract.registry_types import Fetched

SNAPSHOT_CSV = "etalab-cs1100507-stock-demonstration.csv"
SNAPSHOT_ACTIVITES = "finess-activites-demonstration.json.gz"
ONLINE_URL = "https://www.data.gouv.fr/fr/datasets/r/2ce43ade-8d2c-4d1d-81da-ca06c82abc68"
ACTIVITES_DATASET_API = "https://www.data.gouv.fr/api/1/datasets/finess-activites/"  # verify at first online run

STRUCTUREET = [
    "section", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape",
    "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
]
GEOLOCALISATION = ["section", "nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj"]
OUTRE_MER = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}
COLUMNS = [
    "nofinesset", "nofinessej", "raison_sociale", "code_commune", "categorie", "libelle_categorie", "siret",
    "date_ouverture", "coord_x", "coord_y", "systeme_coordonnees", "capacite_installee", "capacite_autorisee",
    "format_source",
]
STATUT_INSTALLEE, STATUT_AUTORISEE = "09", "01"


def fetch(session: requests.Session, settings) -> list[Fetched]:
    """The CSV extract (stable resource URL) and the latest 'activités' JSON flux for the capacities."""
    extract = get(session, ONLINE_URL)
    name = Path(extract.url).name if extract.url.endswith(".csv") else "etalab-cs1100507-stock.csv"
    out = [Fetched(name, extract.content, extract.url)]
    listing = get(session, ACTIVITES_DATASET_API)
    try:
        resources = listing.json()["resources"]
        latest = max((r for r in resources if "activites" in (r.get("title") or r.get("url", ""))),
                     key=lambda r: r.get("title") or r["url"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"{ACTIVITES_DATASET_API} : réponse inattendue ({exc})") from exc
    activites = get(session, latest["url"])
    out.append(Fetched(Path(latest["url"]).name, activites.content, latest["url"]))
    return out


def _code_commune(departement: str, commune: str) -> str | None:
    if not departement or not commune:
        return None
    if departement in OUTRE_MER:
        return OUTRE_MER[departement] + commune[-2:]
    return departement + commune


def parse_csv_extract(data: bytes, name: str) -> pd.DataFrame:
    text = decode_text(data, name)
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("finess"):
        raise ParseError(f"{name} : première ligne attendue « finess;etalab;… » (en-tête du fichier)")
    etabs, geo = [], {}
    for number, fields in enumerate(csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";"), start=2):
        if not fields:
            continue
        if fields[0] == "structureet":
            if len(fields) < len(STRUCTUREET) - 1:
                raise ParseError(f"{name}, ligne {number} : {len(fields)} champs, {len(STRUCTUREET)} attendus")
            etabs.append(dict(zip(STRUCTUREET, fields, strict=False)))
        elif fields[0] == "geolocalisation":
            geo[fields[1]] = dict(zip(GEOLOCALISATION, fields, strict=False))
        else:
            raise ParseError(f"{name}, ligne {number} : type de ligne inconnu {fields[0]!r}")
    if not etabs:
        raise ParseError(f"{name} : aucune ligne « structureet »")
    df = pd.DataFrame(etabs).fillna("")
    coords = pd.DataFrame([{"nofinesset": k, "coordxet": v.get("coordxet"), "coordyet": v.get("coordyet")}
                           for k, v in geo.items()], columns=["nofinesset", "coordxet", "coordyet"])
    df = df.merge(coords, on="nofinesset", how="left")
    return pd.DataFrame({
        "nofinesset": df["nofinesset"],
        "nofinessej": df["nofinessej"],
        "raison_sociale": df["rslongue"].where(df["rslongue"] != "", df["rs"]),
        "code_commune": [_code_commune(d, c) for d, c in zip(df["departement"], df["commune"], strict=True)],
        "categorie": df["categetab"],
        "libelle_categorie": df["libcategetab"],
        "siret": df["siret"].replace("", None),
        "date_ouverture": df["dateouv"].replace("", None),
        "coord_x": pd.to_numeric(df["coordxet"], errors="coerce"),
        "coord_y": pd.to_numeric(df["coordyet"], errors="coerce"),
        "systeme_coordonnees": "lambert93",
        "format_source": "csv_cs1100507",
    })


def parse_structures(doc: dict, name: str) -> pd.DataFrame:
    rows = []
    for pm in doc.get("pmej") or []:
        nofinessej = (pm.get("informationsGeneralesPMEJ") or {}).get("numFinessPm")
        for ege in pm.get("ege") or []:
            info = ege.get("informationsGeneralesEGE") or {}
            if info.get("dateFermeture"):
                continue
            adresse = (ege.get("adresse") or [{}])[0]
            coords = adresse.get("coordonneesGeographique") or {}
            rows.append({
                "nofinesset": info.get("numFinessEge"),
                "nofinessej": nofinessej,
                "raison_sociale": info.get("nomEgeLong") or info.get("nomEgeCourt"),
                "code_commune": adresse.get("cogCommune"),
                "categorie": ege.get("categorieentiteGeographiqueExercice"),
                "libelle_categorie": None,  # the flux carries codes only; labels come from the nomenclature seed
                "siret": info.get("siret"),
                "date_ouverture": info.get("dateOuverture"),
                "coord_x": pd.to_numeric(coords.get("coordonneeX"), errors="coerce"),
                "coord_y": pd.to_numeric(coords.get("coordonneeY"), errors="coerce"),
                "systeme_coordonnees": "wgs84",
                "format_source": "json_structures",
            })
    if not rows:
        raise ParseError(f"{name} : aucun établissement ouvert (pmej[].ege[]) dans le flux structures")
    return pd.DataFrame(rows)


def parse_activites(doc: dict, name: str) -> pd.DataFrame:
    """Total installed and authorised capacity per site (numFinessEge)."""
    totals: dict[str, dict[str, int]] = {}
    for pm in doc.get("pmej") or []:
        for ege in pm.get("ege") or []:
            site = ege.get("numFinessEge")
            for activite in ege.get("activitesExercees") or []:
                if (activite.get("caracteristiquesGeneriques") or {}).get("etatObjet") != "A":
                    continue
                for cap in activite.get("capacite") or []:
                    if any(cap.get(k) for k in ("modeFinancement", "habilitation", "typeLogement", "genre")):
                        continue
                    try:
                        nombre = int(cap.get("nombre"))
                    except (TypeError, ValueError):
                        continue
                    slot = totals.setdefault(site, {STATUT_INSTALLEE: 0, STATUT_AUTORISEE: 0})
                    if cap.get("statutCapacite") in slot:
                        slot[cap["statutCapacite"]] += nombre
    return pd.DataFrame(
        [{"nofinesset": k, "capacite_installee": v[STATUT_INSTALLEE], "capacite_autorisee": v[STATUT_AUTORISEE]}
         for k, v in totals.items()], columns=["nofinesset", "capacite_installee", "capacite_autorisee"])


def _load(path: Path) -> tuple[str, object]:
    data = read_bytes(path)
    if data.lstrip()[:1] == b"{":
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise ParseError(f"{path.name} : JSON illisible ({exc})") from exc
        if not isinstance(doc, dict) or "pmej" not in doc:
            raise ParseError(f"{path.name} : flux FINESS sans clé « pmej »")
        pmej = doc["pmej"] or [{}]
        kind = "structures" if "informationsGeneralesPMEJ" in pmej[0] else "activites"
        return kind, doc
    return "csv", data


def parse(files: list[Path], settings) -> pd.DataFrame:
    etabs, capacites = [], []
    for path in files:
        kind, content = _load(path)
        if kind == "csv":
            etabs.append(parse_csv_extract(content, path.name))
        elif kind == "structures":
            etabs.append(parse_structures(content, path.name))
        else:
            capacites.append(parse_activites(content, path.name))
    if not etabs:
        raise ParseError("FINESS : aucun fichier d'établissements (extraction CSV ou flux structures)")
    df = pd.concat(etabs, ignore_index=True).drop_duplicates("nofinesset", keep="first")
    if capacites:
        caps = pd.concat(capacites, ignore_index=True).groupby("nofinesset", as_index=False).sum()
        df = df.merge(caps, on="nofinesset", how="left")
    else:
        df["capacite_installee"] = pd.NA
        df["capacite_autorisee"] = pd.NA
    for column in ("capacite_installee", "capacite_autorisee"):
        df[column] = df[column].astype("Int64")
    for column in ("coord_x", "coord_y"):
        df[column] = df[column].astype("float64")
    return df[COLUMNS].astype({c: "string" for c in COLUMNS if c not in
                               ("coord_x", "coord_y", "capacite_installee", "capacite_autorisee")})
