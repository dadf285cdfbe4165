"""The running Airflow stack seen through its REST API v2 (never by importing Airflow, never by raw SQL).

`infra/airflow/stack.sh start` calls `python -m observatoire.airflow_api wait`: wait until the api-server, the
scheduler and the dag-processor are healthy and the DAGs are parsed, unpause them, then write
`$AIRFLOW_HOME/stack.json` (URL and user; the password stays in the simple auth manager's own file), which
`observatoire status` reads to print each DAG's last and next run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core.settings import Settings, load_settings
from observatoire import housekeeping

STACK_FILE = "stack.json"
DAG_IDS = ("refresh", "partner_intake")
PARIS = ZoneInfo("Europe/Paris")
CONTINUOUS = "@continuous"


class AirflowAPI:
    """A logged-in client of the api-server (simple auth manager: POST /auth/token → bearer token)."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 10):
        self.url = url.rstrip("/")
        self.credentials = {"username": username, "password": password}
        self.timeout = timeout
        self.session = requests.Session()
        # The embedded SQLite metadata database answers "database is locked" (HTTP 500) when the scheduler writes
        # at the same moment, and a loaded machine can keep a read past the timeout: retry the idempotent calls
        # (never POST: a trigger must not run twice; urllib3 retries reads only for the allowed methods).
        retry = Retry(total=5, connect=0, read=3, status=5, backoff_factor=0.5, raise_on_status=False,
                      status_forcelist=(500, 502, 503, 504), allowed_methods=frozenset({"GET", "PATCH"}))
        self.session.mount("http://", HTTPAdapter(max_retries=retry))

    def login(self) -> None:
        answer = self.session.post(f"{self.url}/auth/token", json=self.credentials, timeout=self.timeout)
        answer.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def call(self, method: str, path: str, **kwargs) -> dict:
        if "Authorization" not in self.session.headers:
            self.login()
        answer = self.session.request(method, f"{self.url}/api/v2/{path}", timeout=self.timeout, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def health(self) -> dict:
        answer = self.session.get(f"{self.url}/api/v2/monitor/health", timeout=self.timeout)
        answer.raise_for_status()
        return answer.json()

    def dag(self, dag_id: str) -> dict:
        return self.call("GET", f"dags/{dag_id}")

    def unpause(self, dag_id: str) -> dict:
        return self.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def runs(self, dag_id: str, limit: int = 1, **filters) -> list[dict]:
        params = {"order_by": "-run_after", "limit": limit, **filters}
        return self.call("GET", f"dags/{dag_id}/dagRuns", params=params)["dag_runs"]


def healthy(api: AirflowAPI, parts=("metadatabase", "scheduler", "dag_processor")) -> bool:
    try:
        health = api.health()
    except requests.RequestException:
        return False
    return all(health.get(part, {}).get("status") == "healthy" for part in parts)


def parsed(api: AirflowAPI, dag_ids) -> bool:
    try:
        return all(api.dag(dag_id) for dag_id in dag_ids)
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return False
        raise


def wait_ready(api: AirflowAPI, dag_ids, timeout_s: float, poll_s: float = 1.0, api_only: bool = False) -> None:
    """Wait for the API (and, unless api_only, the scheduler, the dag-processor and the parsed DAGs)."""
    deadline = time.monotonic() + timeout_s
    steps = [lambda: healthy(api, ("metadatabase",))]
    if not api_only:
        steps += [lambda: healthy(api), lambda: parsed(api, dag_ids)]
    for ready in steps:
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError(f"Airflow ne répond pas à {api.url} après {timeout_s:.0f} s "
                                   "(journaux : $OBS_VAR_DIR/stack/*.log)")
            time.sleep(poll_s)


def ensure_success(api: AirflowAPI, dag_id: str, timeout_s: float, created_within_s: float = 60,
                   poll_s: float = 2.0) -> dict:
    """Wait for the latest run of `dag_id` to succeed: the one the scheduler creates on unpause (catchup=False
    runs the most recent slot), or, when none appears within `created_within_s` or the latest failed, a run
    triggered here. Raises RuntimeError if that run fails too."""
    started = time.monotonic()
    triggered = None
    while time.monotonic() - started < timeout_s:
        run = next(iter(api.runs(dag_id)), None)
        waited_enough = time.monotonic() - started > created_within_s
        if run is not None and run["state"] == "success":
            return run
        if run is not None and run["state"] == "failed" and triggered == run["dag_run_id"]:
            raise RuntimeError(f"Le DAG {dag_id} a échoué ({run['dag_run_id']}) : voir l'interface Airflow, "
                               "onglet Logs de la tâche en échec.")
        if triggered is None and ((run is None and waited_enough) or (run and run["state"] == "failed")):
            triggered = api.call("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None})["dag_run_id"]
        time.sleep(poll_s)
    raise TimeoutError(f"Le DAG {dag_id} n'a pas réussi en {timeout_s:.0f} s (interface Airflow : {api.url}/)")


def tree_rss_kib(root_pid: int) -> tuple[int, int]:
    """(number of processes, summed resident memory in KiB) of `root_pid` and all its descendants (/proc)."""
    parents, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in stat.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields["PPid"])
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    members = {root_pid} & rss.keys()
    for pid in rss:
        ancestor = pid
        while ancestor > 1 and ancestor not in members:
            ancestor = parents.get(ancestor, 0)
        if ancestor in members:
            members.add(pid)
    return len(members), sum(rss[p] for p in members)


def housekeeping_line(airflow_home: Path) -> str:
    """The last pass of observatoire/housekeeping.py, from its record."""
    head = f"  Entretien d'Airflow (chaque nuit à {housekeeping.SLOT_TEXT}) :"
    last = housekeeping.last_pass(airflow_home)
    if last is None:
        return f"{head} aucun passage encore"
    return (f"{head} dernier passage {paris(last['passage'])}, runs et journaux d'avant le {last['avant'][:10]} "
            f"supprimés ({last['journaux']['fichiers']} fichiers de journal)")


def paris(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(PARIS).strftime("%Y-%m-%d %H:%M %Z")


def dag_summary(api: AirflowAPI, dag_id: str) -> dict:
    dag = api.dag(dag_id)
    last = next(iter(api.runs(dag_id)), None)
    return {
        "dag_id": dag_id,
        "en_pause": dag["is_paused"],
        "dernier_run": None if last is None else {
            "run_id": last["dag_run_id"], "etat": last["state"], "type": last["run_type"],
            "debut": last.get("start_date"), "fin": last.get("end_date"),
        },
        # a continuous DAG (partner_intake) has no next date: its next run starts when the current one ends
        "prochain_run": dag.get("next_dagrun_run_after"),
        "en_continu": dag.get("timetable_summary") == CONTINUOUS,
    }


def format_summary(summary: dict) -> str:
    last = summary["dernier_run"]
    last_text = "aucun" if last is None else (
        f"{last['etat']} ({last['type']}, début {paris(last['debut'])}, fin {paris(last['fin'])})")
    pause = "  [EN PAUSE]" if summary["en_pause"] else ""
    next_text = ("en continu (dès la fin du run en cours)" if summary.get("en_continu")
                 else paris(summary["prochain_run"]))
    return (f"    - {summary['dag_id']:<15} dernier run : {last_text}\n"
            f"      {'':<15} prochain run : {next_text}{pause}")


def stack_file(airflow_home: Path) -> Path:
    return Path(airflow_home) / STACK_FILE


def write_stack_file(airflow_home: Path, url: str, username: str, passwords_file: str, pid_file: str) -> None:
    stack_file(airflow_home).write_text(json.dumps({"url": url, "username": username,
                                                    "passwords_file": passwords_file, "pid_file": pid_file}))


def from_stack_file(airflow_home: Path) -> AirflowAPI | None:
    """The client of the stack started by stack.sh, or None when it was never started or is stopped."""
    path = stack_file(airflow_home)
    if not path.exists():
        return None
    info = json.loads(path.read_text())
    passwords = json.loads(Path(info["passwords_file"]).read_text())
    return AirflowAPI(info["url"], info["username"], passwords[info["username"]])


def status_lines(airflow_home: Path) -> list[str]:
    """French lines for `observatoire status`: where Airflow answers and each DAG's last and next run."""
    api = from_stack_file(airflow_home)
    if api is None:
        return ["Airflow : arrêté (make demo, ou infra/airflow/stack.sh start)"]
    try:
        summaries = [dag_summary(api, dag_id) for dag_id in DAG_IDS]
    except requests.RequestException as exc:
        return [f"Airflow : ne répond pas à {api.url} ({type(exc).__name__}) — infra/airflow/stack.sh status"]
    return [f"Airflow : {api.url}/ (utilisateur {api.credentials['username']}){memory(airflow_home)}",
            "  DAG :"] + [format_summary(s) for s in summaries] + [housekeeping_line(airflow_home)]


def memory(airflow_home: Path) -> str:
    try:
        pid = int(Path(json.loads(stack_file(airflow_home).read_text())["pid_file"]).read_text())
    except (OSError, ValueError, KeyError):
        return ""
    count, kib = tree_rss_kib(pid)
    return f" — {count} processus, {kib / 1024:.0f} Mio résidents" if count else ""


def _stack_value(value: Path | str | None, name: str) -> Path | str:
    """A variable infra/airflow/stack.sh sets for this command; absent: a French error saying so."""
    if not value:
        raise SystemExit(f"{name} absent : cette commande est lancée par infra/airflow/stack.sh, qui le définit.")
    return value


def _env_api(url: str, settings: Settings) -> AirflowAPI:
    username = str(_stack_value(settings.airflow_users, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS")).split(":")[0]
    return AirflowAPI(url, username, str(_stack_value(settings.airflow_admin_password, "AIRFLOW_ADMIN_PASSWORD")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m observatoire.airflow_api")
    sub = parser.add_subparsers(dest="command", required=True)
    wait = sub.add_parser("wait", help="attendre l'API, le scheduler et le dag-processor ; sortir les DAG de pause")
    wait.add_argument("--url", required=True)
    wait.add_argument("--timeout", type=float, default=180)
    wait.add_argument("--unpause", nargs="*", default=[])
    wait.add_argument("--until-success", metavar="DAG_ID", help="puis attendre un run réussi de ce DAG")
    wait.add_argument("--run-timeout", type=float, default=1800)
    wait.add_argument("--api-only", action="store_true", help="attendre seulement que l'API réponde")
    sub.add_parser("status", help="dernier et prochain run de chaque DAG")
    args = parser.parse_args(argv)
    settings = load_settings()
    home = Path(_stack_value(settings.airflow_home, "AIRFLOW_HOME"))
    if args.command == "status":
        print("\n".join(status_lines(home)))
        return 0
    api = _env_api(args.url, settings)
    wait_ready(api, args.unpause or DAG_IDS, args.timeout, api_only=args.api_only)
    if args.api_only:
        return 0
    for dag_id in args.unpause:
        api.unpause(dag_id)
    write_stack_file(home, api.url, api.credentials["username"],
                     str(_stack_value(settings.airflow_passwords_file,
                                      "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")),
                     str(Path(_stack_value(settings.stack_dir, "OBS_STACK_DIR")) / "supervisord.pid"))
    if args.until_success:
        run = ensure_success(api, args.until_success, args.run_timeout)
        print(f"{args.until_success} : {run['dag_run_id']} réussi", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
