# Sourced by the scripts of this folder: resolves the repository, the Superset venv and SUPERSET_HOME,
# and exports what the `superset` CLI needs. Not meant to be run on its own.
# shellcheck shell=bash
SUPERSET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SUPERSET_DIR/../.." && pwd)"
SUPERSET_VENV="${SUPERSET_VENV:-$REPO_ROOT/.venvs/superset}"
SUPERSET_BIN="$SUPERSET_VENV/bin"
if [ ! -x "$SUPERSET_BIN/superset" ]; then
  echo "superset not found in $SUPERSET_VENV (run: make setup)" >&2
  exit 1
fi
export SUPERSET_CONFIG_PATH="$SUPERSET_DIR/superset_config.py"
SUPERSET_HOME="${SUPERSET_HOME:-$REPO_ROOT/var/superset}"
mkdir -p "$SUPERSET_HOME"
SUPERSET_HOME="$(cd "$SUPERSET_HOME" && pwd)"
export SUPERSET_HOME
export FLASK_APP="superset.app:create_app()"
# Never phone home, never load the examples.
export SUPERSET_LOAD_EXAMPLES=no
if [ -z "${SUPERSET_SECRET_KEY:-}" ]; then
  echo "SUPERSET_SECRET_KEY is required (python -c 'import secrets; print(secrets.token_hex(32))')" >&2
  exit 1
fi
# Print how long each step took on the caller's stderr (fd 3), even when the step's output is
# redirected to a log: `timed LABEL cmd args…`
exec 3>&2
timed() {
  local label="$1"; shift
  local t0; t0=$(date +%s.%N)
  "$@"
  local rc=$?
  awk -v l="$label" -v a="$t0" -v b="$(date +%s.%N)" -v r="$rc" \
    'BEGIN { printf "[superset] %-26s %6.1f s (exit %d)\n", l, b - a, r }' >&3
  return $rc
}
