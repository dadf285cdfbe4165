"""A connection opened after a publish reads the new warehouse even while a query of the same process still
holds the old file (DuckDB shares one instance per path: duckdb/duckdb#15912), and stays hardened.

Runs in the Superset venv with Superset's own engine arguments: the database's `engine_params` from
superset_assets/, NullPool as Superset uses, through `infra/superset/fresh_duckdb.mutate_connection` (the
DB_CONNECTION_MUTATOR of superset_config.py). The same steps without the mutator are run too, to show the trap
this guards against is real with the pinned DuckDB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERSET_PY = REPO_ROOT / ".venvs" / "superset" / "bin" / "python"

SCRIPT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import duckdb
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from fresh_duckdb import mutate_connection

folder, engine_params = sys.argv[2], json.loads(sys.argv[3])
warehouse = os.path.join(folder, "observatoire.duckdb")
def publish(value):
    tmp = os.path.join(folder, "tmp.duckdb")
    con = duckdb.connect(tmp)
    con.execute(f"create schema marts; create table marts.t as select {value} as v")
    con.close()
    os.replace(tmp, warehouse)

def engine(mutator):
    params = {**engine_params, "poolclass": NullPool}
    params["connect_args"] = {**params["connect_args"], "config": {**params["connect_args"]["config"],
                              "custom_user_agent": "superset"}}  # as Superset's DuckDB engine spec adds it
    url = make_url("duckdb:///" + warehouse)
    if mutator:
        url, params = mutator(url, params, None, None, None)
    return create_engine(url, **params)

out = {}
for name, mutator in (("plain", None), ("fresh", mutate_connection)):
    publish(1)
    eng = engine(mutator)
    running = eng.connect()                      # a query still running in this worker at publish time
    out[name + "_before"] = running.execute(text("select v from marts.t")).scalar()
    publish(2)
    with eng.connect() as after:                 # e.g. the warm-up request served by the same worker
        out[name + "_after"] = after.execute(text("select v from marts.t")).scalar()
        refused = []
        for sql in ("select * from read_csv('/etc/passwd')", "attach '/tmp/x.duckdb' as x",
                    "set enable_external_access = true", "create table marts.z (i int)"):
            try:
                after.execute(text(sql))
            except Exception:
                refused.append(sql)
        out[name + "_refused"] = refused
    running.close()
print(json.dumps(out))
"""


def test_connection_after_publish_reads_the_new_file(tmp_path):
    db = next((REPO_ROOT / "superset_assets" / "databases").glob("*.yaml"))
    engine_params = yaml.safe_load(db.read_text(encoding="utf-8"))["extra"]["engine_params"]
    proc = subprocess.run([str(SUPERSET_PY), "-c", SCRIPT, str(REPO_ROOT / "infra" / "superset"), str(tmp_path),
                           json.dumps(engine_params)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(out, file=sys.stderr)
    # the trap: without the mutator, the worker's new connection reuses the old file's instance
    assert (out["plain_before"], out["plain_after"]) == (1, 1)
    # with it, the new connection reads the file just published, and keeps every refusal
    assert (out["fresh_before"], out["fresh_after"]) == (1, 2)
    assert len(out["fresh_refused"]) == 4, out["fresh_refused"]
