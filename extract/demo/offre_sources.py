"""DEMONSTRATION offline snapshots of two offer sources with no open copy here: data·inclusion and the BPE.

- `data/snapshot/data_inclusion_services/services-demonstration.pages.jsonl` and `structures-…`: one answer page
  each, in the API v1 page layout (`items`, `total`, `page`, `size`, `pages`), plus a key `avertissement`.
  Fictitious services and structures (every name ends with « (DÉMO) », source `demonstration`), with real
  codes of the data·inclusion v1 référentiel (thematiques, publics, reseaux_porteurs; schema 1.0.8) and a
  `zone_eligibilite` of real COG codes (commune, EPCI SIREN, département; a région written as its départements,
  as the schema asks). One thematique (`numerique--…`) is deliberately not in the crosswalk, to show the
  « non classé » bucket.
- `data/snapshot/insee_bpe_communes/insee_bpe_communes_demonstration.csv`: banner line, then
  `code_commune;annee;type_equipement;nombre` — illustrative facility counts, NOT statistics.

Fixed lists, no randomness: `python -m extract.demo.offre_sources` rewrites the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

from extract.sources._long import BANNER

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot"
AVERTISSEMENT = "DONNÉES DE DÉMONSTRATION — ne pas diffuser comme statistique"

STRUCTURES = [  # id, nom, reseaux_porteurs (v1 référentiel)
    ("s-ccas-auch", "CCAS d'Auch (DÉMO)", ["ccas-cias"]),
    ("s-asso-gers", "Association d'entraide gersoise (DÉMO)", ["secours-populaire"]),
    ("s-caf-32", "CAF du Gers — accueil (DÉMO)", ["caf"]),
    ("s-ccas-pau", "CCAS de Pau (DÉMO)", ["ccas-cias"]),
    ("s-asso-basque", "Association solidarité Côte basque (DÉMO)", ["croix-rouge"]),
    ("s-mairie-condom", "Mairie de Condom (DÉMO)", ["communes"]),
]
OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]  # région = départements
SERVICES = [  # id, structure, nom, thematiques, publics, code_insee, zone_eligibilite (v1 référentiel)
    ("svc-001", "s-ccas-auch", "Aide alimentaire d'urgence (DÉMO)",
     ["equipement-et-alimentation--alimentation"],
     ["personnes-en-situation-durgence", "beneficiaires-des-minimas-sociaux"], "32013", ["32013"]),
    ("svc-002", "s-ccas-auch", "Domiciliation administrative (DÉMO)",
     ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
     ["personnes-en-situation-durgence"], "32013", ["200066926"]),
    ("svc-003", "s-asso-gers", "Soutien à la parentalité (DÉMO)",
     ["famille--soutien-a-la-parentalite-et-a-leducation"],
     ["familles"], "32107", ["32"]),
    ("svc-004", "s-caf-32", "Rendez-vous des droits (DÉMO)",
     ["difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"],
     ["familles", "beneficiaires-des-minimas-sociaux"], "32013", ["32"]),
    ("svc-005", "s-mairie-condom", "Accompagnement au numérique (DÉMO)",
     ["numerique--acceder-a-des-services-en-ligne"],
     ["seniors"], "32107", ["32107"]),
    ("svc-006", "s-asso-gers", "Hébergement d'urgence (DÉMO)",
     ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
     ["personnes-en-situation-durgence"], "32365", OCCITANIE),
    ("svc-101", "s-ccas-pau", "Épicerie solidaire (DÉMO)",
     ["equipement-et-alimentation--alimentation"],
     ["beneficiaires-des-minimas-sociaux"], "64445", ["64445"]),
    ("svc-102", "s-ccas-pau", "Accompagnement social global (DÉMO)",
     ["remobilisation--lien-social"],
     ["tous-publics"], "64445", ["64445"]),
    ("svc-103", "s-asso-basque", "Garde d'enfants à horaires atypiques (DÉMO)",
     ["famille--garde-denfants"],
     ["familles"], "64102", ["64"]),
    ("svc-104", "s-asso-basque", "Aide aux aidants (DÉMO)",
     ["famille--prise-en-charge-personne-dependante", "famille--soutien-aidants"],
     ["personnes-en-situation-de-handicap", "seniors"], "64122", ["64122"]),
]
BPE = [  # code_commune, type_equipement, nombre (illustrative)
    ("32013", "D502", 6), ("32013", "D401", 4), ("32107", "D502", 2), ("32365", "D502", 1),
    ("32107", "D703", 1), ("64445", "D502", 18), ("64102", "D502", 12), ("64122", "D502", 7),
    ("64445", "D601", 3), ("64445", "D799", 1),
]
BPE_ANNEE = 2023


def _page(items: list[dict]) -> str:
    return json.dumps({"avertissement": AVERTISSEMENT, "items": items, "total": len(items), "page": 1,
                       "size": len(items), "pages": 1}, ensure_ascii=False) + "\n"


def write(snapshot: Path = SNAPSHOT) -> list[Path]:
    di = snapshot / "data_inclusion_services"
    bpe = snapshot / "insee_bpe_communes"
    di.mkdir(parents=True, exist_ok=True)
    bpe.mkdir(parents=True, exist_ok=True)
    structures = [{"id": i, "source": "demonstration", "nom": nom, "reseaux_porteurs": rp}
                  for i, nom, rp in STRUCTURES]
    services = [{"id": i, "source": "demonstration", "structure_id": st, "nom": nom, "thematiques": th,
                 "publics": pu, "code_insee": com, "zone_eligibilite": zone}
                for i, st, nom, th, pu, com, zone in SERVICES]
    out = [di / "services-demonstration.pages.jsonl", di / "structures-demonstration.pages.jsonl",
           bpe / "insee_bpe_communes_demonstration.csv"]
    out[0].write_text(_page(services), encoding="utf-8")
    out[1].write_text(_page(structures), encoding="utf-8")
    lines = [BANNER, "code_commune;annee;type_equipement;nombre"]
    lines += [f"{c};{BPE_ANNEE};{t};{n}" for c, t, n in BPE]
    out[2].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    for path in write():
        print(path)
