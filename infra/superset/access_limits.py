"""Bounds on what a visitor can ask (issue #12, items 5, 6 and 8), installed by superset_config.py.

- `related_users` / `related_roles` (EXTRA_RELATED_QUERY_FILTERS): the "owners" and "roles" pick-lists of
  `/api/v1/{dashboard,chart}/related/…` list every account and role to the admin only; a logged-in user sees
  themself and their own roles, an anonymous visitor nothing.
- `install(app)` (APP_HOOKS):
  * failed logins are limited per account and address (`/login/` and `/api/v1/security/login`), on top of
    Superset's own per-address AUTH_RATE_LIMIT on the login form;
  * anonymous `/api/v1/chart/data` calls are limited per address;
  * a dashboard filter state larger than FILTER_STATE_MAX_BYTES is refused (HTTP 413).
  The limits use Flask-Limiter, the one Flask-AppBuilder already runs (its storage is RATELIMIT_STORAGE_URI).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from flask import Flask, Response, g, jsonify, request

FILTER_STATE = re.compile(r"^/api/v1/dashboard/[^/]+/filter_state(/[^/]+)?/?$")


def _anonymous() -> bool:
    user = getattr(g, "user", None)
    return user is None or getattr(user, "is_anonymous", True)


def related_users(query):
    """EXTRA_RELATED_QUERY_FILTERS["user"]."""
    from sqlalchemy import false
    from superset import security_manager as sm

    if _anonymous():
        return query.filter(false())
    if sm.is_admin():
        return query
    return query.filter(sm.user_model.id == g.user.id)


def related_roles(query):
    """EXTRA_RELATED_QUERY_FILTERS["role"]."""
    from sqlalchemy import false
    from superset import security_manager as sm

    if _anonymous():
        return query.filter(false())
    if sm.is_admin():
        return query
    return query.filter(sm.role_model.id.in_([r.id for r in sm.get_user_roles()]))


def _login_name() -> str:
    data: Any = request.get_json(silent=True) if request.is_json else request.form
    name = (data or {}).get("username") if hasattr(data, "get") else None
    return str(name or "").strip().lower()[:100]


def proxy_hops(value: str) -> int:
    """SUPERSET_PROXY_HOPS: how many reverse proxies stand in front of Superset (0: none)."""
    if not value.strip().isdigit() or int(value) > 5:
        raise ValueError(
            f"SUPERSET_PROXY_HOPS={value!r} : attendu le nombre de mandataires inverses (reverse proxies) devant "
            "Superset, un entier de 0 à 5 (1 derrière un seul nginx ou Caddy, 0 sans mandataire)."
        )
    return int(value)


def account_key() -> str:
    from flask_limiter.util import get_remote_address

    return f"login|{get_remote_address()}|{_login_name()}"


def login_failed(response: Response) -> bool:
    """Count a login attempt only when it failed (a success never spends the account's budget)."""
    if request.path.startswith("/api/"):
        return response.status_code in (400, 401, 403)
    location = response.headers.get("Location", "")
    return response.status_code not in (302, 303) or "/login" in location


def _endpoints(app: Flask, path: str, method: str) -> list[str]:
    return [r.endpoint for r in app.url_map.iter_rules() if r.rule.rstrip("/") == path and method in r.methods]


def _too_large(limit: int):
    if request.method in ("POST", "PUT") and FILTER_STATE.match(request.path):
        size = request.content_length if request.content_length is not None else len(request.get_data())
        if size > limit:
            message = (
                f"État de filtre refusé : {size} octets, la limite est de {limit} octets "
                "(FILTER_STATE_MAX_BYTES). Réduire le nombre de valeurs sélectionnées."
            )
            return jsonify({"message": message}), 413
    return None


def _wrap_views_once(app: Flask, decorators: dict[str, Any]) -> None:
    """Decorate the POST views of these paths with their limit, at the first request: FLASK_APP_MUTATOR runs
    before Superset registers its API views, so they do not exist yet when install() runs."""
    lock, done = threading.Lock(), []

    def wrap() -> None:
        if done:
            return
        with lock:
            if done:
                return
            for path, decorator in decorators.items():
                endpoints = _endpoints(app, path, "POST")
                if not endpoints:
                    raise RuntimeError(f"access_limits: no view at {path}, its limit would not apply")
                for endpoint in endpoints:
                    app.view_functions[endpoint] = decorator(app.view_functions[endpoint])
            done.append(True)

    app.before_request(wrap)


def install(app: Flask) -> None:
    limiter = app.appbuilder.sm.limiter
    conf = app.config
    failures = limiter.limit(
        conf["LOGIN_FAILURE_LIMIT"],
        key_func=account_key,
        methods=["POST"],
        deduct_when=login_failed,
        override_defaults=False,
        error_message="Trop de tentatives de connexion pour ce compte : réessayer plus tard.",
    )
    anonymous = limiter.limit(
        conf["PUBLIC_CHART_DATA_LIMIT"],
        methods=["POST"],
        exempt_when=lambda: not _anonymous(),
        override_defaults=False,
        error_message="Trop de requêtes : réessayer dans une minute.",
    )
    _wrap_views_once(app, {"/login": failures, "/api/v1/security/login": failures, "/api/v1/chart/data": anonymous})
    limit = int(conf["FILTER_STATE_MAX_BYTES"])
    app.before_request(lambda: _too_large(limit))
