"""core/: the settings object reads what it is given, checks it with French messages; the atomic-write helper
replaces the target whole or leaves it untouched, never a temporary file behind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.files import atomic_path, atomic_write
from core.settings import REPO_ROOT, ConfigError, load_settings


def test_a_mapping_is_read_alone_and_overrides_come_on_top(monkeypatch):
    monkeypatch.setenv("OBS_DEPARTEMENT", "64")
    monkeypatch.setenv("OBS_LOCK_TIMEOUT", "7")
    given = load_settings({"OBS_VAR_DIR": "/tmp/x", "OBS_CTG_DEBUT": "2024-01-01"})
    assert (given.departement, given.lock_timeout_s) == ("32", 1800.0)  # the process environment is not read
    assert given.convention_period == (date(2024, 1, 1), date(2026, 12, 31))
    assert given.inbox_dir == Path("/tmp/x/inbox")
    assert given.warehouse_path == Path("/tmp/x/warehouse/observatoire.duckdb")
    process = load_settings(OBS_SCOPE="france", OBS_MODE=None)
    assert (process.departement, process.lock_timeout_s, process.scope) == ("64", 7.0, "france")


def test_empty_values_keep_the_defaults_and_paths_follow_the_repository():
    settings = load_settings({"OBS_DEPARTEMENT": "2a", "OBS_TERRITOIRES_FILE": "", "OBS_VAR_DIR": "var-test",
                              "OBS_DAG_RETRIES": ""})
    assert settings.departement == "2A" and settings.dag_retries == 2
    assert settings.var_dir == REPO_ROOT / "var-test"
    assert settings.territoires_file == REPO_ROOT / "data" / "territoires" / "territoires_action_2A.csv"


@pytest.mark.parametrize("variable, value, message", [
    ("OBS_DEPARTEMENT", "99", "OBS_DEPARTEMENT='99' n'est pas un code de département"),
    ("OBS_MODE", "Hybride", "OBS_MODE='hybride' : valeurs possibles 'offline' (défaut) ou 'online'."),
    ("OBS_LOCK_TIMEOUT", "demi-heure", "OBS_LOCK_TIMEOUT='demi-heure' : valeur invalide, attendu un nombre"),
    ("OBS_DAG_RETRIES", "1.5", "OBS_DAG_RETRIES='1.5' : valeur invalide, attendu un nombre entier"),
    ("OBS_CTG_DEBUT", "01/01/2024", "OBS_CTG_DEBUT / OBS_CTG_FIN : dates attendues au format AAAA-MM-JJ"),
    ("OBS_CTG_FIN", "2020-12-31", "OBS_CTG_FIN est antérieure à OBS_CTG_DEBUT"),
    ("OBS_AIRFLOW_RETENTION_DAYS", "0", "OBS_AIRFLOW_RETENTION_DAYS=0 : nombre de jours d'historique d'Airflow"),
])
def test_a_bad_value_is_refused_in_french(variable, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value})
    assert str(caught.value).startswith(message), caught.value


def test_secrets_stay_out_of_the_printed_settings():
    settings = load_settings({"DATA_INCLUSION_TOKEN": "jeton-secret", "OBS_NOTIFY_SMTP_PASSWORD": "mdp-secret"})
    assert settings.data_inclusion_token == "jeton-secret"
    assert "secret" not in repr(settings) and "secret" not in str(settings)


def test_atomic_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "sous-dossier" / "fichier.json"
    atomic_write(target, b"ancien")
    atomic_write(target, b"nouveau")
    assert target.read_bytes() == b"nouveau" and sorted(p.name for p in target.parent.iterdir()) == ["fichier.json"]


@pytest.mark.parametrize("make", [lambda tmp: tmp.write_bytes(b"moitie"), lambda tmp: (tmp / "a").mkdir(parents=True)])
def test_a_failed_write_leaves_the_target_and_no_temporary_file(tmp_path, make):
    target = tmp_path / "publie"
    target.write_bytes(b"publie")
    with pytest.raises(RuntimeError), atomic_path(target, suffix=".parquet") as tmp:
        make(tmp)
        assert tmp.exists() and tmp.parent == target.parent and tmp.name.endswith(".parquet")
        raise RuntimeError("disque plein")
    assert target.read_bytes() == b"publie" and [p.name for p in tmp_path.iterdir()] == ["publie"]
