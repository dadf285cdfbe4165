"""The bodies of the Airflow tasks (dags/), each written once: load the settings, call the pipeline's code.

Plain functions with plain arguments and XCom-friendly results (paths, checksums, counts), no Airflow import:
the DAG files wrap them with `task(...)` and pass what only Airflow knows (the run id, the `force` param) as
arguments. `portraits` is the same task in both DAGs.
"""

from __future__ import annotations

from core.settings import load_settings


def list_sources() -> list[str]:
    """Every source declared in extract/registry.py."""
    from extract.registry import SOURCES

    return list(SOURCES)


def extract(source: str) -> dict:
    """One source into the raw zone and its landing (writer lock)."""
    from observatoire.refresh import extract_sources

    (result,) = extract_sources(load_settings(), sources=[source])
    return result


def ingest_partners() -> list[dict]:
    """Partners' inbox first: a refused file is quarantined with its report and does not stop the night."""
    from observatoire.refresh import ingest_partners as ingest

    return ingest(load_settings(), progress=print)


def ingest(waiting: int) -> list[dict]:
    """The inbox's files (no demonstration examples): accepted, or refused and quarantined."""
    from observatoire.intake import ingest_partner_inbox

    return ingest_partner_inbox(load_settings(), examples=False)


def check_inputs(sources: list[dict], partners: list[dict], force: bool) -> str | None:
    """The inputs' fingerprint, or None (build and publish skipped) when the published warehouse was built
    from the same inputs; the check is recorded either way."""
    from observatoire.refresh import check_inputs as check

    return check(load_settings(), list(sources), force=force)


def pending() -> tuple[int, bool]:
    """The files waiting in the inbox, and whether received inputs are not published yet (a run stopped before
    its publish): one directory listing and one fingerprint of the inputs."""
    from observatoire.intake import inbox_files, unpublished_fingerprint

    settings = load_settings()
    found = len(inbox_files(settings))
    return found, bool(found) or unpublished_fingerprint(settings) is not None


def something_to_publish(handled: list[dict]) -> bool:
    """Rebuild when the inputs differ from the published warehouse's: a file accepted, or refused (its
    reception is shown on « Qualité des données »), now or by a run stopped before its publish. A
    duplicate changes nothing; with nothing published yet, the first refresh publishes."""
    from observatoire.intake import unpublished_fingerprint

    return unpublished_fingerprint(load_settings()) is not None


def dbt_build(run_id: str, fingerprint: str | None = None) -> dict:
    """dbt build into this run's build file. Without `fingerprint` (partner_intake): the fingerprint of the
    current inputs, the published source vintages kept."""
    from observatoire.fingerprint import inputs_fingerprint
    from observatoire.intake import published_sources
    from observatoire.refresh import build, new_build_path

    settings = load_settings()
    if fingerprint is None:
        fingerprint = inputs_fingerprint(settings, published_sources(settings))
    return build(settings, new_build_path(settings, run_id), progress=print, fingerprint=fingerprint)


def publish(build_summary: dict, sources: list[dict] | None = None, force: bool = False) -> dict:
    """Publish the tested build. `sources` None (partner_intake): the published warehouse's `meta.sources` are
    kept. Not `force`d: a build whose inputs are already published is not published again. With this run's
    `sources`, stale ones are notified."""
    from observatoire.intake import published_sources
    from observatoire.notify import notify_stale_sources
    from observatoire.refresh import publish_build

    settings = load_settings()
    kept = published_sources(settings) if sources is None else list(sources)
    published = publish_build(settings, build_summary, kept, only_if_new=not force)
    if sources is not None:
        notify_stale_sources(kept)  # published, but some sources kept their previous data
    return published


def portraits(published: dict) -> dict:
    """Portraits de territoire of the published warehouse, archived per publication (observatoire/portraits)."""
    from observatoire.portraits.archive import publish_portraits

    return publish_portraits(load_settings())
