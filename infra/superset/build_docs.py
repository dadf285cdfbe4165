"""`make docs`: dbt docs (lineage + data dictionary) and the public mart contract, as static files.

    python infra/superset/build_docs.py [OUT_DIR]     (pipeline venv; OUT_DIR default $SUPERSET_DOCS_DIR or var/docs)

Runs `dbt docs generate --static` on the newest build file ($OBS_VAR_DIR/build/<run>/…, so run
`make refresh` or `make demo` first): the catalog (column types) is read from it. Writes OUT_DIR/index.html
(dbt's single-file site), OUT_DIR/contracts.md (docs/contracts.md, §4 = the public contract of the marts
for ad-hoc SQL) and OUT_DIR/contrats.html (the same, readable in a browser). Superset serves OUT_DIR at
/observatoire-docs/ (superset_config.py); the Panorama links there.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _without_machine_paths(page: str, target: Path, var_dir: Path) -> str:
    """dbt embeds absolute paths (root_path, compiled_path, landing files): served to every visitor, they would
    show this machine's folders. Each becomes relative to what it names (longest prefix first)."""
    for prefix, name in sorted(
        [(target.resolve(), "target"), (var_dir.resolve(), "$OBS_VAR_DIR"), (REPO, ".")],
        key=lambda item: -len(str(item[0])),
    ):
        page = page.replace(str(prefix), name)
    return page


def main() -> None:
    from dbt.cli.main import dbtRunner
    from superset_env import env

    from core.settings import load_settings
    from observatoire.dbt_build import dbt_args

    settings = load_settings()
    out = Path(sys.argv[1] if len(sys.argv) > 1 else env("SUPERSET_DOCS_DIR", str(REPO / "var" / "docs")))
    out = out if out.is_absolute() else REPO / out
    builds = sorted(settings.build_dir.glob("*/*.duckdb"), key=lambda p: p.stat().st_mtime)
    if not builds:
        sys.exit(f"aucune base de build sous {settings.build_dir} : lancer d'abord `make refresh` (ou `make demo`).")
    build = builds[-1]
    target = settings.build_dir / "docs_target"
    args = dbt_args(["docs", "generate", "--static"], settings, target / "logs", target, build_path=build)
    result = dbtRunner().invoke(args)
    if not result.success:
        sys.exit(f"dbt docs generate a échoué : {result.exception}")
    out.mkdir(parents=True, exist_ok=True)
    page = (target / "static_index.html").read_text(encoding="utf-8")
    (out / "index.html").write_text(_without_machine_paths(page, target, settings.var_dir), encoding="utf-8")
    contracts = (REPO / "docs" / "contracts.md").read_text(encoding="utf-8")
    (out / "contracts.md").write_text(contracts, encoding="utf-8")
    (out / "contrats.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Contrats de l'entrepôt publié</title>"
        "<p><a href='./'>Documentation dbt (lignage, dictionnaire de données)</a></p>"
        f"<pre style='white-space:pre-wrap;font:14px/1.4 monospace'>{html.escape(contracts)}</pre>",
        encoding="utf-8",
    )
    print(f"documentation : {out}/index.html, {out}/contrats.html (servie par Superset sous /observatoire-docs/)")


if __name__ == "__main__":
    main()
