"""One module per source, all the same shape: constants, optional `fetch(session, settings)`, `parse(files, settings)`.

`parse` receives the raw files (paths inside the raw zone) and returns the landing columns of
docs/contracts.md §2 (the runner adds `est_demonstration` and `_sha256`).
"""
