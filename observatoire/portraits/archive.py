"""Portraits of every EPCI and territoire d'action of the département, after each publish, archived per
publication: $OBS_VAR_DIR/portraits/<publication id>/{public,partenaires}/<code>.html|.pdf, `latest` pointing
at the newest. A separate step after the publish: it never raises, so its failure never undoes a publish.

OBS_PORTRAITS: `pdf` (HTML and PDF, default), `html` (HTML only), `non` (no portraits after a publish).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, select_autoescape

from core.files import atomic_path
from core.settings import Settings
from observatoire.portraits.data import DIFFUSIONS
from observatoire.portraits.generate import Portraitiste

log = logging.getLogger(__name__)
MODES = ("pdf", "html", "non")
KEEP_PUBLICATIONS = 10
MANIFEST = "portraits.json"
LATEST = "latest"

INDEX = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html><html lang="fr"><meta charset="utf-8"><title>Portraits de territoire</title>
<style>body{font:15px/1.5 sans-serif;max-width:860px;margin:2em auto;color:#1d2733}td{padding:.2em .8em}</style>
<h1>Portraits de territoire</h1>
<p>Publication du {{ publie_le }} UTC — version {{ diffusion }}{% if diffusion == 'public' %} (données ouvertes
seulement){% endif %}. Un document imprimable par EPCI et par territoire d'action du département.</p>
<table>{% for p in portraits %}<tr><td>{{ p.libelle }}</td><td>{{ p.niveau_libelle }}</td>
<td><a href="{{ p.code_territoire }}.html">HTML</a></td>
<td>{% if p.pdf %}<a href="{{ p.code_territoire }}.pdf">PDF</a>{% endif %}</td></tr>{% endfor %}</table>
</html>""")


def portraits_root(settings: Settings) -> Path:
    return settings.var_dir / "portraits"


def publication_id(published_at: datetime) -> str:
    return published_at.strftime("%Y%m%dT%H%M%SZ")


def generate_publication(settings: Settings, mode: str = "pdf", chromium: str | None = None) -> dict:
    """Every portrait of the département, both diffusions, into a new archive folder; `latest` then points
    at it. Raises on failure (publish_portraits wraps it); a failed run leaves no folder behind."""
    started = time.monotonic()
    chromium = chromium or settings.chromium
    if mode == "pdf" and not Path(chromium).exists():
        log.warning("Portraits en HTML seulement : Chromium absent (%s, OBS_CHROMIUM), pas de PDF.", chromium)
        mode = "html"
    root = portraits_root(settings)
    published_at = _published_at(settings)
    pub_id = publication_id(published_at)
    target = root / pub_id
    with atomic_path(target) as tmp:
        summary = {diffusion: _write_diffusion(settings, diffusion, tmp / diffusion, mode, chromium, published_at)
                   for diffusion in DIFFUSIONS}
        manifest = {"publication": pub_id, "publie_le": str(published_at), "mode": mode,
                    "genere_le": datetime.now(UTC).isoformat(timespec="seconds"),
                    "secondes": round(time.monotonic() - started, 1),
                    "nb_portraits": len(summary["public"]), "portraits": summary}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # the same publication generated again
    _point_latest(root, pub_id)
    _prune(root)
    return {**manifest, "dossier": str(target)}


def _published_at(settings: Settings) -> datetime:
    artist = Portraitiste(settings.warehouse_path, DIFFUSIONS[0])
    try:
        return artist.wh.publication["published_at"]
    finally:
        artist.close()


def _write_diffusion(settings: Settings, diffusion: str, folder: Path, mode: str, chromium: str,
                     published_at: datetime) -> list[dict]:
    """One diffusion's portraits and index page into `folder`; returns its summary for the manifest."""
    from observatoire.portraits.generate import NIVEAUX

    artist = Portraitiste(settings.warehouse_path, diffusion)
    try:
        territoires = artist.codes_du_departement()
        written = artist.write([t["code_territoire"] for t in territoires], folder,
                               pdf=(mode == "pdf"), chromium=chromium)
    finally:
        artist.close()
    for item in written:
        item["niveau_libelle"] = NIVEAUX[item["niveau"]]
    (folder / "index.html").write_text(
        INDEX.render(portraits=written, diffusion=diffusion, publie_le=f"{published_at:%d/%m/%Y %H:%M}"),
        encoding="utf-8")
    return [{"code_territoire": w["code_territoire"], "libelle": w["libelle"], "niveau": w["niveau"],
             "pdf": "pdf" in w} for w in written]


def _point_latest(root: Path, pub_id: str) -> None:
    with atomic_path(root / LATEST) as link:
        link.symlink_to(pub_id, target_is_directory=True)


def _prune(root: Path) -> None:
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    for old in folders[:-KEEP_PUBLICATIONS]:
        shutil.rmtree(old, ignore_errors=True)


def publish_portraits(settings: Settings) -> dict:
    """The step after a publish: never raises (the warehouse stays published), a French warning instead."""
    mode = settings.portraits.strip().lower() or "pdf"
    if mode not in MODES:
        log.warning("OBS_PORTRAITS=%r inconnu (valeurs : %s) : portraits non générés.", mode, ", ".join(MODES))
        return {"statut": "non générés", "raison": f"OBS_PORTRAITS={mode!r} inconnu"}
    if mode == "non":
        return {"statut": "désactivés", "raison": "OBS_PORTRAITS=non"}
    try:
        done = generate_publication(settings, mode)
        return {"statut": "générés", **{k: v for k, v in done.items() if k != "portraits"}}
    except Exception as exc:  # noqa: BLE001 — the publish is done; a portrait failure must not undo it
        log.warning("Portraits de territoire non générés (l'entrepôt reste publié) : %s: %s",
                    type(exc).__name__, exc)
        return {"statut": "échec", "raison": f"{type(exc).__name__}: {exc}"}


def list_publications(settings: Settings, limit: int = 5) -> list[dict]:
    """The newest archived portrait folders (manifest of each), newest first, for `observatoire status`."""
    root = portraits_root(settings)
    if not root.is_dir():
        return []
    latest = (root / LATEST).resolve().name if (root / LATEST).exists() else None
    found = []
    for folder in sorted((p for p in root.iterdir() if (p / MANIFEST).is_file() and not p.is_symlink()),
                         reverse=True)[:limit]:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        found.append({**manifest, "dossier": str(folder), "est_latest": folder.name == latest})
    return found


def portraits_line(summary: dict) -> str:
    if summary["statut"] != "générés":
        return f"{summary['statut']} ({summary['raison']})."
    formats = "HTML et PDF" if summary["mode"] == "pdf" else "HTML"
    return (f"{summary['nb_portraits']} territoires ({formats}, versions publique et partenaires) en "
            f"{summary['secondes']} s dans {summary['dossier']}.")
