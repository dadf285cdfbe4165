"""One test per class of bad input: refused whole, a French report naming row/column/value/rule/fix,
the file in quarantine, and nothing added to the landing tables or the raw archive."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from core.settings import load_settings
from extract.partners import PartnerFileRefused, ingest_file, ingest_inbox
from tests.partners.helpers import EXAMPLES, FIXTURES, fingerprint


@pytest.fixture
def loaded(settings):
    """A working area that already holds an accepted file, so 'unchanged' is not trivially true."""
    result = ingest_file(EXAMPLES / "caf32_indicateurs_2024.csv", "CAF32", None, settings)
    assert result.status == "accepted", result.errors
    return settings


def refuse(settings, path: Path, partner: str = "CAF32", kind: str | None = None, **kw):
    before = fingerprint(settings)
    result = ingest_file(path, partner, kind, settings, **kw)
    assert result.status == "refused", result.summary()
    assert fingerprint(settings) == before, "a refused file must leave landing and raw unchanged"
    report = Path(result.report_path)
    text = report.read_text(encoding="utf-8")
    machine = json.loads(report.with_name(report.name.replace(".rapport.md", ".rapport.json")).read_text())
    assert machine["statut"] == "refused" and machine["nb_erreurs"] == result.errors_total
    assert report.parent.parent == settings.var_dir / "quarantine"
    line = json.loads((settings.raw_dir / "partenaires" / "_receptions.jsonl").read_text().splitlines()[-1])
    assert line["status"] == "refused" and line["report"] == str(report)
    receptions = pd.read_parquet(settings.landing_dir / "partenaires_receptions.parquet")
    assert receptions.iloc[-1]["statut"] == "refused"
    return result, text


def test_empty_file(loaded):
    result, text = refuse(loaded, FIXTURES / "vide.csv")
    assert "le fichier est vide" in text
    assert "Règle : fichier vide" in text


def test_header_without_rows(loaded):
    _, text = refuse(loaded, FIXTURES / "entete_seule.csv")
    assert "aucune ligne de données" in text


def test_missing_columns(loaded):
    result, text = refuse(loaded, FIXTURES / "colonnes_manquantes.csv", kind="indicateurs_partenaire")
    assert "ligne 1, colonne valeur : la colonne obligatoire valeur (Valeur) est absente" in text
    assert "colonne unite" in text


def test_kind_not_recognised_without_kind(loaded):
    _, text = refuse(loaded, FIXTURES / "colonnes_manquantes.csv")
    assert "ne correspondent à aucun modèle" in text


def test_personal_data_columns(loaded):
    result, text = refuse(loaded, FIXTURES / "colonne_personnelle.csv")
    assert "colonne nom : la colonne « nom » contient des données sur des personnes" in text
    assert {e["colonne"] for e in result.errors} >= {"nom", "prenom", "date_de_naissance"}
    assert "Dupont" not in text  # the report never repeats personal values


def test_wrong_types(loaded):
    result, text = refuse(loaded, FIXTURES / "types_invalides.csv")
    assert "ligne 2, colonne valeur : « beaucoup » n'est pas un nombre" in text
    assert "ligne 3, colonne periode : « 2024-13 » n'est pas une période" in text
    assert "ligne 4, colonne niveau_territoire : « region » n'est pas une valeur admise" in text
    assert "ligne 5, colonne valeur : « 1.234 » est ambigu" in text
    assert "ligne 5, colonne unite : « personnes » n'est pas une valeur admise" in text
    assert result.errors_total == 5  # every error, not only the first


def test_negative_counts(loaded):
    result, text = refuse(loaded, FIXTURES / "comptage_negatif.csv")
    assert "ligne 3, colonne valeur : « '-12 » est négatif" in text  # neutralised in the report
    assert result.errors_total == 1  # -1,5 % is a legitimate negative rate


def test_unknown_territory_codes(loaded):
    result, text = refuse(loaded, FIXTURES / "code_inconnu.csv")
    assert "ligne 14, colonne code_territoire : « 3201 » n'est pas un code commune du Gers" in text
    assert "ligne 15, colonne code_territoire : « 200000172 » n'est pas le SIREN d'une intercommunalité" in text
    assert "ligne 16, colonne code_territoire : « 64 » n'est pas le code du département" in text
    err = result.errors[0]
    assert (err["ligne"], err["colonne"], err["valeur"], err["regle"]) == (14, "code_territoire", "3201",
                                                                           "code commune inconnu")


def test_duplicate_keys(loaded):
    _, text = refuse(loaded, FIXTURES / "doublons.csv")
    assert "ligne 4" in text and "même clé que la ligne 2" in text
    assert "code_territoire = 32013" in text


def test_period_outside_convention(loaded):
    result, text = refuse(loaded, FIXTURES / "hors_convention.csv")
    assert "ligne 3, colonne periode : « 2021 » est hors de la période de la convention (01/01/2023 – 31/12/2026)" \
        in text
    assert "ligne 4, colonne periode : « 2027-01 »" in text


def test_convention_period_from_environment(settings):
    settings = load_settings({"OBS_VAR_DIR": str(settings.var_dir), "OBS_DEPARTEMENT": "32",
                              "OBS_CTG_DEBUT": "2025-01-01"})
    _, text = refuse(settings, EXAMPLES / "msa_indicateurs_2023_windows1252.csv", partner="MSA")
    assert "hors de la période de la convention (01/01/2025 – 31/12/2026)" in text


@pytest.mark.parametrize("name, what", [
    ("rapport_annuel.pdf", "c'est un document PDF"),
    ("ancien_classeur.xls", "Excel 97-2003"),
    ("indicateurs.zip", "c'est une archive zip"),
    ("binaire.csv", "données binaires"),
])
def test_not_a_spreadsheet(loaded, name, what):
    _, text = refuse(loaded, FIXTURES / name)
    assert "ce fichier n'est pas un tableur" in text and what in text


def test_unknown_partner_and_kind(loaded):
    _, text = refuse(loaded, EXAMPLES / "caf32_indicateurs_2024.csv", partner="../../etc")
    assert "partenaire « ../../ETC » inconnu" in text
    assert (loaded.var_dir / "quarantine" / "_inconnu").is_dir()
    _, text = refuse(loaded, EXAMPLES / "caf32_indicateurs_2024.csv", kind="bilan")
    assert "type de fichier « bilan » inconnu" in text


def test_formula_in_refused_file_is_neutralised_in_reports(loaded):
    result, text = refuse(loaded, FIXTURES / "formule_refusee.csv")
    assert "« '=cmd|calc!A0 »" in text
    assert result.errors[0]["valeur"] == "'=cmd|calc!A0"


def test_refused_raises_on_demand(loaded):
    result = ingest_file(FIXTURES / "doublons.csv", "CAF32", None, loaded)
    with pytest.raises(PartnerFileRefused) as info:
        result.raise_for_status()
    assert "même clé" in info.value.report


def test_error_cap_counts_everything(settings, tmp_path):
    rows = ["niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite"]
    rows += [f"commune;99{i:03d};x;X;2024;1;nombre" for i in range(120)]
    path = tmp_path / "beaucoup_erreurs.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    result, text = refuse(settings, path)
    assert result.errors_total == 120 and len(result.errors) == 50
    assert "… et 70 autre(s) erreur(s)" in text


# ------------------------------------------------------------------------------ escaping the inbox


def test_symlink_out_of_inbox_is_refused_and_target_untouched(loaded, tmp_path):
    secret = tmp_path / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_bytes((EXAMPLES / "caf32_indicateurs_2024.csv").read_bytes())
    inbox = loaded.var_dir / "inbox" / "CAF32"
    inbox.mkdir(parents=True)
    (inbox / "lien.csv").symlink_to(secret)
    before = fingerprint(loaded)
    [result] = ingest_inbox(loaded)
    assert result.status == "refused"
    assert "sort de la boîte de dépôt" in Path(result.report_path).read_text(encoding="utf-8")
    assert secret.exists() and fingerprint(loaded) == before
    assert not (inbox / "lien.csv").exists() and not (inbox / "lien.csv").is_symlink()
    assert not any(p.name == "secret.csv" for p in (loaded.var_dir / "quarantine").rglob("*"))


def test_symlinked_partner_folder_and_dotdot_names(loaded, tmp_path):
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (outside / "f.csv").write_bytes((EXAMPLES / "caf32_indicateurs_2024.csv").read_bytes())
    inbox = loaded.var_dir / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "CAF32").symlink_to(outside, target_is_directory=True)
    before = fingerprint(loaded)
    [result] = ingest_inbox(loaded)
    assert result.status == "refused" and (outside / "f.csv").exists()
    assert fingerprint(loaded) == before
    # a path with .. components is refused when an inbox is given
    sneaky = inbox / ".." / "x.csv"
    (loaded.var_dir / "x.csv").write_text("a;b\n1;2\n")
    result = ingest_file(sneaky, "CAF32", None, loaded, inbox=inbox)
    assert result.status == "refused" and fingerprint(loaded) == before


def test_archived_name_cannot_escape(settings, tmp_path):
    from extract.partners.ingest import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..") == "fichier"
    assert safe_name("C:\\Users\\x\\..\\f.csv") == "f.csv"
    weird = tmp_path / "..indicateurs.csv"
    weird.write_bytes((EXAMPLES / "caf32_indicateurs_2024.csv").read_bytes())
    result = ingest_file(weird, "CAF32", None, settings)
    assert result.status == "accepted" and result.archive_path.name == "indicateurs.csv"
    assert result.archive_path.parent.parent.parent.parent == settings.raw_dir / "partenaires"


# ------------------------------------------------------------------------------ very large file


def _big_csv(path: Path, target_bytes: int, bad_last: bool) -> int:
    """Indicators for the Gers' communes over many indicator codes, `target_bytes` long; returns data rows."""
    from core.settings import load_settings
    from extract.partners.reference import load_geography

    communes = sorted(load_geography(load_settings({"OBS_DEPARTEMENT": "32"})).communes)
    filler = "commentaire de remplissage pour un fichier volumineux " * 2
    rows = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write("niveau_territoire;code_territoire;code_indicateur;libelle_indicateur;periode;valeur;unite;"
                     "commentaire\n")
        size, ind = 0, 0
        while size < target_bytes:
            block = "".join(f"commune;{c};ind_{ind};Indicateur numéro {ind};2024;{(i * 7) % 1000},5;nombre;{filler}\n"
                            for i, c in enumerate(communes))
            handle.write(block)
            size += len(block.encode())
            rows += len(communes)
            ind += 1
        if bad_last:
            handle.write(f"commune;3201;ind_0;Indicateur;2024;1;nombre;{filler}\n")
            rows += 1
    return rows


def _ingest_in_child(path: Path, var: Path) -> dict:
    """Ingest `path` in a fresh process; returns its result and its peak memory beyond the imports' own."""
    import subprocess
    import sys

    script = (
        "import json, resource\n"
        "from pathlib import Path\n"
        "from core.settings import load_settings\n"
        "from extract.partners import ingest_file\n"
        f"s = load_settings({{'OBS_VAR_DIR': {str(var)!r}, 'OBS_DEPARTEMENT': '32'}})\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"r = ingest_file(Path({str(path)!r}), 'CAF32', None, s)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'status': r.status, 'rows': r.rows, 'errors': r.errors, 'growth_kib': peak - base}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def small_file_growth(tmp_path_factory) -> int:
    """Memory taken, beyond the imports, by ingesting a 50 MB file of the same shape: the reference."""
    base = tmp_path_factory.mktemp("petit_fichier")
    path = base / "petit_fichier.csv"
    _big_csv(path, 50 * 1024 * 1024, bad_last=False)
    out = _ingest_in_child(path, base / "var")
    assert out["status"] == "accepted", out["errors"]
    return out["growth_kib"]


@pytest.mark.slow
@pytest.mark.parametrize("bad_last", [True, False], ids=["refused", "accepted"])
def test_very_large_file_is_streamed(tmp_path, bad_last, small_file_growth):
    """A 200 MB CSV, ingested in a child process so that its memory is measured alone. Streamed, it takes about
    what a 50 MB file of the same shape takes (the chunk, not the file, sets the memory); read whole, it would
    take 150 MB of text more, several times over once parsed. With one bad code on its last line it is refused
    with that exact line; without, it is accepted, archived and landed whole."""
    import duckdb

    path = tmp_path / "gros_fichier.csv"
    rows = _big_csv(path, 200 * 1024 * 1024, bad_last=bad_last)
    assert path.stat().st_size >= 200 * 1024 * 1024
    var = tmp_path / "var"
    out = _ingest_in_child(path, var)
    assert out["rows"] == rows
    # measured on this machine: ~250 MiB beyond the imports for 50 MB, ~40 MiB more for 200 MB
    extra_mib = (out["growth_kib"] - small_file_growth) / 1024
    assert extra_mib < 100, f"4× the file took {extra_mib:.0f} MiB more than the 50 MB file: it was not streamed"
    landing = var / "landing" / "partenaires_indicateurs_partenaire.parquet"
    if bad_last:
        assert out["status"] == "refused"
        assert out["errors"][0]["ligne"] == rows + 1 and out["errors"][0]["valeur"] == "3201"
        assert not landing.exists()
    else:
        assert out["status"] == "accepted", out["errors"]
        assert duckdb.sql(f"select count(*) from read_parquet('{landing}')").fetchone()[0] == rows


def test_zip_bomb_like_xlsx_is_not_a_workbook(settings, tmp_path):
    path = tmp_path / "faux.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    _, text = refuse(settings, path)
    assert "document Word" in text


def test_row_with_more_cells_than_header(loaded):
    _, text = refuse(loaded, FIXTURES / "cellules_en_trop.csv")
    assert "ligne 3 : plus de cellules que de colonnes d'en-tête" in text


def test_unknown_territoire_action(settings, tmp_path):
    path = tmp_path / "forum.csv"
    path.write_text("niveau_territoire;code_territoire;theme;priorite;rang;type_expertise;date_forum\n"
                    "territoire_action;32-02;Autonomie;Répit des aidants;1;technique;2024-05-16\n"
                    "territoire_action;32-09;Autonomie;Répit des aidants;1;technique;2024-05-16\n"
                    "epci;243200417;Autonomie;Répit des aidants;0;élus;16/05/2024\n", encoding="utf-8")
    result, text = refuse(settings, path, partner="FORUM")
    assert "ligne 3, colonne code_territoire : « 32-09 » n'est pas un code de territoire d'action du Gers" in text
    assert "ligne 4, colonne rang : « 0 » est inférieur au minimum admis (1)" in text
    assert result.errors_total == 2  # « élus » is read as « politique »


# ------------------------------------------------------------------------------ values parsed exactly or refused


def test_twenty_digit_rank_is_refused_not_a_traceback(settings):
    result, text = refuse(settings, FIXTURES / "rang_20_chiffres.csv", partner="FORUM")
    assert ("ligne 3, colonne rang : « 12345678901234567890 » ne peut pas être enregistré exactement"
            in text)
    assert "ligne 4, colonne rang : « 1e19 » dépasse le plus grand entier admis (9 007 199 254 740 992)" in text
    assert [(e["ligne"], e["regle"]) for e in result.errors] == [(3, "nombre non représentable"),
                                                                 (4, "entier trop grand")]


def test_full_width_digits_are_refused_not_null(settings):
    result, text = refuse(settings, FIXTURES / "chiffres_pleine_largeur.csv")
    assert "ligne 2, colonne valeur : « １２３ » n'est pas un nombre" in text
    assert "ligne 3, colonne periode : « ２０２４ » n'est pas une période" in text
    assert "chiffres ordinaires 0 à 9" in text
    assert result.errors_total == 2  # line 4 is right


def test_numbers_a_double_cannot_hold_are_refused_not_inf(settings):
    result, text = refuse(settings, FIXTURES / "valeur_400_chiffres.csv")
    four_hundred = (FIXTURES / "valeur_400_chiffres.csv").read_text().splitlines()[1].split(";")[5]
    assert len(four_hundred) == 400
    assert f"ligne 2, colonne valeur : « {four_hundred} » ne peut pas être enregistré exactement" in text
    assert "ligne 3, colonne valeur : « 0,12345678901234567890 » ne peut pas" in text  # 20 digits, rounded
    assert "ligne 4, colonne valeur : « 1e-400 » ne peut pas" in text  # would become 0
    assert result.errors_total == 3  # 0,30000000000000004 is a double written back exactly: accepted


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


XLSX_HEADER = ["niveau_territoire", "code_territoire", "code_indicateur", "libelle_indicateur", "periode",
               "valeur", "unite"]


def test_workbook_with_two_data_sheets_is_refused_whole(settings, tmp_path):
    path = _workbook(tmp_path / "indicateurs_deux_annees.xlsx", {
        "2023": [XLSX_HEADER, ["commune", "32013", "foyers_rsa", "Foyers RSA", "2023", 1100, "nombre"]],
        "2024": [XLSX_HEADER, ["commune", "32013", "foyers_rsa", "Foyers RSA", "2024", 1184, "nombre"]],
        "Instructions": [["colonne", "libellé"], ["valeur", "Valeur"]],
    })
    result, text = refuse(settings, path)
    assert "le classeur contient plusieurs feuilles de données (« 2023 », « 2024 »)" in text
    assert "Rassemblez les lignes dans une seule feuille" in text
    assert [e["regle"] for e in result.errors] == ["plusieurs feuilles de données"]


def test_workbook_with_one_data_sheet_and_instructions_is_accepted(settings, tmp_path):
    path = _workbook(tmp_path / "indicateurs_2024.xlsx", {
        "2024": [XLSX_HEADER, ["commune", "32013", "foyers_rsa", "Foyers RSA", "2024", 1184.5, "nombre"]],
        "Instructions": [XLSX_HEADER],
    })
    result = ingest_file(path, "CAF32", None, settings)
    assert result.status == "accepted", result.errors
    assert result.rows == 1


@pytest.mark.parametrize("name, ligne, message", [
    ("cellules_en_trop.csv", 3, "plus de cellules que de colonnes d'en-tête"),
    ("cellule_hors_tableau.xlsx", 3, ", colonne 9 (sans en-tête) : valeur « 12 » saisie dans une colonne sans nom"),
])
def test_row_level_reading_error_names_its_line_once(settings, tmp_path, name, ligne, message):
    path = FIXTURES / name
    if name.endswith(".xlsx"):  # a value typed right of the table, on the second data row
        path = _workbook(tmp_path / name, {"Données": [
            XLSX_HEADER,
            ["commune", "32013", "foyers_rsa", "Foyers RSA", "2024", 1184, "nombre"],
            ["commune", "32107", "foyers_rsa", "Foyers RSA", "2024", 412, "nombre", None, 12],
        ]})
    result, text = refuse(settings, path)
    assert f"- ligne {ligne}{'' if message.startswith(',') else ' : '}{message}" in text
    assert text.count(f"ligne {ligne}") == 1 and "colonne colonne" not in text  # not « ligne 3 : ligne 3 : … »
    assert result.errors[0]["ligne"] == ligne
