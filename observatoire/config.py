"""Runtime configuration, read from the environment (documented in .env.example).

Every path is derived from OBS_VAR_DIR unless set explicitly, so one variable moves the whole
working area. Nothing here touches the disk: callers create directories when they write.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

SCOPES = ("departement", "france")
# Vintages a source publishes for one région only (dbt seed millesimes_regionaux, e.g. the Occitanie population
# compilation 1968–2014): 'auto' shows them when the configured département lies in that région, 'oui' always
# (where they cover a territory whole), 'non' never.
MILLESIMES_REGIONAUX = ("auto", "oui", "non")
_DEPARTEMENT_RE = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")


class ConfigError(ValueError):
    """A configuration value is invalid; the message says which variable and how to fix it."""


@dataclass(frozen=True)
class Settings:
    departement: str  # code du département, text ('32', '64', '2A')
    scope: str  # 'departement' (its communes and every EPCI touching it, default) or 'france' (every commune)
    mode: str  # 'offline' (embedded snapshot, default) or 'online' (public APIs)
    var_dir: Path
    warehouse_path: Path  # published, read-only warehouse (public contract)
    territoires_file: Path  # commune -> territoire d'action mapping supplied by the département
    millesimes_regionaux: str = "auto"  # OBS_MILLESIMES_REGIONAUX, see MILLESIMES_REGIONAUX

    @property
    def raw_dir(self) -> Path:
        return self.var_dir / "raw"

    @property
    def landing_dir(self) -> Path:
        return self.var_dir / "landing"

    @property
    def build_dir(self) -> Path:
        """One sub-folder per build (run id): a build never overwrites another one being published."""
        return self.var_dir / "build"

    @property
    def lock_path(self) -> Path:
        return self.var_dir / "writer.lock"

    @property
    def snapshot_dir(self) -> Path:
        return REPO_ROOT / "data" / "snapshot"

    @property
    def dbt_project_dir(self) -> Path:
        return REPO_ROOT / "dbt_project"

    def dbt_env(self, build_path: Path) -> dict[str, str]:
        """Environment variables the dbt project reads (profiles.yml, sources, vars)."""
        return {
            "OBS_DEPARTEMENT": self.departement,
            "OBS_SCOPE": self.scope,
            "OBS_MILLESIMES_REGIONAUX": self.millesimes_regionaux,
            "OBS_LANDING_DIR": str(self.landing_dir),
            "OBS_BUILD_PATH": str(build_path),
        }


def _path(env: dict[str, str], name: str, default: Path) -> Path:
    value = env.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (REPO_ROOT / path)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    departement = env.get("OBS_DEPARTEMENT", "32").strip().upper()
    if len(departement) == 1:
        departement = "0" + departement
    if not _DEPARTEMENT_RE.match(departement):
        raise ConfigError(
            f"OBS_DEPARTEMENT={env.get('OBS_DEPARTEMENT')!r} n'est pas un code de département "
            "(exemples : '32' pour le Gers, '64' pour les Pyrénées-Atlantiques, '2A')."
        )
    mode = env.get("OBS_MODE", "offline").strip().lower()
    if mode not in {"offline", "online"}:
        raise ConfigError(f"OBS_MODE={mode!r} : valeurs possibles 'offline' (défaut) ou 'online'.")
    scope = env.get("OBS_SCOPE", "departement").strip().lower()
    if scope not in SCOPES:
        raise ConfigError(
            f"OBS_SCOPE={env.get('OBS_SCOPE')!r} : valeurs possibles 'departement' (défaut : le département "
            "configuré et les EPCI qui le touchent) ou 'france' (toutes les communes, EPCI et départements)."
        )
    millesimes = env.get("OBS_MILLESIMES_REGIONAUX", "auto").strip().lower()
    if millesimes not in MILLESIMES_REGIONAUX:
        raise ConfigError(
            f"OBS_MILLESIMES_REGIONAUX={env.get('OBS_MILLESIMES_REGIONAUX')!r} : valeurs possibles 'auto' (défaut : "
            "les millésimes publiés pour une seule région s'affichent si le département est dans cette région), "
            "'oui' (toujours, là où ils couvrent tout le territoire) ou 'non' (jamais)."
        )
    var_dir = _path(env, "OBS_VAR_DIR", REPO_ROOT / "var")
    return Settings(
        departement=departement,
        scope=scope,
        mode=mode,
        var_dir=var_dir,
        warehouse_path=_path(env, "OBS_WAREHOUSE_PATH", var_dir / "warehouse" / "observatoire.duckdb"),
        territoires_file=_path(
            env,
            "OBS_TERRITOIRES_FILE",
            REPO_ROOT / "data" / "territoires" / f"territoires_action_{departement}.csv",
        ),
        millesimes_regionaux=millesimes,
    )
