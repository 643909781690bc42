"""Suppliers as planners enter them: per-supplier warnings for points in no area, swapped
coordinates and suppliers that reach nothing (in ``Scenario.notes``, printed by every
command); where in an area reach is measured to (``geography.reach_reference``); a distance
matrix that leaves pairs out.  Fixture: tests/fixtures/tiny (four 10 km squares, SWEREF 99
TM; the bakery is based in 103 with a 12 km reach)::

    101 | 102
    ----+----
    103 | 104
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit import load_scenario
from lotsplit.cli import app

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
GROSSIST = "grossist,Grossisten AB,15.0912,60.5709,"
MEJERI = "mejeri,Söderby Mejeri,15.2729,60.4809,,dairy,,102,"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def notes_about(s, supplier: str) -> list:
    return [p for p in s.notes if p.file == "suppliers.csv" and f"'{supplier}'" in p.message]


def test_the_fixture_has_no_supplier_warnings(tiny):
    assert [p for p in load_scenario(tiny / "scenario.toml").notes if p.file == "suppliers.csv"] == []


def test_swapped_coordinates_are_named(tiny):
    replace(tiny / "suppliers.csv", GROSSIST, "grossist,Grossisten AB,60.5709,15.0912,")
    (p,) = notes_about(load_scenario(tiny / "scenario.toml"), "grossist")
    assert p.where == "row 2" and p.severity == "warning"
    assert "with longitude and latitude swapped it lies in Norrby (101): the coordinates look swapped" in p.message
    assert "longitude (degrees east) in lon" in p.fix


def test_a_local_supplier_outside_every_area_is_a_warning(tiny):
    replace(tiny / "suppliers.csv", MEJERI, "mejeri,Söderby Mejeri,15.2729,61.2,,dairy,,102,")
    (p,) = notes_about(load_scenario(tiny / "scenario.toml"), "mejeri")
    assert p.severity == "warning" and p.where == "row 4"
    assert "local supplier 'mejeri' at lon 15.2729, lat 61.2 lies in none of the areas" in p.message
    assert "the nearest area is Österby (102)" in p.message and "check its coordinates" in p.fix


def test_a_wholesaler_based_elsewhere_is_only_a_note(tiny):
    replace(tiny / "suppliers.csv", GROSSIST, "grossist,Grossisten AB,18.07,59.33,")       # Stockholm
    (p,) = notes_about(load_scenario(tiny / "scenario.toml"), "grossist")
    assert p.severity == "note" and "based elsewhere is fine" in p.fix


def test_a_supplier_that_reaches_no_area_is_a_warning(tiny):
    replace(tiny / "suppliers.csv", MEJERI, "mejeri,Söderby Mejeri,15.2729,61.2,,dairy,5,,")
    ps = notes_about(load_scenario(tiny / "scenario.toml"), "mejeri")
    reach = [p for p in ps if "reaches none of the areas" in p.message]
    assert len(reach) == 1 and "reach 5 km" in reach[0].message and reach[0].severity == "warning"
    assert "it can bid for no lot" in reach[0].fix


def test_check_prints_the_supplier_warnings(tiny):
    replace(tiny / "suppliers.csv", GROSSIST, "grossist,Grossisten AB,60.5709,15.0912,")
    r = CliRunner().invoke(app, ["check", str(tiny / "scenario.toml")])
    assert r.exit_code == 0 and "the coordinates look swapped" in r.output


@pytest.mark.parametrize("reference, reached", [
    ("representative_point", ["101", "103", "104"]),  # the squares' inner points: 10, 10 and 14.1 km
    ("whole_area", ["103"]),                          # the far corners of 101 and 104 are 15.8 km away
    ("any_point", ["101", "102", "103", "104"]),      # the nearest corner of 102 is 7.1 km away
])
def test_reach_is_measured_to_the_point_the_scenario_names(tiny, reference, reached):
    replace(tiny / "scenario.toml", 'islands = "report"', f'islands = "report"\nreach_reference = "{reference}"')
    s = load_scenario(tiny / "scenario.toml")
    assert list(s.reach.columns[s.reach.loc["bageri"]]) == reached


def test_a_distance_matrix_that_leaves_pairs_out_says_which(tiny):
    replace(tiny / "scenario.toml", 'islands = "report"', 'islands = "report"\ndistance_matrix = "distances.csv"')
    (tiny / "distances.csv").write_text("supplier_id,area_id,km\nbageri,102,5\nbageri,101,30\n", "utf-8")
    s = load_scenario(tiny / "scenario.toml")
    (p,) = [p for p in s.notes if p.file == "distances.csv"]
    assert p.severity == "warning"
    assert "2 supplier × area pair(s) of suppliers with a reach in km are missing: bageri × 103, bageri × 104" \
        in p.message and "straight-line distance is used" in p.message
    assert list(s.reach.columns[s.reach.loc["bageri"]]) == ["102", "103", "104"]    # 101 is 30 km by road
