"""One reader for every table: what spreadsheets leave behind is skipped silently, what is
really wrong is named with its row (or cell) and the fix; any table may be a CSV, a sheet of
an .xlsx workbook or a GeoPackage layer.  Fixture: tests/fixtures/tiny, copied per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from lotsplit import ScenarioError, load_scenario
from lotsplit.errors import Problem
from lotsplit.scenario.tables import Table, column_letter, read_table

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


@pytest.fixture(scope="module")
def reference():
    return load_scenario(TINY / "scenario.toml")


def problems_of(toml: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    return list(e.value.problems)


def set_table(d: Path, role: str, text: str) -> None:
    toml = d / "scenario.toml"
    old = f'[{role}]\nfile = "{role}.csv"\n'
    content = toml.read_text("utf-8")
    assert old in content
    toml.write_text(content.replace(old, f"[{role}]\n{text}\n"), "utf-8")


def same_tables(s, ref) -> None:
    pd.testing.assert_frame_equal(s.groups, ref.groups)
    pd.testing.assert_frame_equal(s.demand, ref.demand)
    pd.testing.assert_frame_equal(s.suppliers, ref.suppliers)


# --------------------------------------------------------------------------- Excel leftovers in CSV

def test_blank_rows_and_trailing_separators_are_skipped_silently(tiny, reference):
    f = tiny / "demand.csv"
    lines = f.read_text("utf-8").splitlines()
    # Excel writes blank rows as ",,," and pads every row when a column further right was touched.
    text = "\n".join([lines[0] + ",,"] + [l + ",," for l in lines[1:4]] + [",,,,", ""] + [l + ",," for l in lines[4:]]
                     + [",,,,", ",,,,"]) + "\n"
    f.write_text(text, "utf-8")
    s = load_scenario(tiny / "scenario.toml")
    same_tables(s, reference)
    assert not [p for p in s.notes if p.file == "demand.csv"]            # silently


def test_unnamed_empty_columns_are_skipped_silently(tiny, reference):
    # pandas writes "Unnamed: 13" for empty header cells; Excel leaves empty columns behind.
    f = tiny / "suppliers.csv"
    lines = f.read_text("utf-8").splitlines()
    f.write_text("\n".join([lines[0] + ",Unnamed: 13,Unnamed: 14,"] + [l + ",,," for l in lines[1:]]) + "\n", "utf-8")
    s = load_scenario(tiny / "scenario.toml")
    same_tables(s, reference)
    assert not [p for p in s.notes if p.file == "suppliers.csv"]


def test_an_unnamed_column_with_values_is_named_and_fixed(tiny):
    f = tiny / "suppliers.csv"
    lines = f.read_text("utf-8").splitlines()
    f.write_text("\n".join([lines[0] + ",Unnamed: 13"] + [l + ",x" for l in lines[1:]]) + "\n", "utf-8")
    (p,) = problems_of(tiny / "scenario.toml")
    assert p.file == "suppliers.csv" and "column 14" in p.where and "has values but no name" in p.message
    assert "name the column" in p.fix


def test_byte_order_mark_and_windows_line_ends_are_read(tiny, reference):
    f = tiny / "product_groups.csv"
    f.write_bytes(b"\xef\xbb\xbf" + f.read_text("utf-8").replace("\n", "\r\n").encode("utf-8"))
    same_tables(load_scenario(tiny / "scenario.toml"), reference)


def test_windows_1252_is_read_with_a_note(tiny, reference):
    f = tiny / "suppliers.csv"
    f.write_bytes(f.read_text("utf-8").encode("cp1252"))
    s = load_scenario(tiny / "scenario.toml")
    assert s.suppliers.loc["bageri", "name"] == "Västerby Bageri"
    assert any(p.file == "suppliers.csv" and "Windows-1252" in p.message and p.severity == "note" for p in s.notes)


def test_semicolons_with_decimal_commas_are_read(tiny, reference):
    f = tiny / "suppliers.csv"
    text = f.read_text("utf-8").replace("dairy;bread", "dairy bread")
    # Excel in Swedish or Danish: ';' between columns, ',' as decimal separator; a value
    # holding ';' is quoted, as Excel does.
    swapped = "\n".join(line.replace(",", ";").replace("dairy bread", '"dairy;bread"').replace("15.0912", "15,0912").replace("60.5709", "60,5709")
                        .replace("15.2729", "15,2729").replace("60.4809", "60,4809").replace(";0.", ";0,")
                        for line in text.splitlines()) + "\n"
    assert "0,8" in swapped and ";" in swapped
    f.write_text(swapped, "utf-8")
    same_tables(load_scenario(tiny / "scenario.toml"), reference)


def test_stray_comma_in_the_first_data_row_is_a_problem_not_a_crash(tiny):
    replace(tiny / "demand.csv", "101,dairy,400000", "101,dairy,400000,5")
    (p,) = problems_of(tiny / "scenario.toml")
    assert p.file == "demand.csv" and p.where == "row 2"
    assert "4 values but the header has 3 columns" in p.message
    assert "double quotes" in p.fix and "semicolon" in p.fix
    assert "'.' as decimal" not in p.fix                           # the hint never suggests the wrong separator


def test_stray_comma_in_a_later_row_is_the_same_problem(tiny):
    replace(tiny / "demand.csv", "103,dairy,250000", "103,dairy,250000,5")
    (p,) = problems_of(tiny / "scenario.toml")
    assert p.where == "row 6" and "4 values" in p.message


def test_quoted_commas_stay_in_the_value(tiny):
    replace(tiny / "suppliers.csv", "grossist,Grossisten AB,", 'grossist,"Grossisten, Norr AB",')
    assert load_scenario(tiny / "scenario.toml").suppliers.loc["grossist", "name"] == "Grossisten, Norr AB"


def test_a_column_given_twice_is_named(tiny):
    replace(tiny / "product_groups.csv", "id,name,cpv,nature", "id,name,cpv,name")
    ps = problems_of(tiny / "scenario.toml")
    assert any("column 'name' appears twice" in p.message for p in ps)


def test_headers_in_words_of_any_language_are_read(tiny, reference):
    replace(tiny / "product_groups.csv", "id,name,cpv,nature", "Varugrupp-id,Varugrupp,CPV-kod,Kontrakttype")
    replace(tiny / "suppliers.csv", "capacity,turnover", "Kapacitet per år (SEK),Yearly turnover (SEK)")
    same_tables(load_scenario(tiny / "scenario.toml"), reference)


# --------------------------------------------------------------------------- ids

def test_ids_that_differ_only_by_case_are_flagged(tiny):
    replace(tiny / "suppliers.csv", "mejeri,Söderby", "Bageri,Söderby")
    ps = problems_of(tiny / "scenario.toml")
    (p,) = [p for p in ps if "upper/lower case" in p.message]
    assert p.where == "row 3, row 4" and "'bageri', 'Bageri'" in p.message


def test_ids_with_surrounding_spaces_are_the_same_id(tiny):
    replace(tiny / "demand.csv", "104,bread,250000", " 104 , bread ,250000")
    assert load_scenario(tiny / "scenario.toml").demand.loc["104", "bread"] == 250000
    replace(tiny / "suppliers.csv", "mejeri,Söderby", " bageri ,Söderby")
    (p,) = [p for p in problems_of(tiny / "scenario.toml") if "duplicate" in p.message]
    assert "duplicate supplier id 'bageri'" in p.message


def test_a_reference_in_the_wrong_case_gets_a_specific_hint(tiny):
    replace(tiny / "demand.csv", "102,bread,150000", "102,Bread,150000")
    (p,) = problems_of(tiny / "scenario.toml")
    assert "did you mean 'bread'?" in p.fix and "upper/lower case" in p.fix


# --------------------------------------------------------------------------- .xlsx sheets and GIS layers

def write_sheet(path: Path, sheets: dict[str, list[list]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)


def test_tables_may_be_sheets_of_a_workbook(tiny, reference):
    demand = pd.read_csv(tiny / "demand.csv", dtype={"area_id": str})
    suppliers = pd.read_csv(tiny / "suppliers.csv", dtype=str, keep_default_na=False)
    rows = [list(demand.columns) + [None, None]] + [[a, g, float(v), None, None] for a, g, v in demand.values]
    rows.insert(4, [None] * 5)                                       # a blank row in the middle
    sup = [list(suppliers.columns)] + [[_excel(v) for v in r] for r in suppliers.values]
    write_sheet(tiny / "data.xlsx", {"Efterfrågan": rows, "Leverantörer": sup})
    set_table(tiny, "demand", 'file = "data.xlsx"\nsheet = "Efterfrågan"')
    set_table(tiny, "suppliers", 'file = "data.xlsx"\nsheet = "leverantörer"')      # any case
    same_tables(load_scenario(tiny / "scenario.toml"), reference)


def _excel(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def test_a_workbook_with_several_sheets_needs_the_sheet_named(tiny):
    write_sheet(tiny / "data.xlsx", {"A": [["x"]], "B": [["y"]]})
    set_table(tiny, "demand", 'file = "data.xlsx"')
    (p,) = problems_of(tiny / "scenario.toml")
    assert p.file == "data.xlsx" and "2 sheets (A, B)" in p.message and "sheet =" in p.fix
    set_table(tiny, "suppliers", 'file = "data.xlsx"\nsheet = "C"')
    assert any("no sheet 'C'" in p.message for p in problems_of(tiny / "scenario.toml"))


def test_problems_in_a_sheet_name_the_cell(tiny):
    demand = pd.read_csv(tiny / "demand.csv", dtype={"area_id": str})
    rows = [list(demand.columns)] + [[a, g, v] for a, g, v in demand.values]
    rows[3][2] = "lots"
    write_sheet(tiny / "data.xlsx", {"Demand": rows})
    set_table(tiny, "demand", 'file = "data.xlsx"\nsheet = "Demand"')
    (p,) = problems_of(tiny / "scenario.toml")
    assert p.file == "data.xlsx" and p.where == "sheet Demand, cell C4 (annual_value)"
    assert "'lots' is not a number" in p.message


def test_suppliers_may_be_points_of_a_geopackage_layer_with_heights_dropped(tiny, reference):
    suppliers = pd.read_csv(tiny / "suppliers.csv", dtype=str, keep_default_na=False)
    located = suppliers["lon"] != ""
    pts = [Point(float(x), float(y), 350.0) if ok else None
           for x, y, ok in zip(suppliers["lon"].replace("", "0"), suppliers["lat"].replace("", "0"), located)]
    gdf = gpd.GeoDataFrame(suppliers.drop(columns=["lon", "lat"]), geometry=pts, crs="EPSG:4326").to_crs("EPSG:3006")
    for c in ("reach_km", "capacity", "turnover", "propensity"):
        gdf[c] = pd.to_numeric(gdf[c], errors="coerce")
    gdf.to_file(tiny / "suppliers.gpkg", layer="leverantorer")
    set_table(tiny, "suppliers", 'file = "suppliers.gpkg"\nlayer = "leverantorer"')
    s = load_scenario(tiny / "scenario.toml")
    assert s.suppliers.loc["grossist", "lon"] == pytest.approx(15.0912, abs=1e-6)
    pd.testing.assert_frame_equal(s.reach, reference.reach)
    assert any(p.file == "suppliers.gpkg" and "z-coordinates" in p.message for p in s.notes)


def test_where_names_csv_rows_sheet_cells_and_features():
    frame = pd.DataFrame({"id": ["a"], "value": [1.5]}, dtype=object)
    assert Table(frame, "x.csv", "csv", rows=[7], headers={"value": ("value", 1)}).where(0, "value") == \
        "row 7, column value"
    assert Table(frame, "x.xlsx", "xlsx", sheet="Blad1", rows=[12],
                 headers={"value": ("Värde", 1)}).where(0, "value") == "sheet Blad1, cell B12 (Värde)"
    assert Table(frame, "x.gpkg", "gis", rows=[3], headers={"value": ("value", 1)}).where(0) == "feature 3"
    assert [column_letter(j) for j in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_an_empty_table_is_one_problem(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text(",,\n,,\n", "utf-8")
    problems: list[Problem] = []
    assert read_table(f, problems) is None
    assert [p.message for p in problems] == ["the table is empty"]


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")
