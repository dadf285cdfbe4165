"""DEMONSTRATION offline snapshots of two offer sources with no open copy here: data·inclusion and the BPE.

- `data/snapshot/data_inclusion_services/services-demonstration.pages.jsonl` and `structures-…`: one answer page
  each, in the API v0 page layout (`items`, `total`, `page`, `size`, `pages`), plus a key `avertissement`.
  Fictitious services and structures (every name ends with « (DÉMO) », source `demonstration`), with real
  codes of the data·inclusion référentiel (thematiques, profils, typologies, zone_diffusion_type) and real
  communes / EPCI of the Gers and the Pyrénées-Atlantiques. One thematique (`numerique--…`) is deliberately
  not in the crosswalk, to show the « non classé » bucket.
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

STRUCTURES = [  # id, nom, typologie
    ("s-ccas-auch", "CCAS d'Auch (DÉMO)", "CCAS"),
    ("s-asso-gers", "Association d'entraide gersoise (DÉMO)", "ASSO"),
    ("s-caf-32", "CAF du Gers — accueil (DÉMO)", "CAF"),
    ("s-ccas-pau", "CCAS de Pau (DÉMO)", "CCAS"),
    ("s-asso-basque", "Association solidarité Côte basque (DÉMO)", "ASSO"),
    ("s-mairie-condom", "Mairie de Condom (DÉMO)", "MUNI"),
]
SERVICES = [  # id, structure, nom, thematiques, profils, code_insee, zone type, zone code
    ("svc-001", "s-ccas-auch", "Aide alimentaire d'urgence (DÉMO)",
     ["equipement-et-alimentation--aide-alimentaire"],
     ["personnes-en-situation-durgence", "beneficiaires-rsa"], "32013", "commune", "32013"),
    ("svc-002", "s-ccas-auch", "Domiciliation administrative (DÉMO)",
     ["acces-aux-droits-et-citoyennete--accompagnement-dans-les-demarches-administratives"],
     ["sans-domicile-fixe"], "32013", "epci", "200066926"),
    ("svc-003", "s-asso-gers", "Soutien à la parentalité (DÉMO)",
     ["famille--soutien-a-la-parentalite"],
     ["familles-enfants"], "32107", "departement", "32"),
    ("svc-004", "s-caf-32", "Rendez-vous des droits (DÉMO)",
     ["acces-aux-droits-et-citoyennete--acceder-au-droit"],
     ["familles-enfants", "beneficiaires-rsa"], "32013", "departement", "32"),
    ("svc-005", "s-mairie-condom", "Accompagnement au numérique (DÉMO)",
     ["numerique--realiser-des-demarches-administratives-avec-un-accompagnement"],
     ["seniors-65"], "32107", "commune", "32107"),
    ("svc-006", "s-asso-gers", "Hébergement d'urgence (DÉMO)",
     ["logement-hebergement--mal-loges-sans-logis"],
     ["sans-domicile-fixe"], "32365", "region", "76"),
    ("svc-101", "s-ccas-pau", "Épicerie solidaire (DÉMO)",
     ["equipement-et-alimentation--aide-alimentaire"],
     ["beneficiaires-rsa"], "64445", "commune", "64445"),
    ("svc-102", "s-ccas-pau", "Accompagnement social global (DÉMO)",
     ["accompagnement-social-et-professionnel-personnalise"],
     ["tous-publics"], "64445", "commune", "64445"),
    ("svc-103", "s-asso-basque", "Garde d'enfants à horaires atypiques (DÉMO)",
     ["famille--garde-denfants"],
     ["familles-enfants"], "64102", "departement", "64"),
    ("svc-104", "s-asso-basque", "Aide aux aidants (DÉMO)",
     ["handicap--aide-a-la-personne", "famille--soutien-aux-aidants"],
     ["personnes-handicapees", "seniors-65"], "64122", "commune", "64122"),
]
BPE = [  # code_commune, type_equipement, nombre (illustrative)
    ("32013", "D502", 6), ("32013", "D401", 4), ("32107", "D502", 2), ("32365", "D502", 1),
    ("32107", "D703", 1), ("64445", "D502", 18), ("64102", "D502", 12), ("64122", "D502", 7),
    ("64445", "D601", 3), ("64445", "D799", 1),
]
BPE_ANNEE = 2023


def _page(items: list[dict]) -> str:
    return json.dumps({"avertissement": AVERTISSEMENT, "items": items, "total": len(items), "page": 1,
                       "size": 500, "pages": 1}, ensure_ascii=False) + "\n"


def write(snapshot: Path = SNAPSHOT) -> list[Path]:
    di = snapshot / "data_inclusion_services"
    bpe = snapshot / "insee_bpe_communes"
    di.mkdir(parents=True, exist_ok=True)
    bpe.mkdir(parents=True, exist_ok=True)
    structures = [{"id": i, "source": "demonstration", "nom": nom, "typologie": typ} for i, nom, typ in STRUCTURES]
    services = [{"id": i, "source": "demonstration", "structure_id": st, "nom": nom, "thematiques": th,
                 "profils": pr, "code_insee": com, "zone_diffusion_type": zt, "zone_diffusion_code": zc}
                for i, st, nom, th, pr, com, zt, zc in SERVICES]
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
