#!/usr/bin/env bash
# Run Superset under gunicorn on 127.0.0.1 (pid file and logs under SUPERSET_HOME).
#
#   infra/superset/serve.sh [start]   start in the background, wait until /health answers (default)
#   infra/superset/serve.sh stop      stop the server started by `start` (by its pid file)
#   infra/superset/serve.sh status    say whether it runs
#   infra/superset/serve.sh foreground  run in the foreground (Ctrl-C stops it)
#
# Environment: SUPERSET_SECRET_KEY (required), SUPERSET_HOME [var/superset], SUPERSET_PORT [8088],
# SUPERSET_START_TIMEOUT [90] seconds to wait for /health.
set -euo pipefail
. "$(dirname "$0")/_env.sh"

PORT="${SUPERSET_PORT:-8088}"
PIDFILE="$SUPERSET_HOME/gunicorn.pid"
LOG="$SUPERSET_HOME/gunicorn.log"
GUNICORN=("$SUPERSET_BIN/gunicorn" -w 2 -k gthread --threads 8 --timeout 120 --graceful-timeout 10
  -b "127.0.0.1:$PORT" --pid "$PIDFILE" "superset.app:create_app()")

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

wait_health() {
  # gunicorn --daemon returns at once; its master writes the pid file a moment later and removes it if
  # the workers cannot boot. Fail fast on that, otherwise wait for /health.
  local deadline=$((SECONDS + ${SUPERSET_START_TIMEOUT:-90})) seen=0
  until "$SUPERSET_BIN/python" - "$PORT" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
  do
    if running; then seen=1; fi
    if [ $SECONDS -ge $deadline ] || { [ $seen = 1 ] && ! running; } || { [ $seen = 0 ] && [ $SECONDS -ge $((deadline - ${SUPERSET_START_TIMEOUT:-90} + 20)) ]; }; then
      echo "Superset did not become healthy; last lines of $LOG:" >&2
      tail -30 "$LOG" >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

case "${1:-start}" in
  start)
    if running; then echo "already running (pid $(cat "$PIDFILE")) on port $PORT" >&2; exit 0; fi
    # 3>&- : the daemon must not keep the timing descriptor of _env.sh (a caller reading our output
    # through a pipe would otherwise wait for the server to exit).
    "${GUNICORN[@]}" --daemon --log-file "$LOG" --access-logfile "$SUPERSET_HOME/access.log" \
      </dev/null >/dev/null 2>&1 3>&-
    timed "server start (/health)" wait_health
    echo "Superset: http://127.0.0.1:$PORT/superset/dashboard/panorama-social/ (pid $(cat "$PIDFILE"))" >&2
    ;;
  stop)
    if ! running; then echo "not running" >&2; rm -f "$PIDFILE"; exit 0; fi
    pid="$(cat "$PIDFILE")"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    rm -f "$PIDFILE"
    echo "stopped (pid $pid)" >&2
    ;;
  status)
    if running; then echo "running (pid $(cat "$PIDFILE")) on port $PORT"; else echo "not running"; exit 1; fi
    ;;
  foreground)
    exec "${GUNICORN[@]}"
    ;;
  *)
    echo "usage: $0 [start|stop|status|foreground]" >&2; exit 2
    ;;
esac
