#!/usr/bin/env bash
# Create or upgrade Superset's metadata database, the admin account and the built-in roles.
# Idempotent: re-running upgrades the schema and leaves an existing admin as it is.
#
#   SUPERSET_SECRET_KEY=… SUPERSET_ADMIN_PASSWORD=… infra/superset/init.sh
#
# Environment: SUPERSET_SECRET_KEY (required), SUPERSET_ADMIN_PASSWORD (required, no default),
# SUPERSET_ADMIN_USER [admin], SUPERSET_ADMIN_EMAIL [admin@observatoire.invalid], SUPERSET_HOME [var/superset].
set -euo pipefail
. "$(dirname "$0")/_env.sh"

if [ -z "${SUPERSET_ADMIN_PASSWORD:-}" ]; then
  echo "SUPERSET_ADMIN_PASSWORD is required (no default password)" >&2
  exit 1
fi
ADMIN_USER="${SUPERSET_ADMIN_USER:-admin}"

timed "db upgrade" "$SUPERSET_BIN/superset" db upgrade >"$SUPERSET_HOME/init.log" 2>&1 \
  || { tail -30 "$SUPERSET_HOME/init.log" >&2; exit 1; }
# create-admin prints "user already exists" and exits 0 when it does: safe to re-run.
timed "fab create-admin" "$SUPERSET_BIN/superset" fab create-admin \
  --username "$ADMIN_USER" --firstname Admin --lastname Observatoire \
  --email "${SUPERSET_ADMIN_EMAIL:-admin@observatoire.invalid}" \
  --password "$SUPERSET_ADMIN_PASSWORD" >>"$SUPERSET_HOME/init.log" 2>&1 \
  || { tail -30 "$SUPERSET_HOME/init.log" >&2; exit 1; }
timed "init (roles, permissions)" "$SUPERSET_BIN/superset" init >>"$SUPERSET_HOME/init.log" 2>&1 \
  || { tail -30 "$SUPERSET_HOME/init.log" >&2; exit 1; }
echo "[superset] metadata ready in $SUPERSET_HOME (log: $SUPERSET_HOME/init.log)" >&2
