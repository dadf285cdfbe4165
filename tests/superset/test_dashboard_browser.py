"""A headless Chromium logs in, opens each dashboard of superset_assets/ and waits until every chart has
drawn something without an error or an empty state, and every chart query the page sent (with the default
filters) returned a numeric value. A screenshot is kept in var/test-artifacts/."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from asset_files import dashboard_chart_uuids, load_assets
from playwright.sync_api import sync_playwright
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
def browser_page(superset_server, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run infra/install_chromium.sh")
    profile = tmp_path_factory.mktemp("chromium_profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1600, "height": 2200},
            locale="fr-FR",
        )
        try:
            page = context.new_page()
            t0 = time.monotonic()
            page.goto(f"{superset_server.base_url}/login/")
            page.fill("#username", superset_server.username)
            page.fill("#password", superset_server.password)
            page.click('button[type="submit"], input[type="submit"]')
            page.wait_for_url("**/superset/welcome/**", timeout=60_000)
            superset_server.timings["browser: login"] = time.monotonic() - t0
            yield page
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("slug", [d["slug"] for d in load_assets().of("dashboards").values()])
def test_dashboard_renders_every_chart(browser_page, superset_server, slug):
    page = browser_page
    expected = len(dashboard_chart_uuids(next(d for d in load_assets().of("dashboards").values() if d["slug"] == slug)))
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
    superset_server.timings[f"browser: dashboard {slug} rendered"] = time.monotonic() - t0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"superset_dashboard_{slug}.png"), full_page=True)
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
