"""Blank templates (XLSX with an "Instructions" sheet, and CSV) and the partners' documentation, both
generated from the contracts."""

from __future__ import annotations

import csv
from pathlib import Path

from extract.partners.contracts import CONTRACTS, ENUM, TERRITORY_CODE, TERRITORY_LEVEL, TEXT, TYPE_LABELS, Contract
from extract.partners.reference import DEFAULT_CTG_DEBUT, DEFAULT_CTG_FIN
from extract.partners.validate import MAX_ERRORS, neutralise


def _allowed(col) -> str:
    return ", ".join(col.allowed) if col.allowed else ""


def instructions_rows(contract: Contract) -> list[list[str]]:
    rows = [["colonne", "libellé", "type", "obligatoire", "valeurs admises", "unité", "aide", "exemple"]]
    for col in contract.columns:
        rows.append([col.name, col.label, TYPE_LABELS[col.type], "oui" if col.required else "non",
                     _allowed(col), col.unit, col.help, col.example])
    return rows


def _data_sheet(workbook, contract: Contract) -> None:
    """Sheet « Données »: the header, text format where leading zeros matter, drop-down lists of allowed values."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    data = workbook.active
    data.title = "Données"
    data.append(contract.names)
    for index, col in enumerate(contract.columns, start=1):
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        data.column_dimensions[letter].width = max(14, len(col.name) + 4)
        if col.type in (TEXT, TERRITORY_CODE, TERRITORY_LEVEL, ENUM) or col.name == "periode":
            for row in range(2, 1002):
                data.cell(row=row, column=index).number_format = "@"  # keep leading zeros
        if col.allowed:
            rule = DataValidation(type="list", formula1='"' + ",".join(col.allowed) + '"', allow_blank=True)
            rule.error = f"Valeurs admises : {', '.join(col.allowed)}"
            data.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}1001")
    data.freeze_panes = "A2"


def _instructions_sheet(workbook, contract: Contract) -> None:
    """Sheet « Instructions »: what the file holds, then one row per column (instructions_rows)."""
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet("Instructions")
    sheet.append([f"{contract.label} — modèle « {contract.kind} »"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([contract.description])
    sheet.append([f"Saisissez une ligne par {' × '.join(contract.key)} dans la feuille « Données », sans "
                  "modifier la ligne d'en-tête. Codes de territoire au format texte."])
    sheet.append([])
    for row in instructions_rows(contract):
        sheet.append([neutralise(v) for v in row])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (22, 28, 26, 12, 30, 8, 80, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=6):
        row[6].alignment = Alignment(wrap_text=True, vertical="top")


def write_template(kind: str, out_dir: Path | str) -> list[Path]:
    """Write modele_<kind>.xlsx (sheet "Données" + sheet "Instructions") and modele_<kind>.csv."""
    from openpyxl import Workbook

    contract = CONTRACTS[kind]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    workbook = Workbook()
    _data_sheet(workbook, contract)
    _instructions_sheet(workbook, contract)
    xlsx = out / f"modele_{kind}.xlsx"
    workbook.save(xlsx)
    csv_path = out / f"modele_{kind}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";").writerow(contract.names)
    return [xlsx, csv_path]


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# The head of docs/partenaires.md: the rules every file follows, whatever its kind.
_COMMON_RULES = [
    "# Fichiers des partenaires : quoi envoyer, colonne par colonne",
    "",
    "<!-- Fichier généré par extract.partners.templates.render_docs() : ne pas le modifier à la main ;",
    "     régénérer avec `python -m extract.partners docs`. -->",
    "",
    "L'observatoire reçoit les fichiers préparés à la main par les partenaires (CAF, MSA, CPAM, CCAS/CIAS, "
    "Département, forums thématiques) et les contrôle avant tout chargement.",
    "",
    "## Règles communes",
    "",
    "- **Format** : classeur Excel `.xlsx` ou texte `.csv` (séparateur point-virgule ou virgule, encodage "
    "UTF-8 ou Windows-1252). Des lignes de titre au-dessus de l'en-tête sont tolérées, les lignes vides "
    "en fin de tableau aussi. Un PDF, une image, une archive ou un ancien `.xls` sont refusés.",
    "- **En-tête** : une ligne avec les noms de colonnes du modèle (majuscules et accents indifférents). "
    "Une colonne inconnue est refusée ; une colonne facultative peut être omise.",
    "- **Nombres** : chiffres ordinaires 0 à 9, virgule décimale (`12,5`), milliers séparés par une "
    "espace (`1 250`) ou sans séparateur ; `1.234` est refusé car ambigu. Un nombre que l'entrepôt ne "
    "peut pas enregistrer exactement (plus de 15 chiffres significatifs qu'il arrondirait, valeur "
    "démesurée, chiffres pleine largeur `１２３`) est refusé, jamais arrondi ni laissé vide.",
    "- **Classeur Excel** : une seule feuille de données par fichier (une feuille « Instructions » peut "
    "rester). Un classeur avec deux feuilles de données (`2023`, `2024`) est refusé en entier : "
    "rassemblez les lignes dans une feuille ou envoyez un fichier par feuille.",
    "- **Codes de territoire** : du texte, jamais un nombre : code commune INSEE sur 5 caractères "
    "(`32013`), SIREN de l'EPCI sur 9 chiffres, code du département. Un code commune à 4 chiffres "
    "(zéro initial perdu) est complété ; un code de commune fusionnée depuis est rattaché à la commune "
    "nouvelle d'après l'historique du Code officiel géographique (signalé dans le compte rendu).",
    "- **Période de la convention** : les périodes et les dates doivent être comprises dans la "
    f"convention (par défaut du {DEFAULT_CTG_DEBUT} au {DEFAULT_CTG_FIN}, réglable par "
    "`OBS_CTG_DEBUT` et `OBS_CTG_FIN`).",
    "- **Pas de données personnelles** : uniquement des données agrégées et des contacts de structure. "
    "Une colonne nom, prénom, date de naissance, NIR… fait refuser le fichier.",
    "- **Tout ou rien** : un fichier comportant une erreur est refusé en entier et mis en quarantaine, "
    f"avec un compte rendu en français (ligne, colonne, valeur, règle, correction ; jusqu'à {MAX_ERRORS} "
    "erreurs listées). Rien n'est chargé : corrigez et renvoyez le fichier complet.",
    "- **Versions** : un même fichier envoyé deux fois n'a aucun effet. Un nouvel envoi du même partenaire "
    "pour une période déjà reçue remplace cette période ; toutes les versions restent archivées.",
    "- **Formules** : les cellules de texte et de contact commençant par `=`, `+`, `-` ou `@` sont "
    "neutralisées (préfixe `'`, ex. `'+33 5 62 00 00 00`) dans tout ce que l'observatoire réexporte.",
    "",
    "Modèles vierges : `observatoire template <type>` (classeur avec une feuille « Instructions », et CSV).",
    "",
]


def _contract_section(contract: Contract) -> list[str]:
    """The section of docs/partenaires.md for one kind of file: what it is, who sends it, its columns."""
    replaced = (f"la période (colonne `{contract.period_column}`)" if contract.period_column
                else "l'ensemble des lignes du même partenaire")
    out = [
        f"## {contract.label} — `{contract.kind}`",
        "",
        contract.description,
        "",
        f"- Envoyé par : {contract.partners_hint}.",
        f"- Une seule ligne par : {', '.join(f'`{k}`' for k in contract.key)}.",
        f"- Un nouvel envoi remplace : {replaced}.",
        "",
        "| colonne | libellé | type | obligatoire | valeurs admises | aide | exemple |",
        "|---|---|---|---|---|---|---|",
    ]
    for col in contract.columns:
        out.append("| " + " | ".join([
            f"`{col.name}`", _md(col.label), _md(TYPE_LABELS[col.type] + (f" ({col.unit})" if col.unit else "")),
            "oui" if col.required else "non", _md(_allowed(col)), _md(col.help),
            f"`{_md(col.example)}`" if col.example else "",
        ]) + " |")
    out.append("")
    return out


def render_docs() -> str:
    """docs/partenaires.md, generated from the contracts (a test checks the committed file is up to date)."""
    out = list(_COMMON_RULES)
    for contract in CONTRACTS.values():
        out += _contract_section(contract)
    return "\n".join(out)


def write_docs(path: Path) -> Path:
    path.write_text(render_docs(), encoding="utf-8")
    return path
