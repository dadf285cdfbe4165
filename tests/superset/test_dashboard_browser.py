"""A headless Chromium logs in as each role of infra/superset/roles.yml (or stays anonymous), opens each dashboard
that role may see of superset_assets/ and waits until every chart has
drawn something without an error or an empty state, and every chart query the page sent (with the default
filters) returned a numeric value. A screenshot is kept in var/test-artifacts/."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from asset_files import dashboard_chart_uuids, load_assets
from playwright.sync_api import sync_playwright
from roles_matrix import ACCOUNTS, allowed
from superset_api import has_numeric_value

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHART = '[data-test="chart-grid-component"]'
DRAWN = ":is(canvas, svg, table, .header-line)"
BAD = ':is([role="alert"], .ant-alert-error, [data-test="empty-state"], [data-test="loading-indicator"])'


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run infra/install_chromium.sh")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def pages(browser, superset_server):
    """One browser context per role (its own cookies), logged in once through the login form."""
    opened = {}

    def page_for(role: str):
        if role not in opened:
            context = browser.new_context(viewport={"width": 1600, "height": 2200}, locale="fr-FR")
            page = context.new_page()
            user = ACCOUNTS[role]
            if user is not None:
                t0 = time.monotonic()
                page.goto(f"{superset_server.base_url}/login/")
                page.fill("#username", user)
                page.fill("#password", superset_server.password_of(user))
                page.click('button[type="submit"], input[type="submit"]')
                page.wait_for_url("**/superset/welcome/**", timeout=60_000)
                superset_server.timings[f"browser: login {role}"] = time.monotonic() - t0
            opened[role] = (context, page)
        return opened[role][1]

    yield page_for
    for context, _ in opened.values():
        context.close()


DASHBOARDS = {d["slug"]: d for d in load_assets().of("dashboards").values()}
ALLOWED = [(role, slug) for slug in DASHBOARDS for role in ACCOUNTS if allowed(slug, role)]
REFUSED = [(role, slug) for slug in DASHBOARDS for role in ACCOUNTS if not allowed(slug, role)]


@pytest.mark.parametrize(("role", "slug"), ALLOWED)
def test_dashboard_renders_every_chart(pages, superset_server, role, slug):
    page = pages(role)
    expected = len(dashboard_chart_uuids(DASHBOARDS[slug]))
    answers: dict[str, list] = {}

    def record(response):  # the chart queries the page sends, with the dashboard's default filters
        if "/api/v1/chart/data" in response.url and "slice_id" in response.url:
            try:
                body = response.json()
            except Exception:  # noqa: BLE001
                body = {"status": response.status}
            answers.setdefault(response.url, []).append((response.status, body))

    page.on("response", record)
    t0 = time.monotonic()
    page.goto(f"{superset_server.base_url}/superset/dashboard/{slug}/")
    charts = page.locator(CHART)
    charts.nth(expected - 1).wait_for(timeout=60_000)  # no page-side JS: Superset's CSP forbids eval
    assert charts.count() == expected
    problems, names = [], {}
    for i in range(expected):
        chart = charts.nth(i)
        name = chart.get_attribute("data-test-chart-name")
        names[chart.get_attribute("data-test-chart-id")] = name
        chart.scroll_into_view_if_needed()
        try:
            chart.locator(f'[data-test="chart-container"] {DRAWN}').first.wait_for(timeout=60_000)
            chart.locator('[data-test="loading-indicator"]').first.wait_for(state="detached", timeout=60_000)
        except Exception as exc:  # noqa: BLE001 - report every chart, not only the first
            problems.append(f"{name}: not drawn ({exc.__class__.__name__})")
        if chart.locator(BAD).count():
            problems.append(f"{name}: {chart.locator(BAD).first.inner_text()[:300]!r}")
    superset_server.timings[f"browser: dashboard {slug} rendered ({role})"] = time.monotonic() - t0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"superset_dashboard_{slug}_{role}.png"), full_page=True)
    page.remove_listener("response", record)
    assert len(answers) >= expected, f"{len(answers)} chart queries seen for {expected} charts"
    for url, calls in answers.items():
        status, body = calls[-1]
        slice_id = re.search(r"slice_id%22%3A(\d+)", url)
        url = names.get(slice_id.group(1), url) if slice_id else url
        if status != 200:
            problems.append(f"{url}: HTTP {status} {str(body)[:300]}")
            continue
        for result in body.get("result", []):
            if not has_numeric_value(result):
                problems.append(f"{url}: no numeric value with the default filters ({result.get('rowcount')} rows)")
    assert not problems, "\n".join(problems)


def _refused(page, base_url: str, slug: str) -> None:
    seen = []

    def record(response):
        if f"/api/v1/dashboard/{slug}" in response.url:
            seen.append(response.status)

    page.on("response", record)
    document = page.goto(f"{base_url}/superset/dashboard/{slug}/")
    try:
        page.wait_for_load_state("networkidle", timeout=30_000)
    finally:
        page.remove_listener("response", record)
    # Refused = sent to the login page, or the page or the dashboard's API answered 403/404, and no chart drawn.
    assert page.locator(CHART).count() == 0, f"{slug}: charts drawn for a refused role"
    if "/login" in page.url or (document is not None and document.status in (401, 403, 404)):
        return
    assert seen and all(s in (401, 403, 404) for s in seen), f"{slug}: dashboard API answered {seen} at {page.url}"
    assert page.locator(CHART).count() == 0, f"{slug}: charts drawn for a refused role"


@pytest.mark.parametrize(("role", "slug"), REFUSED)
def test_dashboard_refused_to_roles_not_granted(pages, superset_server, role, slug):
    _refused(pages(role), superset_server.base_url, slug)


@pytest.mark.parametrize("role", [r for r in ACCOUNTS if r not in ("admin", "analyste")])
def test_restricted_dashboard_refused_in_the_browser(pages, superset_server, restricted_dashboard, role):
    page = pages(role)
    _refused(page, superset_server.base_url, restricted_dashboard)
    page.screenshot(path=str(ARTIFACTS / f"superset_refused_{role}.png"))
