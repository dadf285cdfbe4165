"""Issue #12, item 8: an anonymous Panorama visit makes the browser talk to no host but the Superset server — no
telemetry pixel (apachesuperset.gateway.scarf.sh), no map tiles (tile.openstreetmap.org) unless an operator
sets SUPERSET_MAP_TILES_URL.

Every request the page sends to the network goes through Playwright's router (a request the page's
Content-Security-Policy blocks never reaches the network, nor the router): those for another host are
recorded and aborted. Chromium's own background services (updates, Google accounts) are not the page's and
are not counted."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from asset_files import dashboard_chart_uuids, load_assets
from playwright.sync_api import sync_playwright
from test_dashboard_browser import CHART, CHROMIUM, DRAWN, FLAGS

pytestmark = pytest.mark.slow


def test_anonymous_panorama_contacts_no_third_party(superset_server):
    own = urlsplit(superset_server.base_url).netloc
    elsewhere: list[str] = []

    def route(r):
        url = r.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            elsewhere.append(url)
            r.abort()
        else:
            r.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 2200}, locale="fr-FR")
            context.route("**/*", route)
            page = context.new_page()
            page.goto(f"{superset_server.base_url}/superset/dashboard/panorama-social/")
            expected = len(dashboard_chart_uuids(next(d for d in load_assets().of("dashboards").values()
                                                      if d["slug"] == "panorama-social")))
            charts = page.locator(CHART)
            charts.nth(expected - 1).wait_for(timeout=60_000)
            for i in range(expected):  # every chart drawn (the maps too)
                charts.nth(i).scroll_into_view_if_needed()
                charts.nth(i).locator(f'[data-test="chart-container"] {DRAWN}').first.wait_for(timeout=60_000)
            page.wait_for_timeout(3000)  # tiles and images requested after the draw have time to leave
        finally:
            browser.close()
    hosts = sorted({urlsplit(u).netloc for u in elsewhere})
    assert not elsewhere, f"the page contacted {hosts}: {elsewhere[:5]}"
