"""The dbt-project-evaluator rules of dbt_project/scripts/check_project.py hold, and each one fails on a manifest
broken the way a careless change would break it (one `dbt parse`, no warehouse)."""

from __future__ import annotations

import copy
import importlib.util

import pytest

from core.settings import REPO_ROOT

_spec = importlib.util.spec_from_file_location("check_project", REPO_ROOT / "dbt_project/scripts/check_project.py")
check_project = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_project)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return check_project.parse_manifest(tmp_path_factory.mktemp("dbt-parse"))


def _model(manifest: dict, name: str) -> dict:
    return manifest["nodes"][f"model.observatoire.{name}"]


def _broken(manifest: dict, change) -> list[str]:
    broken = copy.deepcopy(manifest)
    change(broken)
    return check_project.violations(broken)


def test_the_project_follows_every_rule(manifest):
    assert check_project.violations(manifest) == []
    marts = [n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")]
    assert len(marts) >= 20  # the rules really looked at the published marts


def test_a_model_without_description_is_caught(manifest):
    found = _broken(manifest, lambda m: _model(m, "int_offre_communes_bridged").update(description=""))
    assert found == ["description: int_offre_communes_bridged has no description"]


def test_a_model_without_primary_key_test_is_caught(manifest):
    target = "model.observatoire.int_besoins_territoires_incomplets"

    def drop_key_tests(m):
        for key in [k for k, n in m["nodes"].items() if n.get("attached_node") == target]:
            del m["nodes"][key]

    assert _broken(manifest, drop_key_tests) == [
        "primary_key: int_besoins_territoires_incomplets has no unique + not_null test (single or combination "
        "of columns)"]


def test_a_unique_test_without_not_null_is_not_a_primary_key(manifest):
    target = "model.observatoire.dim_action"

    def drop_not_null(m):
        for key in [k for k, n in m["nodes"].items() if n.get("attached_node") == target
                    and n["test_metadata"]["name"] == "not_null" and n["column_name"] == "code_action"]:
            del m["nodes"][key]

    assert any(v.startswith("primary_key: dim_action") for v in _broken(manifest, drop_not_null))


def test_a_mart_without_contract_or_column_doc_is_caught(manifest):
    def loosen(m):
        node = _model(m, "offre_territoire")
        node["config"]["contract"] = {"enforced": False}
        node["columns"]["nb_offres"]["description"] = ""
        node["columns"]["capacite"]["data_type"] = None

    assert sorted(_broken(manifest, loosen)) == [
        "contract: mart offre_territoire has no enforced contract",
        "contract: offre_territoire.capacite has no data_type",
        "contract: offre_territoire.nb_offres has no description",
    ]


def test_a_mart_outside_the_naming_rule_is_caught(manifest):
    def undeclared(m):
        _model(m, "geo_territoire")["config"]["meta"] = {}
        _model(m, "geo_territoire").pop("meta", None)

    assert _broken(manifest, undeclared) == [
        "naming: mart geo_territoire is neither dim_ nor fct_ and declares no meta.role "
        "(geometrie, qualite, tableau_de_bord)"]


def test_a_dashboard_table_reading_an_intermediate_model_is_caught(manifest):
    def shortcut(m):
        _model(m, "offre_services")["depends_on"]["nodes"].append("model.observatoire.int_offre_services_unioned")

    assert _broken(manifest, shortcut) == [
        "layers: dashboard table offre_services reads int_offre_services_unioned, not a mart"]


def test_a_source_read_outside_staging_is_caught(manifest):
    source = next(k for k in manifest["sources"] if k.endswith(".finess_etablissements"))

    def direct(m):
        _model(m, "fct_offre")["depends_on"]["nodes"].append(source)
        _model(m, "stg_finess__etablissements")["depends_on"]["nodes"].append("model.observatoire.dim_territoire")

    found = _broken(manifest, direct)
    assert any(v.startswith("sources: fct_offre (marts) calls source()") for v in found)
    assert any(v.startswith("sources: staging model stg_finess__etablissements must read source() only")
               for v in found)


def test_a_new_rejoin_is_caught(manifest):
    # fct_offre_territoire's only child is offre_territoire; offre_territoire reading a parent of
    # fct_offre_territoire that is not in the known list is a new rejoin
    def rejoin(m):
        parent = "model.observatoire.int_offre_territoires_counted"
        assert parent in _model(m, "fct_offre_territoire")["depends_on"]["nodes"]
        _model(m, "offre_territoire")["depends_on"]["nodes"].append(parent)

    assert ("rejoining: offre_territoire reads int_offre_territoires_counted and fct_offre_territoire, whose only "
            "child it is and which reads it already") in _broken(manifest, rejoin)


def test_an_exposure_on_a_non_mart_is_caught(manifest):
    def exposed(m):
        exposure = next(iter(m["exposures"].values()))
        exposure["depends_on"]["nodes"].append("model.observatoire.int_offre_services_unioned")

    found = _broken(manifest, exposed)
    assert len(found) == 1 and "depends on model.observatoire.int_offre_services_unioned, not a mart" in found[0]
