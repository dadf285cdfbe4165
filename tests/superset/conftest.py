"""Fixtures for the Superset tests: one real Superset (gunicorn, SQLite metadata) per test session.

The server is built exactly as an operator would (tests/superset/server.py): infra/superset/init.sh,
import_assets.sh against the `published_warehouse` fixture (tests/conftest.py: a warehouse published by the real
pipeline), then serve.sh on a free 127.0.0.1 port. Secrets are generated for the session; nothing is written outside a
temporary SUPERSET_HOME except the artefacts in var/test-artifacts/ (screenshot, timings).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.superset import server
from tests.superset.server import INFRA, QUERY_TIMEOUT_S, SUPERSET_VENV  # noqa: F401 (used by test modules)

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS = REPO_ROOT / "superset_assets"
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts"


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


@pytest.fixture(scope="session")
def superset_server(
    published_warehouse: Path, tmp_path_factory: pytest.TempPathFactory, timings: dict[str, float]
) -> Iterator[SupersetServer]:
    home = tmp_path_factory.mktemp("superset_home")
    port = server.free_port()
    password = secrets.token_urlsafe(18)
    env = server.superset_env(home, port, password)
    # /observatoire-portraits/ serves the session's portraits (tests/superset/test_portraits_served.py)
    env["SUPERSET_PORTRAITS_DIR"] = str(published_warehouse.parent.parent / "portraits")
    try:
        accounts = server.start(env, published_warehouse, timings)
        yield SupersetServer(f"http://127.0.0.1:{port}", "admin", password, home, timings, accounts)
    finally:
        server.stop(env)


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
