#!/usr/bin/env bash
# Run one DAG once, for real, in-process (`airflow dags test`), with SQLite metadata under $AIRFLOW_HOME.
# Usage: infra/airflow/run_dag.sh [DAG_ID]   (default: refresh). Used by `make demo`, the tests and bench/.
set -euo pipefail
. "$(dirname "$0")/_env.sh"
prepare_db
exec airflow dags test "${1:-refresh}"
