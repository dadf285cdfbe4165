"""python -m extract.partners docs|template KIND [DIR]|ingest FILE PARTNER [KIND]|inbox (until the CLI is wired)."""

from __future__ import annotations

import sys
from pathlib import Path

from core.settings import REPO_ROOT, load_settings
from extract.partners import ingest_file, ingest_inbox, write_docs, write_template


def main(argv: list[str]) -> int:
    if argv[:1] == ["docs"]:
        print(write_docs(REPO_ROOT / "docs" / "partenaires.md"))
        return 0
    if argv[:1] == ["template"] and len(argv) >= 2:
        for path in write_template(argv[1], Path(argv[2]) if len(argv) > 2 else Path.cwd()):
            print(path)
        return 0
    if argv[:1] == ["ingest"] and len(argv) >= 3:
        result = ingest_file(Path(argv[1]), argv[2], argv[3] if len(argv) > 3 else None, load_settings())
        print(result.summary())
        return 0 if result.ok else 1
    if argv[:1] == ["inbox"]:
        results = ingest_inbox(load_settings())
        for result in results:
            print(result.summary())
        return 0 if all(r.ok for r in results) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
