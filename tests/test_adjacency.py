"""Adjacency: shared border length (rook contiguity with a snap tolerance), the Dalarna
graph, and islands (report / link_nearest / explicit links / own_lot)."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import networkx as nx
import pytest
from shapely.geometry import Polygon, box

from lotsplit import ScenarioError, load_scenario
from lotsplit.config import GeographyConfig
from lotsplit.geography import BORDER, NEAREST, added_links, adjacency_graph

ROOT = Path(__file__).resolve().parents[1]
DALARNA = ROOT / "scenarios" / "dalarna-food" / "scenario.toml"
TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
DEFAULT = GeographyConfig()
L = 1000.0                                             # side of the test squares (m)


def graph_of(*geoms: Polygon, min_shared_border_m: float = DEFAULT.min_shared_border_m,
             snap_tolerance_m: float = DEFAULT.snap_tolerance_m) -> nx.Graph:
    ids = [chr(ord("a") + k) for k in range(len(geoms))]
    areas = gpd.GeoDataFrame(geometry=list(geoms), index=ids, crs="EPSG:3006")
    return adjacency_graph(areas, min_shared_border_m=min_shared_border_m, snap_tolerance_m=snap_tolerance_m)


# --------------------------------------------------------------------------- shapes

def test_defaults_are_the_documented_ones():
    assert (DEFAULT.min_shared_border_m, DEFAULT.snap_tolerance_m) == (100.0, 25.0)


def test_squares_sharing_an_edge_are_neighbours_with_the_edge_length():
    g = graph_of(box(0, 0, L, L), box(L, 0, 2 * L, L))
    assert list(g.edges()) == [("a", "b")]
    assert g.edges["a", "b"]["shared_m"] == pytest.approx(L, abs=1)
    assert g.edges["a", "b"]["kind"] == BORDER


def test_partly_shared_edge_counts_the_shared_part():
    g = graph_of(box(0, 0, L, L), box(L, L / 2, 2 * L, 3 * L / 2))
    assert g.edges["a", "b"]["shared_m"] == pytest.approx(L / 2, abs=1)


def test_border_length_does_not_grow_with_the_snap_tolerance():
    for tol in (1, 25, 100):
        g = graph_of(box(0, 0, L, L), box(L, 0, 2 * L, L), snap_tolerance_m=tol)
        assert g.edges["a", "b"]["shared_m"] == pytest.approx(L, abs=1), tol


def test_corner_touch_is_not_a_neighbour_at_the_default_thresholds():
    g = graph_of(box(0, 0, L, L), box(L, L, 2 * L, 2 * L))
    assert g.number_of_edges() == 0
    # Not even close to the threshold: a corner shares no border at all.
    g0 = graph_of(box(0, 0, L, L), box(L, L, 2 * L, 2 * L), min_shared_border_m=0)
    assert g0.number_of_edges() == 0 or g0.edges["a", "b"]["shared_m"] < 10


def test_four_squares_meeting_at_a_point_make_a_ring_not_a_clique():
    g = graph_of(box(0, 0, L, L), box(L, 0, 2 * L, L), box(0, L, L, 2 * L), box(L, L, 2 * L, 2 * L))
    assert {frozenset(e) for e in g.edges()} == {frozenset("ab"), frozenset("ac"), frozenset("bd"), frozenset("cd")}


def test_small_gap_below_the_snap_tolerance_still_counts():
    gap = 10.0
    assert gap < DEFAULT.snap_tolerance_m
    g = graph_of(box(0, 0, L, L), box(L + gap, 0, 2 * L + gap, L))
    assert g.has_edge("a", "b")
    assert g.edges["a", "b"]["shared_m"] == pytest.approx(L, abs=2 * gap + 1)


def test_gap_wider_than_the_snap_tolerance_does_not_count():
    g = graph_of(box(0, 0, L, L), box(L + 2 * DEFAULT.snap_tolerance_m, 0, 2 * L, L))
    assert g.number_of_edges() == 0


def test_sliver_overlap_counts_once():
    overlap = 5.0
    g = graph_of(box(0, 0, L, L), box(L - overlap, 0, 2 * L, L))
    assert g.number_of_edges() == 1
    shared = g.edges["a", "b"]["shared_m"]
    assert shared == pytest.approx(L, abs=2 * overlap + 1)       # once, not twice (2 L)


def test_enclave_shares_its_whole_perimeter():
    g = graph_of(box(0, 0, 3 * L, 3 * L).difference(box(L, L, 2 * L, 2 * L)), box(L, L, 2 * L, 2 * L))
    assert g.edges["a", "b"]["shared_m"] == pytest.approx(4 * L, abs=1)


def test_threshold_drops_short_borders():
    g = graph_of(box(0, 0, L, L), box(L, L - 50, 2 * L, 2 * L))   # 50 m of shared edge
    assert g.number_of_edges() == 0
    g = graph_of(box(0, 0, L, L), box(L, L - 50, 2 * L, 2 * L), min_shared_border_m=40)
    assert g.edges["a", "b"]["shared_m"] == pytest.approx(50, abs=1)


# --------------------------------------------------------------------------- Dalarna

CORNER_PAIRS = [("2026", "2080"), ("2029", "2081"), ("2080", "2083")]     # Gagnef–Falun, Leksand–Borlänge, Falun–Hedemora


@pytest.fixture(scope="module")
def dalarna():
    return load_scenario(DALARNA)


def test_dalarna_known_neighbours(dalarna):
    g = dalarna.graph
    assert g.has_edge("2080", "2081")                                 # Falun – Borlänge
    assert g.has_edge("2081", "2085")                                 # Borlänge – Ludvika
    assert g.edges["2080", "2081"]["shared_m"] > 3000
    assert g.number_of_edges() == 28
    assert all(d["kind"] == BORDER for _, _, d in g.edges(data=True))


@pytest.mark.parametrize("a, b", CORNER_PAIRS)
def test_dalarna_corner_touches_are_not_neighbours(dalarna, a, b):
    geo = dalarna.config.geography
    assert not dalarna.graph.has_edge(a, b)
    # They do touch (so the threshold is what excludes them), by a few metres at most.
    areas = dalarna.areas.geometry
    assert areas[a].distance(areas[b]) < 1
    g = adjacency_graph(dalarna.areas.loc[[a, b]], min_shared_border_m=0, snap_tolerance_m=geo.snap_tolerance_m)
    assert g.number_of_edges() == 0 or g.edges[a, b]["shared_m"] < 0.2 * geo.min_shared_border_m


def test_dalarna_corner_touches_are_not_neighbours_at_the_defaults_either(dalarna):
    g = adjacency_graph(dalarna.areas, min_shared_border_m=DEFAULT.min_shared_border_m,
                        snap_tolerance_m=DEFAULT.snap_tolerance_m)
    assert not any(g.has_edge(a, b) for a, b in CORNER_PAIRS)
    assert {frozenset(e) for e in g.edges()} == {frozenset(e) for e in dalarna.graph.edges()}


# --------------------------------------------------------------------------- islands

@pytest.fixture
def island(tmp_path) -> Path:
    """The tiny scenario plus area 105 "Holmen", 20 km east of Österby (no border)."""
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    areas = gpd.read_file(d / "areas.geojson")
    extra = gpd.GeoDataFrame({"id": [105], "name": ["Holmen"]}, geometry=[box(540000, 6710000, 545000, 6715000)],
                             crs=areas.crs)
    gpd.GeoDataFrame(pd.concat([areas, extra], ignore_index=True), crs=areas.crs).to_file(d / "areas.geojson")
    with open(d / "demand.csv", "a", encoding="utf-8") as f:
        f.write("105,dairy,50000\n105,bread,20000\n")
    return d


def set_geography(d: Path, islands: str, links: str = "") -> None:
    toml = d / "scenario.toml"
    text = toml.read_text("utf-8").replace('islands = "report"', f'islands = "{islands}"')
    toml.write_text(text + links, "utf-8")


def test_island_report_is_an_error_naming_the_island(island):
    with pytest.raises(ScenarioError) as e:
        load_scenario(island / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "areas.geojson"
    assert "Holmen (105)" in p.message and "share no border" in p.message
    assert "[[geography.links]]" in p.fix and "link_nearest" in p.fix


def test_island_link_nearest_adds_a_listed_link(island):
    set_geography(island, "link_nearest")
    s = load_scenario(island / "scenario.toml")
    assert nx.is_connected(s.graph)
    assert s.graph.edges["102", "105"]["kind"] == NEAREST              # Österby is 20 km away, the nearest
    assert "20.0 km" in s.graph.edges["102", "105"]["note"]
    links = added_links(s.graph)
    assert len(links) == 1 and {links.loc[0, "area_a"], links.loc[0, "area_b"]} == {"102", "105"}
    notes = [str(p) for p in s.notes if p.severity == "note" and "linked" in p.message]
    assert len(notes) == 1 and "Holmen (105)" in notes[0] and "Österby (102)" in notes[0]
    assert "link Österby – Holmen (nearest)" in s.summary()


def test_island_with_explicit_link_is_accepted(island):
    set_geography(island, "report", '\n[[geography.links]]\na = "104"\nb = "105"\nkind = "ferry"\nnote = "Färjan"\n')
    s = load_scenario(island / "scenario.toml")
    assert nx.is_connected(s.graph)
    assert s.graph.edges["104", "105"]["kind"] == "ferry"
    assert not s.graph.has_edge("102", "105")
    links = added_links(s.graph)
    assert links.to_dict("records") == [{"area_a": "104", "area_b": "105", "kind": "ferry", "note": "Färjan"}]
    assert not [p for p in s.notes if p.where == "adjacency"]


def test_island_own_lot_is_a_note(island):
    set_geography(island, "own_lot")
    s = load_scenario(island / "scenario.toml")
    assert nx.number_connected_components(s.graph) == 2
    assert set(nx.node_connected_component(s.graph, "105")) == {"105"}
    notes = [p for p in s.notes if p.where == "adjacency"]
    assert len(notes) == 1 and notes[0].severity == "note" and "105" in notes[0].message


def test_link_to_unknown_area_names_the_link(island):
    set_geography(island, "report", '\n[[geography.links]]\na = "104"\nb = "150"\n')
    with pytest.raises(ScenarioError) as e:
        load_scenario(island / "scenario.toml")
    text = str(e.value)
    assert "scenario.toml: geography.links[0]: unknown area id(s) ['150']" in text
    assert "Holmen (105)" in text                                     # the island is still reported too


def test_link_between_neighbours_keeps_the_border(island):
    set_geography(island, "link_nearest", '\n[[geography.links]]\na = "101"\nb = "102"\nkind = "road"\n')
    s = load_scenario(island / "scenario.toml")
    assert s.graph.edges["101", "102"]["kind"] == BORDER
    assert s.graph.edges["101", "102"]["shared_m"] == pytest.approx(10_000, abs=1)
    assert any(p.where == "geography.links[0]" and p.severity == "note" for p in s.notes)


# --------------------------------------------------------------------------- real-source quirks

def _tiny_copy(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def test_parts_sharing_an_id_are_an_error_that_suggests_dissolve_and_dissolve_merges_them(tmp_path):
    d = _tiny_copy(tmp_path)
    gdf = gpd.read_file(d / "areas.geojson")
    # Area 104 delivered as two features (a mainland part and an "island" part), as DAGI does.
    part = gdf[gdf["id"] == 104].copy()
    g = part.geometry.iloc[0]
    minx, miny, maxx, maxy = g.bounds
    left, right = box(minx, miny, (minx + maxx) / 2, maxy), box((minx + maxx) / 2, miny, maxx, maxy)
    gdf.loc[gdf["id"] == 104, "geometry"] = left
    extra = part.assign(geometry=[right])
    gpd.GeoDataFrame(pd.concat([gdf, extra], ignore_index=True), crs=gdf.crs).to_file(d / "areas.gpkg")
    toml = d / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace('file = "areas.geojson"', 'file = "areas.gpkg"'), "utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    (p,) = e.value.problems
    assert "duplicate area id '104'" in p.message and p.where == "feature 4, feature 5"
    assert "areas.dissolve = true" in p.fix
    toml.write_text(toml.read_text("utf-8").replace('name_column = "name"', 'name_column = "name"\ndissolve = true'),
                    "utf-8")
    s = load_scenario(toml)
    assert list(s.areas.index) == ["101", "102", "103", "104"]
    assert s.areas.geometry["104"].area == pytest.approx(1e8)
    assert s.graph.has_edge("102", "104") and s.graph.has_edge("103", "104")
    assert any("'104' (2 parts)" in n.message for n in s.notes)


def test_z_coordinates_are_dropped_and_said(tmp_path):
    import shapely

    d = _tiny_copy(tmp_path)
    gdf = gpd.read_file(d / "areas.geojson")
    gdf["geometry"] = shapely.force_3d(gdf.geometry.to_numpy(), -999.0)    # as some exports write "no height"
    gdf.to_file(d / "areas.gpkg")
    toml = d / "scenario.toml"
    toml.write_text(toml.read_text("utf-8").replace('file = "areas.geojson"', 'file = "areas.gpkg"'), "utf-8")
    s = load_scenario(toml)
    assert not shapely.has_z(s.areas.geometry.to_numpy()).any()
    assert any("z-coordinates" in n.message and n.severity == "note" for n in s.notes)
    assert s.graph.number_of_edges() == 4
