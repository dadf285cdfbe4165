"""Run extraction: fetch (snapshot copy or HTTP) → raw zone → parse → landing parquet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import requests

from extract import raw
from extract.http import get, make_session
from extract.registry import SOURCES, Fetched, Source
from observatoire.config import REPO_ROOT, Settings

# Contract "int" columns (years, codes of movement, age bounds) land as 32-bit integers; counts stay 64-bit.
INT32_COLUMNS = ("millesime", "annee", "annee_vigueur", "mod", "age_min", "age_max")


class ExtractError(RuntimeError):
    """One or more sources failed; `results` holds those that succeeded."""

    def __init__(self, message: str, results: list[dict]):
        super().__init__(message)
        self.results = results


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _snapshot(source: Source, settings: Settings) -> list[Fetched]:
    files = [settings.snapshot_dir / source.name / f for f in source.snapshot_files]
    return [Fetched(p.name, p.read_bytes(), _relative(p)) for p in files]


def _online(source: Source, settings: Settings, session: requests.Session) -> list[Fetched]:
    if source.fetcher is not None:
        return source.fetcher(session, settings)
    out = []
    for url in source.online_urls:
        response = get(session, url)
        out.append(Fetched(Path(urlparse(url).path).name, response.content, url))
    return out


def fetch(source: Source, settings: Settings, session: requests.Session | None = None) -> tuple[list[Fetched], str]:
    """The source's files as bytes, and the mode actually used ('local', 'offline' or 'online')."""
    if source.local_file is not None:
        path = source.local_file(settings)
        if not path.is_file():
            raise FileNotFoundError(
                f"{source.name} : fichier {path} introuvable. Le département fournit ce fichier "
                "(voir data/territoires/README.md) ; indiquer son chemin dans OBS_TERRITOIRES_FILE."
            )
        return [Fetched(path.name, path.read_bytes(), _relative(path))], "local"
    if settings.mode == "online" and (source.online_urls or source.fetcher):
        return _online(source, settings, session or make_session()), "online"
    return _snapshot(source, settings), "offline"


def extract_source(name: str, settings: Settings, session: requests.Session | None = None) -> dict:
    """Fetch one source into the raw zone and rewrite its landing parquet file."""
    if name not in SOURCES:
        raise KeyError(f"Source inconnue {name!r}. Sources déclarées : {', '.join(SOURCES)}")
    source = SOURCES[name]
    files, mode = fetch(source, settings, session)
    stored = [raw.store(settings.raw_dir, name, f.filename, f.data, f.origin, mode) for f in files]
    est_demo = source.is_demonstration and mode == "offline"
    frame = source.parser([s.path for s in stored], settings)
    frame["est_demonstration"] = est_demo
    for column in INT32_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].astype("Int32" if frame[column].isna().any() else "int32")
    landing = raw.write_landing(frame, settings.landing_dir, name, stored[0].sha256)
    return {
        "source": name,
        "sha256": stored[0].sha256,
        "rows": len(frame),
        "landing_path": str(landing),
        "est_demonstration": est_demo,
        "fetched_at": stored[0].fetched_at,
        "origin": stored[0].origin,
        "changed": any(s.changed for s in stored),
    }


def describe(result: dict) -> str:
    """One line per extracted source, as printed by `python -m extract` and sent to `progress`."""
    flag = "nouveau" if result["changed"] else "inchangé"
    demo = " [DÉMONSTRATION]" if result["est_demonstration"] else ""
    return f"{result['source']:<42} {result['rows']:>8} lignes  {result['sha256'][:12]}  {flag}{demo}"


def extract_all(
    settings: Settings,
    sources: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Extract every declared source (or `sources`), each isolated from the others' failures.

    `progress` receives one line of text per source extracted (see `describe`)."""
    names = list(SOURCES) if sources is None else list(sources)
    session = make_session() if settings.mode == "online" else None
    results, failures = [], []
    for name in names:
        try:
            result = extract_source(name, settings, session)
        except Exception as exc:  # noqa: BLE001 - isolate each source, report all failures together
            failures.append(f"{name} : {exc}")
            continue
        results.append(result)
        if progress is not None:
            progress(describe(result))
    if failures:
        raise ExtractError("Échec de l'extraction :\n- " + "\n- ".join(failures), results)
    return results
