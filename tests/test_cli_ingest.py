"""`observatoire ingest | template | status` and the partner_intake DAG task: one code path, tested both ways.

The CLI runs in a subprocess (as a person would run it); the DAG task is called in-process through the
DAG's own python_callable. Both go through observatoire.intake → extract.partners.ingest_file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core.settings import REPO_ROOT
from tests.helpers import make_settings, sha256
from tests.partners.helpers import EXAMPLES

CLI = REPO_ROOT / ".venvs" / "pipeline" / "bin" / "observatoire"
BAD_CODE = (
    "niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite\n"
    "commune;32013;foyers_rsa;Foyers allocataires du RSA;2024;1184;nombre\n"
    "commune;3201;foyers_rsa;Foyers allocataires du RSA;2024;412;nombre\n"
)


def run_cli(var: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OBS_")}
    env.update(OBS_VAR_DIR=str(var), OBS_DEPARTEMENT="32")
    var.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=120, cwd=var.parent)



def test_cli_ingest_accepts_an_example(tmp_path):
    var = tmp_path / "var"
    run = run_cli(var, "ingest", str(EXAMPLES / "caf32_indicateurs_2024.csv"), "--partner", "caf32")
    assert run.returncode == 0, run.stderr
    assert "accepté (indicateurs_partenaire, 9 lignes" in run.stdout
    assert (var / "landing" / "partenaires_indicateurs_partenaire.parquet").exists()
    # every other kind gets an empty typed landing table, so dbt build runs before any file of that kind
    assert (var / "landing" / "partenaires_actions_ctg.parquet").exists()
    again = run_cli(var, "ingest", str(EXAMPLES / "caf32_indicateurs_2024.csv"), "--partner", "CAF32")
    assert again.returncode == 0 and "déjà reçu à l'identique" in again.stdout


def test_cli_ingest_refuses_with_the_french_report_and_exit_1(tmp_path):
    var = tmp_path / "var"
    bad = tmp_path / "caf_codes.csv"
    bad.write_text(BAD_CODE, encoding="utf-8")
    run = run_cli(var, "ingest", str(bad), "--partner", "CAF32", "--kind", "indicateurs_partenaire")
    assert run.returncode == 1
    assert "refusé" in run.stderr
    assert "ligne 3" in run.stderr and "« 3201 »" in run.stderr and "Gers" in run.stderr
    assert list((var / "quarantine" / "CAF32").glob("*caf_codes.csv.rapport.md"))
    assert not (var / "raw" / "partenaires" / "CAF32").exists()


def test_cli_ingest_refused_file_leaves_published_warehouse_identical(tmp_path, published_warehouse):
    var = tmp_path / "var"
    (var / "warehouse").mkdir(parents=True)
    warehouse = var / "warehouse" / "observatoire.duckdb"
    shutil.copyfile(published_warehouse, warehouse)
    before = sha256(warehouse)
    bad = tmp_path / "negatif.csv"
    bad.write_text(BAD_CODE.replace(";3201;", ";32013;").replace("412", "-412").replace(";2024;-", ";2023;-"),
                   encoding="utf-8")
    run = run_cli(var, "ingest", str(bad), "--partner", "CAF32")
    assert run.returncode == 1 and "négati" in run.stderr
    assert sha256(warehouse) == before


def test_cli_ingest_unknown_kind_is_a_usage_error(tmp_path):
    run = run_cli(tmp_path / "var", "ingest", str(EXAMPLES / "caf32_indicateurs_2024.csv"), "--partner", "CAF32",
                  "--kind", "nimporte")
    assert run.returncode == 2 and "invalid choice" in run.stderr


def test_cli_template_writes_xlsx_and_csv(tmp_path):
    from openpyxl import load_workbook

    run = run_cli(tmp_path / "var", "template", "actions_ctg", "--out", str(tmp_path / "modeles"))
    assert run.returncode == 0, run.stderr
    xlsx = tmp_path / "modeles" / "modele_actions_ctg.xlsx"
    assert load_workbook(xlsx).sheetnames == ["Données", "Instructions"]
    header = (tmp_path / "modeles" / "modele_actions_ctg.csv").read_text(encoding="utf-8-sig").strip()
    assert header.startswith("axe;code_action;intitule;pilote")
    unknown = run_cli(tmp_path / "var", "template", "inconnu")
    assert unknown.returncode == 2 and "Types" in unknown.stderr


def test_cli_status_lists_partner_receptions(tmp_path):
    var = tmp_path / "var"
    run_cli(var, "ingest", str(EXAMPLES / "forum_autonomie_2024.csv"), "--partner", "FORUM")
    bad = tmp_path / "caf_codes.csv"
    bad.write_text(BAD_CODE, encoding="utf-8")
    run_cli(var, "ingest", str(bad), "--partner", "CAF32")
    status = run_cli(var, "status")
    assert status.returncode == 1  # nothing published yet, but receptions are listed
    assert "FORUM" in status.stdout and "forum_autonomie_2024.csv (accepté, 4 lignes" in status.stdout
    assert "CAF32" in status.stdout and "caf_codes.csv (refusé" in status.stdout and "rapport :" in status.stdout


@pytest.fixture
def dag_task():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO_ROOT / "dags")).dags["partner_intake"]
    return {t.task_id: t.python_callable for t in dag.tasks}


def test_dag_task_and_cli_share_one_code_path(tmp_path, monkeypatch, dag_task):
    """The DAG's `ingest` task and `observatoire ingest` produce the same landing and quarantine."""
    import pandas as pd

    var_dag = tmp_path / "dag" / "var"
    monkeypatch.setenv("OBS_VAR_DIR", str(var_dag))
    monkeypatch.setenv("OBS_DEPARTEMENT", "32")
    monkeypatch.delenv("OBS_INBOX_DIR", raising=False)
    inbox = var_dag / "inbox"
    (inbox / "CAF32").mkdir(parents=True)
    (inbox / "FORUM").mkdir(parents=True)
    shutil.copyfile(EXAMPLES / "caf32_indicateurs_2024.csv", inbox / "CAF32" / "caf32_indicateurs_2024.csv")
    (inbox / "FORUM" / "caf_codes.csv").write_text(BAD_CODE, encoding="utf-8")

    from observatoire.intake import inbox_files

    assert len(inbox_files(make_settings(var_dag))) == 2
    handled = dag_task["ingest"](2)
    assert sorted(h["statut"] for h in handled) == ["accepted", "refused"]
    assert inbox_files(make_settings(var_dag)) == []  # handled files leave the inbox
    assert dag_task["something_to_publish"](handled) is False  # nothing published yet: wait for the night

    var_cli = tmp_path / "cli" / "var"
    accepted = run_cli(var_cli, "ingest", str(EXAMPLES / "caf32_indicateurs_2024.csv"), "--partner", "CAF32")
    assert accepted.returncode == 0
    bad = tmp_path / "caf_codes.csv"
    bad.write_text(BAD_CODE, encoding="utf-8")
    assert run_cli(var_cli, "ingest", str(bad), "--partner", "FORUM").returncode == 1

    columns = ["partenaire", "code_territoire", "code_indicateur", "periode", "valeur", "_sha256", "version"]
    name = "landing/partenaires_indicateurs_partenaire.parquet"
    frames = [pd.read_parquet(v / name)[columns].sort_values(columns[:4]).reset_index(drop=True)
              for v in (var_dag, var_cli)]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    reports = [sorted(p.read_text(encoding="utf-8").split("\n", 8)[-1]
                      for p in (v / "quarantine" / "FORUM").glob("*.rapport.md")) for v in (var_dag, var_cli)]
    assert reports[0] == reports[1] and reports[0]


def test_cli_and_dag_call_the_same_function(monkeypatch, dag_task, tmp_path):
    import observatoire.intake as intake
    from observatoire import cli

    calls = []
    real = intake.ingest_partner_file
    monkeypatch.setattr(intake, "ingest_partner_file", lambda *a, **k: calls.append("cli") or real(*a, **k))
    monkeypatch.setenv("OBS_VAR_DIR", str(tmp_path / "var"))
    assert cli.main(["ingest", str(EXAMPLES / "forum_autonomie_2024.csv"), "--partner", "FORUM"]) == 0
    real_inbox = intake.ingest_partner_inbox
    monkeypatch.setattr(intake, "ingest_partner_inbox", lambda *a, **k: calls.append("dag") or real_inbox(*a, **k))
    dag_task["ingest"](0)
    assert calls == ["cli", "dag"]


def test_partner_intake_publishes_what_is_received_and_unpublished_once(refreshed, tmp_path, monkeypatch,
                                                                        dag_task):
    """partner_intake's decisions (observatoire.intake.unpublished_fingerprint): after a refresh nothing is
    pending (partner_intake fingerprints the inputs as the refresh did); a refused file's reception is pending,
    so the sensor fires with an empty inbox (a run stopped before its publish is caught up) and a build is
    asked for. A build already published is not published again (`only_if_new`: the publish task run again
    after the stack stopped past its swap), and meta.publications numbers each publication once."""
    from observatoire.intake import unpublished_fingerprint
    from observatoire.refresh import publish_build
    from tests.helpers import copy_var, query

    settings = copy_var(refreshed["settings"], tmp_path / "var")
    monkeypatch.setenv("OBS_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("OBS_DEPARTEMENT", "32")
    monkeypatch.delenv("OBS_INBOX_DIR", raising=False)
    monkeypatch.delenv("SUPERSET_URL", raising=False)
    assert unpublished_fingerprint(settings) is None
    assert dag_task["wait_for_file"]().is_done is False and dag_task["something_to_publish"]([]) is False

    bad = tmp_path / "caf_codes.csv"
    bad.write_text(BAD_CODE, encoding="utf-8")
    assert run_cli(settings.var_dir, "ingest", str(bad), "--partner", "CAF32").returncode == 1
    pending = unpublished_fingerprint(settings)
    assert pending is not None
    assert dag_task["wait_for_file"]().is_done is True and dag_task["something_to_publish"]([]) is True

    history = "select numero, build, empreinte_entrees from meta.publications order by numero"
    before = query(settings.warehouse_path, history)
    build = {**refreshed["result"]["build"], "empreinte_entrees": pending}
    sources = refreshed["result"]["sources"]
    assert "deja_publie" not in publish_build(settings, build, sources, only_if_new=True)
    assert unpublished_fingerprint(settings) is None
    published = sha256(settings.warehouse_path)
    assert publish_build(settings, build, sources, only_if_new=True)["deja_publie"] is True
    assert sha256(settings.warehouse_path) == published
    after = query(settings.warehouse_path, history)
    assert after[:-1] == before and [n for n, _, _ in after] == list(range(1, len(before) + 2))
    assert after[-1][2] == pending and after[-1][1] == Path(build["build_path"]).parent.name
