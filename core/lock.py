"""One writer at a time: an advisory file lock shared by the CLI and the Airflow tasks.

DuckDB allows a single writing process per file; the lock also keeps a manual refresh from rewriting
landing files while a scheduled dbt build reads them.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Airflow pool of one slot on every task that takes this lock (dags/): the scheduler queues a second writer
# instead of handing it to a worker that would sleep in flock. Created by infra/airflow/_env.sh and
# infra/docker/airflow-init.sh. The file lock stays: it also guards a manual `observatoire refresh`.
WRITER_POOL = "entrepot"


class LockTimeout(RuntimeError):
    pass


@contextmanager
def writer_lock(path: Path, timeout_s: float | None = None, poll_s: float = 0.5) -> Iterator[None]:
    """Hold the lock; wait at most `timeout_s` (default OBS_LOCK_TIMEOUT, 1800 s), then raise LockTimeout."""
    if timeout_s is None:
        from core.settings import load_settings

        timeout_s = load_settings().lock_timeout_s
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "inconnu"
                    raise LockTimeout(
                        f"Un autre rafraîchissement écrit l'entrepôt (verrou {path}, détenu par {holder}). "
                        "Attendez sa fin, ou relancez plus tard."
                    ) from None
                time.sleep(poll_s)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
