"""The ONLY module of the Superset side (infra/superset/) that reads the process environment.

Superset runs in its own venv, without pydantic-settings: plain functions, standard library only. Every variable
is documented in .env.example; superset_config.py and the tools next to it import this module (their folder is on
sys.path: Superset's config inserts it, the tools run as scripts from it).
"""

from __future__ import annotations

import os


def env(name: str, default: str = "") -> str:
    """The variable `name`, or `default` when it is unset or empty (an empty line of .env keeps the default)."""
    return os.environ.get(name) or default
