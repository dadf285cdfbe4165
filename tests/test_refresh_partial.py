"""Build only what changed (observatoire/partial.py): after a partner file, the build starts from a copy of the
published build and runs only the nodes downstream of the changed landing files; its published marts are
bit-identical to those of a full rebuild of the same inputs. A changed dbt project, code or setting is built in
full."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench.compare_warehouses import VOLATILE, compare
from observatoire.fingerprint import build_inputs
from observatoire.intake import ingest_partner_file
from observatoire.partial import INPUTS_FILE, plan_build
from observatoire.refresh import build, new_build_path, publish_build
from tests.helpers import adopt_build, make_settings, query, sha256
from tests.partners.helpers import EXAMPLES

pytestmark = pytest.mark.slow

RSA = ("select valeur from marts.fct_indicateur_territoire where code_indicateur = 'caf32__foyers_rsa' "
       "and code_territoire = 'COM-32013' and annee = 2024")


@pytest.fixture(scope="module")
def partial_then_full(refreshed, tmp_path_factory) -> dict:
    """A full build published; a new version of the CAF's indicator file, built partially and published; then
    a full rebuild of the same inputs, published too (the partial warehouse kept aside). The first full build is
    the session's own (`refreshed`), moved into this working area with a copy of the landing it was built from."""
    tmp = tmp_path_factory.mktemp("partial")
    settings = make_settings(tmp / "var")
    shutil.copytree(refreshed["settings"].landing_dir, settings.landing_dir)
    sources = refreshed["result"]["sources"]
    first = adopt_build(refreshed["result"]["build"], settings, "complet")
    publish_build(settings, first, sources)
    before = sha256(Path(first["build_path"]))

    sent = tmp / "caf32_indicateurs_2024.csv"
    sent.write_text((EXAMPLES / sent.name).read_text(encoding="utf-8").replace(";1 184;", ";1 200;"),
                    encoding="utf-8")
    accepted = ingest_partner_file(sent, "CAF32", None, settings)
    assert accepted.status == "accepted", accepted.errors
    partial = build(settings, new_build_path(settings, "partiel"))
    partial_record = _record(partial)  # written without a dbt manifest (dbt's --no-write-json)
    untouched = sha256(Path(first["build_path"])) == before  # the next publish prunes that folder
    publish_build(settings, partial, sources)
    kept = shutil.copy2(settings.warehouse_path, tmp / "partiel.duckdb")

    full = build(settings, new_build_path(settings, "reconstruit"), full=True)
    publish_build(settings, full, sources)
    return {"settings": settings, "first": first, "first_untouched": untouched, "partial": partial, "full": full,
            "partial_warehouse": kept, "partial_record": partial_record}


def _record(build_summary: dict) -> dict:
    return json.loads((Path(build_summary["build_path"]).parent / INPUTS_FILE).read_text(encoding="utf-8"))


def test_partial_build_publishes_what_a_full_rebuild_publishes(partial_then_full, capsys):
    run = partial_then_full
    assert (run["first"]["partiel"], run["partial"]["partiel"], run["full"]["partiel"]) == (False, True, False)
    assert run["partial"]["nodes"] < run["full"]["nodes"] / 2  # only what is downstream of the new file ran
    assert run["first_untouched"]  # the partial build started from a copy of the published build file
    assert query(run["partial_warehouse"], RSA) == [(1200,)]  # the partner's new value is published
    failed = compare(str(run["partial_warehouse"]), str(run["settings"].warehouse_path), "marts", 0.0, VOLATILE)
    report = capsys.readouterr().out
    assert failed == 0, report
    assert " identical (" in report
    # What the next partial build needs of dbt's manifest: kept from the record of the build it started
    # from, it equals what the full rebuild read from the manifest it wrote.
    facts = ("sources_dbt", "noeuds_date")
    full_record = _record(run["full"])
    assert "partenaires_indicateurs_partenaire" in full_record["sources_dbt"]
    assert [run["partial_record"][key] for key in facts] == [full_record[key] for key in facts]


def test_a_changed_project_or_setting_is_built_in_full(partial_then_full):
    settings = partial_then_full["settings"]
    today = datetime.now(UTC).date().isoformat()
    inputs = build_inputs(settings)
    one_file = {**inputs, "landing": {**inputs["landing"], "partenaires_priorites_forum": "autre"}}
    plan = plan_build(settings, one_file, today)
    assert plan.partial and "source:*.partenaires_priorites_forum+" in plan.select
    assert plan.start_from.parent.name == "reconstruit"  # the published build

    for changed, why in (({**one_file, "code": "autre"}, "projet dbt"),
                         ({**one_file, "settings": ["64", *inputs["settings"][1:]]}, "configuration"),
                         (inputs, "aucune entrée modifiée")):
        plan = plan_build(settings, changed, today)
        assert (plan.start_from, plan.select) == (None, None)
        assert why in plan.reason
