"""Portraits de territoire (issue 15): built from the published marts only, their figures equal the marts', every
EPCI and territoire d'action of the Gers gets one after a publish, the public version carries no partner data, the
PDF opens with its pages and the territory's name, an unknown code fails in French."""

from __future__ import annotations

import csv
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from core.settings import REPO_ROOT
from observatoire.cli import main
from observatoire.portraits import Portraitiste
from observatoire.portraits.a_retenir import load_rules
from observatoire.portraits.archive import publish_portraits
from observatoire.portraits.carte import area_km2
from observatoire.portraits.formats import nombre, valeur
from tests.helpers import query
from tests.test_refresh import source_geography

AUCH = "EPCI-200066926"  # CA Grand Auch Cœur de Gascogne


class Cells(HTMLParser):
    """Text of every element carrying data-champ, keyed by (row key, champ); the row key is the nearest
    enclosing <tr> data-indicateur / data-annee / data-couverture / data-categorie, or '' outside a table."""

    ROW_KEYS = ("data-indicateur", "data-annee", "data-couverture", "data-categorie", "data-action")

    def __init__(self) -> None:
        super().__init__()
        self.row = ""
        self.rows: dict[str, set[str]] = {k: set() for k in self.ROW_KEYS}
        self.stack: list[tuple[str, str] | None] = []
        self.cells: dict[tuple[str, str], str] = {}
        self.ids: set[str] = set()
        self.list_items: list[str] = []
        self._li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "tr":
            self.row = next((f"{k}={attrs[k]}" for k in self.ROW_KEYS if k in attrs), "")
            for k in self.ROW_KEYS:
                if k in attrs:
                    self.rows[k].add(attrs[k])
        if tag == "li" and "a-retenir" in self.ids:
            self._li = []
        self.stack.append((self.row, attrs["data-champ"]) if "data-champ" in attrs else None)

    def handle_endtag(self, tag):
        if tag == "li" and self._li is not None:
            self.list_items.append(" ".join("".join(self._li).split()))
            self._li = None
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self._li is not None:
            self._li.append(data)
        for key in self.stack:
            if key is not None:
                self.cells[key] = " ".join((self.cells.get(key, "") + data).split())


def parse(path: Path) -> Cells:
    parser = Cells()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def french_number(text: str) -> float | None:
    """'1 234,5 %' -> 1234.5 ; '—' -> None (read independently of observatoire.portraits.formats)."""
    if text.strip() in {"—", ""}:
        return None
    digits = re.sub(r"[\s\u202f\u00a0]", "", text).split("%")[0].split("h")[0].split("k")[0]
    return float(digits.replace(",", "."))


@pytest.fixture(scope="module")
def archive(portraits_archive) -> dict:
    """The step after a publish, HTML only (PDF is checked once below), on the session's Gers warehouse."""
    return portraits_archive


def latest(refreshed, diffusion: str) -> Path:
    return refreshed["settings"].var_dir / "portraits" / "latest" / diffusion


def test_every_epci_and_territoire_d_action_of_the_gers_gets_one(refreshed, archive):
    epci = set(source_geography("32")["epci_members"])
    with open(REPO_ROOT / "data/territoires/territoires_action_32.csv", encoding="utf-8") as handle:
        territoires = {row["code_territoire"] for row in csv.DictReader(handle, delimiter=";")}
    expected = {f"EPCI-{e}" for e in epci} | {f"TER-{t}" for t in territoires}
    assert len(epci) == 17 and len(territoires) == 6
    for diffusion in ("public", "partenaires"):
        folder = latest(refreshed, diffusion)
        assert {p.stem for p in folder.glob("*.html")} - {"index"} == expected, diffusion
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert all(f'href="{code}.html"' in index for code in expected)
    assert archive["publication"] == archive["published_at"].strftime("%Y%m%dT%H%M%SZ")
    assert (latest(refreshed, "public").parent / "portraits.json").is_file()


def test_figures_equal_the_marts(refreshed, archive):
    cells = parse(latest(refreshed, "public") / f"{AUCH}.html")
    wh = refreshed["settings"].warehouse_path
    rows = query(wh, """
        select p.code_indicateur, p.unite, p.valeur, p.valeur_departement, p.valeur_region, p.valeur_france, c.rang,
               c.nb_territoires_groupe
        from marts.panorama_indicateurs p left join marts.fct_comparaison_indicateur c
          using (code_indicateur, code_territoire, annee)
        where p.code_territoire = ? and not contains(p.code_indicateur, '__')
        qualify p.annee = max(p.annee) over (partition by p.code_indicateur)""", [AUCH])
    assert {r[0] for r in rows} == cells.rows["data-indicateur"]
    for code, unite, *values, rang, groupe in rows:
        decimals = 0 if unite in {"habitants", "nombre"} else 1
        for champ, expected in zip(("valeur", "valeur_departement", "valeur_region", "valeur_france"), values,
                                   strict=True):
            shown = french_number(cells.cells[(f"data-indicateur={code}", champ)])
            assert shown == (None if expected is None else round(expected, decimals)), (code, champ)
        shown_rank = cells.cells[(f"data-indicateur={code}", "rang")]
        assert shown_rank == ("—" if rang is None else f"{rang} / {groupe}"), code
    (nb, pop) = query(wh, "select nb_communes, population_municipale from marts.dim_territoire "
                          "where code_territoire = ?", [AUCH])[0]
    assert french_number(cells.cells[("", "nb_communes")]) == nb
    assert french_number(cells.cells[("", "population")]) == pop
    for annee, pop_annee in query(wh, "select annee, valeur from marts.fct_indicateur_territoire where "
                                      "code_indicateur = 'population_municipale' and code_territoire = ?", [AUCH]):
        assert french_number(cells.cells[(f"data-annee={annee}", "valeur")]) == pop_annee
    couverture = query(wh, "select code_indicateur, indice_couverture from marts.fct_couverture_besoins "
                           "where code_territoire = ?", [AUCH])
    assert couverture and {c for c, _ in couverture} == cells.rows["data-couverture"]
    for code, indice in couverture:
        assert french_number(cells.cells[(f"data-couverture={code}", "indice_couverture")]) == round(indice)


def test_a_retenir_names_the_largest_gaps_to_the_departement(refreshed, archive):
    """The rule of regles_a_retenir.yml, recomputed here from the marts: the largest relative gaps first, ratios of
    positive quantities only (no count such as the natural balance, no annual rate of change)."""
    rule = next(r for r in load_rules() if r["type"] == "ecart_departement")
    rows = query(refreshed["settings"].warehouse_path, """
        select p.libelle_indicateur, abs(p.valeur - p.valeur_departement) / p.valeur_departement as ecart
        from marts.panorama_indicateurs p join marts.dim_indicateur d using (code_indicateur)
        where p.code_territoire = ? and not contains(p.code_indicateur, '__')
          and not (d.regle_agregation = 'additive' and d.definition_denominateur is null) and p.unite <> '% par an'
          and p.valeur_departement > 0 and p.valeur >= 0
        qualify p.annee = max(p.annee) over (partition by p.code_indicateur)""", [AUCH])
    expected = [label for label, gap in sorted(rows, key=lambda r: -r[1]) if gap >= rule["seuil_relatif"]]
    items = parse(latest(refreshed, "public") / f"{AUCH}.html").list_items
    gaps = [i for i in items if "que le département" in i]
    assert expected and [g.split(" : ")[0] for g in gaps] == expected[: rule["nombre"]]


def test_the_public_portrait_carries_no_partner_data(refreshed, archive):
    wh = refreshed["settings"].warehouse_path
    partner_codes = {c for (c,) in query(wh, "select distinct code_indicateur from marts.panorama_indicateurs "
                                             "where code_territoire = ? and contains(code_indicateur, '__')", [AUCH])}
    actions = query(wh, "select code_action, intitule from marts.fct_action_ctg where code_territoire = 'DEP-32'")
    assert partner_codes and actions, "the example partner files should reach the Gers warehouse"
    public = (latest(refreshed, "public") / f"{AUCH}.html").read_text(encoding="utf-8")
    partenaires = parse(latest(refreshed, "partenaires") / f"{AUCH}.html")
    assert "__" not in "".join(parse(latest(refreshed, "public") / f"{AUCH}.html").rows["data-indicateur"])
    assert not any(intitule in public for _, intitule in actions)
    # nor the sources' freshness (meta.sources: fetch dates and failures, partner-confidential like fraicheur_sources)
    assert "Fichiers de la publication" not in public
    assert "Fichiers de la publication" in (latest(refreshed, "partenaires") / f"{AUCH}.html").read_text("utf-8")
    # the partners' version has them: partner indicators of the territory, the département's CTG actions
    assert partner_codes <= partenaires.rows["data-indicateur"]
    assert {code for code, _ in actions} <= partenaires.rows["data-action"]


def test_proximity_section_from_the_mart_and_none_without_it(refreshed, archive, tmp_path):
    """The published warehouse has fct_proximite_territoire: the public portrait shows its figures, category by
    category. A copy without the table (a warehouse published before the proximity work): no section."""
    wh = refreshed["settings"].warehouse_path
    rows = query(wh, "select categorie_service, part_population_plus_5_km, part_population_plus_10_km, "
                     "part_population_plus_20_km, distance_mediane_km from marts.fct_proximite_territoire "
                     "where code_territoire = ?", [AUCH])
    cells = parse(latest(refreshed, "public") / f"{AUCH}.html")
    assert rows and "proximite" in cells.ids
    for categorie, *figures in rows:
        shown = [french_number(cells.cells[(f"data-categorie={categorie}", column)]) for column in (
            "part_population_plus_5_km", "part_population_plus_10_km", "part_population_plus_20_km",
            "distance_mediane_km")]
        assert shown == pytest.approx(figures, abs=0.05 + 1e-9)
    copy = tmp_path / "sans_proximite.duckdb"
    shutil.copy(wh, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.fct_proximite_territoire")
    artist = Portraitiste(copy, "partenaires")
    try:
        (done,) = artist.write([AUCH], tmp_path / "out", pdf=False)
    finally:
        artist.close()
    assert "proximite" not in parse(done["html"]).ids


def test_pdf_opens_with_its_pages_and_the_territory_name(refreshed, tmp_path, capsys, monkeypatch):
    """`observatoire portrait CODE --out DIR`, as a user runs it: both files, the PDF printed by Chromium."""
    monkeypatch.setenv("OBS_VAR_DIR", str(refreshed["settings"].var_dir))
    monkeypatch.setenv("OBS_DEPARTEMENT", "32")
    assert main(["portrait", AUCH, "--out", str(tmp_path)]) == 0
    html, pdf = tmp_path / f"{AUCH}.html", tmp_path / f"{AUCH}.pdf"
    assert html.is_file() and str(pdf) in capsys.readouterr().out
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    forced_breaks = html.read_text(encoding="utf-8").count('class="saut"')
    assert pages >= forced_breaks + 1 and re.search(rb"/Count %d\b" % pages, data)
    (title,) = re.findall(rb"/Title\s*<FEFF([0-9A-Fa-f]+)>", data)
    (libelle,) = query(refreshed["settings"].warehouse_path,
                       "select libelle from marts.dim_territoire where code_territoire = ?", [AUCH])[0]
    assert libelle in bytes.fromhex(title.decode()).decode("utf-16-be")


def test_unknown_code_fails_in_french_and_writes_nothing(refreshed, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OBS_VAR_DIR", str(refreshed["settings"].var_dir))
    assert main(["portrait", "EPCI-000000000", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "« EPCI-000000000 » inconnu" in err and "marts.dim_territoire" in err and "EPCI-2" in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_status_lists_the_archived_portraits(refreshed, archive, capsys, monkeypatch):
    monkeypatch.setenv("OBS_VAR_DIR", str(refreshed["settings"].var_dir))
    monkeypatch.setenv("OBS_DEPARTEMENT", "32")
    main(["status"])
    out = capsys.readouterr().out
    assert "Portraits de territoire (dernières publications)" in out
    assert re.search(rf"{archive['publication']} : 23 territoires, HTML, .*\[servis : latest\]", out), out


def test_a_failing_portrait_step_leaves_the_publish_alone(refreshed, tmp_path, monkeypatch):
    """The step after the publish never raises; the published warehouse is untouched."""
    settings = refreshed["settings"]
    before = settings.warehouse_path.read_bytes()

    def broken(*_a, **_k):
        raise RuntimeError("disque plein")

    monkeypatch.setattr("observatoire.portraits.archive.Portraitiste.write", broken)
    summary = publish_portraits(settings.model_copy(update={"portraits": "pdf"}))
    assert summary["statut"] == "échec" and "disque plein" in summary["raison"]
    assert settings.warehouse_path.read_bytes() == before
    assert publish_portraits(settings.model_copy(update={"portraits": "non"}))["statut"] == "désactivés"


def test_area_of_the_gers_communes_is_the_official_one(refreshed):
    """6 257 km² (INSEE, superficie du Gers): the map's contours give the same within 1 %."""
    contours = query(refreshed["settings"].warehouse_path,
                     "select geojson from marts.geo_territoire where code_territoire like 'COM-32%'")
    total = sum(area_km2(json.loads(g)["coordinates"]) for (g,) in contours)
    assert abs(total - 6257) / 6257 < 0.01, total


def test_french_formats():
    assert nombre(1234.5) == "1\u202f234,5"
    assert valeur(12.345, "%") == "12,3\u00a0%"
    assert valeur(39177.0, "habitants") == "39\u202f177"
    assert valeur(None, "%") == "—"

