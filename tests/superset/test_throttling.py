"""Issue #12, item 6: login attempts and anonymous chart-data calls are throttled (superset_config.py,
access_limits.py). These tests spend the budgets of 127.0.0.1, so this module sorts after the other Superset
tests (pytest runs files in name order) and uses an account no other test logs in with.

Local limits are counted per gunicorn worker (memory storage, 2 workers in serve.sh): an address gets at most
2 x each limit, which is the bound asserted here (README « Sécurité »)."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from roles_matrix import ACCOUNTS
from superset_api import SupersetClient, query_context

pytestmark = pytest.mark.slow

WORKERS = 2  # infra/superset/serve.sh
LOGIN_FAILURES = 5  # LOGIN_FAILURE_LIMIT default, "5 per 5 minutes"
PUBLIC_CHART_DATA = 120  # PUBLIC_CHART_DATA_LIMIT default, "120 per minute"


def _form_login(base_url: str, username: str, password: str) -> int:
    with requests.Session() as http:
        page = http.get(f"{base_url}/login/", timeout=30)
        token = re.search(r'id="csrf_token"\s+value="([^"]+)"', page.text).group(1)
        r = http.post(f"{base_url}/login/", data={"username": username, "password": password, "csrf_token": token},
                      headers={"Referer": base_url}, timeout=30, allow_redirects=False)
        return r.status_code


def _api_login(base_url: str, username: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    r = requests.post(f"{base_url}/api/v1/security/login", timeout=30, headers=headers,
                      json={"username": username, "password": password, "provider": "db"})
    return r.status_code


@pytest.mark.parametrize("login", [_form_login, _api_login], ids=["form", "api"])
def test_wrong_passwords_are_throttled(superset_server, login):
    victim = f"cible.{login.__name__.strip('_')}"  # no such account: the limit is per name and address anyway
    answers = [login(superset_server.base_url, victim, f"mauvais-{i}") for i in range(30)]
    processed = [a for a in answers if a != 429]
    assert 429 in answers, f"30 wrong passwords, none throttled: {answers}"
    assert len(processed) <= WORKERS * LOGIN_FAILURES, f"{len(processed)} attempts processed: {answers}"
    # another account of the same address still logs in: the limit is per account
    user = ACCOUNTS["copil"]
    SupersetClient(superset_server.base_url, user, superset_server.password_of(user)).http.close()


def test_anonymous_chart_data_is_throttled(superset_server):
    public = SupersetClient(superset_server.base_url, None, wait_when_throttled=False)
    dash = public.get("/api/v1/dashboard/panorama-social").json()["result"]
    chart = public.dashboard_charts("panorama-social")[0]
    body = query_context({**chart["form_data"], "dashboardId": dash["id"], "slice_id": chart["id"]})
    body["force"] = False  # cached: the cost of a visit, not of a query
    n = WORKERS * PUBLIC_CHART_DATA + 40
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: public.post("/api/v1/chart/data", body).status_code, range(n)))
    public.http.close()
    assert 429 in answers, f"{n} anonymous chart-data calls, none throttled"
    assert answers.count(200) <= WORKERS * PUBLIC_CHART_DATA, answers.count(200)
    # a logged-in viewer is not concerned by the anonymous limit; the burst above also spent this address's
    # application-wide budget (RATELIMIT_APPLICATION, 50 per second, a one-second moving window): let it pass
    time.sleep(2)
    user = ACCOUNTS["copil"]
    copil = SupersetClient(superset_server.base_url, user, superset_server.password_of(user))
    assert copil.post("/api/v1/chart/data", body).status_code == 200
    copil.http.close()


def test_application_budget_answers_retry_after(superset_server):
    """RATELIMIT_APPLICATION (50 per second per address, per worker) answers 429 with a Retry-After; a client
    that waits for it, as the other tests' clients do (superset_api.SupersetClient), gets every answer.
    The burst asks a cheap endpoint (the anonymous visitor's own profile) so that even a slow machine
    goes over 2 x 50 calls in a second."""
    impatient = SupersetClient(superset_server.base_url, None, wait_when_throttled=False)
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: impatient.get("/api/v1/me/"), range(600)))
    impatient.http.close()
    throttled = [r for r in answers if r.status_code == 429]
    assert throttled, f"600 calls in a burst, none over 2 x 50 per second: {sorted({r.status_code for r in answers})}"
    assert {r.status_code for r in answers} == {200, 429}
    waits = {r.headers.get("Retry-After") for r in throttled}
    assert None not in waits and all(0 <= int(w) <= 1 for w in waits), waits
    time.sleep(2)
    patient = SupersetClient(superset_server.base_url, None)
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: patient.get("/api/v1/me/").status_code, range(600)))
    patient.http.close()
    assert codes == [200] * 600, sorted(set(codes))


def test_limits_follow_the_visitor_behind_the_proxy(superset_server):
    """Behind one reverse proxy (SUPERSET_PROXY_HOPS=1, as the suite's Superset runs) the per-address limits
    count the address the proxy appended to X-Forwarded-For: a visitor who spends an account's failed-login
    budget does not lock it for another visitor behind the same proxy, and an address the visitor writes
    before the proxy's is not the one counted."""
    def attempt(forwarded: str) -> int:
        return _api_login(superset_server.base_url, "cible.proxy", "mauvais", forwarded)

    attacker, colleague = "198.51.100.7", "198.51.100.8"
    answers = [attempt(f"203.0.113.9, {attacker}") for _ in range(20)]
    assert 429 in answers, f"20 wrong passwords from {attacker}, none throttled: {answers}"
    assert len([a for a in answers if a != 429]) <= WORKERS * LOGIN_FAILURES, answers
    assert attempt(colleague) == 401, "the colleague behind the same proxy was throttled with the attacker"
    assert attempt(f"{colleague}, {attacker}") == 429, "the address written by the visitor was counted"
