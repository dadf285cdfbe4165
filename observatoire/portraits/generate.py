"""Render portraits as HTML (Jinja2) and print them as A4 PDF with the headless Chromium of the project."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from core.settings import load_settings
from observatoire.portraits import formats
from observatoire.portraits.a_retenir import a_retenir, load_rules
from observatoire.portraits.carte import Carte, area_km2
from observatoire.portraits.data import Confidentialite, Entrepot, PortraitError, portrait_data

NIVEAUX = {"commune": "commune", "epci": "intercommunalité (EPCI)", "territoire_action": "territoire d'action",
           "departement": "département", "region": "région", "france": "France"}
FOOTER = ('<div style="font-size:7pt;color:#4a5a6a;width:100%;padding:0 13mm;display:flex;'
          'justify-content:space-between"><span>{title}</span>'
          '<span>page <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>')


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(nombre=formats.nombre, valeur=formats.valeur, pourcent=formats.pourcent,
                       date_fr=formats.date_fr)
    return env


class Portraitiste:
    """Renders any number of portraits from one warehouse, sharing the connection, map frame and template."""

    def __init__(self, warehouse: Path, diffusion: str = "public") -> None:
        self.wh = Entrepot(Path(warehouse), Confidentialite.load(diffusion))
        self.template = _environment().get_template("portrait.html.j2")
        self.rules = load_rules()
        self._carte: Carte | None = None

    def close(self) -> None:
        self.wh.close()

    @property
    def carte(self) -> Carte:
        if self._carte is None:
            self._carte = Carte.build(self.wh.contours)
        return self._carte

    def codes_du_departement(self) -> list[dict]:
        return self.wh.territoires_du_departement()

    def html(self, code_territoire: str) -> tuple[dict, str]:
        data = portrait_data(self.wh, code_territoire)
        t = data["territoire"]
        codes = [c["code_territoire"] for c in data["communes"]]
        contours = self.wh.contours
        complete = bool(codes) and len(codes) == t["nb_communes"]  # a région or France: only the perimeter's
        superficie = (sum(area_km2(contours[c]) for c in codes)
                      if complete and all(c in contours for c in codes) else None)
        figures = [*data["indicateurs"], *data["indicateurs_partenaires"], *data["population"], *data["offre"],
                   *data["couverture"], *(data["proximite"] or []),
                   *((data["ctg"] or {}).get("actions", [])), *((data["ctg"] or {}).get("priorites", []))]
        page = self.template.render(
            **data, t=t, dep=data["departement"], niveau_libelle=NIVEAUX[t["niveau"]],
            superficie=superficie, communes_completes=complete,
            part_departement=(100 * t["population_municipale"] / data["departement"]["population_municipale"]
                              if t["population_municipale"] and data["departement"]["population_municipale"]
                              else None),
            carte=self.carte.svg(t["libelle"], codes, t["code_territoire"] if t["niveau"] == "epci" else None),
            retenir=a_retenir(data, self.rules),
            demonstration=any(f.get("est_demonstration") for f in figures),
            genere_le=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        )
        return data, page

    def write(self, codes: list[str], out_dir: Path, pdf: bool = True, chromium: str | None = None) -> list[dict]:
        """`<code>.html` (and `<code>.pdf`) for each code into out_dir; returns what was written."""
        out_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for code in codes:
            data, page = self.html(code)
            path = out_dir / f"{code}.html"
            path.write_text(page, encoding="utf-8")
            written.append({"code_territoire": code, "libelle": data["territoire"]["libelle"],
                            "niveau": data["territoire"]["niveau"], "html": path})
        if pdf:
            print_pdfs(written, chromium)
        return written


def print_pdfs(portraits: list[dict], chromium: str | None = None) -> None:
    """One headless Chromium (playwright, as observatoire/dashboards.py) prints every page to A4 PDF."""
    from playwright.sync_api import sync_playwright

    from observatoire.dashboards import CHROMIUM_FLAGS

    chromium = chromium or load_settings().chromium
    if not Path(chromium).exists():
        raise PortraitError(f"Chromium absent ({chromium}, variable OBS_CHROMIUM) : les PDF ne peuvent pas "
                                "être imprimés. Installez-le (make setup) ou donnez son chemin.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            for item in portraits:
                page.set_content(item["html"].read_text(encoding="utf-8"), wait_until="load")
                item["pdf"] = item["html"].with_suffix(".pdf")
                title = f"Portrait de territoire — {item['libelle']}"
                page.pdf(path=str(item["pdf"]), format="A4", print_background=True, prefer_css_page_size=True,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template=FOOTER.format(title=formats_escape(title)))
        finally:
            browser.close()


def formats_escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
