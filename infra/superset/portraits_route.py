"""Serve the public portraits de territoire beside the dbt docs: /observatoire-portraits/ (issue 15).

What is served is the `public` version of the newest archived publication, `$SUPERSET_PORTRAITS_DIR/latest/public/`
(observatoire/portraits/archive.py writes it after each publish): open data only, so it is served to every
visitor, anonymous included, like the Panorama that links to it. The partners' version is never served here.
Static files with no script: the HTML pages get a CSP that allows nothing but their inline style and SVG, in a
sandbox (an opaque origin: no cookie, no call to Superset's API); PDFs (the browser's viewer does not run in a
sandboxed document) get `default-src 'none'` and are served inline.

Registered by superset_config.py: `BLUEPRINTS.append(portraits_route.blueprint)`.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from superset_env import env

_DEFAULT_DIR = Path(__file__).resolve().parents[2] / "var" / "portraits"
PORTRAITS_DIR = Path(env("SUPERSET_PORTRAITS_DIR", str(_DEFAULT_DIR))).resolve()
blueprint = Blueprint("observatoire_portraits", __name__, url_prefix="/observatoire-portraits")


def _public_dir() -> Path:
    folder = PORTRAITS_DIR / "latest" / "public"
    if not (folder / "index.html").is_file():
        abort(404, description="Portraits de territoire non générés : ils le sont après chaque publication "
                               "de l'entrepôt (observatoire refresh).")
    return folder


@blueprint.route("/", defaults={"name": "index"})
@blueprint.route("/<name>.html")
def portrait_html(name: str):
    return send_from_directory(_public_dir(), f"{name}.html", mimetype="text/html")


@blueprint.route("/<name>.pdf")
def portrait_pdf(name: str):
    return send_from_directory(_public_dir(), f"{name}.pdf", mimetype="application/pdf")


portrait_html.talisman_view_options = {
    "content_security_policy": {"default-src": "'none'", "style-src": "'unsafe-inline'", "img-src": "data:",
                                "sandbox": ""},
    "content_security_policy_nonce_in": [],
}
portrait_pdf.talisman_view_options = {
    "content_security_policy": {"default-src": "'none'"},
    "content_security_policy_nonce_in": [],
}
