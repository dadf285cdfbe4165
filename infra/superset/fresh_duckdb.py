"""Every Superset query opens the warehouse file as it is *now*, never a stale DuckDB instance.

DuckDB's Python client shares one database instance per file path inside a process while any connection to
it is open (duckdb/duckdb#15912). After a publish (`os.replace` of the warehouse), a query still running in a
gunicorn worker keeps the OLD file's instance alive, and `duckdb.connect(path)` in that worker would hand the
next query (for instance the dashboard warm-up, whose answer is then cached for 24 h) the old figures.

So each connection is a fresh in-memory instance (never shared) that ATTACHes the warehouse read-only: the
file is opened by path at that moment. The hardening of the database's `connect_args.config`
(`enable_external_access=false`, then `lock_configuration=true`) is applied right after the ATTACH, so SQL Lab
keeps refusing file access, ATTACH, COPY, INSTALL and configuration changes (tests/superset/test_superset_api.py).

Registered as `DB_CONNECTION_MUTATOR` in superset_config.py: it only touches `duckdb:///<file>` URLs.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import duckdb
from duckdb_engine import ConnectionWrapper

# Set after the ATTACH, in this order (the ATTACH itself is external access; once the configuration is locked
# nothing can be set). Every other setting (e.g. the custom_user_agent Superset adds) is a start-up option.
AFTER_ATTACH = ("enable_external_access", "lock_configuration")


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def connect_fresh(path: str, read_only: bool, config: dict[str, Any]) -> ConnectionWrapper:
    con = duckdb.connect(":memory:", config={k: v for k, v in config.items() if k not in AFTER_ATTACH})
    try:
        mode = " (read_only)" if read_only else ""
        con.execute(f"attach {_literal(path)} as observatoire{mode}")
        con.execute("use observatoire")
        for key in (k for k in AFTER_ATTACH if k in config):
            con.execute(f"set {key} = {_literal(config[key])}")
    except Exception:
        con.close()
        raise
    return ConnectionWrapper(con)


def mutate_connection(url, params: dict[str, Any], username, security_manager, source):  # noqa: ARG001
    """Superset's DB_CONNECTION_MUTATOR signature; returns (url, engine params)."""
    path = url.database or ""
    if url.drivername != "duckdb" or path in ("", ":memory:") or path.startswith("md:"):
        return url, params
    connect_args = dict(params.get("connect_args") or {})
    params = {**params, "creator": partial(connect_fresh, path, bool(connect_args.get("read_only")),
                                           dict(connect_args.get("config") or {}))}
    params.pop("connect_args", None)
    return url, params
