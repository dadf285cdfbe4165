"""The real refresh (extract → dbt build → publish) on the embedded snapshot.

Expected figures are computed here from the snapshot files with the csv/json modules, independently of
extract/ and dbt, never copied from the output.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from core.settings import REPO_ROOT
from observatoire import cli
from observatoire.dbt_build import BuildFailed
from observatoire.portraits.archive import generate_publication
from observatoire.publish import PublishRefused, publish
from observatoire.refresh import build, new_build_path, refresh
from tests.helpers import make_settings, query, read_snapshot_csv, sha256
from tests.test_comparateur_verite import read_comparateur

LEGAL_YEAR = 2023  # census year of the legal populations in the snapshot (populations légales 2023)


def source_geography(departement: str) -> dict:
    """Communes, EPCI and legal populations of a département, read straight from the snapshot files."""
    communes = {
        r["COM"] for r in read_snapshot_csv("insee_cog_communes/v_commune_2025.csv.gz")
        if r["TYPECOM"] == "COM" and r["DEP"] == departement
    }
    legal = read_snapshot_csv("insee_populations_legales/donnees_communes.csv.gz", ";")
    pmun = {r["COM"]: int(r["PMUN"]) for r in legal}
    with open(REPO_ROOT / "data/snapshot/epci_composition/epci.json", encoding="utf-8") as handle:
        epcis = json.load(handle)
    members = {e["code"]: {m["code"] for m in e["membres"]} for e in epcis}
    members = {siren: codes for siren, codes in members.items() if codes & communes}
    return {"communes": communes, "pmun": pmun, "epci_members": members}


def test_gers_marts_equal_the_source_files(published_warehouse):
    geo = source_geography("32")
    communes_in = query(published_warehouse,
                        "select code from marts.dim_territoire where niveau = 'commune' and est_dans_departement")
    assert {c for (c,) in communes_in} == geo["communes"] and len(geo["communes"]) == 458
    epci = dict(query(published_warehouse,
                      "select code, population_municipale from marts.dim_territoire where niveau = 'epci'"))
    assert set(epci) == set(geo["epci_members"]) and len(epci) == 17
    for siren, members in geo["epci_members"].items():  # cross-border EPCI are counted whole
        assert epci[siren] == sum(geo["pmun"][c] for c in members), siren

    pop = dict(query(
        published_warehouse,
        "select code_territoire, valeur from marts.fct_indicateur_territoire "
        "where code_indicateur = 'population_municipale' and code_territoire in ('DEP-32', 'FR') "
        f"and annee = {LEGAL_YEAR}",  # earlier years are the censuses of the Comparateur
    ))
    assert pop["DEP-32"] == sum(geo["pmun"][c] for c in geo["communes"])
    assert pop["FR"] == sum(geo["pmun"].values())


def test_ratios_are_ratios_of_sums(published_warehouse):
    rows = query(published_warehouse, """
        select f.code_indicateur, f.code_territoire, f.numerateur, f.denominateur, f.valeur, i.facteur
        from marts.fct_indicateur_territoire f join marts.dim_indicateur i using (code_indicateur)
        where f.denominateur is not null and f.denominateur > 0 and f.numerateur is not null
          and i.facteur is not null  -- partner indicators ('<partner>__<code>') are published as sent""")
    assert rows
    annual = {r["code_indicateur"]: int(r["ecart_annees"]) for r in csv.DictReader(
        (REPO_ROOT / "dbt_project/seeds/indicateurs_appariement_annees.csv").open(encoding="utf-8"))
        if r["taux_annuel"] == "true"}
    assert {"taux_evolution_annuel_population"} <= {code for code, *_ in rows} & set(annual)
    for code, territoire, num, den, valeur, facteur in rows:
        if code in annual:  # average annual change rate between year N - n (denominator) and N (numerator)
            assert valeur == pytest.approx(facteur * ((num / den) ** (1 / annual[code]) - 1)), (code, territoire)
        else:
            assert valeur == pytest.approx(facteur * num / den), (code, territoire)
    # an EPCI's numerator is the sum of its communes' numerators
    (mismatch,) = query(published_warehouse, """
        with communes as (
            select t.code_epci, f.code_indicateur, f.annee, sum(f.numerateur) as num
            from marts.fct_indicateur_territoire f join marts.dim_territoire t using (code_territoire)
            where t.niveau = 'commune' and f.code_indicateur not like '%\\_\\_%' escape '\\'  -- partners: as sent
            group by all)
        select count(*) from communes c
        join marts.dim_territoire e on e.niveau = 'epci' and e.code = c.code_epci
        join marts.fct_indicateur_territoire f
          on f.code_territoire = e.code_territoire and f.code_indicateur = c.code_indicateur and f.annee = c.annee
        where abs(f.numerateur - c.num) > 1e-6""")[0]
    assert mismatch == 0


def test_demonstration_figures_are_labelled(published_warehouse):
    rows = query(published_warehouse, """
        select i.nature, bool_or(f.est_demonstration), bool_and(f.est_demonstration)
        from marts.fct_indicateur_territoire f join marts.dim_indicateur i using (code_indicateur) group by 1""")
    labels = {nature: (any_demo, all_demo) for nature, any_demo, all_demo in rows}
    assert labels["démonstration"] == (True, True)
    assert labels["réel"] == (False, False)
    (unlabelled,) = query(published_warehouse, """
        select count(*) from marts.panorama_indicateurs
        where (est_demonstration and nature_donnee <> 'Démonstration')
           or (not est_demonstration and nature_donnee <> 'Réel')""")[0]
    assert unlabelled == 0


def test_status_reports_what_is_published(refreshed, monkeypatch, capsys):
    settings = refreshed["settings"]
    monkeypatch.setenv("OBS_VAR_DIR", str(settings.var_dir))
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "département 32" in out and "DÉMONSTRATION" in out
    for src in refreshed["result"]["sources"]:
        assert src["source"] in out and src["sha256"][:12] in out


def _copy_var(settings, tmp_path):
    copy = make_settings(tmp_path / "var")
    shutil.copytree(settings.landing_dir, copy.landing_dir)
    copy.warehouse_path.parent.mkdir(parents=True)
    shutil.copy2(settings.warehouse_path, copy.warehouse_path)
    return copy


def test_failed_dbt_test_leaves_published_warehouse_identical(refreshed, tmp_path):
    settings = _copy_var(refreshed["settings"], tmp_path)
    before = sha256(settings.warehouse_path)
    landing = settings.landing_dir / "insee_cog_communes.parquet"
    con = duckdb.connect()  # duplicate every commune: the primary-key tests must fail
    con.execute(f"copy (select * from '{landing}' union all select * from '{landing}') "
                f"to '{landing}.new' (format parquet)")
    con.close()
    Path(f"{landing}.new").replace(landing)
    build_path = new_build_path(settings, "failing")
    with pytest.raises(BuildFailed):
        build(settings, build_path)
    with pytest.raises(PublishRefused):  # an unaudited build can never be published
        publish(build_path, settings.warehouse_path, {"departement": "32", "mode": "offline"}, [])
    assert sha256(settings.warehouse_path) == before


def test_bad_territoires_file_leaves_published_warehouse_identical(refreshed, tmp_path):
    settings = _copy_var(refreshed["settings"], tmp_path)
    bad = tmp_path / "territoires.csv"
    bad.write_text("code_commune;code_territoire;libelle_territoire\n3201;32-01;Auch\n", encoding="utf-8")
    settings = make_settings(settings.var_dir, OBS_TERRITOIRES_FILE=str(bad))
    before = sha256(settings.warehouse_path)
    with pytest.raises(Exception, match="3201"):
        refresh(settings)
    assert sha256(settings.warehouse_path) == before


def test_readers_keep_their_view_during_a_publish(refreshed, tmp_path):
    settings = _copy_var(refreshed["settings"], tmp_path)
    reader = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        (before,) = reader.execute("select published_at from meta.publication").fetchone()
        summary = build(settings, new_build_path(settings, "again"))
        publish(Path(summary["build_path"]), settings.warehouse_path, {"departement": "32", "mode": "offline"}, [])
        assert reader.execute("select published_at from meta.publication").fetchone()[0] == before
    finally:
        reader.close()
    (after,) = query(settings.warehouse_path, "select published_at from meta.publication")[0]
    assert after > before


@pytest.mark.slow
def test_pyrenees_atlantiques_by_configuration_alone(tmp_path):
    settings = make_settings(tmp_path / "var", departement="64")
    refresh(settings)
    geo = source_geography("64")
    counts = dict(query(settings.warehouse_path, """
        select niveau, count(*) from marts.dim_territoire
        where est_dans_departement or niveau not in ('commune') group by 1"""))
    assert counts["commune"] == len(geo["communes"]) == 545
    assert counts["epci"] == len(geo["epci_members"])
    with open(settings.territoires_file, encoding="utf-8") as handle:
        territoires = {line.split(";")[1] for line in list(handle)[1:]}
    assert counts["territoire_action"] == len(territoires) == 7
    (pop,) = query(settings.warehouse_path, "select valeur from marts.fct_indicateur_territoire "
                   "where code_indicateur = 'population_municipale' and code_territoire = 'DEP-64' "
                   f"and annee = {LEGAL_YEAR}")[0]
    assert pop == sum(geo["pmun"][c] for c in geo["communes"])
    # the real Comparateur (COG 2021) on today's Pyrénées-Atlantiques, recomputed from the raw zip with pandas
    raw = read_comparateur()
    pa = raw[raw.index.str.startswith("64")]
    (vacants,) = query(settings.warehouse_path, "select valeur from marts.fct_indicateur_territoire where "
                       "code_indicateur = 'part_logements_vacants' and code_territoire = 'DEP-64' and annee = 2018")[0]
    assert len(pa) == 546 and vacants == pytest.approx(100 * pa["P18_LOGVAC"].sum() / pa["P18_LOG"].sum())
    (lacq,) = query(settings.warehouse_path, "select valeur from marts.fct_indicateur_territoire where "
                    "code_indicateur = 'population_municipale' and code_territoire = 'COM-64300' and annee = 2018")[0]
    assert lacq == raw.loc[["64300", "64541"], "P18_POP"].sum()  # Lacq absorbed Urdès (64541) in 2024
    # The Occitanie-only vintages (1968-2014 compilation) do not exist for a département of Nouvelle-Aquitaine,
    # not even for the Occitanie communes of its cross-border EPCI
    assert query(settings.warehouse_path, "select count(*) from marts.fct_indicateur_territoire "
                 "where source like '%compilation_populations_occitanie%'") == [(0,)]
    # every EPCI and territoire d'action of the 64 gets its portrait (issue 15; HTML only here, tests/test_portraits.py
    # checks the PDF once)
    portraits = generate_publication(settings, mode="html")["portraits"]["public"]
    assert {p["code_territoire"] for p in portraits} == ({f"EPCI-{e}" for e in geo["epci_members"]}
                                                       | {f"TER-{t}" for t in territoires})
