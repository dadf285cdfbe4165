"""Build only what changed: which nodes a build must run, from the inputs of the last good build.

After each successful build, `record_build` writes `entrees.json` next to the build file: the inputs it was
built from (observatoire/fingerprint.py `build_inputs`), the landing folder, and from dbt's manifest the
source tables and the nodes that depend on the run date. The next build compares the current inputs with
those of the *published* build (meta.publications names its folder, kept by `prune_builds`):
- same code (dbt project and pipeline), same settings, same landing folder, and only landing files that dbt
  sources read changed → start from a copy of the published build file and run `dbt build --select` on those
  sources and everything downstream (their tests included), plus the freshness table (rewritten by every
  extract, outside the fingerprint) and, when the run date differs from the published build's, the nodes
  that read it (macro `date_reference`; the date is passed to dbt, so it cannot move during the build);
- anything else (a first build, a changed project, code or setting, a file added or removed, nothing changed
  at all, i.e. a forced rebuild) → a full build.
Either way dbt builds a new file that is audited and published as usual; the published file is never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.settings import Settings
from observatoire.dbt_build import AUDIT_FILE, BUILD_FILE, dbt_dir

INPUTS_FILE = "entrees.json"  # next to a successful build file: what it was built from
ALWAYS = ("source:*.fraicheur_sources+",)  # rewritten by every extract, not part of the fingerprint
DATE_MACRO = "macro.observatoire.date_reference"  # nodes reading the run date are rebuilt every time


@dataclass(frozen=True)
class Plan:
    start_from: Path | None  # None: full build
    select: list[str] | None
    reason: str  # in French, shown to the user

    @property
    def partial(self) -> bool:
        return self.start_from is not None


def _full(reason: str) -> Plan:
    return Plan(None, None, f"construction complète : {reason}")


def published_build(settings: Settings) -> Path | None:
    """The build folder of the published warehouse (its last row of meta.publications), if still on disk."""
    if not settings.warehouse_path.is_file():
        return None
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        known = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                           "where table_schema = 'meta'").fetchall()}
        row = con.execute("select build from meta.publications order by numero desc limit 1").fetchone() \
            if "publications" in known else None
    finally:
        con.close()
    folder = settings.build_dir / row[0] if row and row[0] else None
    return folder if folder and folder.is_dir() else None


def plan_build(settings: Settings, inputs: dict, run_date: str) -> Plan:
    folder = published_build(settings)
    files = [folder / name for name in (BUILD_FILE, AUDIT_FILE, INPUTS_FILE)] if folder else []
    if not files or not all(f.is_file() for f in files):
        return _full("pas de build publié réutilisable")
    last = json.loads(files[2].read_text(encoding="utf-8"))
    if last["inputs"]["code"] != inputs["code"]:
        return _full("le projet dbt ou le code du pipeline a changé")
    if last["inputs"]["settings"] != inputs["settings"] or last["landing_dir"] != str(settings.landing_dir):
        return _full("la configuration a changé")
    before, now = last["inputs"]["landing"], inputs["landing"]
    if set(before) != set(now):
        return _full("fichiers d'atterrissage ajoutés ou retirés")
    changed = sorted(name for name in now if now[name] != before[name])
    if not changed:
        return _full("aucune entrée modifiée (reconstruction forcée)")
    if unknown := [name for name in changed if name not in last["sources_dbt"]]:
        return _full(f"{', '.join(unknown)} : pas une source dbt")
    select = [f"source:*.{name}+" for name in changed] + list(ALWAYS)
    select += [f"{node}+" for node in last["noeuds_date"]] if last["date_reference"] != run_date else []
    return Plan(files[0], select, f"construction partielle depuis {folder.name} : {', '.join(changed)} modifié(s)")


def _calling(macros: dict, macro: str) -> set[str]:
    """`macro` and every macro that calls it, directly or not."""
    found, grew = {macro}, True
    while grew:
        callers = {name for name, m in macros.items() if found.intersection(m["depends_on"].get("macros", []))}
        grew = not callers <= found
        found |= callers
    return found


def record_build(settings: Settings, build_path: Path, inputs: dict, run_date: str,
                 start_from: Path | None = None) -> None:
    """After a successful build: what it was built from, and what the next partial build needs of dbt's
    manifest. A full build reads the manifest it wrote to the stable target folder; a partial build, whose
    dbt project is by construction that of the build it started from (`plan_build`), does not write one
    (dbt's `--no-write-json`, ~1 s): it keeps what that build's record says."""
    record = {
        "inputs": inputs,
        "landing_dir": str(settings.landing_dir),
        "date_reference": run_date,
    } | (_from_record(start_from.parent) if start_from else _from_manifest(settings))
    (build_path.parent / INPUTS_FILE).write_text(json.dumps(record, indent=1), encoding="utf-8")


def _from_manifest(settings: Settings) -> dict:
    manifest = json.loads((dbt_dir(settings) / "target" / "manifest.json").read_text(encoding="utf-8"))
    dated_macros = _calling(manifest["macros"], DATE_MACRO)
    dated = sorted(node["name"] for node in manifest["nodes"].values()
                   if node["resource_type"] in {"model", "snapshot"}
                   and dated_macros.intersection(node["depends_on"].get("macros", [])))
    return {"sources_dbt": sorted(source["name"] for source in manifest["sources"].values()), "noeuds_date": dated}


def _from_record(folder: Path) -> dict:
    last = json.loads((folder / INPUTS_FILE).read_text(encoding="utf-8"))
    return {key: last[key] for key in ("sources_dbt", "noeuds_date")}
