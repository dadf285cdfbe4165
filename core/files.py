"""Writing files so that readers see the old content or the new one, never a half-written file."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside `target` for the caller to create (a file, a folder or a symlink): when the block
    ends normally it replaces `target` (os.replace, atomic on one file system); when it raises, it is removed.
    `suffix` ends the temporary name (e.g. '.parquet' for writers that look at the extension)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{suffix}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through atomic_path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
