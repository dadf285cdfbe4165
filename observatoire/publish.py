"""Write-audit-publish: hand the tested marts to readers as one read-only file, atomically.

The published file is rebuilt from scratch (marts tables + `meta`), checked, then `os.replace`d over the
previous one. Readers (Superset, analysts) open it per query, so they see either the old or the new
warehouse, never a half-written one. Any failure before the rename leaves the published file untouched.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.files import atomic_path
from extract.raw import sql_literal
from observatoire.dbt_build import AUDIT_FILE

CONTRACT_TABLES = ("dim_territoire", "dim_indicateur", "fct_indicateur_territoire")

SOURCE_COLUMNS = ("source", "sha256", "fetched_at", "origin", "mode", "est_demonstration", "rows",
                  "last_success", "stale", "error")


class PublishRefused(RuntimeError):
    """The build is not fit to publish; the published warehouse was not touched."""


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish(build_path: Path, warehouse_path: Path, publication: dict, sources: list[dict]) -> dict:
    audit = build_path.parent / AUDIT_FILE
    if not audit.exists():
        raise PublishRefused(
            f"{build_path} n'a pas passé tous ses tests dbt ({AUDIT_FILE} absent) : rien n'est publié."
        )
    with atomic_path(warehouse_path) as tmp:
        tables = _copy_marts(build_path, tmp, publication, sources)
        _record_publication(tmp, warehouse_path, build_path)
        _check(tmp)
    return {"warehouse_path": str(warehouse_path), "tables": tables}


def remove_leftovers(warehouse_path: Path) -> list[Path]:
    """Delete the temporary files of publishes killed before their swap. Call only under the writer lock:
    no other publish can then be writing its own temporary file."""
    leftovers = sorted(warehouse_path.parent.glob(f".{warehouse_path.name}.*.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def _copy_marts(build_path: Path, target: Path, publication: dict, sources: list[dict]) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach {sql_literal(build_path)} as build (read_only)")
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'build' "
                "and table_schema = 'marts' and table_type = 'BASE TABLE' order by table_name"
            ).fetchall()
        ]
        missing = [name for name in CONTRACT_TABLES if name not in names]
        if missing:
            raise PublishRefused(f"Tables du contrat absentes du build : {', '.join(missing)}.")
        con.execute("create schema marts")
        counts = {}
        for name in names:
            con.execute(f"create table marts.{_quote(name)} as select * from build.marts.{_quote(name)}")
            counts[name] = con.execute(f"select count(*) from marts.{_quote(name)}").fetchone()[0]
        con.execute("detach build")
        con.execute("create schema meta")
        con.execute(
            "create table meta.publication as select ?::timestamp as published_at, ?::varchar as departement, "
            "?::varchar as perimetre, ?::varchar as mode, ?::varchar as dbt_version, ?::double as build_seconds, "
            "?::varchar as empreinte_entrees",
            [
                datetime.now(UTC).replace(tzinfo=None),
                publication["departement"],
                publication.get("perimetre", "departement"),
                publication["mode"],
                publication.get("dbt_version"),
                publication.get("build_seconds"),
                publication.get("empreinte_entrees"),  # observatoire/fingerprint.py
            ],
        )
        con.execute(
            "create table meta.sources (source varchar primary key, sha256 varchar, fetched_at timestamp, "
            "origin varchar, mode varchar, est_demonstration boolean, rows bigint, "
            # freshness: last successful extract; stale = this run's fetch failed, the previous landing was kept
            "last_success timestamp, stale boolean not null, error varchar)"
        )
        for src in sorted(sources, key=lambda s: s["source"]):
            values = [src.get(c) for c in SOURCE_COLUMNS]
            values[SOURCE_COLUMNS.index("last_success")] = src.get("last_success") or src.get("fetched_at")
            values[SOURCE_COLUMNS.index("stale")] = bool(src.get("stale"))
            con.execute(f"insert into meta.sources values ({', '.join('?' * len(values))})", values)
        con.execute("checkpoint")
        return counts
    finally:
        con.close()


def _record_publication(target: Path, previous: Path, build_path: Path) -> None:
    """meta.publications: every publication so far (carried over from the warehouse being replaced) and this
    one, numbered, with its build folder and inputs' fingerprint — written in the same file as the marts, so
    the history changes only with an atomic swap (one row per publish, never two for one build)."""
    con = duckdb.connect(str(target))
    try:
        con.execute("create table meta.publications (numero integer primary key, published_at timestamp, "
                    "build varchar, empreinte_entrees varchar)")
        if previous.is_file():
            con.execute(f"attach {sql_literal(previous)} as previous (read_only)")
            known = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                               "where table_catalog = 'previous' and table_schema = 'meta'").fetchall()}
            if "publications" in known:
                con.execute("insert into meta.publications select * from previous.meta.publications")
            elif "publication" in known:  # a warehouse published before the history existed
                con.execute("insert into meta.publications select 1, published_at, null, empreinte_entrees "
                            "from previous.meta.publication")
            con.execute("detach previous")
        con.execute("insert into meta.publications select (select coalesce(max(numero), 0) + 1 from "
                    "meta.publications), published_at, ?, empreinte_entrees from meta.publication",
                    [build_path.parent.name])
        con.execute("checkpoint")
    finally:
        con.close()


def _check(path: Path) -> None:
    """Audit the file we are about to publish, as a reader will open it."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        for name in CONTRACT_TABLES:
            if con.execute(f"select count(*) from marts.{name}").fetchone()[0] == 0:
                raise PublishRefused(f"marts.{name} est vide : publication refusée.")
    finally:
        con.close()


def read_status(warehouse_path: Path) -> dict | None:
    """What is published: when, for which département, from which source vintages and checksums."""
    if not warehouse_path.exists():
        return None
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        pub = _records(con.execute("select * from meta.publication"))[0]
        srcs = _records(con.execute("select * from meta.sources order by source"))
        tables = {
            name: con.execute(f"select count(*) from marts.{_quote(name)}").fetchone()[0]
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        }
    finally:
        con.close()
    return json.loads(json.dumps({"publication": pub, "sources": srcs, "tables": tables}, default=str))


def _records(cursor) -> list[dict]:
    """Rows as dicts, without pandas (~0.4 s to import in each Airflow task that reads the status, #16)."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
