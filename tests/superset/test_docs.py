"""Issue #12, item 8: the dbt docs Superset serves to every visitor at /observatoire-docs/ (`make docs`,
infra/superset/build_docs.py) show no folder of the machine that built them (dbt embeds root_path,
compiled_path and the landing files' absolute paths), and their inline/eval'd scripts run sandboxed: in an
opaque origin, they can neither read Superset's cookies nor call its API as the visitor, yet the page works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from conftest import INFRA, REPO_ROOT
from playwright.sync_api import sync_playwright
from test_dashboard_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served_docs(refreshed, superset_server) -> Path:
    """`make docs` into the folder the session's Superset serves (SUPERSET_DOCS_DIR, conftest.py)."""
    out = superset_server.home / "docs"
    env = {**os.environ, "OBS_VAR_DIR": str(refreshed["settings"].var_dir), "OBS_DEPARTEMENT": "32"}
    proc = subprocess.run([sys.executable, str(INFRA / "build_docs.py"), str(out)], env=env, capture_output=True,
                          text=True, timeout=600, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return out


def test_served_docs_show_no_absolute_path(refreshed, served_docs, superset_server):
    page = requests.get(f"{superset_server.base_url}/observatoire-docs/", timeout=60).text
    assert '"root_path"' in page and '"compiled_path"' in page, "not dbt's docs page"
    var_dir = refreshed["settings"].var_dir
    leaks = {p for p in (str(REPO_ROOT), str(var_dir.resolve()), str(served_docs)) if p in page}
    leaks |= set(re.findall(r'"((?:/tmp|/work|/home|/root|/var|/opt|/srv)/[^"]{0,60})', page))
    assert not leaks, f"absolute paths in the served docs: {sorted(leaks)[:5]}"


def test_docs_scripts_are_sandboxed_and_the_page_works(served_docs, superset_server):
    csp = requests.get(f"{superset_server.base_url}/observatoire-docs/", timeout=60).headers["Content-Security-Policy"]
    assert re.search(r"(^|;)\s*sandbox allow-scripts\s*(;|$)", csp), csp
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{superset_server.base_url}/login/")  # a logged-in visitor: the session cookie is there
            page.fill("#username", superset_server.username)
            page.fill("#password", superset_server.password)
            page.click('button[type="submit"], input[type="submit"]')
            page.wait_for_url("**/superset/welcome/**", timeout=60_000)
            assert page.evaluate("fetch('/api/v1/me/').then(r => r.status)") == 200  # Superset's own page can
            page.goto(f"{superset_server.base_url}/observatoire-docs/#!/model/model.observatoire.dim_territoire")
            page.get_by_text("One row per territory of the perimeter, every level").first.wait_for(timeout=60_000)
            seen = page.evaluate("""async () => {
                let cookie; try { cookie = document.cookie; } catch (e) { cookie = 'refused'; }
                let api; try { api = (await fetch('/api/v1/me/', {credentials: 'include'})).status; }
                catch (e) { api = 'refused'; }
                return {origin: window.origin, cookie, api};
            }""")
        finally:
            browser.close()
    assert seen == {"origin": "null", "cookie": "refused", "api": "refused"}, seen
