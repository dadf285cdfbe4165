"""docker-compose.yml, validated without a Docker engine.

1. Always: the file, interpolated with `.env.example` as `docker compose` would do it, is validated against the
   Compose specification JSON schema vendored in infra/docker/compose-spec.schema.json (from docker-compose
   1.29.2, the newest schema that both Compose v1 and v2 accept), with the `jsonschema` library of the lock file.
   (On a production server the deployment steps run `docker compose config -q` as well: README.)
2. Then what production needs: services, executor, health checks, restart policies, named volumes, no secret.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from observatoire.config import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
SCHEMA = REPO_ROOT / "infra" / "docker" / "compose-spec.schema.json"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
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


@pytest.fixture(scope="module")
def compose() -> dict:
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return interpolate(raw, read_env_file(ENV_EXAMPLE))


def test_compose_file_matches_the_compose_specification(compose):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft201909Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:10])


def test_production_services_health_checks_and_restart(compose):
    services = compose["services"]
    expected = {"postgres", "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                "superset-init", "superset"}
    assert expected <= set(services)
    for name in expected - {"airflow-init", "superset-init"}:
        assert "healthcheck" in services[name], name
        assert services[name]["restart"] in {"unless-stopped", "always"}, name
    for name in ("airflow-init", "superset-init"):
        assert services[name]["restart"] == "no"
    scheduler = services["airflow-scheduler"]
    assert scheduler["environment"]["AIRFLOW__CORE__EXECUTOR"] in {"LocalExecutor", "CeleryExecutor"}
    assert scheduler["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert services["superset"]["environment"]["SUPERSET_DATABASE_URI"].startswith("postgresql")
    assert "gunicorn" in services["superset"]["command"][0]
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "superset"):
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
