"""The code's structure holds (issue #13): the import graph has no cycle, and one module reads the environment.

- Import graph, built from the AST of every module of `core`, `extract`, `observatoire` and `dags` (imports inside
  functions included: a lazy import hides a cycle, it does not remove it): no cycle between modules, and none
  between packages, whose order is fixed: `core` imports none of the others, `extract` only `core`,
  `observatoire` both, `dags` any.
- Environment: no module but the settings modules (core/settings.py for the pipeline, infra/superset/superset_env.py
  for the Superset side, a separate process and venv) touches `os.environ` or `os.getenv`.
Each checker is also run on a small offending project written in tmp_path, to prove it can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from core.settings import REPO_ROOT

PACKAGES = ("core", "extract", "observatoire", "dags")
# What each package may import from the others (and nothing else of them).
ALLOWED = {"core": set(), "extract": {"core"}, "observatoire": {"core", "extract"},
           "dags": {"core", "extract", "observatoire"}}
ENVIRONMENT_ROOTS = ("core", "extract", "observatoire", "dags", "infra")
SETTINGS_MODULES = {"core/settings.py", "infra/superset/superset_env.py"}


# --- the checkers --------------------------------------------------------------------------------------------------
def modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of `packages` under `root`."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: dict) -> list[str]:
    """The project modules an import statement names: `from p import x` is module p.x when there is one,
    else a name of p."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # relative: from the module's own package upwards
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in known else prefix for alias in node.names]


def import_graph(root: Path, packages=PACKAGES) -> nx.DiGraph:
    """Module -> the project modules it imports (the most specific existing one of each import)."""
    known = modules(root, packages)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            for target in _imported(node, name, path.name == "__init__.py", known):
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def module_cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.simple_cycles(graph)]


def package_violations(graph: nx.DiGraph, allowed=ALLOWED) -> set[tuple[str, str]]:
    """(importing package, imported package) pairs outside `allowed`, which is acyclic by construction."""
    pairs = {(a.split(".")[0], b.split(".")[0]) for a, b in graph.edges}
    return {(a, b) for a, b in pairs if a != b and b not in allowed.get(a, set())}


def environment_uses(root: Path, roots=ENVIRONMENT_ROOTS) -> dict[str, list[int]]:
    """File -> lines that touch the process environment: os.environ, os.getenv/putenv/unsetenv, or those names
    imported from os."""
    names = {"environ", "getenv", "putenv", "unsetenv", "environb"}
    found: dict[str, list[int]] = {}
    for top in roots:
        for path in sorted((root / top).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            lines = [node.lineno for node in ast.walk(tree)
                     if (isinstance(node, ast.Attribute) and node.attr in names
                         and isinstance(node.value, ast.Name) and node.value.id == "os")
                     or (isinstance(node, ast.ImportFrom) and node.module == "os"
                         and any(alias.name in names for alias in node.names))]
            if lines:
                found[path.relative_to(root).as_posix()] = sorted(lines)
    return found


# --- the project ---------------------------------------------------------------------------------------------------
def test_no_import_cycle_between_modules():
    graph = import_graph(REPO_ROOT)
    assert graph.number_of_edges() > 50  # the scan found the project's imports
    assert not module_cycles(graph)


def test_packages_import_in_one_direction():
    graph = import_graph(REPO_ROOT)
    assert not package_violations(graph)
    assert graph.has_edge("extract.run", "core.settings")  # the direction that is allowed is seen


def test_only_the_settings_modules_touch_the_environment():
    uses = environment_uses(REPO_ROOT)
    assert SETTINGS_MODULES <= set(uses)  # where the reads are, they are seen
    assert set(uses) - SETTINGS_MODULES == set(), uses


# --- each checker can fail -----------------------------------------------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_cycle_is_found(tmp_path):
    """extract.run -> observatoire.config -> (lazily) extract.run, the cycle issue #13 found."""
    root = _write(tmp_path, {
        "extract/__init__.py": "", "observatoire/__init__.py": "", "core/__init__.py": "",
        "extract/run.py": "from observatoire.config import Settings\n",
        "observatoire/config.py": "def f():\n    from extract import run\n",
        "observatoire/cli.py": "from . import config\n",
        "observatoire/notify.py": "from .config import Settings\n",
    })
    graph = import_graph(root, ("core", "extract", "observatoire"))
    assert module_cycles(graph) == [["extract.run", "observatoire.config"]]
    assert graph.has_edge("observatoire.cli", "observatoire.config")  # relative imports resolved, to the module
    assert graph.has_edge("observatoire.notify", "observatoire.config")
    assert not graph.has_edge("observatoire.cli", "observatoire")
    assert package_violations(graph) == {("extract", "observatoire")}


def test_core_importing_a_package_is_refused(tmp_path):
    root = _write(tmp_path, {"core/__init__.py": "", "core/x.py": "import extract.raw\n",
                             "extract/__init__.py": "", "extract/raw.py": ""})
    assert package_violations(import_graph(root, ("core", "extract"))) == {("core", "extract")}


def test_a_stray_environment_read_is_found(tmp_path):
    root = _write(tmp_path, {
        "core/settings.py": "import os\nX = os.environ.get('A')\n",
        "extract/a.py": "import os\ntoken = os.getenv('T')\n",
        "extract/b.py": "from os import environ\n",
        "observatoire/c.py": "import os\ndef f():\n    os.environ['B'] = '1'\n",
        "observatoire/d.py": "env = {'OBS_X': 1}\nprint(env.get('OBS_X'))\n",  # a plain dict: not the environment
    })
    assert environment_uses(root, ("core", "extract", "observatoire")) == {
        "core/settings.py": [2], "extract/a.py": [2], "extract/b.py": [1], "observatoire/c.py": [3]}
