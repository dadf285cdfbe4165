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


def territory_scope(warehouse: Path, code: str) -> dict[str, str]:
    """code_territoire -> libelle of what a manager of `code` sees of partner rows (roles.yml rls, computed here
    in Python, not with the clause): the territory, its communes, the EPCI of its communes, and the
    département/région/France reference rows."""
    from tests.helpers import query

    dim = query(warehouse, "select code_territoire, niveau, code, code_epci, code_territoire_action, libelle "
                           "from marts.dim_territoire")
    communes = [r for r in dim if r[1] == "commune" and r[4] == code.removeprefix("TER-")]
    assert communes, f"no commune in {code}"
    epcis = {r[3] for r in communes}
    reference = ("departement", "region", "france")
    keep = [r for r in dim if r[0] == code or r in communes or (r[1] == "epci" and r[2] in epcis) or r[1] in reference]
    return {r[0]: r[5] for r in keep}
