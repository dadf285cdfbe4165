"""French number and date formats (babel, locale fr_FR): 1 234,5 ; 12,3 % ; 1 décembre 2026."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"
COUNT_UNITS = {"habitants", "nombre"}


def nombre(value: float | None, decimales: int = 1) -> str:
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * decimales if decimales else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def valeur(value: float | None, unite: str | None) -> str:
    """A value as the dashboards show it: counts as integers, percentages with « % », others with 1 decimal."""
    if value is None:
        return "—"
    if unite in COUNT_UNITS:
        return nombre(value, 0)
    return nombre(value) + ("\u00a0%" if unite == "%" else "")


def pourcent(value: float | None) -> str:
    return "—" if value is None else nombre(value) + "\u00a0%"


def date_fr(value: date | datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = format_date(value, format="long", locale=LOCALE)
    if isinstance(value, datetime):
        text += f" à {value:%H:%M}"
    return text
