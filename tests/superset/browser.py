"""What a logged-in browser receives: headless Chromium logs in through the form, opens a dashboard and keeps
every chart-data answer (the charts' own queries, `force: false`, through Superset's cache as for any visitor).
Importable as `tests.superset.browser` (no sibling-module imports)."""

from __future__ import annotations

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def chart_answers(base_url: str, user: str, password: str, dashboard_id: int, charts: int) -> list[dict]:
    """The chart-data answers a logged-in browser receives when it opens the dashboard (every chart scrolled
    into view: Superset queries only the visible ones)."""
    answers: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_context(viewport={"width": 1600, "height": 2200}).new_page()
            page.goto(f"{base_url}/login/")
            page.fill("#username", user)
            page.fill("#password", password)
            page.click('button[type="submit"], input[type="submit"]')
            # logged in once the form posts and the server redirects away from /login/ (the welcome page
            # itself need not finish loading: on a loaded machine that can take over a minute)
            page.wait_for_url(lambda url: "/login" not in url, wait_until="commit", timeout=120_000)
            page.on("response", lambda r: "/api/v1/chart/data" in r.url and answers.append(r.json()))
            page.goto(f"{base_url}/superset/dashboard/{dashboard_id}/")
            grid = page.locator('[data-test="chart-grid-component"]')
            grid.nth(charts - 1).wait_for(timeout=60_000)
            for i in range(charts):
                grid.nth(i).scroll_into_view_if_needed()
            for _ in range(600):
                if len(answers) >= charts:
                    break
                page.wait_for_timeout(100)
        finally:
            browser.close()
    return answers


def rows_shown(answers: list[dict]) -> list[dict]:
    """Every data row of every chart answer."""
    return [row for body in answers for res in body.get("result", []) for row in res.get("data", [])]
