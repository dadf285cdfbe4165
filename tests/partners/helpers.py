"""Helpers of the partner-file tests (import as `from tests.partners.helpers import ...`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.settings import REPO_ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = REPO_ROOT / "data" / "examples" / "partenaires"


def fingerprint(settings: Settings) -> dict[str, str]:
    """sha256 of every data landing table and every archived raw file (not the receptions log)."""
    out = {}
    for folder in (settings.landing_dir, settings.raw_dir):
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name not in {"_receptions.jsonl", "partenaires_receptions.parquet"}:
                out[str(path.relative_to(settings.var_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
