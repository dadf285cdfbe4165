"""Partner ingest and the pipeline share ONE writer lock (core/lock.py): while another process holds it
(an extract, a dbt build, a publish), a partner file waits in the inbox and no landing table changes; when the
lock is not released in time, the ingest fails with the French lock message."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pytest

from core.lock import LockTimeout
from observatoire.intake import ingest_partner_file, ingest_partner_inbox
from tests.helpers import make_settings
from tests.partners.helpers import EXAMPLES, fingerprint

HOLDER = """
import sys
from pathlib import Path
from core.lock import writer_lock
with writer_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()  # released when the test closes our stdin
"""


@pytest.fixture
def held_lock(tmp_path):
    """Another process (as a running dbt build would) holds the writer lock until the test releases it."""
    settings = make_settings(tmp_path / "var")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(settings.lock_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield settings, holder
    if holder.poll() is None:
        holder.stdin.close()
        holder.wait(timeout=10)


def drop(settings, partner: str, name: str):
    folder = settings.var_dir / "inbox" / partner
    folder.mkdir(parents=True, exist_ok=True)
    return shutil.copyfile(EXAMPLES / name, folder / name)


def test_inbox_ingest_waits_for_the_writer_lock(held_lock, monkeypatch):
    settings, holder = held_lock
    monkeypatch.delenv("OBS_INBOX_DIR", raising=False)
    dropped = drop(settings, "CAF32", "caf32_indicateurs_2024.csv")
    before = fingerprint(settings)
    done: list = []
    worker = threading.Thread(target=lambda: done.append(ingest_partner_inbox(settings, examples=False)))
    worker.start()
    worker.join(timeout=3)
    assert worker.is_alive(), "partner ingest ran while another writer held the lock"
    assert dropped.exists() and fingerprint(settings) == before  # nothing read, moved or written meanwhile
    holder.stdin.close()
    holder.wait(timeout=10)
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert [h["statut"] for h in done[0]] == ["accepted"]
    assert not dropped.exists()
    assert fingerprint(settings) != before


def test_ingest_fails_clearly_after_the_lock_timeout(held_lock, monkeypatch):
    settings, _ = held_lock
    monkeypatch.setenv("OBS_LOCK_TIMEOUT", "1")
    source = EXAMPLES / "caf32_indicateurs_2024.csv"
    with pytest.raises(LockTimeout) as caught:
        ingest_partner_file(source, "CAF32", None, settings)
    message = str(caught.value)
    assert str(settings.lock_path) in message and "Un autre rafraîchissement écrit l'entrepôt" in message
    assert fingerprint(settings) == {}
