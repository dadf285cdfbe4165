#!/usr/bin/env bash
# The local Airflow stack, left running by `make demo`: api-server, scheduler (LocalExecutor), dag-processor and
# housekeeping (observatoire/housekeeping.py: old runs and logs, nightly), supervised by supervisord (infra/airflow/supervisord.conf), SQLite metadata under $AIRFLOW_HOME.
#
#   infra/airflow/stack.sh start [DAG_ID]  start (or keep) the stack, wait until it is healthy, unpause the DAGs;
#                                   with DAG_ID, then wait for a successful run of it (make demo: refresh)
#   infra/airflow/stack.sh stop     stop every process of the stack (supervisord and its children)
#   infra/airflow/stack.sh status   each process with its pid and uptime (DAG runs: observatoire status)
#
# Environment: AIRFLOW_ADMIN_PASSWORD (required by start; `make demo` keeps it in var/demo.env),
# AIRFLOW_PORT [8080], OBS_VAR_DIR [var], AIRFLOW_HOME [$OBS_VAR_DIR/airflow], OBS_STACK_START_TIMEOUT [180] s,
# and the tuning below (each overridable from the environment). Processes, logs and pid: $OBS_VAR_DIR/stack/.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
export OBS_STACK_DIR="$OBS_VAR_DIR/stack"
export OBS_AIRFLOW_BIN="$VENV/bin/airflow"
export OBS_PIPELINE_PYTHON="$VENV/bin/python"
CONF="$ROOT/infra/airflow/supervisord.conf"
PORT="${AIRFLOW_PORT:-8080}"
mkdir -p "$OBS_STACK_DIR"

# One machine, modest memory: LocalExecutor with 2 task slots (the writing tasks share the one-slot pool
# `entrepot` anyway), one API worker, one DAG-parsing process.
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-2}"
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG="${AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG:-2}"
export AIRFLOW__API__WORKERS=1
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1
# The two DAG files change only with the code: re-parse them every 2 min, not every 30 s.
export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="${AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL:-120}"
export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="${AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL:-120}"
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
# partner_intake is @continuous (a run always waits): its inbox sensor pokes every OBS_INBOX_POKE_SECONDS
# (dags/partner_intake.py), so a dropped file is seen within that delay.
export OBS_INBOX_POKE_SECONDS="${OBS_INBOX_POKE_SECONDS:-20}"
# Simple auth manager: one admin, its password from the environment (never generated into a log).
export AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW_ADMIN_USER:-admin}:admin"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/passwords.json"

ctl() { supervisorctl -c "$CONF" "$@"; }
supervisord_pid() { cat "$OBS_STACK_DIR/supervisord.pid" 2>/dev/null; }
running() { local pid; pid="$(supervisord_pid)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }
api() { python -m observatoire.airflow_api "$@"; }

# The LocalExecutor's task processes (`airflow worker -- <id>`) run in a session of their own: supervisord's
# shutdown does not reach them, and the continuous inbox sensor would go on poking. Stop those working in this
# stack's var/ (their working directory): TERM, then KILL after 10 s (the task runner ignores TERM while it waits).
task_processes() {
  local var p
  var="$(cd "$OBS_VAR_DIR" && pwd -P)"
  for p in $(pgrep -f '^airflow worker -- ' || true); do
    [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$var" ] && echo "$p"
  done
  return 0
}

stop_task_processes() {
  local left
  left="$(task_processes)"
  [ -n "$left" ] || return 0
  kill $left 2>/dev/null || true
  for _ in $(seq 1 20); do left="$(task_processes)"; [ -n "$left" ] || return 0; sleep 0.5; done
  kill -9 $left 2>/dev/null || true
  for _ in $(seq 1 20); do [ -n "$(task_processes)" ] || return 0; sleep 0.5; done
  echo "processus de tâche Airflow encore actifs : $(task_processes | tr '\n' ' ')" >&2
  return 1
}

case "${1:-start}" in
  start)
    : "${AIRFLOW_ADMIN_PASSWORD:?AIRFLOW_ADMIN_PASSWORD manquant (make demo le génère dans var/demo.env)}"
    prepare_db
    python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
user = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(":")[0]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as handle:
    json.dump({user: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
PY
    if running; then
      echo "Airflow : déjà démarré (supervisord pid $(supervisord_pid))" >&2
    else
      supervisord -c "$CONF"
    fi
    api wait --url "http://127.0.0.1:$PORT" --timeout "${OBS_STACK_START_TIMEOUT:-180}" --api-only
    ctl start scheduler dag-processor >/dev/null || true  # "already started" when the stack was running
    api wait --url "http://127.0.0.1:$PORT" --timeout "${OBS_STACK_START_TIMEOUT:-180}" \
      --unpause refresh partner_intake ${2:+--until-success "$2"}
    echo "Airflow : http://127.0.0.1:$PORT/ (supervisord pid $(supervisord_pid), journaux $OBS_STACK_DIR/)" >&2
    ;;
  stop)
    if ! running; then echo "Airflow : arrêté" >&2; rm -f "$OBS_STACK_DIR/supervisord.pid" "$AIRFLOW_HOME/stack.json"; exit 0; fi
    pid="$(supervisord_pid)"
    ctl shutdown >/dev/null
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "supervisord (pid $pid) ne s'arrête pas" >&2; exit 1; fi
    stop_task_processes
    rm -f "$AIRFLOW_HOME/stack.json"
    echo "Airflow : arrêté (supervisord pid $pid)" >&2
    ;;
  status)
    if ! running; then echo "Airflow : arrêté"; exit 3; fi
    ctl status || true
    ;;
  *)
    echo "usage: $0 [start|stop|status]" >&2; exit 2
    ;;
esac
