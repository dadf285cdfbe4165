"""Superset configuration for the Observatoire (loaded through SUPERSET_CONFIG_PATH).

Everything machine- or secret-specific comes from the environment (documented in .env.example):

- SUPERSET_SECRET_KEY  required (32+ characters); signs sessions and encrypts stored connection secrets. No default.
- SUPERSET_HOME        metadata database (SQLite), data cache and logs [var/superset, relative to the
                       current directory; the scripts in this folder export an absolute path].

The dashboards read the published warehouse read-only (see superset_assets/README.md); this file only
configures the Superset application itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The environment is read through superset_env.py next to this file (Superset loads this file by path: its
# folder is put on sys.path first).
sys.path.insert(0, str(Path(__file__).resolve().parent))
from superset_env import env  # noqa: E402

# --- secrets -----------------------------------------------------------------------------------------
SECRET_KEY = env("SUPERSET_SECRET_KEY", "")
if len(SECRET_KEY) < 32 or SECRET_KEY.startswith("change-me"):
    sys.exit(
        "superset_config: SUPERSET_SECRET_KEY is missing, shorter than 32 characters or still the "
        ".env.example placeholder. "
        'Generate one with: python -c "import secrets; print(secrets.token_hex(32))"'
    )

# --- storage -----------------------------------------------------------------------------------------
SUPERSET_HOME = Path(env("SUPERSET_HOME", "var/superset")).resolve()
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)
DATA_DIR = str(SUPERSET_HOME)  # Superset's own default location for uploads/examples
# SUPERSET_DATABASE_URI: PostgreSQL in production (docker-compose.yml); SQLite under SUPERSET_HOME by default.
SQLALCHEMY_DATABASE_URI = env("SUPERSET_DATABASE_URI") or (
    f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
)

# Query results cache (per chart query); objects cache kept small and local too.
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(SUPERSET_HOME / "cache" / "data"),
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    "CACHE_KEY_PREFIX": "obs_data_",
    "CACHE_THRESHOLD": 5000,
}
CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(SUPERSET_HOME / "cache" / "objects"),
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
    "CACHE_KEY_PREFIX": "obs_obj_",
    "CACHE_THRESHOLD": 2000,
}

# --- features ----------------------------------------------------------------------------------------
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": True,  # dashboards are granted to roles, not only through datasets
    "ENABLE_TEMPLATE_PROCESSING": False,  # no Jinja in SQL: nothing user-controlled reaches the engine
    "ALERT_REPORTS": False,  # needs Celery and a browser worker, out of scope here
    "THUMBNAILS": False,
    "GLOBAL_ASYNC_QUERIES": False,  # no Celery: queries run in the web worker
}
# Native filters and cross-filters are built in (no flag) in Superset 6.

# --- security ----------------------------------------------------------------------------------------
WTF_CSRF_ENABLED = True  # the default; REST write calls send X-CSRFToken
PREVENT_UNSAFE_DB_CONNECTIONS = True  # refuses sqlite:// and other file-mapping drivers as data sources
PREVENT_UNSAFE_DEFAULT_URLS_ON_DATASET = True
DATASET_IMPORT_ALLOWED_DATA_URLS = []  # datasets are never imported from URLs
# Anonymous visitors get the "Public" role: Superset's minimal read-only set (superset init fills it), and
# roles_tool.py grants it the open dashboards only (the Panorama, "ouvert à tous"). No dataset grant:
# with DASHBOARD_RBAC, a dashboard listing the role is what opens its charts.
PUBLIC_ROLE_LIKE = "Public"
AUTH_ROLE_PUBLIC = "Public"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env("SUPERSET_COOKIE_SECURE", "false").lower() == "true"
# Talisman (CSP headers) stays on by default; served behind 127.0.0.1 only (see serve.sh).
SQLLAB_TIMEOUT = 60
SQL_MAX_ROW = 100_000
ROW_LIMIT = 50_000

# --- French -----------------------------------------------------------------------------------------
BABEL_DEFAULT_LOCALE = "fr"
LANGUAGES = {"fr": {"flag": "fr", "name": "Français"}}

NNBSP = "\u202f"  # espace fine insécable, as in d3's fr-FR locale
D3_FORMAT = {
    "decimal": ",",
    "thousands": NNBSP,
    "grouping": [3],
    "currency": ["", "\u00a0€"],
}
D3_TIME_FORMAT = {
    "dateTime": "%A %e %B %Y à %X",
    "date": "%d/%m/%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
    "months": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "shortMonths": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
}
CURRENCIES = ["EUR"]
APP_NAME = "Observatoire des solidarités"

# --- documentation for the data team (`make docs`) ----------------------------------------------------
# dbt docs (lineage, data dictionary) and the public mart contract, generated by `make docs` into
# SUPERSET_DOCS_DIR [var/docs] and served by Superset itself at /observatoire-docs/ (so the Panorama links to a
# relative URL that works on any host). Read-only static files; dbt's single-page app needs inline scripts,
# so this route alone gets a CSP that allows them, in a sandbox (everything else keeps Superset's CSP).
from flask import Blueprint, abort, send_from_directory  # noqa: E402

DOCS_DIR = Path(env("SUPERSET_DOCS_DIR", str(Path(__file__).resolve().parents[2] / "var" / "docs"))).resolve()
_docs = Blueprint("observatoire_docs", __name__, url_prefix="/observatoire-docs")


@_docs.route("/", defaults={"path": "index.html"})
@_docs.route("/<path:path>")
def observatoire_docs(path: str):
    if not (DOCS_DIR / "index.html").is_file():
        abort(404, description="Documentation non générée : lancer `make docs`.")
    return send_from_directory(DOCS_DIR, path)


observatoire_docs.talisman_view_options = {
    "content_security_policy": {
        # dbt's page needs inline and eval'd scripts: `sandbox allow-scripts` (no allow-same-origin) runs them in
        # an opaque origin, so they cannot read Superset's cookies nor call its API as the visitor
        # (tests/superset/test_docs.py; the static page needs nothing else)
        "sandbox": ["allow-scripts"],
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
    },
    "content_security_policy_nonce_in": [],
}
BLUEPRINTS = [_docs]

# --- one application mutator -------------------------------------------------------------------------
# Superset calls a single FLASK_APP_MUTATOR: a second assignment would silently drop the first one's
# hooks. Each hardening module registers its `install(app)` in APP_HOOKS instead (tests/test_superset_config_static.py
# fails on any setting assigned twice).
APP_HOOKS: list = []


def _mutate_app(app) -> None:
    for install in APP_HOOKS:
        install(app)


FLASK_APP_MUTATOR = _mutate_app

# --- fresh warehouse after each publish (issue #11) ---------------------------------------------------
# Each DuckDB connection ATTACHes the warehouse file as it is now, never a DuckDB instance another query of
# the worker still holds on the previous file (infra/superset/fresh_duckdb.py). The config's folder is not on
# sys.path (Superset loads this file by path), hence the insert.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fresh_duckdb import mutate_connection  # noqa: E402

DB_CONNECTION_MUTATOR = mutate_connection
# --- end fresh warehouse -------------------------------------------------------------------------------
# --- access and exposure limits (issue #12: roles, throttling, viewers' queries, no third party) ---------
# Logic in access_limits.py and viewer_queries.py next to this file (importable: its folder was put on sys.path
# above). Every limit is a setting, from the environment (.env.example).
import hashlib  # noqa: E402
import re  # noqa: E402

import access_limits  # noqa: E402
import viewer_queries  # noqa: E402

# Throttling: Superset's own Flask-Limiter. Local storage is per gunicorn worker ("memory://": the limits
# package has no shared file storage; with N workers an address gets at most N times each limit); set
# SUPERSET_RATELIMIT_STORAGE_URI=redis://… (docker-compose's redis) for one count shared by all workers.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = env("SUPERSET_RATELIMIT_STORAGE_URI", "memory://")
RATELIMIT_APPLICATION = env("SUPERSET_RATELIMIT_APPLICATION", "50 per second")
RATELIMIT_HEADERS_ENABLED = True
RATELIMIT_STRATEGY = "moving-window"  # exact over any window (a fixed window lets 2x through at its edge)
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = env("SUPERSET_AUTH_RATE_LIMIT", "30 per minute")  # login form, per address
LOGIN_FAILURE_LIMIT = env("SUPERSET_LOGIN_FAILURE_LIMIT", "5 per 5 minutes")  # per account+address
PUBLIC_CHART_DATA_LIMIT = env("SUPERSET_PUBLIC_CHART_DATA_LIMIT", "120 per minute")  # anonymous
FILTER_STATE_MAX_BYTES = int(env("SUPERSET_FILTER_STATE_MAX_BYTES", "16384"))
# Behind the TLS reverse proxy (README, production step 7) every request comes from the proxy's address, so every
# "per address" limit above would be one budget for all visitors (and 5 wrong passwords would lock an account
# out for everyone). SUPERSET_PROXY_HOPS = the number of proxies in front (1 for one nginx or Caddy): the visitor's
# address is then the one the last proxy appended to X-Forwarded-For (werkzeug's ProxyFix; a value the visitor
# wrote before it is ignored). 0, the default: no proxy trusted, X-Forwarded-* ignored, so they cannot be spoofed.
PROXY_HOPS = access_limits.proxy_hops(env("SUPERSET_PROXY_HOPS", "0"))
ENABLE_PROXY_FIX = PROXY_HOPS > 0
PROXY_FIX_CONFIG = dict.fromkeys(("x_for", "x_proto", "x_host", "x_port", "x_prefix"), PROXY_HOPS)

# Pick-lists of owners and roles: everything for the admin, oneself for a user, nothing for anonymous.
EXTRA_RELATED_QUERY_FILTERS = {"user": access_limits.related_users, "role": access_limits.related_roles}

# Server-side sessions (a file per session under SUPERSET_HOME, shared by the workers): the cookie only holds
# an id, so logging out ends the session for every copy of the cookie. Above 50 000 files (a flood of
# anonymous visits), expired sessions are removed first, then the oldest.
from cachelib.file import FileSystemCache  # noqa: E402

SESSION_SERVER_SIDE = True
SESSION_TYPE = "cachelib"
SESSION_CACHELIB = FileSystemCache(str(SUPERSET_HOME / "sessions"), threshold=50_000, mode=0o600)
SESSION_KEY_PREFIX = "obs_session_"

# Embedded dashboards are off, but their token secret never keeps Superset's public default.
GUEST_TOKEN_JWT_SECRET = hashlib.sha256(f"guest-token|{SECRET_KEY}".encode()).hexdigest()

# No third party in the browser: Superset's telemetry pixel (apachesuperset.gateway.scarf.sh, compiled into
# the frontend) and map tiles are kept out by the Content-Security-Policy, which lists this origin only, plus
# the tile server of SUPERSET_MAP_TILES_URL when one is set (none by default: maps draw on a blank
# background). Institutional example, IGN's Géoplateforme (infra/superset/README.md):
# https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}
MAP_TILES_URL = env("SUPERSET_MAP_TILES_URL", "").strip()
_tile_origin = [re.match(r"https://[^/]+", MAP_TILES_URL).group(0)] if MAP_TILES_URL.startswith("https://") else []
DECKGL_BASE_MAP = [[f"tile://{MAP_TILES_URL}", "Fond de carte"]] if MAP_TILES_URL else [["", "Aucun fond de carte"]]
MAPBOX_API_KEY = ""
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:", *_tile_origin],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'", *_tile_origin],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": SESSION_COOKIE_SECURE,
}

APP_HOOKS.append(access_limits.install)
APP_HOOKS.append(viewer_queries.install)
# --- end of access and exposure limits --------------------------------------------------------------------

# --- warehouse guard (issue #12 items 1-3: read-only statements, DuckDB limits, timeouts, SQL Lab stop) ------
# Logic in warehouse_guard.py next to this file (its folder is on sys.path, see above); settings
# SUPERSET_DUCKDB_* and SUPERSET_*_QUERY_TIMEOUT.
import warehouse_guard  # noqa: E402

APP_HOOKS.append(warehouse_guard.install)
# --- end of warehouse guard -------------------------------------------------------------------------------

# --- portraits de territoire (issue 15) -----------------------------------------------------------------------
# The public portraits of the newest publication, served beside the dbt docs at /observatoire-portraits/ (static,
# no script, sandboxed; infra/superset/portraits_route.py). SUPERSET_PORTRAITS_DIR [var/portraits].
import portraits_route  # noqa: E402

BLUEPRINTS.append(portraits_route.blueprint)
# --- end of portraits de territoire ---------------------------------------------------------------------------
