"""Extraction: fetch each declared source into the raw zone, then parse it into a landing parquet file.

See README.md. Public entry points: `extract.run.extract_source`, `extract.run.extract_all`.
"""
