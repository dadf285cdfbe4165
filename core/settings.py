"""Runtime configuration: the ONLY module of the pipeline that reads the environment (documented in .env.example).

`Settings` (pydantic-settings) declares every variable the pipeline reads, with its name, default and check;
`load_settings()` reads the process environment, `load_settings(mapping)` a given mapping only (tests, the CLI's
overrides). Every path is derived from OBS_VAR_DIR unless set explicitly, so one variable moves the whole working
area. Nothing here touches the disk: callers create directories when they write.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

REPO_ROOT = Path(__file__).resolve().parent.parent

SCOPES = ("departement", "france")
# Vintages a source publishes for one région only (dbt seed millesimes_regionaux, e.g. the Occitanie population
# compilation 1968–2014): 'auto' shows them when the configured département lies in that région, 'oui' always
# (where they cover a territory whole), 'non' never.
MILLESIMES_REGIONAUX = ("auto", "oui", "non")
_DEPARTEMENT_RE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")
# Fields read only on a workstation (the local Airflow stack of `make demo`/`make status`), never in a container.
LOCAL_ONLY = {"local_only": True}


class ConfigError(ValueError):
    """A configuration value is invalid; the message says which variable and how to fix it."""


def _var(default: Any, name: str, *, secret: bool = False, **extra: Any) -> Any:
    return Field(default, validation_alias=name, repr=not secret, json_schema_extra=extra or None)


class Settings(BaseSettings):
    """Every environment variable of the pipeline (observatoire/, extract/, dags/), typed and checked once."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, frozen=True, extra="ignore")

    # --- what is built
    departement: str = _var("32", "OBS_DEPARTEMENT")  # code du département, text ('32', '64', '2A')
    scope: str = _var("departement", "OBS_SCOPE")  # 'departement' (its communes and every EPCI touching it) | 'france'
    mode: str = _var("offline", "OBS_MODE")  # 'offline' (embedded snapshot, default) or 'online' (public APIs)
    millesimes_regionaux: str = _var("auto", "OBS_MILLESIMES_REGIONAUX")  # see MILLESIMES_REGIONAUX
    # --- where (relative paths are taken from the repository root; None: derived, see _derive_paths)
    var_dir: Path = _var(Path("var"), "OBS_VAR_DIR")
    warehouse_path: Path | None = _var(None, "OBS_WAREHOUSE_PATH")  # published, read-only warehouse (public contract)
    territoires_file: Path | None = _var(None, "OBS_TERRITOIRES_FILE")  # commune -> territoire d'action (département)
    inbox_dir: Path | None = _var(None, "OBS_INBOX_DIR")  # partners' drop zone [var_dir/inbox]
    # --- extract
    data_inclusion_token: str = _var("", "DATA_INCLUSION_TOKEN", secret=True)
    # --- partners' files
    ctg_debut: date = _var(date(2023, 1, 1), "OBS_CTG_DEBUT")
    ctg_fin: date = _var(date(2026, 12, 31), "OBS_CTG_FIN")
    partner_examples: str = _var("auto", "OBS_PARTNER_EXAMPLES")  # auto | yes/oui | no/non
    lock_timeout_s: float = _var(1800.0, "OBS_LOCK_TIMEOUT")
    # --- Airflow DAGs
    dag_retries: int = _var(2, "OBS_DAG_RETRIES")
    inbox_poke_seconds: int = _var(60, "OBS_INBOX_POKE_SECONDS")
    airflow_retention_days: int = _var(30, "OBS_AIRFLOW_RETENTION_DAYS")  # observatoire/housekeeping.py
    # --- after a publish: Superset's cache, the warm-up, the portraits
    superset_url: str = _var("", "SUPERSET_URL")
    superset_service_user: str = _var("", "SUPERSET_SERVICE_USER")
    superset_service_password: str = _var("", "SUPERSET_SERVICE_PASSWORD", secret=True)
    chromium: str = _var("/usr/bin/chromium", "OBS_CHROMIUM")
    portraits: str = _var("pdf", "OBS_PORTRAITS")  # checked when used: a wrong value skips the portraits only
    # --- alerts (observatoire/notify.py)
    notify_webhook: str = _var("", "OBS_NOTIFY_WEBHOOK")
    notify_smtp_host: str = _var("", "OBS_NOTIFY_SMTP_HOST")
    notify_smtp_port: int = _var(587, "OBS_NOTIFY_SMTP_PORT")
    notify_smtp_starttls: str = _var("", "OBS_NOTIFY_SMTP_STARTTLS")  # checked when used (notify.py)
    notify_smtp_user: str = _var("", "OBS_NOTIFY_SMTP_USER")
    notify_smtp_password: str = _var("", "OBS_NOTIFY_SMTP_PASSWORD", secret=True)
    notify_smtp_from: str = _var("", "OBS_NOTIFY_SMTP_FROM")
    notify_smtp_to: str = _var("", "OBS_NOTIFY_SMTP_TO")
    # --- the local Airflow stack (observatoire/airflow_api.py; infra/airflow/stack.sh sets them)
    airflow_home: Path | None = _var(None, "AIRFLOW_HOME", **LOCAL_ONLY)
    airflow_users: str = _var("", "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", **LOCAL_ONLY)
    airflow_passwords_file: str = _var("", "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", **LOCAL_ONLY)
    airflow_admin_password: str = _var("", "AIRFLOW_ADMIN_PASSWORD", secret=True, **LOCAL_ONLY)
    stack_dir: Path | None = _var(None, "OBS_STACK_DIR", **LOCAL_ONLY)

    @classmethod
    def from_mapping(cls, environ: Mapping[str, str]) -> Settings:
        """The settings read from `environ` only (pydantic-settings' environment source over that mapping)."""
        return cls(_build_sources=((_MappingSource(cls, environ),), {}))

    @field_validator("departement", mode="before")
    @classmethod
    def _departement(cls, value: str) -> str:
        code = str(value).strip().upper()
        code = "0" + code if len(code) == 1 else code
        if not _DEPARTEMENT_RE.match(code):
            raise ValueError(f"OBS_DEPARTEMENT={value!r} n'est pas un code de département (exemples : '32' pour le "
                             "Gers, '64' pour les Pyrénées-Atlantiques, '2A').")
        return code

    @field_validator("mode", mode="before")
    @classmethod
    def _mode(cls, value: str) -> str:
        mode = str(value).strip().lower()
        if mode not in {"offline", "online"}:
            raise ValueError(f"OBS_MODE={mode!r} : valeurs possibles 'offline' (défaut) ou 'online'.")
        return mode

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: str) -> str:
        if str(value).strip().lower() not in SCOPES:
            raise ValueError(f"OBS_SCOPE={value!r} : valeurs possibles 'departement' (défaut : le département "
                             "configuré et les EPCI qui le touchent) ou 'france' (toutes les communes, EPCI et "
                             "départements).")
        return str(value).strip().lower()

    @field_validator("millesimes_regionaux", mode="before")
    @classmethod
    def _millesimes(cls, value: str) -> str:
        if str(value).strip().lower() not in MILLESIMES_REGIONAUX:
            raise ValueError(f"OBS_MILLESIMES_REGIONAUX={value!r} : valeurs possibles 'auto' (défaut : les "
                             "millésimes publiés pour une seule région s'affichent si le département est dans cette "
                             "région), 'oui' (toujours, là où ils couvrent tout le territoire) ou 'non' (jamais).")
        return str(value).strip().lower()

    @field_validator("ctg_debut", "ctg_fin", mode="before")
    @classmethod
    def _ctg_date(cls, value: Any) -> Any:
        try:
            return date.fromisoformat(value) if isinstance(value, str) else value
        except ValueError as exc:
            raise ValueError(f"OBS_CTG_DEBUT / OBS_CTG_FIN : dates attendues au format AAAA-MM-JJ ({exc})") from exc

    @field_validator("airflow_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"OBS_AIRFLOW_RETENTION_DAYS={value} : nombre de jours d'historique d'Airflow à garder, "
                             "au moins 1 (30 par défaut).")
        return value

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        """Relative paths from the repository root; unset ones from OBS_VAR_DIR and the département."""
        if self.ctg_fin < self.ctg_debut:
            raise ValueError("OBS_CTG_FIN est antérieure à OBS_CTG_DEBUT")
        var_dir = _absolute(self.var_dir)
        derived = {
            "var_dir": var_dir,
            "warehouse_path": _absolute(self.warehouse_path or var_dir / "warehouse" / "observatoire.duckdb"),
            "territoires_file": _absolute(self.territoires_file or REPO_ROOT / "data" / "territoires"
                                          / f"territoires_action_{self.departement}.csv"),
            "inbox_dir": _absolute(self.inbox_dir or var_dir / "inbox"),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen model: set once, here
        return self

    @property
    def raw_dir(self) -> Path:
        return self.var_dir / "raw"

    @property
    def landing_dir(self) -> Path:
        return self.var_dir / "landing"

    @property
    def build_dir(self) -> Path:
        """One sub-folder per build (run id): a build never overwrites another one being published."""
        return self.var_dir / "build"

    @property
    def lock_path(self) -> Path:
        return self.var_dir / "writer.lock"

    @property
    def airflow_home_dir(self) -> Path:
        """AIRFLOW_HOME, else the local stack's var_dir/airflow (infra/airflow/_env.sh)."""
        return self.airflow_home or self.var_dir / "airflow"

    @property
    def snapshot_dir(self) -> Path:
        return REPO_ROOT / "data" / "snapshot"

    @property
    def dbt_project_dir(self) -> Path:
        return REPO_ROOT / "dbt_project"

    @property
    def convention_period(self) -> tuple[date, date]:
        """The CTG period (OBS_CTG_DEBUT, OBS_CTG_FIN): partner dates outside it are refused."""
        return self.ctg_debut, self.ctg_fin


class _MappingSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _absolute(path: Path) -> Path:
    return path if path.is_absolute() else REPO_ROOT / path


def variables() -> dict[str, bool]:
    """Every variable the settings read -> True when it is read only on a workstation (LOCAL_ONLY)."""
    return {field.validation_alias: bool((field.json_schema_extra or {}).get("local_only"))
            for field in Settings.model_fields.values()}


def load_settings(env: Mapping[str, str] | None = None, **overrides: str | None) -> Settings:
    """The settings from `env` (default: the process environment), with `overrides` (variable name -> value;
    None keeps env's) on top. Raises ConfigError, in French, naming the variable and the accepted values."""
    environ = dict(os.environ if env is None else env)
    environ.update({name: value for name, value in overrides.items() if value is not None})
    try:
        return Settings.from_mapping(environ)
    except ValidationError as exc:
        raise ConfigError(" ; ".join(_message(error) for error in exc.errors())) from None


_EXPECTED = {"float_parsing": "un nombre (ex. 1800 ou 0.5)", "int_parsing": "un nombre entier (ex. 3)",
             "int_from_float": "un nombre entier (ex. 3)", "path_type": "un chemin de fichier"}


def _message(error: dict) -> str:
    if "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    name = error["loc"][0] if error["loc"] else "?"
    expected = _EXPECTED.get(error["type"], f"une valeur valide ({error['msg']})")
    return f"{name}={error.get('input')!r} : valeur invalide, attendu {expected} ; voir .env.example."
