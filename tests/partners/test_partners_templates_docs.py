"""Templates and docs come from the contracts; a filled template is accepted."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from core.settings import REPO_ROOT
from extract.partners import CONTRACTS, ingest_file, landing_frame, render_docs, write_template

FILLED = {
    "indicateurs_partenaire": [["commune", "32013", "foyers_rsa", "Foyers RSA", "2024", 1184, "nombre"]],
    "indicateurs_abs": [["CCAS d'Auch", "commune", "32013", "demandes_aide", "Demandes d'aide", "2024", 642,
                         "nombre"]],
    "priorites_forum": [["epci", "243200417", "Autonomie", "Répit des aidants", 1, "d'usage", "2024-05-16"]],
    "actions_ctg": [["Axe 1", "A1.1", "Relais itinérant", "CAF du Gers", None, "en cours", None, "2025-12-31"]],
    "referentiel_offre": [[None, "Soutenir les aidants", "Plateforme de répit", "Département du Gers", "Aidants",
                           "departement", "32"]],
}


@pytest.mark.parametrize("kind", list(CONTRACTS))
def test_template_round_trip(settings, tmp_path, kind):
    xlsx, csv_path = write_template(kind, tmp_path)
    workbook = openpyxl.load_workbook(xlsx)
    assert workbook.sheetnames == ["Données", "Instructions"]
    assert [c.value for c in workbook["Données"][1]] == CONTRACTS[kind].names
    instructions = [[c.value for c in row] for row in workbook["Instructions"].iter_rows(min_row=6)]
    assert [r[0] for r in instructions] == CONTRACTS[kind].names
    assert all(r[6] for r in instructions)  # every column has a French help text
    with csv_path.open(encoding="utf-8-sig") as handle:
        assert next(csv.reader(handle, delimiter=";")) == CONTRACTS[kind].names
    sheet = workbook["Données"]
    for row in FILLED[kind]:
        sheet.append(row)
    workbook.save(xlsx)
    partner = {"indicateurs_abs": "CCAS-32013", "priorites_forum": "FORUM"}.get(kind, "CD32")
    result = ingest_file(xlsx, partner, None, settings)
    assert result.status == "accepted", result.errors
    assert result.kind == kind and len(landing_frame(settings, kind)) == 1


def test_committed_doc_is_generated_from_the_contracts():
    committed = (REPO_ROOT / "docs" / "partenaires.md").read_text(encoding="utf-8")
    assert committed == render_docs(), "docs/partenaires.md is stale: run `python -m extract.partners docs`"


def test_doc_mentions_every_column():
    doc = render_docs()
    for contract in CONTRACTS.values():
        assert f"`{contract.kind}`" in doc
        for col in contract.columns:
            assert f"`{col.name}`" in doc
