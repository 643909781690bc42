"""Numbers as planners write them, read per column by the scenario's locale, and never a
silent 1000× error: in a Danish file "240.000" is 240 000 (or an error), never 240;
"2.700.000" is 2 700 000; a column that mixes conventions is an error naming the cell;
the hint never suggests the wrong separator.  Unit cases first, then whole scenarios
(tests/fixtures/tiny, made Danish where it matters)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lotsplit import ScenarioError, load_scenario
from lotsplit.scenario.numbers import column_decimal, locale_decimal, read_number, separator_of

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


# --------------------------------------------------------------------------- one cell

@pytest.mark.parametrize("text, sep", [
    ("240000", ""), ("240.000", None), ("240,000", None), ("2.700.000", ","), ("2,700,000", "."),
    ("0.5", "."), ("0,5", ","), ("1.234,5", ","), ("1,234.5", "."), ("0.500", "."), ("1234.567", "."),
    ("12.5", "."), ("-240.000", None), ("1e6", "."), ("2 700 000", ""), ("2\u00a0700\u00a0000,25", ","),
])
def test_what_one_cell_shows(text, sep):
    assert separator_of(text) == sep


@pytest.mark.parametrize("text, decimal, value", [
    ("240.000", ",", 240000.0), ("240.000", ".", 240.0), ("2.700.000", ",", 2_700_000.0),
    ("2,700,000.50", ".", 2_700_000.5), ("2 700 000", ",", 2_700_000.0), ("2\u00a0412\u00a0000,50", ",", 2_412_000.5),
    ("\u2212250", ",", -250.0), ("1,5", ",", 1.5), ("1e6", ",", 1e6), (".5", ".", 0.5),
])
def test_reading_a_cell_with_a_decimal_separator(text, decimal, value):
    assert read_number(text, decimal=decimal) == value


@pytest.mark.parametrize("text, decimal", [("24.00.000", ","), ("0,5", "."), ("250k", ","), ("12 km", "."),
                                           ("1.2.3,4,5", ","), ("5.", ".")])
def test_what_is_not_a_number(text, decimal):
    assert read_number(text, decimal=decimal) is None


def test_coordinates_and_probabilities_never_group_thousands():
    assert separator_of("55.676", grouping=False) == "."
    assert read_number("55,676", decimal=",", grouping=False) == pytest.approx(55.676)
    assert read_number("1.234", decimal=",", grouping=False) is None


def test_a_column_is_decided_by_its_own_cells_then_the_table_then_the_locale():
    assert column_decimal(["240.000", "2.700.000"], grouping=True, fallback=".").decided_by == "cells"
    assert column_decimal(["240.000", "2.700.000"], grouping=True, fallback=".").decimal == ","
    assert column_decimal(["240.000"], grouping=True, fallback=".", table_evidence=",").decided_by == "table"
    c = column_decimal(["240.000", "500"], grouping=True, fallback=",")
    assert (c.decimal, c.decided_by, c.ambiguous) == (",", "locale", (0,))
    mixed = column_decimal(["0.5", "0.25", "0,5"], grouping=False, fallback=",")
    assert mixed.decimal == "." and mixed.conflicts == (2,)
    assert column_decimal(["240.000"], grouping=True, fallback=",", setting=".").decided_by == "setting"


def test_the_locale_of_the_scenario():
    assert [locale_decimal(lang, c) for lang, c in (("sv", "other"), ("da", "other"), ("en", "SE"), ("en", "DK"),
                                                      ("en", "other"))] == [",", ",", ",", ",", "."]


# --------------------------------------------------------------------------- whole scenarios

@pytest.fixture
def danish(tmp_path) -> Path:
    """The tiny scenario in Danish (decimal comma, '.' groups thousands)."""
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    replace(d / "scenario.toml", 'language = "en"', 'language = "da"')
    return d


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), "utf-8")


def demand_file(d: Path, values: dict[tuple[str, str], str], sep: str = ",") -> None:
    rows = ["area_id,product_group_id,annual_value".replace(",", sep)]
    for a in ("101", "102", "103", "104"):
        for g in ("dairy", "bread"):
            rows.append(sep.join([a, g, values.get((a, g), "100000")]))
    (d / "demand.csv").write_text("\n".join(rows) + "\n", "utf-8")


def test_danish_thousands_are_thousands_never_units(danish):
    # The reported case: a Danish demand file where every value is written with '.' groups.
    demand_file(danish, {("101", "dairy"): "2.700.000", ("102", "dairy"): "240.000", ("103", "bread"): "2.412.000"},
                sep=";")
    s = load_scenario(danish / "scenario.toml")
    assert s.demand.loc["101", "dairy"] == 2_700_000
    assert s.demand.loc["102", "dairy"] == 240_000                  # not 240
    assert s.demand.loc["103", "bread"] == 2_412_000                # not 2 412
    assert not [p for p in s.notes if p.file == "demand.csv" and "read as" in p.message]   # the column decided


def test_a_column_of_only_ambiguous_values_follows_the_locale_and_says_so(danish):
    demand_file(danish, {(a, "dairy"): "240.000" for a in ("101", "102", "103", "104")})
    s = load_scenario(danish / "scenario.toml")
    assert s.demand["dairy"].tolist() == [240_000.0] * 4
    (p,) = [p for p in s.notes if p.file == "demand.csv" and "read as" in p.message]
    assert p.severity == "warning" and "'240.000' read as 240000" in p.message and "column annual_value" in p.where
    assert 'demand.decimal = "."' in p.fix


def test_an_english_scenario_reads_the_same_cell_as_a_decimal_and_says_so(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    replace(d / "scenario.toml", 'country = "SE"', 'country = "other"')
    replace(d / "scenario.toml", 'nuts3 = "SE312"', 'nuts3 = "SE312"\nprojected_crs = "EPSG:3006"')
    demand_file(d, {(a, "dairy"): "240.000" for a in ("101", "102", "103", "104")})
    s = load_scenario(d / "scenario.toml")
    assert s.demand["dairy"].tolist() == [240.0] * 4
    assert any("read as 240" in p.message and p.severity == "warning" for p in s.notes)


def test_the_table_setting_decides_without_a_warning(danish):
    demand_file(danish, {(a, "dairy"): "240.000" for a in ("101", "102", "103", "104")})
    replace(danish / "scenario.toml", '[demand]\nfile = "demand.csv"', '[demand]\nfile = "demand.csv"\ndecimal = "."')
    s = load_scenario(danish / "scenario.toml")
    assert s.demand["dairy"].tolist() == [240.0] * 4
    assert not [p for p in s.notes if "read as" in p.message]


def test_a_column_mixing_conventions_is_an_error_naming_the_cell(danish):
    replace(danish / "suppliers.csv", "true,true,0.5", 'true,true,"0,5"')     # the others are 0.8 and 0.6
    with pytest.raises(ScenarioError) as e:
        load_scenario(danish / "scenario.toml")
    (p,) = e.value.problems
    assert p.where == "row 3, column propensity"
    assert "'0,5' has ',' as decimal separator, but the column's other numbers have '.'" in p.message
    assert "suppliers.decimal" in p.fix


def test_wrong_grouping_is_an_error_whose_hint_uses_the_columns_separator(danish):
    demand_file(danish, {("101", "dairy"): "24.00.000", ("102", "dairy"): "1.500.000"}, sep=";")
    with pytest.raises(ScenarioError) as e:
        load_scenario(danish / "scenario.toml")
    (p,) = e.value.problems
    assert p.where == "row 2, column annual_value" and "'24.00.000' is not a number" in p.message
    assert "2 412 000,50" in p.fix and "'.' as decimal" not in p.fix


def test_coordinates_with_three_decimals_are_degrees_not_thousands(danish):
    replace(danish / "suppliers.csv", "15.2729,60.4809", "15.273,60.481")
    replace(danish / "suppliers.csv", "15.0912,60.5709", "15.091,60.571")
    s = load_scenario(danish / "scenario.toml")
    assert s.suppliers.loc["mejeri", "lat"] == pytest.approx(60.481)
    assert s.suppliers.loc["grossist", "lon"] == pytest.approx(15.091)


def test_spaces_and_no_break_spaces_group_thousands(danish):
    demand_file(danish, {("101", "dairy"): "2 700 000", ("102", "dairy"): "2\u00a0412\u00a0000,50"}, sep=";")
    s = load_scenario(danish / "scenario.toml")
    assert s.demand.loc["101", "dairy"] == 2_700_000 and s.demand.loc["102", "dairy"] == 2_412_000.5


def test_negative_and_scientific_values(danish):
    demand_file(danish, {("101", "dairy"): "1e6"})
    assert load_scenario(danish / "scenario.toml").demand.loc["101", "dairy"] == 1e6
    demand_file(danish, {("101", "dairy"): "-5"})
    with pytest.raises(ScenarioError, match="annual value -5 must be 0 or more"):
        load_scenario(danish / "scenario.toml")


def test_excel_numbers_are_taken_as_they_are(danish):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["area_id", "product_group_id", "annual_value"])
    for a in ("101", "102", "103", "104"):
        for g in ("dairy", "bread"):
            ws.append([int(a), g, 240.125 if (a, g) == ("101", "dairy") else 100000])   # a number, not text
    wb.save(danish / "demand.xlsx")
    replace(danish / "scenario.toml", '[demand]\nfile = "demand.csv"', '[demand]\nfile = "demand.xlsx"')
    s = load_scenario(danish / "scenario.toml")
    assert s.demand.loc["101", "dairy"] == 240.125                  # not 240 125: Excel stored a number
    assert list(s.demand.index) == ["101", "102", "103", "104"]     # 101 from a number cell is the id "101"
