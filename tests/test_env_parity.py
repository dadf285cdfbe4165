"""Every environment variable the code reads is documented in .env.example and reaches the containers that run it.

The variables are found in the code itself, not listed by hand:
- the pipeline's settings object (core/settings.py `Settings`, the one module of the pipeline that reads the
  environment, tests/test_import_graph.py): the variable name of each of its fields; fields marked `local_only` are
  read on a workstation only (the local Airflow stack);
- other Python (infra/, dbt_project/scripts/, and any module that would read on its own): `os.environ[...]`,
  `os.environ.get(...)`, `os.getenv(...)`, the Superset side's `env("X", default)` (infra/superset/superset_env.py),
  and a call or a subscript on an environment mapping (`env.get("X")`, `env["X"]`, `_path(env, "X", ...)`); a name
  bound to a module-level string constant is resolved (TOKEN_ENV);
- shell (infra/**/*.sh): `${X}`, `${X:-default}`, `$X` for names the script does not assign itself, and the
  `os.environ["X"]` of an embedded Python here-document;
- dbt: `env_var('X')` in profiles, sources and models (none today: the pipeline passes every dbt variable with
  `--vars`, observatoire/dbt_build.py).
Which container runs which code: the pipeline image (every Airflow service) runs core/, observatoire/, extract/,
dags/, the dbt project and infra/docker/airflow-init.sh; the Superset image (superset, superset-init) runs
infra/superset/ (its config, init, import and the tools they call) and infra/docker/superset-init.sh. A container
receives a variable through its `environment:` in docker-compose.yml or an `ENV` of its Dockerfile.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from core.settings import REPO_ROOT, Settings
from tests.test_compose import COMPOSE, ENV_EXAMPLE, read_env_file

SETTINGS_FILE = "core/settings.py"
# Set by the operating system or the shell, never by the deployment.
OS_VARIABLES = {"HOME", "PATH", "PWD", "TMPDIR", "HOSTNAME", "USER", "SECONDS", "BASH_SOURCE", "RANDOM", "IFS"}
# Scripts and tools that only run on a workstation (never in a container): their variables are documented only.
LOCAL_ONLY = {
    "infra/superset/serve.sh": "the Superset container runs gunicorn directly (docker-compose.yml `command`)",
    "infra/superset/build_docs.py": "`make docs`, in the pipeline venv; the images do not build the dbt docs",
    "infra/airflow": "local Airflow (make demo, tests); the containers run `airflow …` directly",
    "observatoire/airflow_api.py": "REST client of the local stack (make demo/status); in Compose the Airflow UI "
                                   "shows the runs",
    "infra/install_chromium.sh": "browser tests only",
    "dbt_project/scripts": "developer check of the dbt project (make lint/test)",
    f"{SETTINGS_FILE}[local_only]": "Settings fields of the local Airflow stack (observatoire/airflow_api.py: make "
                                    "demo/status); in Compose the Airflow UI shows the runs",
}
PIPELINE_CODE = ("core", "observatoire", "extract", "dags", "dbt_project", "infra/docker/airflow-init.sh")
SUPERSET_CODE = ("infra/superset", "infra/docker/superset-init.sh")
IMAGE_OF = {"pipeline": "infra/docker/pipeline.Dockerfile", "superset": "infra/docker/superset.Dockerfile"}
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


# --- reading the code --------------------------------------------------------------------------------------------
def _is_environment(node: ast.AST) -> bool:
    """`os.environ`, `environ`, or a mapping named like an environment (`env`, `environment`, `self.env`)."""
    text = ast.unparse(node)
    return "environ" in text or bool(re.search(r"(^|\.|\b)env\b", text))


def _string(node: ast.AST, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        value = constants[node.id]
    else:
        return None
    return value if NAME.match(value) else None


def python_reads(source: str) -> set[str]:
    tree = ast.parse(source)
    constants = {
        target.id: node.value.value
        for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets if isinstance(target, ast.Name)
    }
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and _is_environment(node.value):
            found.add(_string(node.slice, constants))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"get", "pop", "setdefault"} and _is_environment(
                    func.value) and node.args:
                found.add(_string(node.args[0], constants))
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                    isinstance(func, ast.Name) and func.id == "getenv"):
                found.add(_string(node.args[0], constants) if node.args else None)
            elif _is_environment(func) and node.args:  # the Superset side's env("X", default)
                found.add(_string(node.args[0], constants))
            elif any(_is_environment(arg) for arg in node.args if isinstance(arg, ast.Name | ast.Attribute)):
                # the config module's helpers: _path(env, "OBS_VAR_DIR", default)
                found.update(_string(arg, constants) for arg in node.args)
    return found - {None}


_SHELL_REF = re.compile(r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?=+])?|([A-Za-z_][A-Za-z0-9_]*))")
_SHELL_ASSIGN = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=", re.M)
_SHELL_LOOP = re.compile(r"\b(?:for|read)\s+([A-Za-z_][A-Za-z0-9_]*)")
_HEREDOC_ENV = re.compile(r"os\.environ(?:\.get\(|\[)\s*['\"]([A-Za-z_][A-Za-z0-9_]*)")


def shell_reads(text: str, assigned_elsewhere: set[str] = frozenset()) -> set[str]:
    """Variables a script reads from its environment: referenced and not assigned by the script (or by the scripts
    it sources), or referenced with a default/required form (`${X:-…}`, `${X:?…}`), which reads the caller's X."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assigned = set(_SHELL_ASSIGN.findall(code)) | set(_SHELL_LOOP.findall(code)) | set(assigned_elsewhere)
    found = set(_HEREDOC_ENV.findall(code))
    for braced, operator, bare in _SHELL_REF.findall(code):
        name = braced or bare
        if (operator and operator[-1] in "-?=") or name not in assigned:
            found.add(name)
    return {n for n in found if NAME.match(n)} - OS_VARIABLES


def dbt_reads(text: str) -> set[str]:
    return set(re.findall(r"env_var\(\s*\\?['\"]([A-Za-z_][A-Za-z0-9_]*)", text))


def settings_reads(settings_cls: type[Settings] = Settings) -> dict[str, set[str]]:
    """The variable of each settings field, under core/settings.py or, for local-only fields, its [local_only]."""
    reads: dict[str, set[str]] = {SETTINGS_FILE: set(), f"{SETTINGS_FILE}[local_only]": set()}
    for field in settings_cls.model_fields.values():
        local = (field.json_schema_extra or {}).get("local_only")
        reads[f"{SETTINGS_FILE}[local_only]" if local else SETTINGS_FILE].add(field.validation_alias)
    return reads


def _files() -> list[Path]:
    roots = ("core", "observatoire", "extract", "dags", "infra", "dbt_project")
    files = []
    for root in roots:
        for path in sorted((REPO_ROOT / root).rglob("*")):
            parts = path.relative_to(REPO_ROOT).parts
            if any(p in {"target", "logs", "dbt_packages", "__pycache__"} for p in parts):
                continue
            if path.relative_to(REPO_ROOT).as_posix() == SETTINGS_FILE:
                continue  # read through settings_reads()
            if path.suffix in {".py", ".sh"} or (root == "dbt_project" and path.suffix in {".yml", ".sql"}):
                files.append(path)
    return files


def reads_by_file(files: list[Path] | None = None) -> dict[str, set[str]]:
    files = _files() if files is None else files
    reads = settings_reads()
    sourced = {}  # folder → variables assigned by its _env.sh, which the other scripts of the folder source
    for path in files:
        if path.name == "_env.sh":
            sourced[path.parent] = set(_SHELL_ASSIGN.findall(path.read_text(encoding="utf-8")))
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found = python_reads(text)
        elif path.suffix == ".sh":
            found = shell_reads(text, sourced.get(path.parent, set()))
        else:
            found = dbt_reads(text)
        if found:
            reads[path.relative_to(REPO_ROOT).as_posix()] = found
    return reads


def _under(path: str, prefixes) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def variables_of(reads: dict[str, set[str]], prefixes) -> set[str]:
    return {v for path, names in reads.items() if _under(path, prefixes) and not _under(path, LOCAL_ONLY)
            for v in names}


# --- what the containers receive ---------------------------------------------------------------------------------
def dockerfile_env(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    names = set()
    for line in text.splitlines():
        if line.startswith("ENV "):
            names |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", line[4:]))
    return names


def received(compose: dict) -> dict[str, set[str]]:
    """For each service built from one of our images: the variables of its `environment:` and its image's ENV."""
    out = {}
    for name, service in compose["services"].items():
        image = str(service.get("image", ""))
        kind = next((k for k in IMAGE_OF if f"observatoire-{k}:" in image), None)
        if kind is None:
            continue
        env = service.get("environment", {})
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env) if isinstance(env, list) else env
        out[name] = (kind, set(env) | dockerfile_env(REPO_ROOT / IMAGE_OF[kind]))
    return out


def missing_in_services(compose: dict, reads: dict[str, set[str]]) -> dict[str, set[str]]:
    needed = {"pipeline": variables_of(reads, PIPELINE_CODE), "superset": variables_of(reads, SUPERSET_CODE)}
    return {name: needed[kind] - got for name, (kind, got) in received(compose).items() if needed[kind] - got}


@pytest.fixture(scope="module")
def reads() -> dict[str, set[str]]:
    return reads_by_file()


@pytest.fixture(scope="module")
def compose_raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


# --- the parity itself -------------------------------------------------------------------------------------------
def test_every_variable_read_by_the_code_is_documented(reads):
    """infra/docker/ scripts run only in their containers, where docker-compose.yml sets what they read (next test)."""
    documented = set(read_env_file(ENV_EXAMPLE))
    missing = {path: sorted(names - documented) for path, names in reads.items()
               if names - documented and not _under(path, ["infra/docker"])}
    assert not missing, f"read by the code but absent from .env.example: {missing}"


def test_every_container_receives_what_its_code_reads(reads, compose_raw):
    services = received(compose_raw)
    kinds = {kind for kind, _ in services.values()}
    assert {"airflow-scheduler", "airflow-worker", "airflow-dag-processor", "superset", "superset-init"} <= set(
        services) and kinds == {"pipeline", "superset"}
    missing = missing_in_services(compose_raw, reads)
    assert not missing, f"read by the code of the container but not passed by docker-compose.yml: {missing}"
    postgres = set(compose_raw["services"]["postgres"]["environment"])
    assert reads["infra/docker/postgres-init.sh"] <= postgres, reads["infra/docker/postgres-init.sh"] - postgres


def test_the_scan_sees_the_known_reads(reads):
    """The scanner finds each way the code reads a variable (so an empty scan cannot pass the parity tests)."""
    pipeline, superset = variables_of(reads, PIPELINE_CODE), variables_of(reads, SUPERSET_CODE)
    assert {"OBS_VAR_DIR", "OBS_TERRITOIRES_FILE", "DATA_INCLUSION_TOKEN"} <= reads[SETTINGS_FILE]
    assert "OBS_STACK_DIR" in reads[f"{SETTINGS_FILE}[local_only]"] and "OBS_STACK_DIR" not in pipeline
    assert "SUPERSET_DUCKDB_MEMORY_LIMIT" in reads["infra/superset/warehouse_guard.py"]  # env("X", default)
    assert {"OBS_INBOX_DIR", "OBS_CTG_DEBUT", "OBS_CTG_FIN",
            "OBS_DAG_RETRIES", "OBS_NOTIFY_SMTP_TO"} <= pipeline
    assert "AIRFLOW_ADMIN_PASSWORD" in reads["infra/docker/airflow-init.sh"]  # embedded Python here-document
    assert {"SUPERSET_SECRET_KEY", "SUPERSET_ADMIN_PASSWORD", "SUPERSET_HOME", "SUPERSET_DOCS_DIR",
            "SUPERSET_USERS_FILE", "OBS_WAREHOUSE_PATH"} <= superset
    assert "SUPERSET_BIN" not in superset and "ADMIN_USER" not in superset  # the scripts' own variables
    assert "SUPERSET_START_TIMEOUT" in reads["infra/superset/serve.sh"] and "SUPERSET_START_TIMEOUT" not in superset


@pytest.mark.parametrize("variable", ["DATA_INCLUSION_TOKEN", "OBS_INBOX_DIR", "SUPERSET_SECRET_KEY"])
def test_parity_fails_when_a_variable_is_not_passed(reads, compose_raw, variable):
    """Remove one variable from docker-compose.yml (as the file stood before issue 11): the parity check names it."""
    text = re.sub(rf"^\s*{variable}:.*\n", "", COMPOSE.read_text(encoding="utf-8"), flags=re.M)
    assert text != COMPOSE.read_text(encoding="utf-8"), f"{variable} is not in docker-compose.yml"
    before, after = missing_in_services(compose_raw, reads), missing_in_services(yaml.safe_load(text), reads)
    added = {name: names - before.get(name, set()) for name, names in after.items() if names - before.get(name, set())}
    assert added and all(names == {variable} for names in added.values()), added


def test_a_new_read_in_the_code_is_caught(compose_raw):
    """A new module reading a new variable, in each style, is reported missing from Compose and .env.example."""
    module = REPO_ROOT / "extract" / "sources" / "_probe_for_test.py"  # scanned as pipeline code, never written
    code = ("import os\nTOKEN = 'OBS_PROBE_C'\n"
            "a = os.environ['OBS_PROBE_A']\nb = os.getenv('OBS_PROBE_B')\nc = os.environ.get(TOKEN)\n"
            "def f(env):\n    return env.get('OBS_PROBE_D'), _path(env, 'OBS_PROBE_E', None)\n"
            "h = env('SUPERSET_PROBE_H', 'default')\n")
    found = python_reads(code)
    assert found == {f"OBS_PROBE_{x}" for x in "ABCDE"} | {"SUPERSET_PROBE_H"}
    reads = {module.relative_to(REPO_ROOT).as_posix(): found}
    missing = missing_in_services(compose_raw, reads)
    assert missing["airflow-scheduler"] == found and "superset" not in missing
    script = "#!/bin/bash\nX=1\necho \"$X ${OBS_PROBE_F:-d} $OBS_PROBE_G $HOME\"\n"
    assert shell_reads(script) == {"OBS_PROBE_F", "OBS_PROBE_G"}


def test_a_new_settings_field_is_caught(compose_raw):
    """A field added to the settings object is a variable read by the pipeline: missing from Compose and
    .env.example until both have it; marked local_only, it is documented only."""
    from core.settings import _var

    class Probe(Settings):
        probe: str = _var("", "OBS_PROBE_SETTING")
        local_probe: str = _var("", "OBS_PROBE_LOCAL", local_only=True)

    reads = settings_reads(Probe)
    assert "OBS_PROBE_SETTING" in reads[SETTINGS_FILE] and "OBS_PROBE_LOCAL" in reads[f"{SETTINGS_FILE}[local_only]"]
    missing = missing_in_services(compose_raw, reads)
    assert missing["airflow-scheduler"] == {"OBS_PROBE_SETTING"} and "superset" not in missing
    assert {"OBS_PROBE_SETTING", "OBS_PROBE_LOCAL"} - set(read_env_file(ENV_EXAMPLE)) == {"OBS_PROBE_SETTING",
                                                                                           "OBS_PROBE_LOCAL"}
