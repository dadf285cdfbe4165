"""Guard of the DuckDB warehouse as Superset queries it (SQL Lab, charts, dashboards): issue #12, items 1–3.

Registered through `APP_HOOKS` in superset_config.py; `install(app)`:

- wraps duckdb-engine's cursor `execute`, the one call every query Superset sends to DuckDB goes through
  (SQL Lab, charts, samples, virtual-dataset metadata; Superset's `get_columns_description` even calls the
  cursor directly, bypassing the engine spec), so that only read statements run: each statement is parsed
  (sqlglot, as Superset does, and DuckDB's own
  parser as a second opinion) and must be SELECT/WITH, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN of such a
  statement, with none of the DuckDB functions that change the engine's state (`enable_logging`…);
- bounds every DuckDB connection Superset opens (`DB_CONNECTION_MUTATOR`): memory_limit, threads, temporary
  directory and its maximum size, external access off and configuration locked;
- runs each statement under a watchdog thread that calls the connection's `interrupt()` at the timeout (SQL Lab
  and charts have their own) or when SQL Lab's « Stop » asks for it. Superset's own SQL Lab timeout relies on
  SIGALRM, which gunicorn's gthread workers never deliver. A stop request may reach another gunicorn worker than
  the one running the query, so it leaves a marker file (under SUPERSET_HOME) that the watchdog polls.

Settings (environment, documented in .env.example): SUPERSET_DUCKDB_MEMORY_LIMIT [1GB], SUPERSET_DUCKDB_THREADS
[2], SUPERSET_DUCKDB_MAX_TEMP_SIZE [2GB], SUPERSET_DUCKDB_TEMP_DIR [$SUPERSET_HOME/duckdb_tmp],
SUPERSET_CHART_QUERY_TIMEOUT [30] and SUPERSET_SQLLAB_QUERY_TIMEOUT [60] seconds, SUPERSET_WORKER_DATA_LIMIT_MB
[3072] (RLIMIT_DATA of each Superset process: the bound DuckDB's memory_limit does not give, see below).
"""

from __future__ import annotations

import resource
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from superset_env import env

# The statements the warehouse answers; EXPLAIN is checked on the statement it explains.
READ_ROOTS = (exp.Query, exp.Describe, exp.Show, exp.Summarize)
ALLOWED_LABEL = "SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN"
DUCKDB_READ_TYPES = {"SELECT", "EXPLAIN"}
# DuckDB table functions that change the engine's state rather than read data (logging to files, checkpoints).
DENIED_FUNCTIONS = {
    "enable_logging",
    "disable_logging",
    "truncate_duckdb_logs",
    "write_log",
    "checkpoint",
    "force_checkpoint",
}
WRITE_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Copy)
POLL_SECONDS = 0.25
OUT_OF_MEMORY = (
    "Requête interrompue : elle demande plus de mémoire que la limite du serveur. "
    "Restreindre la période, les territoires ou les colonnes demandées, puis relancer."
)


class WarehouseGuardError(Exception):
    """A statement refused or interrupted by this guard; its text is the French message shown to the user."""


@dataclass(frozen=True)
class Settings:
    duckdb_config: dict[str, Any]
    chart_timeout: float
    sqllab_timeout: float
    cancel_dir: Path
    worker_data_limit_mb: int


SETTINGS: Settings | None = None


# --- read-only statements --------------------------------------------------------------------------------
def _label(statement: exp.Expression) -> str:
    return (statement.name if isinstance(statement, exp.Command) else statement.key).upper()


def _function_names(statement: exp.Expression) -> set[str]:
    return {(f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower() for f in statement.find_all(exp.Func)}


def _explained(command: exp.Command) -> str:
    """The statement an EXPLAIN [ANALYZE] command explains (sqlglot keeps it as text)."""
    text = command.expression.name if command.expression else ""
    tokens = sqlglot.Tokenizer().tokenize(text) if text.strip() else []
    if tokens and tokens[0].text.upper() == "ANALYZE":
        return text[tokens[0].end + 1 :]
    return text


def _statement_refusal(statement: exp.Expression) -> str | None:
    if isinstance(statement, exp.Command) and statement.name.upper() == "EXPLAIN":
        return refusal(_explained(statement)) if _explained(statement).strip() else "EXPLAIN sans requête"
    if not isinstance(statement, READ_ROOTS) or statement.find(*WRITE_NODES):
        return f"instruction {_label(statement)}"
    if denied := sorted(_function_names(statement) & DENIED_FUNCTIONS):
        return f"fonction {', '.join(denied)}"
    return None


_PARSERS = threading.local()


def _duckdb_parser() -> duckdb.DuckDBPyConnection:
    """An empty in-memory DuckDB per thread, used only for its parser."""
    if not hasattr(_PARSERS, "connection"):
        _PARSERS.connection = duckdb.connect(":memory:")
    return _PARSERS.connection


def refusal(sql: str) -> str | None:
    """Why `sql` is not a read-only script (a short French phrase), or None when every statement only reads."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except SqlglotError:
        return "requête illisible pour l'analyseur SQL"
    if not statements:
        return "requête vide"
    for statement in statements:
        if reason := _statement_refusal(statement):
            return reason
    try:  # DuckDB's own parser must agree: `PRAGMA x` or `pivot` are not plain reads for it either
        kinds = {s.type.name for s in _duckdb_parser().extract_statements(sql)}
    except duckdb.Error:
        return "requête illisible pour DuckDB"
    if kinds - DUCKDB_READ_TYPES:
        return f"instruction {', '.join(sorted(kinds - DUCKDB_READ_TYPES))}"
    return None


def refusal_message(reason: str) -> str:
    return (
        f"Requête refusée ({reason}) : l'entrepôt n'accepte que des lectures ({ALLOWED_LABEL}). "
        "Réécrire la requête en lecture seule."
    )


# --- bounded connections ---------------------------------------------------------------------------------
def ordered_config(existing: dict[str, Any]) -> dict[str, Any]:
    """The connection's DuckDB config with this guard's settings. DuckDB applies them in order:
    `enable_external_access=false` must come before `temp_directory` (which it would otherwise refuse to set),
    and `lock_configuration=true` last."""
    others = {k: v for k, v in existing.items() if k not in SETTINGS.duckdb_config and k != "lock_configuration"}
    return {**SETTINGS.duckdb_config, **others, "lock_configuration": True}


def _connection_mutator(previous):
    def mutate(url, params, username, security_manager, source):
        # the limits first: a previous mutator that opens connections itself (fresh_duckdb's `creator`) takes
        # the config it finds in connect_args
        if url.get_backend_name() == "duckdb" and SETTINGS is not None:
            connect_args = params.setdefault("connect_args", {})
            connect_args["config"] = ordered_config(connect_args.get("config", {}))
        if previous is not None:
            url, params = previous(url, params, username, security_manager, source)
        return url, params

    return mutate


# --- timeout and stop ------------------------------------------------------------------------------------
class _Watchdog:
    """Interrupts `cursor`'s connection at the deadline or when the cancel marker appears, until the statement
    ends (an interrupt sent between two statements is lost, so it is repeated at every poll)."""

    def __init__(self, cursor: Any, seconds: float, marker: Path | None) -> None:
        self.cursor, self.deadline, self.marker = cursor, time.monotonic() + seconds, marker
        self.seconds = seconds
        self.reason: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="warehouse-watchdog", daemon=True)

    def _run(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            if self.marker is not None and self.marker.exists():
                self.reason = self.reason or "stop"
            elif time.monotonic() >= self.deadline:
                self.reason = self.reason or "timeout"
            if self.reason:
                self.cursor.interrupt()

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def message(self) -> str:
        if self.reason == "stop":
            return "Requête arrêtée à la demande de l'utilisateur (bouton « Stop » de SQL Lab)."
        return (
            f"Requête interrompue : elle a dépassé la durée maximale de {self.seconds:g} s. "
            "Restreindre la période, les territoires ou les colonnes demandées, puis relancer."
        )


def _marker(token: str | None) -> Path | None:
    if token is None or SETTINGS is None:
        return None
    return SETTINGS.cancel_dir / uuid.UUID(hex=token).hex  # a uuid only: nothing else names a file


def _guarded(execute):
    """duckdb-engine's cursor `execute`, the one call every query of Superset reaches (SQL Lab, charts, samples,
    virtual-dataset metadata, SQLAlchemy reflection), behind the allow-list and the watchdog."""

    def guarded_execute(cursor, statement, parameters=None, context=None):
        if reason := refusal(statement):
            raise WarehouseGuardError(refusal_message(reason))
        token = getattr(cursor, "_obs_cancel_token", None)
        seconds = SETTINGS.sqllab_timeout if token else SETTINGS.chart_timeout
        with _Watchdog(cursor, seconds, _marker(token)) as watchdog:
            try:
                return execute(cursor, statement, parameters, context)
            except Exception as ex:
                if watchdog.reason:
                    raise WarehouseGuardError(watchdog.message()) from ex
                if isinstance(ex, duckdb.OutOfMemoryException):
                    raise WarehouseGuardError(OUT_OF_MEMORY) from ex
                raise
            finally:
                if (marker := _marker(token)) is not None:
                    marker.unlink(missing_ok=True)

    guarded_execute.warehouse_guard = True
    return guarded_execute


def _patch() -> None:
    import duckdb_engine
    from superset.db_engine_specs.duckdb import DuckDBEngineSpec

    if getattr(duckdb_engine.CursorWrapper.execute, "warehouse_guard", False):
        return
    duckdb_engine.CursorWrapper.execute = _guarded(duckdb_engine.CursorWrapper.execute)

    def get_cancel_query_id(cls, cursor, query):  # SQL Lab only: its statements get SQL Lab's timeout
        cursor._obs_cancel_token = uuid.uuid4().hex
        return cursor._obs_cancel_token

    def cancel_query(cls, cursor, query, cancel_query_id):
        marker = _marker(cancel_query_id)
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        return True

    def extract_error_message(cls, ex):
        return str(ex) if isinstance(ex, WarehouseGuardError) else original_error(cls, ex)

    original_error = DuckDBEngineSpec.extract_error_message.__func__
    DuckDBEngineSpec.get_cancel_query_id = classmethod(get_cancel_query_id)
    DuckDBEngineSpec.cancel_query = classmethod(cancel_query)
    DuckDBEngineSpec.extract_error_message = classmethod(extract_error_message)


# --- settings --------------------------------------------------------------------------------------------
def _positive(name: str, default: str) -> float:
    raw = env(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise SystemExit(f"{name}={raw!r} : attendu un nombre de secondes positif (ex. {default}), voir .env.example.")
    return value


def load_settings(home: Path) -> Settings:
    config = {
        "enable_external_access": False,
        "memory_limit": env("SUPERSET_DUCKDB_MEMORY_LIMIT", "1GB"),
        "threads": int(_positive("SUPERSET_DUCKDB_THREADS", "2")),
        "max_temp_directory_size": env("SUPERSET_DUCKDB_MAX_TEMP_SIZE", "2GB"),
        "temp_directory": env("SUPERSET_DUCKDB_TEMP_DIR", str(home / "duckdb_tmp")),
    }
    try:  # DuckDB validates the sizes now, not at the first visitor's query
        duckdb.connect(":memory:", config={**config, "lock_configuration": True}).close()
    except duckdb.Error as ex:
        raise SystemExit(
            f"Réglages DuckDB de Superset invalides ({ex}) : corriger SUPERSET_DUCKDB_* (voir .env.example)."
        ) from ex
    return Settings(
        duckdb_config=config,
        chart_timeout=_positive("SUPERSET_CHART_QUERY_TIMEOUT", "30"),
        sqllab_timeout=_positive("SUPERSET_SQLLAB_QUERY_TIMEOUT", "60"),
        cancel_dir=home / "sqllab_cancel",
        worker_data_limit_mb=int(_positive("SUPERSET_WORKER_DATA_LIMIT_MB", "3072")),
    )


def _limit_process_memory(megabytes: int) -> None:
    """Caps this worker's private writable memory (RLIMIT_DATA): DuckDB's memory_limit does not cover the
    vectors of an expression (`list_sum(range(0, 250000 + …))` allocates GBs per chunk), while an allocation
    past this cap fails inside DuckDB as a clean « Out of Memory » error and the worker lives on."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft > wanted:
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


def install(app) -> None:
    global SETTINGS
    SETTINGS = load_settings(Path(app.config["DATA_DIR"]))
    app.config["DB_CONNECTION_MUTATOR"] = _connection_mutator(app.config.get("DB_CONNECTION_MUTATOR"))
    _patch()
    _limit_process_memory(SETTINGS.worker_data_limit_mb)
