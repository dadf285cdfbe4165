"""Static checks of infra/superset/superset_config.py (no Superset needed).

Superset reads module-level settings once; assigning one twice silently drops the first value (a second
FLASK_APP_MUTATOR once removed the engine guards). These tests read the file's syntax tree.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "infra" / "superset" / "superset_config.py"


def _module_assignments(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
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
