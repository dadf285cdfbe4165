"""Offline extraction from the embedded snapshot: every source lands, codes stay text, counts match the files."""

from __future__ import annotations

import csv
import gzip
import io

import duckdb
import pandas as pd
import pytest

from core.settings import REPO_ROOT
from extract.registry import SOURCES
from extract.run import extract_all, extract_source

SNAPSHOT = REPO_ROOT / "data" / "snapshot"


def cog_communes_in_file(departement: str) -> int:
    """Independent count: COM lines of the département in the snapshot file, with the csv module."""
    with gzip.open(SNAPSHOT / "insee_cog_communes" / "v_commune_2025.csv.gz", "rt", encoding="utf-8") as handle:
        return sum(1 for row in csv.DictReader(handle) if row["TYPECOM"] == "COM" and row["DEP"] == departement)


@pytest.fixture(scope="module")
def gers(tmp_path_factory):
    from core.settings import load_settings

    settings = load_settings({"OBS_VAR_DIR": str(tmp_path_factory.mktemp("var")), "OBS_DEPARTEMENT": "32"})
    seen = []
    results = extract_all(settings, progress=seen.append)
    return settings, results, seen


def landing(settings, name: str) -> pd.DataFrame:
    return pd.read_parquet(settings.landing_dir / f"{name}.parquet")


def test_every_source_lands(gers):
    settings, results, seen = gers
    assert [r["source"] for r in results] == list(SOURCES) == [line.split()[0] for line in seen]
    for r in results:
        assert set(r) == {"source", "sha256", "rows", "landing_path", "est_demonstration", "fetched_at", "origin",
                          "changed", "last_success", "stale", "error"}
        assert r["stale"] is False and r["error"] is None
        df = pd.read_parquet(r["landing_path"])
        assert len(df) == r["rows"] > 0 and set(df["_sha256"]) == {r["sha256"]}
        assert df["est_demonstration"].eq(SOURCES[r["source"]].is_demonstration).all()
        assert r["origin"].startswith("data/")


def test_primary_keys_are_unique(gers):
    settings, _, _ = gers
    for name, source in SOURCES.items():
        df = landing(settings, name)
        assert not df.duplicated(list(source.primary_key)).any(), name


def test_codes_keep_leading_zeros_and_are_text(gers):
    settings, _, _ = gers
    path = settings.landing_dir / "insee_cog_communes.parquet"
    types = dict(duckdb.sql(f"select column_name, column_type from (describe select * from '{path}')").fetchall())
    assert types["code_commune"] == types["code_departement"] == types["code_region"] == "VARCHAR"
    codes = set(landing(settings, "insee_cog_communes")["code_commune"])
    assert {"01001", "2A004", "2B033"} <= codes
    assert "01001" in set(landing(settings, "insee_populations_legales")["code_commune"])
    assert "200066926" in set(landing(settings, "epci_composition")["siren_epci"])
    assert {"01", "2A", "976"} <= set(landing(settings, "insee_estimations_population_departement")["code_departement"])


def test_gers_commune_count_matches_the_snapshot_file(gers):
    settings, _, _ = gers
    cog = landing(settings, "insee_cog_communes")
    gers_communes = cog[(cog["typecom"] == "COM") & (cog["code_departement"] == "32")]
    assert len(gers_communes) == cog_communes_in_file("32") == 458
    assert len(landing(settings, "territoires_action")) == 458


def test_pyrenees_atlantiques(make_settings):
    settings = make_settings(OBS_DEPARTEMENT="64")
    extract_source("insee_cog_communes", settings)
    result = extract_source("territoires_action", settings)
    assert result["rows"] == cog_communes_in_file("64") == 545
    assert landing(settings, "territoires_action")["code_territoire"].nunique() == 7


def test_demo_population_sums_equal_real_legal_populations(gers):
    settings, _, _ = gers
    pl = landing(settings, "insee_populations_legales")
    cog = landing(settings, "insee_cog_communes")
    parent = dict(zip(cog["code_commune"], cog["code_commune_parent"], strict=True))
    arm = set(cog.loc[cog["typecom"] == "ARM", "code_commune"])
    pl["commune"] = [parent[c] if c in arm else c for c in pl["code_commune"]]
    real = pl.groupby("code_departement")["population_municipale"].sum()
    rp = landing(settings, "insee_rp_communes")
    rp = rp.merge(cog[cog["typecom"] == "COM"][["code_commune", "code_departement"]], on="code_commune")
    wide = rp.pivot_table(index=["code_departement", "code_commune"], columns="code_mesure", values="valeur")
    demo = wide.groupby(level=0)["pop_totale"].sum()
    pd.testing.assert_series_equal(demo.astype("int64"), real.astype("int64"), check_names=False)
    assert (wide["pop_0_2"] <= wide["pop_0_17"]).all() and (wide["pop_80_plus"] <= wide["pop_75_plus"]).all()
    assert (wide["pop_75_plus"] <= wide["pop_60_plus"]).all()
    assert (wide["pop_80_plus_seules"] <= wide["pop_80_plus"]).all()
    # age groups raked to the département's real structure (INSEE estimates, latest year)
    est = landing(settings, "insee_estimations_population_departement")
    est = est[(est["sexe"] == "ensemble") & (est["annee"] == est["annee"].max()) & (est["code_departement"] == "32")]
    share_80 = est.loc[est["age_min"] >= 80, "population"].sum() / est["population"].sum()
    gers = wide.loc["32"]
    rounding = 0.005 * len(gers)  # each commune's value is rounded to 0.01
    assert gers["pop_80_plus"].sum() == pytest.approx(share_80 * real["32"], abs=rounding)


def test_demo_secrecy_rules(gers):
    settings, _, _ = gers
    caf = landing(settings, "caf_allocataires_communes")
    counts = caf["valeur"].dropna()
    assert (counts % 5 == 0).all() and (counts >= 5).all() and caf["valeur"].isna().any()


def test_demo_files_carry_the_banner():
    for name in ("insee_rp_communes", "caf_allocataires_communes"):
        with gzip.open(SNAPSHOT / name / SOURCES[name].snapshot_files[0]) as handle:
            first = io.TextIOWrapper(handle, encoding="utf-8").readline()
        assert "DONNÉES DE DÉMONSTRATION — ne pas diffuser comme statistique" in first
