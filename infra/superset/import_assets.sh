#!/usr/bin/env bash
# Import superset_assets/ (git is the truth) into Superset, pointed at a published warehouse.
#
#   infra/superset/import_assets.sh WAREHOUSE_PATH
#
# The committed database YAML carries the placeholder __OBS_WAREHOUSE_PATH__ instead of a machine path.
# This script copies superset_assets/ into a temporary directory, replaces the placeholder with the
# absolute path of WAREHOUSE_PATH, runs `superset import-directory -o` (overwrite: whatever was edited in
# the UI is replaced by the committed version), then checks that every database, dataset, chart and
# dashboard UUID of the assets is present in the metadata database (import-directory logs errors and
# skips objects without failing, so the check is what makes a bad import fail).
# Then applies infra/superset/roles.yml (roles_tool.py: roles, dashboard grants, RLS, example users).
# Environment: SUPERSET_SECRET_KEY (required), SUPERSET_HOME [var/superset], SUPERSET_USERS_FILE (JSON
# username -> password of the example users; missing ones are generated; unset: no example user).
set -euo pipefail
. "$(dirname "$0")/_env.sh"

if [ $# -ne 1 ]; then
  echo "usage: $0 WAREHOUSE_PATH" >&2
  exit 2
fi
if [ ! -f "$1" ]; then
  echo "warehouse not found: $1" >&2
  exit 1
fi
WAREHOUSE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ASSETS="${SUPERSET_ASSETS_DIR:-$REPO_ROOT/superset_assets}"
RENDERED="$(mktemp -d "${TMPDIR:-/tmp}/superset_assets.XXXXXX")"
trap 'rm -rf "$RENDERED"' EXIT

"$SUPERSET_BIN/python" "$SUPERSET_DIR/assets_tool.py" render "$ASSETS" "$RENDERED" "$WAREHOUSE"
LOG="$SUPERSET_HOME/import.log"
timed "import-directory" "$SUPERSET_BIN/superset" import-directory -o "$RENDERED" >"$LOG" 2>&1 \
  || { tail -30 "$LOG" >&2; exit 1; }
if grep -qE "An error occurred|Traceback" "$LOG"; then
  echo "superset import-directory reported an error:" >&2
  grep -E -A20 "An error occurred|Traceback" "$LOG" | head -60 >&2
  exit 1
fi
timed "check imported uuids" "$SUPERSET_BIN/python" "$SUPERSET_DIR/assets_tool.py" check-imported \
  "$RENDERED" "$SUPERSET_HOME/superset.db"
# Roles, dashboard grants, RLS and example users (infra/superset/roles.yml); SUPERSET_USERS_FILE: see there.
timed "roles (roles.yml)" "$SUPERSET_BIN/python" "$SUPERSET_DIR/roles_tool.py" apply \
  "${SUPERSET_ROLES_FILE:-$SUPERSET_DIR/roles.yml}" "$WAREHOUSE" >>"$LOG" 2>&1 \
  || { tail -30 "$LOG" >&2; exit 1; }
echo "[superset] assets imported from $ASSETS, database -> $WAREHOUSE" >&2
