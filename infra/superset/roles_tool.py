"""Create Superset's roles, dashboard grants, row-level security and example users from roles.yml.

    python roles_tool.py apply ROLES_YML WAREHOUSE_PATH

Run with the Superset venv's Python, SUPERSET_CONFIG_PATH set (import_assets.sh does it after importing
the assets). Idempotent: each managed role's permissions, each dashboard's roles and each managed RLS
filter are reset to what roles.yml says. Example users are created only when SUPERSET_USERS_FILE names a
JSON file {username: password}; a missing password is generated (secrets) and written back (mode 600).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import duckdb
import yaml
from superset_env import env

# Logged-in viewers: Superset's own minimal "Public" set (PUBLIC_ROLE_PERMISSIONS) plus what a logged-in
# reader needs around it (home page, dashboard list, own profile, logs of what they opened).
VIEWER_EXTRA = {
    ("menu_access", "Home"),
    ("menu_access", "Dashboards"),
    ("can_recent_activity", "Log"),
    ("can_log", "Superset"),
    ("can_read", "CurrentUserRestApi"),
    ("can_write", "CurrentUserRestApi"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_get", "MenuApi"),
    ("can_language_pack", "Superset"),
    ("can_write", "DashboardPermalinkRestApi"),
    ("can_share_dashboard", "Superset"),
}
# Never given to a viewer, whatever Superset's defaults become.
VIEWER_DENY_VIEWS = {"SQLLab", "SQL Lab", "SavedQuery", "Database", "Dataset", "RowLevelSecurity", "Explore"}


def _load(path: Path) -> dict:
    conf = yaml.safe_load(path.read_text(encoding="utf-8"))
    if conf.get("version") != 1:
        sys.exit(f"{path}: version 1 expected")
    return conf


def _territories(warehouse: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(warehouse), read_only=True, config={"enable_external_access": False})
    try:
        return con.execute(
            "select code_territoire, libelle from marts.dim_territoire "
            "where niveau = 'territoire_action' order by code_territoire"
        ).fetchall()
    finally:
        con.close()


WRITE_PREFIXES = ("can_write", "can_post", "can_put", "can_delete", "can_add", "can_edit", "can_bulk")


def _check_forbidden(conf: dict, key: str, name: str, perms: set) -> None:
    """roles.yml `forbidden`: no managed role holds these; the Public role writes nothing else than allowed."""
    forbidden = conf.get("forbidden", {})
    bad_pairs = {tuple(x) for x in forbidden.get("permissions", [])}
    bad_views = set(forbidden.get("views", []))
    public_writes = {tuple(x) for x in forbidden.get("public_writes", [])}
    for p in perms:
        pair = (p.permission.name, p.view_menu.name)
        if pair in bad_pairs or pair[1] in bad_views:
            sys.exit(f"roles.yml: role {name!r} would hold the forbidden permission {pair}")
        if key == "public" and pair[0].startswith(WRITE_PREFIXES) and pair not in public_writes:
            sys.exit(f"roles.yml: the Public role (anonymous) would hold the write permission {pair}")


def _build_roles(conf: dict, sm, db) -> dict:
    from superset.models.core import Database

    def pvm(perm: str, view: str):
        return sm.find_permission_view_menu(perm, view)

    def pvms_of(role_name: str) -> set:
        role = sm.find_role(role_name)
        return set(role.permissions) if role else set()

    public_set = {p for p in (pvm(a, b) for a, b in sm.PUBLIC_ROLE_PERMISSIONS) if p}
    viewer_set = public_set | {p for p in (pvm(a, b) for a, b in VIEWER_EXTRA) if p}
    viewer_set = {p for p in viewer_set if p.view_menu.name not in VIEWER_DENY_VIEWS}
    bases = {"viewer": viewer_set, "public": public_set}
    roles = {}
    for key, spec in conf["roles"].items():
        perms = set(bases[spec["base"]])
        for perm, view in spec.get("permissions", []):
            found = pvm(perm, view)
            if found is None:
                sys.exit(f"roles.yml: role {key}: permission ({perm}, {view}) unknown to this Superset")
            perms.add(found)
        for db_name in spec.get("database_access", []):
            database = db.session.query(Database).filter_by(database_name=db_name).one_or_none()
            if database is None:
                sys.exit(f"roles.yml: database {db_name!r} not imported")
            perms.add(sm.add_permission_view_menu("database_access", database.perm))
        for builtin in spec.get("builtin_roles", []):
            perms |= pvms_of(builtin)
        _check_forbidden(conf, key, spec["name"], perms)
        role = sm.find_role(spec["name"]) or sm.add_role(spec["name"])
        role.permissions = sorted(perms, key=lambda p: p.id)
        roles[key] = role
        print(f"[roles] {spec['name']}: {len(perms)} permissions", file=sys.stderr)
    return roles


def _set_filter(db, name: str, description: str, clause: str, roles: list, tables: list) -> None:
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    flt = db.session.query(RowLevelSecurityFilter).filter_by(name=name).one_or_none()
    if flt is None:
        flt = RowLevelSecurityFilter(name=name)
        db.session.add(flt)
    flt.filter_type = "Regular"
    flt.group_key = None
    flt.description = description
    flt.clause = " ".join(clause.split())
    flt.roles = roles
    flt.tables = tables


def _apply_rls(conf: dict, sm, db, roles: dict, territories: list) -> dict:
    """The Public role's filter on partner rows, and each territoire d'action's filters (roles.yml)."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable

    def imported(names) -> list:
        found = [db.session.query(SqlaTable).filter_by(schema="marts", table_name=n).one_or_none() for n in names]
        return [t for t in found if t is not None]  # a table no dashboard uses is not imported: nothing to filter

    partner = conf["confidentiality"]["partner_rows"]
    open_clause = partner["open_clause"]
    wanted = {"RLS Public : indicateurs des partenaires"}
    _set_filter(db, "RLS Public : indicateurs des partenaires", "Visiteur anonyme : pas de ligne des partenaires",
                open_clause, [roles["public"]], imported(partner["tables"]))
    rls = conf["rls"]
    by_mode = {m: [t for t, mode in rls["tables"].items() if mode == m] for m in ("territoire", "ouvert_et_territoire")}
    territory_roles = {}
    for code, _label in territories:
        role_name = rls["role_name"].format(code=code)
        role = sm.find_role(role_name) or sm.add_role(role_name)
        role.permissions = []
        territory_roles[code] = role
        territory = rls["territory_clause"].format(code=code)
        clauses = {"territoire": territory, "ouvert_et_territoire": f"({open_clause}) OR ({territory})"}
        for mode, tables in by_mode.items():
            name = f"RLS {role_name}" + ("" if mode == "territoire" else " (ouvert)")
            wanted.add(name)
            _set_filter(db, name, f"Gestionnaire territorial : {code} ({mode}, roles.yml)", clauses[mode], [role],
                        imported(tables))
    managed = ("RLS Public", f"RLS {rls['role_name'].split('{')[0]}")
    for flt in db.session.query(RowLevelSecurityFilter).all():  # filters of territories that no longer exist
        if flt.name.startswith(managed) and flt.name not in wanted:
            db.session.delete(flt)
    return territory_roles


def _check_dashboard(conf: dict, slug: str, keys: list, used: set) -> None:
    classes = conf["confidentiality"]
    ouvert, partenaire = set(classes["ouvert"]), set(classes["partenaire"])
    unclassified = used - ouvert - partenaire
    if unclassified:
        sys.exit(f"roles.yml: dashboard {slug} uses {sorted(unclassified)}: classify them (confidentiality)")
    if "public" in keys and used & partenaire:
        sys.exit(f"roles.yml: dashboard {slug} is granted to public but uses partner tables {sorted(used & partenaire)}"
                 " (confidentiality: partenaire)")
    if "gestionnaire_territorial" in keys:
        loose = used - set(conf["rls"]["tables"]) - (ouvert - set(classes["partner_rows"]["tables"]))
        if loose:
            sys.exit(
                f"roles.yml: dashboard {slug} is granted to gestionnaire_territorial but uses "
                f"{sorted(loose)}, which have no RLS rule (add them to rls.tables)"
            )


def _grant_dashboards(conf: dict, db, roles: dict) -> None:
    """Dashboard grants (DASHBOARD_RBAC). Admin sees all without being listed."""
    from superset.models.dashboard import Dashboard

    grants = conf["dashboards"]
    for dash in db.session.query(Dashboard).all():
        keys = grants.get(dash.slug, grants["default"])
        unknown = set(keys) - set(roles)
        if unknown:
            sys.exit(f"roles.yml: dashboard {dash.slug}: unknown role keys {sorted(unknown)}")
        _check_dashboard(conf, dash.slug, keys, {s.datasource.table_name for s in dash.slices if s.datasource})
        dash.roles = [roles[k] for k in keys]
        print(f"[roles] dashboard {dash.slug}: {', '.join(r.name for r in dash.roles)}", file=sys.stderr)


def _example_users(conf: dict, sm, roles: dict, territory_roles: dict, territories: list) -> None:
    users_file = env("SUPERSET_USERS_FILE")
    if not users_file:
        return
    path = Path(users_file)
    passwords = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    wanted = []
    for spec in conf.get("example_users", []):
        if spec.get("per_territory"):
            for code, label in territories:
                username = spec["username_template"].format(code_lower=code.lower())
                wanted.append((username, spec, [roles[spec["role"]], territory_roles[code]], label))
        else:
            extra = [sm.find_role(r) for r in conf["roles"][spec["role"]].get("builtin_roles", [])]
            wanted.append((spec["username"], spec, [roles[spec["role"]], *extra], ""))
    for username, spec, user_roles, label in wanted:
        password = passwords.setdefault(username, secrets.token_urlsafe(15))
        user = sm.find_user(username=username)
        last = spec["last_name"].format(libelle=label)
        if user is None:
            user = sm.add_user(
                username, spec["first_name"], last, f"{username}@observatoire.invalid", user_roles, password=password
            )
            if not user:
                sys.exit(f"could not create user {username}")
        else:
            user.roles = user_roles
            user.last_name = last
            sm.reset_password(user.id, password)
    old_umask = os.umask(0o077)
    try:
        path.write_text(json.dumps(passwords, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    finally:
        os.umask(old_umask)
    print(f"[roles] {len(wanted)} example users, passwords in {path}", file=sys.stderr)


def apply(conf_path: Path, warehouse: Path) -> None:
    conf = _load(conf_path)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db
        from superset import security_manager as sm

        roles = _build_roles(conf, sm, db)
        territories = _territories(warehouse)
        if not territories:
            sys.exit("no territoire d'action in marts.dim_territoire: cannot build the RLS filters")
        territory_roles = _apply_rls(conf, sm, db, roles, territories)
        _grant_dashboards(conf, db, roles)
        _example_users(conf, sm, roles, territory_roles, territories)
        db.session.commit()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "apply":
        apply(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(__doc__)
