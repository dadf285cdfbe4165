"""Issue #12, item 8: the dbt docs Superset serves to every visitor at /observatoire-docs/ (`make docs`,
infra/superset/build_docs.py) show no folder of the machine that built them (dbt embeds root_path,
compiled_path and the landing files' absolute paths)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import INFRA, REPO_ROOT

pytestmark = pytest.mark.slow


def test_served_docs_show_no_absolute_path(refreshed, tmp_path):
    var_dir = refreshed["settings"].var_dir
    out = tmp_path / "docs"
    env = {**os.environ, "OBS_VAR_DIR": str(var_dir), "OBS_DEPARTEMENT": "32"}
    proc = subprocess.run([sys.executable, str(INFRA / "build_docs.py"), str(out)], env=env, capture_output=True,
                          text=True, timeout=600, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '"root_path"' in page and '"compiled_path"' in page, "not dbt's docs page"
    leaks = {p for p in (str(REPO_ROOT), str(var_dir.resolve()), str(tmp_path)) if p in page}
    leaks |= set(re.findall(r'"((?:/tmp|/work|/home|/root|/var|/opt|/srv)/[^"]{0,60})', page))
    assert not leaks, f"absolute paths in the served docs: {sorted(leaks)[:5]}"
