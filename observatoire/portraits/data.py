"""What a portrait shows, read ONLY from the published warehouse (read-only), under a confidentiality level.

`diffusion`:
- "public": only the tables the confidentiality model of infra/superset/roles.yml calls open (`ouvert`),
  without the partners' rows (`partner_rows.open_clause`) — what the anonymous Panorama visitor may see;
- "partenaires": every mart, partner indicators, CTG actions and forum priorities included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import yaml

from core.settings import REPO_ROOT

ROLES_FILE = REPO_ROOT / "infra" / "superset" / "roles.yml"
DIFFUSIONS = ("public", "partenaires")
PROXIMITE_TABLE = "fct_proximite_territoire"  # built by the proximity work (issue 15 item 1) when present

# Which communes make up a territory, by level (dim_territoire columns).
_COMMUNES_OF = {
    "commune": "code_territoire = $ct",
    "epci": "code_epci = $code",
    "territoire_action": "code_territoire_action = $code",
    "departement": "code_departement = $code",
    "region": "code_region = $code",
    "france": "true",
}
_RANK_GROUP = {"epci": "EPCI", "territoire_action": "territoires d'action", "departement": "départements"}


class PortraitError(ValueError):
    """A portrait cannot be built; the French message says why and how to fix it."""


@dataclass(frozen=True)
class Confidentialite:
    diffusion: str
    tables_ouvertes: frozenset[str]
    tables_lignes_partenaires: frozenset[str]
    clause_ouverte: str

    @classmethod
    def load(cls, diffusion: str, roles_file: Path = ROLES_FILE) -> Confidentialite:
        if diffusion not in DIFFUSIONS:
            raise PortraitError(f"Diffusion « {diffusion} » inconnue : valeurs possibles {', '.join(DIFFUSIONS)}.")
        model = yaml.safe_load(roles_file.read_text(encoding="utf-8"))["confidentiality"]
        return cls(diffusion, frozenset(model["ouvert"]), frozenset(model["partner_rows"]["tables"]),
                   model["partner_rows"]["open_clause"])

    @property
    def public(self) -> bool:
        return self.diffusion == "public"

    def allows(self, table: str) -> bool:
        return not self.public or table in self.tables_ouvertes

    def rows(self, table: str) -> str:
        """The table as this diffusion may read it (a subquery without partner rows for the public)."""
        if self.public and table in self.tables_lignes_partenaires:
            return f"(select * from marts.{table} where {self.clause_ouverte})"
        return f"marts.{table}"


@dataclass
class Entrepot:
    """One read-only connection to the published warehouse, and what every portrait of a run shares."""

    path: Path
    confidentialite: Confidentialite
    con: duckdb.DuckDBPyConnection = field(init=False)

    def __post_init__(self) -> None:
        if not self.path.exists():
            raise PortraitError(f"Aucun entrepôt publié à {self.path} : lancez d'abord « observatoire refresh ».")
        self.con = duckdb.connect(str(self.path), read_only=True)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Entrepot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rows(self, sql: str, params: dict | list | None = None) -> list[dict]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    @cached_property
    def tables(self) -> set[str]:
        return {r["table_name"] for r in self.rows(
            "select table_name from information_schema.tables where table_schema = 'marts'")}

    def readable(self, table: str) -> bool:
        return table in self.tables and self.confidentialite.allows(table)

    def src(self, table: str) -> str:
        if not self.readable(table):
            raise PortraitError(f"marts.{table} n'est pas lisible pour une diffusion "
                                f"« {self.confidentialite.diffusion} ».")
        return self.confidentialite.rows(table)

    @cached_property
    def publication(self) -> dict:
        return self.rows("select * from meta.publication")[0]

    @cached_property
    def sources(self) -> list[dict]:
        return self.rows("select source, fetched_at, origin, est_demonstration, stale from meta.sources "
                         "order by source")

    @cached_property
    def contours(self) -> dict[str, list]:
        """code_territoire -> MultiPolygon coordinates (marts.geo_territoire), loaded once for every portrait."""
        if not self.readable("geo_territoire"):
            return {}
        return {r["code_territoire"]: json.loads(r["geojson"])["coordinates"]
                for r in self.rows(f"select code_territoire, geojson from {self.src('geo_territoire')}")}

    def territoire(self, code_territoire: str) -> dict:
        found = self.rows(f"select * from {self.src('dim_territoire')} where code_territoire = ?", [code_territoire])
        if found:
            return found[0]
        examples = [r["code_territoire"] for r in self.rows(
            f"select code_territoire from {self.src('dim_territoire')} where niveau in ('epci', 'territoire_action')"
            " order by niveau, code_territoire limit 3")]
        raise PortraitError(
            f"Territoire « {code_territoire} » inconnu : il n'est pas dans marts.dim_territoire de l'entrepôt "
            f"publié ({self.path}). Donnez un code de territoire tel qu'il y figure (par exemple "
            f"{', '.join(examples)} ; COM-<code commune>, DEP-<code département>)."
        )

    def territoires_du_departement(self) -> list[dict]:
        """Every EPCI and territoire d'action of the configured département (the portraits of a publish)."""
        return self.rows(
            f"select code_territoire, niveau, libelle from {self.src('dim_territoire')} "
            "where niveau in ('epci', 'territoire_action') and est_dans_departement order by niveau, libelle")


def portrait_data(wh: Entrepot, code_territoire: str) -> dict:
    """Everything one portrait shows, as plain values taken from the marts."""
    terr = wh.territoire(code_territoire)
    departement = f"DEP-{wh.publication['departement']}"
    clause = _COMMUNES_OF[terr["niveau"]]
    communes = wh.rows(
        f"select code_territoire, code, libelle, population_municipale from {wh.src('dim_territoire')} "
        f"where niveau = 'commune' and {clause} order by libelle",
        {k: terr[c] for k, c in (("ct", "code_territoire"), ("code", "code")) if f"${k}" in clause},
    )
    indicateurs = _indicateurs(wh, code_territoire)
    return {
        "territoire": terr,
        "departement": wh.territoire(departement),
        "communes": communes,
        "indicateurs": [i for i in indicateurs if "__" not in i["code_indicateur"]],
        "indicateurs_partenaires": [i for i in indicateurs if "__" in i["code_indicateur"]],
        "groupe_rang": _RANK_GROUP.get(terr["niveau"]),
        "population": _population(wh, code_territoire, departement),
        "offre": _offre(wh, code_territoire),
        "couverture": _couverture(wh, code_territoire),
        "proximite": _proximite(wh, code_territoire),
        "ctg": _ctg(wh, terr, departement, [c["code_territoire"] for c in communes]),
        "publication": wh.publication,
        # meta.sources is the sources' freshness (fetch dates, failures): partner-confidential like
        # marts.fraicheur_sources, so the public version cites the catalog's sources and vintages only
        "sources": [] if wh.confidentialite.public else wh.sources,
        "diffusion": wh.confidentialite.diffusion,
    }


def _indicateurs(wh: Entrepot, code: str) -> list[dict]:
    """Latest year of each indicator with the département, région and France values, and the rank and changes
    of fct_comparaison_indicateur when the territory's level is compared there."""
    comparaison = ""
    cols = "null as rang, null as nb_territoires_groupe, null as evolution_1_an_pct, null as evolution_5_ans_pct"
    if wh.readable("fct_comparaison_indicateur"):
        comparaison = (f"left join {wh.src('fct_comparaison_indicateur')} c on c.code_territoire = p.code_territoire "
                       "and c.code_indicateur = p.code_indicateur and c.annee = p.annee")
        cols = "c.rang, c.nb_territoires_groupe, c.evolution_1_an_pct, c.evolution_5_ans_pct"
    return wh.rows(
        f"""select p.code_indicateur, p.libelle_indicateur, p.theme, p.unite, p.annee, p.valeur,
               p.valeur_departement, p.valeur_region, p.valeur_france, p.est_demonstration, p.mention_secret,
               d.source, d.producteur, d.millesime, d.nature,
               d.regle_agregation = 'additive' and d.definition_denominateur is null as est_effectif, {cols}
        from {wh.src('panorama_indicateurs')} p
        join {wh.src('dim_indicateur')} d using (code_indicateur)
        {comparaison}
        where p.code_territoire = ?
        qualify p.annee = max(p.annee) over (partition by p.code_indicateur)
        order by p.theme, p.libelle_indicateur""",
        [code],
    )


def _population(wh: Entrepot, code: str, departement: str) -> list[dict]:
    return wh.rows(
        f"""select annee, max(valeur) filter (where code_territoire = $code) as valeur,
               max(valeur) filter (where code_territoire = $dep) as valeur_departement,
               bool_or(est_demonstration) as est_demonstration
        from {wh.src('fct_indicateur_territoire')}
        where code_indicateur = 'population_municipale' and code_territoire in ($code, $dep)
        group by annee having valeur is not null order by annee""",
        {"code": code, "dep": departement},
    )


def _offre(wh: Entrepot, code: str) -> list[dict]:
    """Offer per policy and mission: services located in the territory and services serving it."""
    if not wh.readable("offre_territoire"):
        return []
    return wh.rows(
        f"""select libelle_politique, libelle_mission,
               sum(nb_offres) filter (where mode_comptage = 'implantation') as nb_implantees,
               sum(capacite) filter (where mode_comptage = 'implantation') as capacite,
               sum(nb_offres) filter (where mode_comptage = 'desserte') as nb_desservant,
               bool_or(est_demonstration) as est_demonstration
        from {wh.src('offre_territoire')} where code_territoire = ?
        group by all order by libelle_politique, libelle_mission""",
        [code],
    )


def _couverture(wh: Entrepot, code: str) -> list[dict]:
    if not wh.readable("fct_couverture_besoins"):
        return []
    return wh.rows(
        f"""select code_indicateur, libelle_indicateur, unite, annee, valeur, valeur_departement,
               indice_couverture, classe_couverture, libelle_classe_couverture, est_demonstration
        from {wh.src('fct_couverture_besoins')} where code_territoire = ?
        qualify annee = max(annee) over (partition by code_indicateur)
        order by libelle_indicateur""",
        [code],
    )


def _proximite(wh: Entrepot, code: str) -> list[dict] | None:
    """None when the warehouse has no proximity mart (or this diffusion may not read it)."""
    if not wh.readable(PROXIMITE_TABLE):
        return None
    return wh.rows(
        f"""select categorie_service, libelle_categorie, population, part_population_plus_5_km,
               part_population_plus_10_km, part_population_plus_20_km, distance_mediane_km, est_demonstration
        from {wh.src(PROXIMITE_TABLE)} where code_territoire = ? order by libelle_categorie""",
        [code],
    )


def _ctg(wh: Entrepot, terr: dict, departement: str, communes: list[str]) -> dict | None:
    """CTG actions and forum priorities of the territory, its communes, the EPCI or territoires d'action that
    share communes with it, and the département (its actions concern every territory). None for the public."""
    if not (wh.readable("fct_action_ctg") and wh.readable("fct_priorite_forum")):
        return None
    concernes = sorted({terr["code_territoire"], departement, *communes, *_overlapping(wh, communes)})
    actions = wh.rows(
        f"""select libelle_territoire, partenaire, axe, code_action, intitule, pilote, statut, est_demonstration
        from {wh.src('fct_action_ctg')} where list_contains($c, code_territoire)
        order by partenaire, code_action""", {"c": concernes})
    priorites = wh.rows(
        f"""select libelle_territoire, theme, rang, priorite, date_forum, partenaire, est_demonstration
        from {wh.src('fct_priorite_forum')} where list_contains($c, code_territoire)
        order by date_forum desc, theme, rang""", {"c": concernes})
    return {"actions": actions, "priorites": priorites}


def _overlapping(wh: Entrepot, communes: list[str]) -> set[str]:
    rows = wh.rows(
        f"""select distinct 'EPCI-' || code_epci as e, 'TER-' || code_territoire_action as t
        from {wh.src('dim_territoire')} where list_contains($c, code_territoire)""", {"c": communes})
    return {v for r in rows for v in r.values() if v}
