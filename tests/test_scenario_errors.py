"""Every class of bad input is reported with the file, the row or field, what is wrong and
how to fix it; and every problem of a broken scenario comes in one ScenarioError."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from lotsplit import ScenarioError, load_scenario
from lotsplit.errors import Problem

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems_of(toml: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    ps = list(e.value.problems)
    assert ps and all(p.severity == "error" for p in ps)
    assert str(e.value).startswith(f"{len(ps)} problem")
    return ps


def the_problem(toml: Path) -> Problem:
    ps = problems_of(toml)
    assert len(ps) == 1, "\n".join(map(str, ps))
    return ps[0]


def assert_complete(p: Problem, file: str, where: str, *words: str) -> None:
    """The problem names the file, the row or field, says what is wrong and how to fix it."""
    assert p.file == file
    assert where in p.where
    for w in words:
        assert w in p.message, (w, str(p))
    assert p.fix, f"no fix in {p}"


# --------------------------------------------------------------------------- files

def test_missing_data_file(tiny):
    (tiny / "suppliers.csv").unlink()
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "", "suppliers file not found")
    assert "suppliers.file" in p.fix and "scenario.toml" in p.fix


def test_missing_files_are_all_listed_and_the_others_still_checked(tiny):
    (tiny / "suppliers.csv").unlink()
    (tiny / "areas.geojson").unlink()
    replace(tiny / "product_groups.csv", "15810000-9", "1581")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "suppliers.csv" in text and "areas.geojson" in text
    assert "'1581' is not a CPV code" in text
    # Without an areas file, demand rows are not each reported as naming an unknown area.
    assert "is not in the areas file" not in text
    assert len(ps) == 3


def test_missing_scenario_file(tmp_path):
    p = the_problem(tmp_path / "nope.toml")
    assert "scenario file not found" in p.message


def test_toml_syntax_error_names_the_file(tiny):
    replace(tiny / "scenario.toml", 'name = "tiny"', 'name = "tiny')
    p = the_problem(tiny / "scenario.toml")
    assert p.file == "scenario.toml" and "not valid TOML" in p.message and "line" in p.message


def test_unreadable_areas_file(tiny):
    (tiny / "areas.geojson").write_text("this is not GeoJSON", "utf-8")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "areas.geojson", "", "cannot read the areas file")


def test_semicolon_separated_csv_is_read_like_comma_separated(tiny):
    before = load_scenario(tiny / "scenario.toml")
    f = tiny / "product_groups.csv"
    f.write_text(f.read_text("utf-8").replace(",", ";"), "utf-8")
    after = load_scenario(tiny / "scenario.toml")
    assert after.groups.equals(before.groups)


def test_short_row_is_read_as_empty_cells_not_a_crash(tiny):
    # A row with fewer fields than the header: the missing cells are empty.
    replace(tiny / "suppliers.csv", "mejeri,Söderby Mejeri,15.2729,60.4809,,dairy,,102,3000000,8000000,true,true,0.6",
            "mejeri,Söderby Mejeri,15.2729,60.4809,,dairy")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "row 4, column propensity", "bid propensity is empty")


# --------------------------------------------------------------------------- columns and ids

def test_unknown_column(tiny):
    replace(tiny / "suppliers.csv", ",reach_km,", ",reach_kms,")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "header", "unknown column(s) ['reach_kms']")
    assert "'reach_kms' → 'reach_km'" in p.fix


def test_missing_required_column(tiny):
    replace(tiny / "product_groups.csv", "id,name,cpv,nature", "id,name,cpv,kind")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "product_groups.csv: header: unknown column(s) ['kind']" in text
    assert "product_groups.csv: header: missing column(s) ['nature']" in text


def test_long_demand_with_misspelt_column_is_named(tiny):
    replace(tiny / "demand.csv", "area_id,product_group_id,annual_value", "area_id,product_group_id,anual_value")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "demand.csv: header: unknown column(s) ['anual_value']" in text
    assert "missing column(s) ['annual_value']" in text
    assert "not product group ids" not in text            # not mistaken for the wide form


def test_duplicate_product_group_id(tiny):
    replace(tiny / "product_groups.csv", "bread,Bread", "dairy,Bread")
    ps = problems_of(tiny / "scenario.toml")
    dup = [p for p in ps if "duplicate" in p.message]
    assert len(dup) == 1
    assert_complete(dup[0], "product_groups.csv", "row 2, row 3", "duplicate product group id 'dairy'")


def test_duplicate_supplier_id(tiny):
    replace(tiny / "suppliers.csv", "mejeri,Söderby", "bageri,Söderby")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "row 3, row 4", "duplicate supplier id 'bageri'")


@pytest.mark.filterwarnings("ignore:Several features with id")
def test_duplicate_area_id(tiny):
    replace(tiny / "areas.geojson", '"id": 104', '"id": 103')
    ps = problems_of(tiny / "scenario.toml")
    dup = [p for p in ps if "duplicate" in p.message]
    assert len(dup) == 1
    assert_complete(dup[0], "areas.geojson", "feature 3, feature 4", "duplicate area id '103'")


def test_area_id_column_not_found(tiny):
    replace(tiny / "scenario.toml", 'id_column = "id"', 'id_column = "kod"')
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "areas.geojson", "columns", "['kod'] not found", "'id'", "'name'")


# --------------------------------------------------------------------------- demand

def test_demand_for_unknown_area(tiny):
    replace(tiny / "demand.csv", "104,bread,250000", "105,bread,250000")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 9, column area_id", "area '105' is not in the areas file")
    assert "101" in p.fix


def test_demand_for_unknown_group(tiny):
    replace(tiny / "demand.csv", "102,bread,150000", "102,bred,150000")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 5, column product_group_id", "product group 'bred' is not defined")
    assert "did you mean 'bread'" in p.fix


def test_negative_demand(tiny):
    replace(tiny / "demand.csv", "103,dairy,250000", "103,dairy,-250000")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 6, column annual_value", "-250000", "0 or more")


def test_non_numeric_demand(tiny):
    replace(tiny / "demand.csv", "103,dairy,250000", "103,dairy,250k")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 6, column annual_value", "'250k' is not a number")


def test_duplicate_demand_row(tiny):
    replace(tiny / "demand.csv", "103,dairy,250000", "103,bread,250000")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 7", "(103, bread) is given twice", "row 6")


# --------------------------------------------------------------------------- suppliers

def test_supplier_offers_undefined_group(tiny):
    replace(tiny / "suppliers.csv", ",dairy;bread,", ",dairy;bred;fish,")
    ps = problems_of(tiny / "scenario.toml")
    assert len(ps) == 2
    assert_complete(ps[0], "suppliers.csv", "row 2, column groups", "product group 'bred' is not defined")
    assert "did you mean 'bread'" in ps[0].fix
    assert_complete(ps[1], "suppliers.csv", "row 2, column groups", "product group 'fish' is not defined")


def test_supplier_negative_and_non_numeric_values(tiny):
    replace(tiny / "suppliers.csv", ",bread,12,,2000000,5000000,", ",bread,12 km,,-2000000,5000000,")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert len(ps) == 2
    assert "suppliers.csv: row 3, column reach_km: reach '12 km' is not a number" in text
    assert "suppliers.csv: row 3, column capacity: capacity -2000000 must be 0 or more" in text


def test_supplier_reach_area_and_base_area_unknown(tiny):
    replace(tiny / "suppliers.csv", ",dairy,,102,", ",dairy,,102;999,")
    replace(tiny / "suppliers.csv", ",,103,bread,", ",,13,bread,")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "suppliers.csv: row 4, column reach_areas: area '999' is not in the areas file" in text
    assert "suppliers.csv: row 3, column area_id: area '13' is not in the areas file" in text


def test_supplier_without_location(tiny):
    replace(tiny / "suppliers.csv", ",,103,bread,", ",,,bread,")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "row 3", "supplier 'bageri' has no location")


@pytest.mark.parametrize("value, words", [("0", "outside (0, 1]"), ("1.5", "outside (0, 1]"),
                                          ("-0.2", "outside (0, 1]"), ("high", "'high' is not a number"),
                                          ("", "bid propensity is empty")])
def test_propensity_outside_0_1(tiny, value, words):
    replace(tiny / "suppliers.csv", "true,true,0.5", f"true,true,{value}")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "row 3, column propensity", words)
    assert "above 0 and at most 1" in p.fix


def test_propensity_of_exactly_one_is_accepted(tiny):
    replace(tiny / "suppliers.csv", "true,true,0.5", "true,true,1")
    assert load_scenario(tiny / "scenario.toml").suppliers.loc["bageri", "propensity"] == 1.0


def test_bad_boolean(tiny):
    replace(tiny / "suppliers.csv", "true,true,0.5", "maybe,true,0.5")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "suppliers.csv", "row 3, column local", "'maybe' is not yes/no")


# --------------------------------------------------------------------------- geometries

def _write_areas(d: Path, geoms: dict[str, Polygon | None]) -> None:
    gpd.GeoDataFrame({"id": list(geoms), "name": [f"Area {k}" for k in geoms]}, geometry=list(geoms.values()),
                     crs="EPSG:3006").to_file(d / "areas.geojson")


def _squares() -> dict[str, Polygon | None]:
    return {"101": box(500000, 6710000, 510000, 6720000), "102": box(510000, 6710000, 520000, 6720000),
            "103": box(500000, 6700000, 510000, 6710000), "104": box(510000, 6700000, 520000, 6710000)}


def test_invalid_geometry(tiny):
    geoms = _squares()
    geoms["102"] = Polygon([(510000, 6710000), (520000, 6720000), (520000, 6710000), (510000, 6720000)])
    _write_areas(tiny, geoms)
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "areas.geojson", "area '102'", "invalid geometry", "Self-intersection")
    assert "make_valid" in p.fix


def test_empty_geometry(tiny):
    geoms = _squares()
    geoms["103"] = None
    _write_areas(tiny, geoms)
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "areas.geojson", "area '103'", "empty geometry")


def test_geometry_that_is_not_a_polygon(tiny):
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"id": ["101", "102"], "name": ["A", "B"]},
                           geometry=[box(500000, 6710000, 510000, 6720000), Point(515000, 6715000)], crs="EPSG:3006")
    gdf.to_file(tiny / "areas.geojson")
    ps = problems_of(tiny / "scenario.toml")
    geo = [p for p in ps if p.file == "areas.geojson"]
    assert len(geo) == 1
    assert_complete(geo[0], "areas.geojson", "area '102'", "Point, not a polygon")


# --------------------------------------------------------------------------- scenario TOML

def test_unknown_toml_field(tiny):
    replace(tiny / "scenario.toml", "snap_tolerance_m = 25", "snap_tolerence_m = 25")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "scenario.toml", "geography.snap_tolerence_m", "unknown field")
    assert "did you mean 'snap_tolerance_m'" in p.fix


def test_unknown_top_level_field(tiny):
    replace(tiny / "scenario.toml", 'name = "tiny"', 'name = "tiny"\nbuyers = "x"')
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "scenario.toml", "buyers", "unknown field")
    assert "did you mean 'buyer'" in p.fix


@pytest.mark.parametrize("old, new, field, words", [
    ("contract_years = 2", 'contract_years = "two"', "contract_years", "valid number"),
    ("per_lot = 20000", 'per_lot = "many"', "costs.per_lot", "valid number"),
    ('islands = "report"', 'islands = "bridge"', "geography.islands", "'link_nearest'"),
    ("per_lot = 20000", "per_lot = -5", "costs.per_lot", "greater than or equal to 0"),
    ('currency = "SEK"', 'currency = "kronor"', "currency", "pattern"),
])
def test_wrong_type_names_the_field(tiny, old, new, field, words):
    replace(tiny / "scenario.toml", old, new)
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "scenario.toml", field, words)
    assert p.where == field
    assert new.split(" = ")[1].strip('"') in p.message           # the value given is shown


def test_missing_required_field(tiny):
    replace(tiny / "scenario.toml", "contract_years = 2\n", "")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "scenario.toml", "contract_years", "required field is missing")


def test_rules_naming_undefined_groups_and_areas_name_the_toml(tiny):
    replace(tiny / "scenario.toml", "turnover_multiple = 2.0",
            'turnover_multiple = 2.0\nnever_together = [["dairy", "fish"]]\nareas_apart = [["101", "999"]]')
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "scenario.toml: rules.never_together[0]: product group 'fish' is not defined" in text
    assert "scenario.toml: rules.areas_apart[0]: area '999' is not in the areas file" in text


# --------------------------------------------------------------------------- all at once

def test_all_problems_at_once(tiny):
    replace(tiny / "scenario.toml", "snap_tolerance_m = 25", "snap_tolerence_m = 25")      # TOML typo
    replace(tiny / "product_groups.csv", "15810000-9", "1581000")                          # bad CPV
    replace(tiny / "demand.csv", "104,bread,250000", "105,bread,250000")                   # unknown area
    replace(tiny / "demand.csv", "101,dairy,400000", "101,dairy,-4")                       # negative value
    replace(tiny / "suppliers.csv", ",dairy;bread,", ",dairy;fish,")                       # undefined group
    replace(tiny / "suppliers.csv", "true,true,0.6", "true,true,1.6")                      # propensity > 1
    geoms = _squares()                                                                      # invalid polygon
    geoms["102"] = Polygon([(510000, 6710000), (520000, 6720000), (520000, 6710000), (510000, 6720000)])
    _write_areas(tiny, geoms)
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    expected = [
        "scenario.toml: geography.snap_tolerence_m: unknown field",
        "product_groups.csv: row 3, column cpv: '1581000' is not a CPV code",
        "demand.csv: row 9, column area_id: area '105' is not in the areas file",
        "demand.csv: row 2, column annual_value: annual value -4 must be 0 or more",
        "suppliers.csv: row 2, column groups: product group 'fish' is not defined",
        "suppliers.csv: row 4, column propensity: bid propensity 1.6 is outside (0, 1]",
        "areas.geojson: area '102': invalid geometry",
    ]
    for e in expected:
        assert e in text, f"{e!r} missing from\n{text}"
    assert len(ps) == len(expected)


def test_leading_zero_ids_get_a_specific_hint(tiny):
    replace(tiny / "demand.csv", "104,bread,250000", "0104,bread,250000")
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "demand.csv", "row 9, column area_id", "area '0104' is not in the areas file")
    assert "did you mean '104'?" in p.fix and "leading zeros" in p.fix


# --------------------------------------------------------------------------- distance matrix

def test_distance_matrix_replaces_straight_lines_and_its_rows_are_checked(tiny):
    replace(tiny / "scenario.toml", 'islands = "report"', 'islands = "report"\ndistance_matrix = "distances.csv"')
    (tiny / "distances.csv").write_text("supplier_id,area_id,km\nbageri,102,5\n", "utf-8")
    s = load_scenario(tiny / "scenario.toml")
    assert s.distance_km.loc["bageri", "102"] == 5
    assert s.reach.loc["bageri", "102"]                     # 5 km by road, within its 12 km reach

    (tiny / "distances.csv").write_text("supplier_id,area_id,km\nbakery,102,5\nbageri,102,-5\n", "utf-8")
    ps = problems_of(tiny / "scenario.toml")
    text = "\n".join(map(str, ps))
    assert "distances.csv: row 2: supplier 'bakery' is not in the suppliers file" in text
    assert "distances.csv: row 3, column km: distance -5 must be 0 or more" in text

    (tiny / "distances.csv").unlink()
    p = the_problem(tiny / "scenario.toml")
    assert_complete(p, "distances.csv", "", "distance matrix file not found")
    assert "geography.distance_matrix" in p.fix
