"""Issue 15, item 3: the Panorama links to the portrait of the selected territory, served beside the dbt docs at
/observatoire-portraits/ to every visitor (the public version only: open data), as static pages with no script."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from test_dashboard_browser import CHROMIUM, FLAGS

from observatoire.portraits import Portraitiste

pytestmark = pytest.mark.slow
LINK = 'a[href^="/observatoire-portraits/"][href$=".html"]'


@pytest.fixture(scope="module")
def served(refreshed, portraits_archive, superset_server):
    """The step after a publish (HTML), into the folder the session's Superset serves (SUPERSET_PORTRAITS_DIR)."""
    return refreshed["settings"].var_dir / "portraits" / "latest" / "public"


def test_the_panorama_links_to_the_selected_territory_s_portrait(served, superset_server, refreshed):
    """An anonymous visitor: the Panorama's portrait chart links to the chosen territory's portrait, which opens."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 2200}, locale="fr-FR")
            page.goto(f"{superset_server.base_url}/superset/dashboard/panorama-social/")
            # one territory is selected (the Territoire filter, required): one portrait link, once the filters apply
            expect(page.locator(LINK)).to_have_count(1, timeout=120_000)
            link = page.locator(LINK).first
            chosen = link.locator("xpath=ancestor::tr").locator("td").first.inner_text().strip()
            href = link.get_attribute("href")
            # follow the link in the browser (its resolved URL: the table may re-render while the dashboard's
            # filters settle, so a click can land on a node just replaced)
            page.goto(link.evaluate("a => a.href"))
            title = page.locator("h1").inner_text()
        finally:
            browser.close()
    code = re.fullmatch(r"/observatoire-portraits/((?:EPCI|TER)-[\w-]+)\.html", href).group(1)
    assert title == chosen, (title, chosen)
    # its PDF, printed by Chromium, is served beside it
    artist = Portraitiste(refreshed["settings"].warehouse_path, "public")
    try:
        artist.write([code], served, pdf=True)
    finally:
        artist.close()
    pdf = requests.get(f"{superset_server.base_url}/observatoire-portraits/{code}.pdf", timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_only_public_static_pages_are_served(served, superset_server):
    base = f"{superset_server.base_url}/observatoire-portraits"
    index = requests.get(f"{base}/", timeout=60)
    assert index.status_code == 200 and "version public" in index.text
    codes = re.findall(r'href="((?:EPCI|TER)-[\w-]+)\.html"', index.text)
    assert len(codes) == 23
    page = requests.get(f"{base}/{codes[0]}.html", timeout=60)
    csp = page.headers["Content-Security-Policy"]
    assert re.search(r"(^|;)\s*sandbox\s*(;|$)", csp) and "default-src 'none'" in csp, csp
    assert "<script" not in page.text and "Version publique" in page.text
    # the partners' version is on disk but never served; nothing outside the public folder either
    assert (served.parent / "partenaires" / f"{codes[0]}.html").is_file()
    for path in (f"partenaires/{codes[0]}.html", f"..%2Fpartenaires%2F{codes[0]}.html", "portraits.json"):
        assert requests.get(f"{base}/{path}", timeout=60).status_code == 404, path
