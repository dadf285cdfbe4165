"""territoires_action: the département's file is validated; errors name file, line, column, value and the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from core.settings import REPO_ROOT
from extract.readers import ParseError
from extract.run import extract_source

EXAMPLE = REPO_ROOT / "data" / "territoires" / "territoires_action_32.csv"


def write(tmp_path, lines: list[str]):
    path = tmp_path / "territoires_32.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def example_lines() -> list[str]:
    return EXAMPLE.read_text(encoding="utf-8").splitlines()


def test_example_file_is_valid(settings):
    result = extract_source("territoires_action", settings)
    df = pd.read_parquet(result["landing_path"])
    assert result["rows"] == 458 == df["code_commune"].nunique()
    assert df["code_territoire"].str.fullmatch(r"32-0[1-6]").all()
    assert result["origin"] == "data/territoires/territoires_action_32.csv"


def test_unknown_commune_is_refused_with_line_and_column(tmp_path, make_settings):
    lines = example_lines()
    bad = lines[5].split(";")
    lines[5] = ";".join(["32999", *bad[1:]])
    settings = make_settings(OBS_TERRITOIRES_FILE=str(write(tmp_path, lines)))
    with pytest.raises(ParseError) as error:
        extract_source("territoires_action", settings)
    message = str(error.value)
    assert "territoires_32.csv, ligne 6, colonne code_commune, valeur '32999'" in message
    assert "commune inconnue dans le département 32" in message
    assert f"absente(s) (ex. {bad[0]})" in message  # the commune replaced is now missing
    assert not (settings.landing_dir / "territoires_action.parquet").exists()


def test_lost_leading_zero_and_duplicates_are_explained(tmp_path, make_settings):
    lines = example_lines() + [example_lines()[1], "1001;32-01;Territoire X"]
    settings = make_settings(OBS_TERRITOIRES_FILE=str(write(tmp_path, lines)))
    with pytest.raises(ParseError) as error:
        extract_source("territoires_action", settings)
    message = str(error.value)
    assert "ligne 460, colonne code_commune" in message and "déjà présente ligne 2" in message
    assert "ligne 461, colonne code_commune, valeur '1001'" in message and "'01001'" in message


def test_wrong_header_and_missing_file(tmp_path, make_settings):
    settings = make_settings(OBS_TERRITOIRES_FILE=str(write(tmp_path, ["commune,territoire", "32013,A"])))
    with pytest.raises(ParseError, match="ligne 1 : en-tête"):
        extract_source("territoires_action", settings)
    settings = make_settings(OBS_TERRITOIRES_FILE=str(tmp_path / "absent.csv"))
    with pytest.raises(FileNotFoundError, match="OBS_TERRITOIRES_FILE"):
        extract_source("territoires_action", settings)
