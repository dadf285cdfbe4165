"""`python -m extract [source ...]`: extract every source (or the named ones) with the environment's settings."""

from __future__ import annotations

import sys
import time

from core.settings import load_settings
from extract.run import ExtractError, extract_all


def main(argv: list[str]) -> int:
    settings = load_settings()
    started = time.perf_counter()
    try:
        results = extract_all(settings, sources=argv or None, progress=lambda line: print(line, flush=True))
    except ExtractError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{len(results)} sources, département {settings.departement}, mode {settings.mode}, "
          f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
