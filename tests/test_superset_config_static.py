"""Static checks of infra/superset/superset_config.py (no Superset server needed).

Superset reads module-level settings once; assigning one twice silently drops the first value (a second
FLASK_APP_MUTATOR once removed the engine guards). These tests read the file's syntax tree.
"""

from __future__ import annotations

import ast
import subprocess
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "infra" / "superset" / "superset_config.py"


def _module_assignments(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def test_no_setting_is_assigned_twice():
    names = _module_assignments(ast.parse(CONFIG.read_text(encoding="utf-8")))
    twice = sorted(n for n, k in Counter(names).items() if k > 1 and n.isupper())
    assert not twice, f"superset_config.py assigns these settings more than once: {twice}"


def test_one_mutator_runs_every_hook():
    tree = ast.parse(CONFIG.read_text(encoding="utf-8"))
    assert _module_assignments(tree).count("FLASK_APP_MUTATOR") == 1
    # hooks are added to APP_HOOKS, never by reassigning the mutator
    src = CONFIG.read_text(encoding="utf-8")
    assert "FLASK_APP_MUTATOR = _mutate_app" in src


def test_proxy_hops_setting_is_checked():
    """SUPERSET_PROXY_HOPS is a small count; anything else stops Superset's start with a French message naming it."""
    code = (
        "import sys; sys.path.insert(0, 'infra/superset'); import access_limits as a\n"
        "print(a.proxy_hops('0'), a.proxy_hops('1'))\n"
        "for bad in ('oui', '-1', '1.5', '99'):\n"
        "    try:\n        a.proxy_hops(bad)\n    except ValueError as e:\n        print(e)\n"
    )
    out = subprocess.run([str(REPO / ".venvs/superset/bin/python"), "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out[0] == "0 1"
    assert len(out) == 5 and all(line.startswith("SUPERSET_PROXY_HOPS=") and "entier de 0 à 5" in line
                                 for line in out[1:]), out
