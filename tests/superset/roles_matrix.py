"""infra/superset/roles.yml read for the tests: which example account plays each role, who may see which dashboard."""

from __future__ import annotations

from pathlib import Path

import yaml

ROLES_YML = Path(__file__).resolve().parents[2] / "infra" / "superset" / "roles.yml"
CONF = yaml.safe_load(ROLES_YML.read_text(encoding="utf-8"))
FIRST_TERRITORY = "TER-32-01"  # the Gers warehouse of the session fixture (its first territoire d'action)

# role key -> the account that plays it (None: anonymous visitor); "admin" is init.sh's account
ACCOUNTS: dict[str, str | None] = {"admin": "admin", "public": None}
for spec in CONF["example_users"]:
    if spec.get("per_territory"):
        ACCOUNTS[spec["role"]] = spec["username_template"].format(code_lower=FIRST_TERRITORY.lower())
    else:
        ACCOUNTS[spec["role"]] = spec["username"]


def territory_user(code: str) -> str:
    spec = next(s for s in CONF["example_users"] if s.get("per_territory"))
    return spec["username_template"].format(code_lower=code.lower())


def allowed(slug: str, role: str) -> bool:
    if role == "admin":
        return True
    return role in CONF["dashboards"].get(slug, CONF["dashboards"]["default"])


def role_name(role: str) -> str:
    return CONF["roles"][role]["name"]
