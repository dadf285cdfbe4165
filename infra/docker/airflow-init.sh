#!/usr/bin/env bash
# One-shot: migrate the Airflow metadata database, write the admin password file of the simple auth manager.
set -euo pipefail
mkdir -p "$AIRFLOW_HOME" /data/var
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
user = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].split(":")[0]
with open(path, "w") as handle:
    json.dump({user: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
os.chmod(path, 0o600)
PY
airflow db migrate
# One-slot pool of the tasks that take the writer lock (core/lock.py WRITER_POOL): idempotent.
airflow pools set entrepot 1 "Un seul écrivain de var/ et de l'entrepôt"
