# Sourced by run_dag.sh and stack.sh: the Airflow settings shared by a one-off `dags test` and the running
# stack (same AIRFLOW_HOME, hence the same SQLite metadata database, airflow.cfg secrets and pool).
# `prepare_db` migrates the database and creates the writer pool, once. Not meant to be run on its own.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${OBS_PIPELINE_VENV:-$ROOT/.venvs/pipeline}"
export PATH="$VENV/bin:$PATH"
export OBS_VAR_DIR="${OBS_VAR_DIR:-$ROOT/var}"
export AIRFLOW_HOME="${AIRFLOW_HOME:-$OBS_VAR_DIR/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DEFAULT_TIMEZONE=Europe/Paris
export AIRFLOW__LOGGING__LOGGING_LEVEL="${AIRFLOW__LOGGING__LOGGING_LEVEL:-WARNING}"
mkdir -p "$AIRFLOW_HOME"
prepare_db() {
  if [ ! -f "$AIRFLOW_HOME/airflow.db" ]; then
    airflow db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || { cat "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
  fi
  # The one-slot pool of the tasks that take the writer lock (core/lock.py WRITER_POOL), once per db.
  if [ ! -f "$AIRFLOW_HOME/pool-entrepot.done" ]; then
    airflow pools set entrepot 1 "Un seul écrivain de var/ et de l'entrepôt" >"$AIRFLOW_HOME/pools.log" 2>&1 \
      || { cat "$AIRFLOW_HOME/pools.log"; exit 1; }
    touch "$AIRFLOW_HOME/pool-entrepot.done"
  fi
}
