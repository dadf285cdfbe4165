"""Shared reading of INSEE COG files (`,` separator, UTF-8), as a plain CSV, .gz or inside the yearly zip."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from extract.readers import read_csv


def read_cog(path: Path, table: str, columns: list[str]) -> pd.DataFrame:
    return read_csv(path, ",", member=rf"^v_{table}_\d{{4}}\.csv$", columns=columns)


def year_of(path: Path, default: int) -> int:
    match = re.search(r"(20\d{2})", path.name)
    return int(match.group(1)) if match else default
