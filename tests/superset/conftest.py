"""Fixtures for the Superset tests: one real Superset (gunicorn, SQLite metadata) per test session.

The server is built exactly as an operator would: infra/superset/init.sh, import_assets.sh against the
`published_warehouse` fixture (tests/conftest.py: a warehouse published by the real pipeline), then
serve.sh on a free 127.0.0.1 port. Secrets are generated for the session; nothing is written outside a
temporary SUPERSET_HOME except the artefacts in var/test-artifacts/ (screenshot, timings).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INFRA = REPO_ROOT / "infra" / "superset"
ASSETS = REPO_ROOT / "superset_assets"
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts"
SUPERSET_VENV = REPO_ROOT / ".venvs" / "superset"
QUERY_TIMEOUT_S = 8  # every chart query of the assets answers in well under a second


@dataclass
class SupersetServer:
    base_url: str
    username: str
    password: str
    home: Path
    timings: dict[str, float] = field(default_factory=dict)
    # example accounts of infra/superset/roles.yml, passwords generated for this session: username -> password
    accounts: dict[str, str] = field(default_factory=dict)
    # statement timeout of charts and SQL Lab for this session (infra/superset/warehouse_guard.py), kept small
    query_timeout: float = QUERY_TIMEOUT_S

    def password_of(self, username: str) -> str:
        return self.password if username == self.username else self.accounts[username]


@pytest.fixture(scope="session")
def timings() -> Iterator[dict[str, float]]:
    """Wall-clock seconds of each step, written to var/test-artifacts/superset_timings.json (never asserted)."""
    measured: dict[str, float] = {}
    yield measured
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "superset_timings.json").write_text(
        json.dumps({k: round(v, 2) for k, v in measured.items()}, indent=2, ensure_ascii=False) + "\n"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(step: str, args: list[str], env: dict[str, str], timings: dict[str, float], timeout: int) -> None:
    t0 = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT)
    timings[step] = time.monotonic() - t0
    if proc.returncode != 0:
        pytest.fail(f"{step} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


@pytest.fixture(scope="session")
def superset_server(
    published_warehouse: Path, tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float]
) -> Iterator[SupersetServer]:
    if not (SUPERSET_VENV / "bin" / "superset").exists():
        pytest.fail(f"Superset venv missing at {SUPERSET_VENV}: run `make setup`")
    home = tmp_path_factory.mktemp("superset_home")
    port = _free_port()
    password = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_SECRET_KEY": secrets.token_hex(32),
        "SUPERSET_ADMIN_PASSWORD": password,
        "SUPERSET_ADMIN_USER": "admin",
        "SUPERSET_PORT": str(port),
        # roles_tool.py generates the example users' passwords into this file (roles.yml)
        "SUPERSET_USERS_FILE": str(home / "example_users.json"),
        # the suite logs in some twenty times from 127.0.0.1: the per-address login limit must not refuse it
        # (test_throttling.py checks the per-account limit, which these logins, all successful, do not spend)
        "SUPERSET_AUTH_RATE_LIMIT": "600 per minute",
        "SUPERSET_SQLLAB_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
        "SUPERSET_CHART_QUERY_TIMEOUT": str(QUERY_TIMEOUT_S),
        # /observatoire-docs/ serves what test_docs.py builds there (make docs), not the checkout's var/docs
        "SUPERSET_DOCS_DIR": str(home / "docs"),
        # /observatoire-portraits/ serves the session's portraits (tests/superset/test_portraits_served.py)
        "SUPERSET_PORTRAITS_DIR": str(published_warehouse.parent.parent / "portraits"),
    }
    _run("init.sh", ["bash", str(INFRA / "init.sh")], env, timings, timeout=300)
    _run(
        "import_assets.sh",
        ["bash", str(INFRA / "import_assets.sh"), str(published_warehouse)],
        env,
        timings,
        timeout=300,
    )
    try:
        _run("serve.sh start (until /health)", ["bash", str(INFRA / "serve.sh"), "start"], env, timings, timeout=180)
        accounts = json.loads((home / "example_users.json").read_text(encoding="utf-8"))
        yield SupersetServer(f"http://127.0.0.1:{port}", "admin", password, home, timings, accounts)
    finally:
        subprocess.run(["bash", str(INFRA / "serve.sh"), "stop"], env=env, capture_output=True, timeout=60)
        pidfile = home / "gunicorn.pid"
        if pidfile.exists():  # stop failed: end our own gunicorn master by its pid, nothing else
            try:
                os.kill(int(pidfile.read_text().strip()), 9)
            except (ProcessLookupError, ValueError):
                pass


@pytest.fixture(scope="session")
def restricted_dashboard(superset_server) -> str:
    """A published dashboard granted to the analysts only (created through the API for this session): the
    roles that may not see it must be refused, whatever dashboards the assets hold."""
    import sqlite3

    from roles_matrix import role_name
    from superset_api import SupersetClient

    con = sqlite3.connect(f"file:{superset_server.home / 'superset.db'}?mode=ro", uri=True)
    role_id = con.execute("select id from ab_role where name = ?", (role_name("analyste"),)).fetchone()[0]
    con.close()
    admin = SupersetClient(superset_server.base_url, superset_server.username, superset_server.password)
    slug = "acces-restreint-test"
    r = admin.post(
        "/api/v1/dashboard/",
        {"dashboard_title": "Accès restreint (test)", "slug": slug, "published": True, "roles": [role_id]},
    )
    admin.http.close()
    assert r.status_code == 201, r.text[:500]
    return slug


@pytest.fixture(scope="module")
def clients(superset_server):
    """One logged-in client per role of roles_matrix.ACCOUNTS (anonymous for `public`), per test module."""
    from roles_matrix import ACCOUNTS
    from superset_api import SupersetClient

    made = {
        role: SupersetClient(superset_server.base_url, user, superset_server.password_of(user) if user else None)
        for role, user in ACCOUNTS.items()
    }
    yield made
    for c in made.values():
        c.http.close()
