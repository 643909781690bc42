"""The scenario loader accepts the example scenarios and the tiny fixture, with the facts
they are known to hold; wide-form demand equals long form; ``extends`` merges key by key."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from lotsplit import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DALARNA = ROOT / "scenarios" / "dalarna-food" / "scenario.toml"
MALUNG = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"

DALARNA_IDS = {"2021", "2023", "2026", "2029", "2031", "2034", "2039", "2061", "2062", "2080", "2081", "2082",
               "2083", "2084", "2085"}
MALUNG_IDS = {"malung", "yttermalung", "oje", "lima", "transtrand", "salen", "rorbacksnas", "stoten", "tandadalen"}


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A fresh copy of the tiny scenario; returns its directory."""
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


@pytest.fixture(scope="module")
def dalarna():
    return load_scenario(DALARNA)


@pytest.fixture(scope="module")
def malung():
    return load_scenario(MALUNG)


def csv_totals(scenario_toml: Path) -> pd.Series:
    d = pd.read_csv(scenario_toml.parent / "demand.csv", dtype={"area_id": str})
    return d.groupby("product_group_id")["annual_value"].sum()


# --------------------------------------------------------------------------- examples

def test_dalarna_areas_crs_and_adjacency(dalarna):
    s = dalarna
    assert len(s.areas) == 15
    assert set(s.areas.index) == DALARNA_IDS
    assert all(isinstance(a, str) for a in s.areas.index)
    assert s.areas.loc["2080", "name"] == "Falun"
    assert s.areas.crs.to_epsg() == 3006
    assert nx.number_connected_components(s.graph) == 1
    assert set(s.graph.nodes) == DALARNA_IDS
    assert s.graph.has_edge("2080", "2081")                         # Falun – Borlänge
    assert (s.areas["nuts3"] == "SE312").all()


def test_dalarna_groups_and_totals(dalarna):
    s = dalarna
    assert list(s.groups.index) == ["dairy", "bread", "meat", "fish", "fruitveg", "drygoods", "frozen"]
    assert s.groups.loc["dairy", "cpv"] == "15500000-3"
    assert set(s.groups["nature"]) == {"supplies"}
    assert s.demand.shape == (15, 7)
    totals = csv_totals(DALARNA)
    for g, v in totals.items():
        assert s.demand[g].sum() == pytest.approx(v)
    assert s.total_annual_value == pytest.approx(totals.sum())
    assert s.total_annual_value == pytest.approx(257_040_000)
    assert len(s.suppliers) == 19
    assert s.suppliers["local"].sum() == 17
    assert s.suppliers.loc["dalalvens_mejeri", "groups"] == ("dairy",)


def test_dalarna_distances_are_km(dalarna):
    s = dalarna
    # Borlänge-based wholesaler (15.436 E, 60.485 N) to Borlänge: a few km; to Älvdalen: far.
    d = s.distance_km.loc["nordgross"]
    assert d["2081"] < 15
    assert 100 < d["2039"] < 250


def test_malung_districts(malung):
    s = malung
    assert len(s.areas) == 9
    assert set(s.areas.index) == MALUNG_IDS
    assert s.areas.loc["salen", "name"] == "Sälen"
    assert s.areas.crs.to_epsg() == 3006
    assert nx.number_connected_components(s.graph) == 1
    assert list(s.groups.index) == ["plowing", "gritting", "snowremoval"]
    assert set(s.groups["nature"]) == {"services"}
    totals = csv_totals(MALUNG)
    for g, v in totals.items():
        assert s.demand[g].sum() == pytest.approx(v)
    assert s.total_annual_value == pytest.approx(16_069_375)
    assert len(s.suppliers) == 12
    assert not [p for p in s.notes if p.severity == "error"]


# --------------------------------------------------------------------------- tiny fixture

def test_tiny_loads_with_the_expected_facts(tiny):
    s = load_scenario(tiny / "scenario.toml")
    assert list(s.areas.index) == ["101", "102", "103", "104"]          # numeric GeoJSON ids become text
    assert s.areas.loc["102", "name"] == "Österby"
    assert s.areas.crs.to_epsg() == 3006
    assert {frozenset(e) for e in s.graph.edges()} == {
        frozenset(p) for p in [("101", "102"), ("101", "103"), ("102", "104"), ("103", "104")]}
    assert s.demand.loc["104", "dairy"] == 500_000
    assert s.total_annual_value == pytest.approx(2_170_000)
    # Reach: the wholesaler everywhere, the bakery within 12 km of 103, the dairy 104 + listed 102.
    assert s.reach.loc["grossist"].all()
    assert list(s.reach.columns[s.reach.loc["bageri"]]) == ["101", "103", "104"]
    assert list(s.reach.columns[s.reach.loc["mejeri"]]) == ["102", "104"]
    assert s.suppliers.loc["mejeri", "base_area"] == "104"                   # found from lon/lat
    assert s.distance_km.loc["bageri", "102"] == pytest.approx(14.14, abs=0.2)
    assert s.suppliers.loc["bageri", "capacity"] == 2_000_000
    assert s.suppliers.loc["grossist", "propensity"] == 0.8
    assert not [p for p in s.notes if p.severity == "error"]


def test_wide_demand_equals_long(tiny):
    long = load_scenario(tiny / "scenario.toml")
    d = pd.read_csv(tiny / "demand.csv", dtype={"area_id": str})
    wide = d.pivot(index="area_id", columns="product_group_id", values="annual_value").reset_index()
    assert list(wide.columns) != list(d.columns)
    wide.to_csv(tiny / "demand.csv", index=False)
    s = load_scenario(tiny / "scenario.toml")
    pd.testing.assert_frame_equal(s.demand, long.demand)


def test_wide_demand_equals_long_for_dalarna(dalarna, tmp_path):
    d = pd.read_csv(DALARNA.parent / "demand.csv", dtype={"area_id": str})
    wide = d.pivot(index="area_id", columns="product_group_id", values="annual_value").reset_index()
    wide.to_csv(tmp_path / "demand_wide.csv", index=False)
    (tmp_path / "wide.toml").write_text(f'extends = "{_rel_posix(DALARNA, tmp_path)}"\n'
                                        '[demand]\nfile = "demand_wide.csv"\n', "utf-8")
    s = load_scenario(tmp_path / "wide.toml")
    pd.testing.assert_frame_equal(s.demand.loc[dalarna.demand.index, dalarna.demand.columns], dalarna.demand)


def test_wide_demand_with_an_unknown_group_column_names_it(tiny):
    d = pd.read_csv(tiny / "demand.csv", dtype={"area_id": str})
    wide = d.pivot(index="area_id", columns="product_group_id", values="annual_value").reset_index().astype(object)
    wide["fsh"] = 1
    wide.loc[0, "bread"] = "lots"
    wide.to_csv(tiny / "demand.csv", index=False)
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    text = str(e.value)
    assert "demand.csv: header: column(s) ['fsh'] are not product group ids" in text
    assert "demand.csv: row 2, column bread: annual value 'lots' is not a number" in text


# --------------------------------------------------------------------------- extends

def _rel_posix(target: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(target, start)).as_posix()


def test_extends_merges_tables_key_by_key(tiny, tmp_path):
    child_dir = tmp_path / "variant"
    child_dir.mkdir()
    pd.DataFrame({"area_id": ["101", "102", "103", "104"], "dairy": [1, 2, 3, 4], "bread": [5, 6, 7, 8]}).to_csv(
        child_dir / "demand_variant.csv", index=False)
    (child_dir / "variant.toml").write_text(
        f'extends = "{_rel_posix(tiny / "scenario.toml", child_dir)}"\n'
        'name = "tiny variant"\n'
        '[costs]\nper_lot = 99000\n'
        '[geography]\nislands = "own_lot"\n'
        '[demand]\nfile = "demand_variant.csv"\n', "utf-8")
    base = load_scenario(tiny / "scenario.toml")
    s = load_scenario(child_dir / "variant.toml")
    assert s.name == "tiny variant"
    # Overridden keys take the child's value ...
    assert s.config.costs.per_lot == 99000
    assert s.config.geography.islands == "own_lot"
    # ... the other keys of the same table keep the base's.
    assert s.config.costs.per_bid == base.config.costs.per_bid == 1000
    assert s.config.costs.retender == 30000
    assert s.config.geography.min_shared_border_m == 100
    assert s.config.contract_years == 2
    # Data files resolve relative to the file that names them.
    assert s.demand.loc["103", "bread"] == 7
    assert len(s.areas) == 4 and len(s.suppliers) == 3
    assert s.config.extends is not None


def test_extends_loop_and_missing_base_are_reported(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', "utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', "utf-8")
    with pytest.raises(ScenarioError, match="extend each other in a loop"):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "c.toml").write_text('extends = "nowhere.toml"\n', "utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path / "c.toml")
    assert "c.toml: extends:" in str(e.value) and "not found" in str(e.value)


# --------------------------------------------------------------------------- make_valid

def _write_areas(d: Path, geoms: dict[str, Polygon], crs="EPSG:3006", name="areas.geojson") -> None:
    gdf = gpd.GeoDataFrame({"id": list(geoms), "name": [f"Area {k}" for k in geoms]}, geometry=list(geoms.values()),
                           crs=crs)
    gdf.to_file(d / name)


def _tiny_squares() -> dict[str, Polygon]:
    from shapely.geometry import box

    return {"101": box(500000, 6710000, 510000, 6720000), "102": box(510000, 6710000, 520000, 6720000),
            "103": box(500000, 6700000, 510000, 6710000), "104": box(510000, 6700000, 520000, 6710000)}


BOW_TIE = Polygon([(510000, 6700000), (520000, 6710000), (520000, 6700000), (510000, 6710000)])


def test_invalid_bow_tie_is_reported_then_repaired_with_make_valid(tiny):
    geoms = _tiny_squares()
    geoms["104"] = BOW_TIE
    assert not BOW_TIE.is_valid
    _write_areas(tiny, geoms)
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    text = str(e.value)
    assert "areas.geojson: area '104': invalid geometry (Self-intersection" in text
    assert "areas.make_valid = true" in text

    toml = tiny / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace('name_column = "name"\n', 'name_column = "name"\nmake_valid = true\n'),
                    "utf-8")
    s = load_scenario(toml)
    g = s.areas.geometry["104"]
    assert g.is_valid and g.geom_type == "MultiPolygon"
    assert g.area == pytest.approx(50e6)                      # two triangles of 25 km² each
    assert any(p.severity == "note" and "'104'" in p.where and "make_valid" in p.message for p in s.notes)
    assert s.graph.has_edge("103", "104")                     # the left triangle still borders Västerby
    assert shapely.is_valid(s.areas.geometry.to_numpy()).all()


# --------------------------------------------------------------------------- unset

def test_a_variant_removes_inherited_settings_with_unset(tiny, tmp_path):
    base = tiny / "scenario.toml"
    base.write_text(base.read_text("utf-8").replace("turnover_multiple = 2.0", "turnover_multiple = 2.0\nmax_lots = 3")
                    .replace('islands = "report"', 'islands = "report"\ndistance_matrix = "distances.csv"'), "utf-8")
    (tiny / "distances.csv").write_text("supplier_id,area_id,km\nbageri,102,5\n", "utf-8")
    assert load_scenario(base).config.rules.max_lots == 3
    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{_rel_posix(base, tmp_path)}"\n'
                       'unset = ["rules.max_lots", "geography.distance_matrix"]\n', "utf-8")
    s = load_scenario(variant)
    assert s.config.rules.max_lots is None and s.config.geography.distance_matrix is None
    assert s.config.rules.turnover_multiple == 2.0                 # the rest is inherited
    assert not s.reach.loc["bageri", "102"]                         # straight line again: 14 km > 12 km


def test_unset_names_only_fields(tiny, tmp_path):
    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{_rel_posix(tiny / "scenario.toml", tmp_path)}"\nunset = ["rules.max_lot"]\n',
                       "utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(variant)
    (p,) = e.value.problems
    assert p.where == "unset[0]" and "'rules.max_lot' is not a field" in p.message
    assert "did you mean 'rules.max_lots'" in p.fix
