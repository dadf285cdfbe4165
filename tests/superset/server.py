"""Start and stop a real Superset as an operator does (infra/superset/init.sh, import_assets.sh against a
published warehouse, serve.sh on a free 127.0.0.1 port). Used by the session fixture of tests/superset/conftest.py
and by the live stack test (tests/test_stack.py), which serves the warehouse its Airflow stack publishes.
Also the throw-away Superset of the benchmarks (bench/dashboards.py, with `operator_env`: the product's limits).
Importable as `tests.superset.server` (no sibling-module imports)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra" / "superset"
SUPERSET_VENV = REPO_ROOT / ".venvs" / "superset"
QUERY_TIMEOUT_S = 8  # every chart query of the assets answers in well under a second


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def operator_env(home: Path, port: int, password: str) -> dict[str, str]:
    """The environment an operator gives a throw-away Superset, with the product's default limits (the
    benchmarks use it as is): secrets generated here, example users' passwords written by roles_tool.py into
    `home/example_users.json` (roles.yml)."""
    return {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_SECRET_KEY": secrets.token_hex(32),
        "SUPERSET_ADMIN_PASSWORD": password,
        "SUPERSET_ADMIN_USER": "admin",
        "SUPERSET_PORT": str(port),
        "SUPERSET_USERS_FILE": str(home / "example_users.json"),
    }


def superset_env(home: Path, port: int, password: str) -> dict[str, str]:
    """The environment of a test Superset: `operator_env` with the suite's own limits."""
    return {
        **operator_env(home, port, password),
        # the suite logs in some twenty times from 127.0.0.1: the per-address login limit must not refuse it
        # (test_throttling.py checks the per-account limit, which these logins, all successful, do not spend)
        "SUPERSET_AUTH_RATE_LIMIT": "600 per minute",
        # as in production behind one TLS reverse proxy (README step 7); without X-Forwarded-For (every client
        # but test_throttling's proxy test) the address stays 127.0.0.1
        "SUPERSET_PROXY_HOPS": "1",
        "SUPERSET_SQLLAB_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
        "SUPERSET_CHART_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
        # /observatoire-docs/ serves what test_docs.py builds there (make docs), not the checkout's var/docs
        "SUPERSET_DOCS_DIR": str(home / "docs"),
    }


def _run(step: str, args: list[str], env: dict[str, str], timings: dict[str, float], timeout: int) -> None:
    t0 = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    timings[step] = time.monotonic() - t0
    if proc.returncode != 0:
        pytest.fail(f"{step} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def start(env: dict[str, str], warehouse: Path, timings: dict[str, float]) -> dict[str, str]:
    """init.sh, import_assets.sh against `warehouse`, serve.sh start (until /health); returns the example
    accounts (username -> password). Call `stop(env)` afterwards, even when this fails."""
    init(env, timings)
    return serve(env, warehouse, timings)


def init(env: dict[str, str], timings: dict[str, float]) -> None:
    """init.sh: metadata database, admin account, roles (needs no warehouse)."""
    if not (SUPERSET_VENV / "bin" / "superset").exists():
        pytest.fail(f"Superset venv missing at {SUPERSET_VENV}: run `make setup`")
    _run("init.sh", ["bash", str(INFRA / "init.sh")], env, timings, timeout=300)


def serve(env: dict[str, str], warehouse: Path, timings: dict[str, float]) -> dict[str, str]:
    """After init(): import_assets.sh against `warehouse`, serve.sh start (until /health)."""
    _run("import_assets.sh", ["bash", str(INFRA / "import_assets.sh"), str(warehouse)], env, timings, timeout=300)
    _run("serve.sh start (until /health)", ["bash", str(INFRA / "serve.sh"), "start"], env, timings, timeout=180)
    return json.loads(Path(env["SUPERSET_USERS_FILE"]).read_text(encoding="utf-8"))


def stop(env: dict[str, str]) -> None:
    subprocess.run(["bash", str(INFRA / "serve.sh"), "stop"], env=env, capture_output=True, timeout=60)
    pidfile = Path(env["SUPERSET_HOME"]) / "gunicorn.pid"
    if pidfile.exists():  # stop failed: end our own gunicorn master by its pid, nothing else
        try:
            os.kill(int(pidfile.read_text().strip()), 9)
        except (ProcessLookupError, ValueError):
            pass
