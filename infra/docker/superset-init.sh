#!/usr/bin/env bash
# One-shot: Superset metadata (PostgreSQL) upgrade, admin, roles, then the dashboards as code pointing at the
# published warehouse (mounted read-only). Re-run safely: assets are imported with overwrite.
set -euo pipefail
cd /opt/observatoire
bash infra/superset/init.sh
if [ -f "$OBS_WAREHOUSE_PATH" ]; then
  bash infra/superset/import_assets.sh "$OBS_WAREHOUSE_PATH"
else
  echo "Aucun entrepôt publié à $OBS_WAREHOUSE_PATH : lancez le DAG refresh, puis relancez superset-init." >&2
fi
