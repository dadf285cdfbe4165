"""Types of the registry (kept apart so that source modules can import them without a cycle)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Fetched:
    """One file as received: the name it is stored under, its bytes, where it came from."""

    filename: str
    data: bytes
    origin: str


@dataclass(frozen=True)
class Source:
    name: str  # landing table name (docs/contracts.md §2)
    producer: str
    title: str
    licence: str
    millesime: str  # vintage as published
    format: str
    online_urls: tuple[str, ...]  # what online mode fetches (documentation; API sources use `fetcher`)
    snapshot_files: tuple[str, ...]  # offline copies, relative to data/snapshot/<name>/
    primary_key: tuple[str, ...]  # of the landing table
    schedule: str  # how often the producer publishes: the extraction cadence that makes sense
    is_demonstration: bool  # offline copy is DEMONSTRATION data, not statistics
    parser: Callable[[list[Path], Any], pd.DataFrame]
    fetcher: Callable[[Any, Any], list[Fetched]] | None = None  # custom online fetch (APIs)
    local_file: Callable[[Any], Path] | None = None  # file supplied locally whatever the mode
    # Part of the territory referential (COG, EPCI, legal populations): a run cannot publish without it. Any other
    # source that fails with no earlier landing is published empty and marked unavailable (extract/run.py).
    essential: bool = False
