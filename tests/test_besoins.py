"""Needs against offer, fairness, comparisons and statistical secrecy (issue 5), on the real offline refresh of
the Gers (`published_warehouse`). Coverage ratios are recomputed here from the input files (FINESS
demonstration extract + activités capacities, demonstration census file, EPCI composition), read with the
csv/json modules only, independently of extract/ and dbt."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import Counter, defaultdict

import duckdb
import pytest

from core.settings import REPO_ROOT

SNAPSHOT = REPO_ROOT / "data" / "snapshot"
SEEDS = REPO_ROOT / "dbt_project" / "seeds"


@pytest.fixture(scope="module")
def warehouse(published_warehouse):
    con = duckdb.connect(str(published_warehouse), read_only=True)
    yield con
    con.close()


# --- 1. coverage ratios recomputed from the input files -------------------------------------------------------

def _finess_by_commune(categories: set[str]) -> Counter:
    """Installed capacity of the given FINESS categories per commune of implantation."""
    text = (SNAPSHOT / "finess_etablissements" / "etalab-cs1100507-stock-demonstration.csv").read_bytes()
    rows = [r for r in csv.reader(io.StringIO(text.decode("latin-1")), delimiter=";")][1:]
    etabs = {r[1]: (r[13] + r[12], r[18]) for r in rows if r[0] == "structureet"}
    act = json.loads(gzip.decompress(
        (SNAPSHOT / "finess_etablissements" / "finess-activites-demonstration.json.gz").read_bytes()))
    capacity = Counter()
    for pm in act["pmej"]:
        for ege in pm["ege"]:
            for a in ege["activitesExercees"]:
                if a["caracteristiquesGeneriques"].get("etatObjet") != "A":
                    continue
                for c in a["capacite"]:
                    if c["statutCapacite"] == "09" and not any(
                            c.get(k) for k in ("modeFinancement", "habilitation", "typeLogement", "genre")):
                        capacity[ege["numFinessEge"]] += int(c["nombre"])
    out = Counter()
    for nofinesset, (commune, categorie) in etabs.items():
        if categorie in categories:
            out[commune] += capacity[nofinesset]
    return out


def _census(measure: str) -> dict[str, float]:
    with gzip.open(SNAPSHOT / "insee_rp_communes" / "insee_rp_communes_demonstration.csv.gz", "rt",
                   encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return {r["code_commune"]: float(r["valeur"]) for r in csv.DictReader(lines, delimiter=";")
            if r["code_mesure"] == measure}


def _epci_members() -> dict[str, list[str]]:
    epcis = json.loads((SNAPSHOT / "epci_composition" / "epci.json").read_text(encoding="utf-8"))
    return {e["code"]: [m["code"] for m in e["membres"]] for e in epcis}


@pytest.mark.parametrize("indicateur, categories, mesure, facteur", [
    ("places_hebergement_pa_pour_100_75_ans_plus", {"500", "202"}, "pop_75_plus", 100),
    ("places_ssiad_pour_100_75_ans_plus", {"354", "209"}, "pop_75_plus", 100),
])
def test_coverage_ratios_of_gers_epci_equal_the_input_files(warehouse, indicateur, categories, mesure, facteur):
    places, population, members = _finess_by_commune(categories), _census(mesure), _epci_members()
    got = warehouse.execute(
        "select t.code, c.valeur, c.offre from marts.fct_couverture_besoins c "
        "join marts.dim_territoire t using (code_territoire) where c.code_indicateur = ? and t.niveau = 'epci'",
        [indicateur]).fetchall()
    assert len(got) >= 10, "the EPCI wholly inside the Gers all have a coverage ratio"
    checked = 0
    for code_epci, valeur, offre in got:
        communes = members[code_epci]
        assert all(c.startswith("32") for c in communes), "cross-border EPCI are not covered offline"
        expected_places = sum(places[c] for c in communes)
        expected = facteur * expected_places / sum(population[c] for c in communes)
        assert offre == pytest.approx(expected_places)
        assert valeur == pytest.approx(expected, rel=1e-9)
        checked += 1
    assert checked >= 10


def test_offer_ratios_are_not_published_where_the_offer_file_does_not_reach(warehouse):
    """Offline FINESS covers the Gers only: no coverage ratio for the région, France or cross-border EPCI."""
    niveaux = {r[0] for r in warehouse.execute(
        "select distinct t.niveau from marts.fct_indicateur_territoire f "
        "join marts.dim_territoire t using (code_territoire) "
        "where f.code_indicateur = 'places_hebergement_pa_pour_100_75_ans_plus'").fetchall()}
    assert niveaux == {"commune", "epci", "territoire_action", "departement"}
    assert warehouse.execute(
        "select count(*) from marts.fct_couverture_besoins c join marts.dim_territoire t using (code_territoire) "
        "where t.est_interdepartemental").fetchone()[0] == 0


def test_coverage_classes_follow_the_documented_thresholds(warehouse):
    rows = warehouse.execute(
        "select indice_couverture, classe_couverture from marts.fct_couverture_besoins "
        "where indice_couverture is not null").fetchall()
    assert rows
    for indice, classe in rows:
        expected = 1 if indice < 50 else 2 if indice < 80 else 3 if indice < 120 else 4 if indice < 150 else 5
        assert classe == expected
    assert warehouse.execute(
        "select classe_couverture from marts.fct_couverture_besoins where niveau = 'departement'"
    ).fetchall() == [(3,)] * 4


# --- 2. fairness: statistics recomputed in Python from the published facts ----------------------------------

def test_fairness_statistics_equal_a_python_recomputation(warehouse):
    facts = warehouse.execute(
        "select f.code_indicateur, t.niveau, f.annee, f.valeur, f.denominateur, f.numerateur, i.facteur "
        "from marts.fct_indicateur_territoire f join marts.dim_territoire t using (code_territoire) "
        "join marts.dim_indicateur i using (code_indicateur) "
        "where t.niveau in ('epci', 'territoire_action') and f.valeur is not null "
        "and f.code_indicateur like 'places%'").fetchall()
    groups = defaultdict(list)
    for code, niveau, annee, valeur, den, num, facteur in facts:
        groups[(code, niveau, annee)].append((valeur, den, num, facteur))
    published = {(r[0], r[1], r[2]): r[3:] for r in warehouse.execute(
        "select code_indicateur, niveau, annee, valeur_min, valeur_max, coefficient_variation, indice_theil "
        "from marts.fct_equite_territoriale where est_couverture").fetchall()}
    assert set(groups) <= set(published) and groups
    for key, rows in groups.items():
        values = [r[0] for r in rows]
        mean = sum(values) / len(values)
        cv = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean
        total = rows[0][3] * sum(r[2] for r in rows) / sum(r[1] for r in rows)
        theil = sum((r[1] / sum(x[1] for x in rows)) * (r[0] / total) * math.log(r[0] / total)
                    for r in rows if r[0] > 0)
        vmin, vmax, got_cv, got_theil = published[key]
        assert (vmin, vmax) == (min(values), max(values))
        assert got_cv == pytest.approx(cv)
        assert got_theil == pytest.approx(theil)
        assert 0 <= got_theil <= math.log(len(values)) + 1e-12


# --- 3. comparisons among all départements on the real DREES / INSEE series ----------------------------------

def test_departement_comparison_on_real_series(warehouse):
    rows = warehouse.execute(
        "select code_territoire, valeur, rang, nb_territoires_groupe, quartile_1, mediane, quartile_3, "
        "nature_donnee, evolution_1_an, evolution_5_ans from marts.fct_comparaison_indicateur "
        "where code_indicateur = 'apa_pour_100_75_ans_plus' and groupe_comparaison = 'departements_france' "
        "and annee = 2020").fetchall()
    known = sorted((r[1] for r in rows if r[1] is not None), reverse=True)
    assert len(known) >= 90 and {r[7] for r in rows} == {"Réel"}
    n = len(known)
    ascending = sorted(known)

    def quantile(q):  # linear interpolation, as quantile_cont
        pos = q * (n - 1)
        lo = math.floor(pos)
        return ascending[lo] + (ascending[min(lo + 1, n - 1)] - ascending[lo]) * (pos - lo)

    for _code, valeur, rang, nb, q1, med, q3, _, _, _ in rows:
        assert nb == n
        assert (q1, med, q3) == pytest.approx((quantile(0.25), quantile(0.5), quantile(0.75)))
        if valeur is not None:
            assert rang == known.index(valeur) + 1
    gers = {r[0]: r for r in rows}["DEP-32"]
    previous = warehouse.execute(
        "select annee, valeur from marts.fct_indicateur_territoire where code_indicateur = "
        "'apa_pour_100_75_ans_plus' and code_territoire = 'DEP-32' and annee in (2015, 2019)").fetchall()
    by_year = dict(previous)
    assert gers[8] == pytest.approx(gers[1] - by_year[2019])
    assert gers[9] == pytest.approx(gers[1] - by_year[2015])


def test_epci_comparison_covers_the_perimeter(warehouse):
    nb = warehouse.execute(
        "select max(nb_territoires_groupe) from marts.fct_comparaison_indicateur "
        "where groupe_comparaison = 'epci_perimetre' and code_indicateur = 'part_75_ans_plus'").fetchone()[0]
    assert nb == warehouse.execute("select count(*) from marts.dim_territoire where niveau = 'epci'").fetchone()[0]


# --- 4. statistical secrecy -----------------------------------------------------------------------------------

def test_every_indicator_carries_its_source_rule(warehouse):
    rules = warehouse.execute(
        "select code_indicateur, regle_secret, seuil_secret, source from marts.dim_indicateur "
        "where facteur is not null").fetchall()  # catalog indicators; partners' are published as sent
    assert rules and all(r[1] for r in rules)
    partners = warehouse.execute(
        "select count(*), count(regle_secret), count(seuil_secret) from marts.dim_indicateur "
        "where code_indicateur like '%\\_\\_%' escape '\\'").fetchone()
    assert partners[0] > 0 and partners[1:] == (0, 0)
    for code, _, seuil, source in rules:
        if "CAF" in source and code != "population_municipale":
            assert seuil == 5, code
        if "Filosofi" in source:  # INSEE masks its own cells (s / empty): no threshold of ours on top
            assert seuil is None, code


def test_no_published_cell_breaks_its_rule(warehouse):
    # CAF: every published count (commune or summed) is at least 5.
    bad = warehouse.execute(
        "select f.code_indicateur, f.code_territoire, f.numerateur from marts.fct_indicateur_territoire f "
        "join marts.dim_indicateur i using (code_indicateur) "
        "where i.seuil_secret = 5 and f.numerateur is not null and f.numerateur < 5").fetchall()
    assert bad == []
    # Filosofi: INSEE's own secret cells stay masked (tests/test_filosofi_reel.py scans every mart for them).
    # Masked cells read "secret statistique" in the panorama, never 0.
    masked = warehouse.execute(
        "select count(*), count(*) filter (where mention_secret = 'secret statistique'), "
        "count(*) filter (where valeur = 0) from marts.panorama_indicateurs "
        "where niveau = 'commune' and valeur is null and nb_unites_masquees > 0").fetchone()
    assert masked[0] > 0 and masked[0] == masked[1] and masked[2] == 0


@pytest.mark.parametrize("parent_column, niveau", [
    ("code_epci", "epci"), ("code_territoire_action", "territoire_action"), ("code_departement", "departement"),
])
def test_masked_values_cannot_be_recovered_by_differencing(warehouse, parent_column, niveau):
    """Parent minus its published children leaves exactly 0 for every parent holding a masked commune: a
    masked value never enters a published sum, so no difference (commune within EPCI, territoire, département,
    or across levels, which reduce to these) can reveal it. Secondary suppression by construction."""
    key = {"epci": "'EPCI-' || t.code_epci", "territoire_action": "'TER-' || t.code_territoire_action",
           "departement": "'DEP-' || t.code_departement"}[niveau]
    rows = warehouse.execute(f"""
        with enfants as (
            select f.code_indicateur, f.annee, {key} as parent, f.numerateur, f.denominateur,
                   f.valeur is null and f.nb_unites_masquees > 0 as masque
            from marts.fct_indicateur_territoire f join marts.dim_territoire t using (code_territoire)
            join marts.dim_indicateur i using (code_indicateur)
            where t.niveau = 'commune' and t.{parent_column} is not null and i.niveau_le_plus_fin = 'commune'
        ),
        sommes as (
            select code_indicateur, annee, parent, sum(numerateur) filter (where not masque) as num_publies,
                   sum(denominateur) filter (where not masque) as den_publies, count(*) filter (where masque) as nb
            from enfants group by all
        )
        select s.code_indicateur, s.parent, s.nb, p.numerateur - coalesce(s.num_publies, 0),
               p.denominateur - coalesce(s.den_publies, 0)
        from sommes s join marts.fct_indicateur_territoire p
          on p.code_territoire = s.parent and p.code_indicateur = s.code_indicateur and p.annee = s.annee
        where s.nb > 0 and p.numerateur is not null
    """).fetchall()
    if niveau == "departement":
        # Only the perimeter's communes are published: the other départements cannot be checked this way.
        rows = [r for r in rows if r[1] == "DEP-32"]
    assert rows, "the Gers has masked communes (CAF blurred, Filosofi secret) to attack"
    for code, parent, nb_masques, reste_num, reste_den in rows:
        assert reste_num == pytest.approx(0, abs=1e-6), (code, parent, nb_masques)
        if reste_den is not None:
            assert reste_den == pytest.approx(0, abs=1e-6), (code, parent, nb_masques)


# --- 5. time: a real merged commune on the current geography ------------------------------------------------

def test_cap_d_astarac_is_published_on_the_current_geography(warehouse):
    """32067, 32260 and 32413 merged into 32365 (Cap d'Astarac) on 1 January 2025: only the new commune is
    published, inside its EPCI and territoire."""
    codes = {r[0] for r in warehouse.execute(
        "select code from marts.dim_territoire where code in ('32067', '32260', '32413', '32365')").fetchall()}
    assert codes == {"32365"}
    assert warehouse.execute(
        "select count(*) from marts.fct_indicateur_territoire where code_territoire in "
        "('COM-32067', 'COM-32260', 'COM-32413')").fetchone()[0] == 0
