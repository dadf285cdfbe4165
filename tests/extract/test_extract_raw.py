"""Raw zone (contracts §1) and landing writer (§2): append-only, idempotent, atomic."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from extract import raw
from extract.run import extract_source


def _manifest(settings):
    return [json.loads(line) for line in (settings.raw_dir / "_fetches.jsonl").read_text().splitlines()]


def test_same_bytes_twice_store_one_file_and_one_line(settings):
    first = raw.store(settings.raw_dir, "demo", "a.csv", b"x;y\n1;2\n", "test://a", "offline")
    second = raw.store(settings.raw_dir, "demo", "a.csv", b"x;y\n1;2\n", "test://a", "offline")
    assert first.changed and not second.changed
    assert second.path == first.path and second.fetched_at == first.fetched_at
    assert first.sha256 == hashlib.sha256(b"x;y\n1;2\n").hexdigest()
    assert first.path == settings.raw_dir / "demo" / first.sha256 / "a.csv"
    assert len(list((settings.raw_dir / "demo").iterdir())) == 1
    line, = _manifest(settings)
    assert set(line) == {"source", "sha256", "bytes", "fetched_at", "origin", "mode", "file"}
    assert line["bytes"] == 8 and line["mode"] == "offline" and line["origin"] == "test://a"


def test_changed_bytes_keep_both_versions(settings):
    old = raw.store(settings.raw_dir, "demo", "a.csv", b"v1", "test://a", "online")
    new = raw.store(settings.raw_dir, "demo", "a.csv", b"v2", "test://a", "online")
    assert new.changed and old.path.read_bytes() == b"v1" and new.path.read_bytes() == b"v2"
    assert [f["sha256"] for f in _manifest(settings)] == [old.sha256, new.sha256]


def test_extract_twice_changes_nothing_in_raw(settings):
    first = extract_source("insee_cog_regions", settings)
    manifest = (settings.raw_dir / "_fetches.jsonl").read_bytes()
    second = extract_source("insee_cog_regions", settings)
    assert first["changed"] and not second["changed"]
    assert second["sha256"] == first["sha256"] and second["fetched_at"] == first["fetched_at"]
    assert (settings.raw_dir / "_fetches.jsonl").read_bytes() == manifest
    landing = pd.read_parquet(second["landing_path"])
    assert set(landing["_sha256"]) == {first["sha256"]}
    assert not list(settings.landing_dir.glob(".*")), "no temporary file left behind"


def test_landing_is_rewritten_whole(settings):
    path = raw.write_landing(pd.DataFrame({"a": ["1", "2"]}), settings.landing_dir, "demo", "abc")
    raw.write_landing(pd.DataFrame({"a": ["3"]}), settings.landing_dir, "demo", "def")
    assert pd.read_parquet(path).to_dict("records") == [{"a": "3", "_sha256": "def"}]
