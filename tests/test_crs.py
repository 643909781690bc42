"""Coordinate reference systems: kept when projected in metres, reprojected (and said so)
when geographic or not in metres, overridden with areas.crs, and a missing or wrong CRS
is an error that suggests areas.crs."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from lotsplit import ScenarioError, load_scenario
from lotsplit.cli import app

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
SWEREF_TM_FEET = "+proj=tmerc +lat_0=0 +lon_0=15 +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 +units=ft +no_defs"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


@pytest.fixture(scope="module")
def reference():
    """The tiny scenario as shipped (EPSG:3006)."""
    return load_scenario(TINY / "scenario.toml")


def set_areas(d: Path, **fields: str) -> None:
    toml = d / "scenario.toml"
    text = toml.read_text("utf-8")
    for key, value in fields.items():
        if key == "file":
            text = text.replace('file = "areas.geojson"', f'file = "{value}"')
        else:
            text = text.replace('name_column = "name"\n', f'name_column = "name"\n{key} = "{value}"\n')
    toml.write_text(text, "utf-8")


def rewrite_areas(d: Path, crs, name: str = "areas.geojson") -> None:
    gdf = gpd.read_file(TINY / "areas.geojson")
    gdf = gdf.to_crs(crs) if crs is not None else gdf.set_crs(None, allow_override=True)
    gdf.to_file(d / name)


def same_geography(s, ref) -> None:
    """Same graph, border lengths and supplier distances as the EPSG:3006 original."""
    assert {frozenset(e) for e in s.graph.edges()} == {frozenset(e) for e in ref.graph.edges()}
    for a, b in ref.graph.edges():
        assert s.graph.edges[a, b]["shared_m"] == pytest.approx(ref.graph.edges[a, b]["shared_m"], rel=0.01)
    assert s.distance_km.loc["bageri", "102"] == pytest.approx(14.14, abs=0.3)
    assert (s.distance_km - ref.distance_km).abs().to_numpy().max() < 0.3
    assert (s.reach == ref.reach).all().all()


def replace_line(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def crs_notes(s) -> list[str]:
    return [str(p) for p in s.notes if p.where == "CRS"]


def test_projected_metre_crs_is_kept(reference):
    assert reference.areas.crs.to_epsg() == 3006
    assert crs_notes(reference) == []
    assert reference.graph.edges["101", "102"]["shared_m"] == pytest.approx(10_000, abs=1)


def test_geographic_crs_is_reprojected_to_the_national_crs_and_said(tiny, reference):
    rewrite_areas(tiny, "EPSG:4326")
    s = load_scenario(tiny / "scenario.toml")
    assert s.areas.crs.to_epsg() == 3006                        # SWEREF 99 TM for country = "SE"
    notes = crs_notes(s)
    assert len(notes) == 1
    assert "areas.geojson" in notes[0] and "geographic (degrees)" in notes[0] and "EPSG:3006" in notes[0]
    same_geography(s, reference)


@pytest.mark.parametrize("country, epsg", [("DK", 32633), ("other", 32633)])
def test_outside_the_national_crs_or_without_one_a_utm_zone_is_chosen(tiny, reference, country, epsg):
    # The tiny squares lie in Sweden: Denmark's ETRS89 / UTM 32N does not cover them, so
    # a Danish scenario there gets the data's UTM zone (33N for 15° E), as does "other".
    rewrite_areas(tiny, "EPSG:4326")
    replace_line(tiny / "scenario.toml", 'country = "SE"', f'country = "{country}"')
    replace_line(tiny / "scenario.toml", 'currency = "SEK"', 'currency = "EUR"')   # SEK belongs to SE only
    s = load_scenario(tiny / "scenario.toml")
    assert s.areas.crs.to_epsg() == epsg
    assert any(f"EPSG:{epsg}" in n for n in crs_notes(s))
    same_geography(s, reference)


def test_danish_areas_in_degrees_get_etrs89_utm_32n(tmp_path):
    from shapely.geometry import box

    from lotsplit.config import ScenarioConfig
    from lotsplit.scenario import build_scenario

    # Two parishes on Bornholm (about 14.9° E, 55.1° N), in WGS 84 degrees.
    areas = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["A", "B"]},
                             geometry=[box(14.80, 55.10, 14.90, 55.20), box(14.90, 55.10, 15.00, 55.20)],
                             crs="EPSG:4326")
    cfg = ScenarioConfig.model_validate({
        "name": "dk", "country": "DK", "language": "da", "currency": "DKK", "contract_years": 2,
        "areas": {"file": "x.gpkg"}, "product_groups": {"file": "g.csv"}, "demand": {"file": "d.csv"},
        "suppliers": {"file": "s.csv"}, "costs": {"per_lot": 1}})
    s = build_scenario(cfg, areas=areas,
                       groups=pd.DataFrame({"id": ["g"], "name": ["G"], "cpv": ["15000000-8"], "nature": ["supplies"]}),
                       demand=pd.DataFrame({"area_id": ["a", "b"], "product_group_id": ["g", "g"],
                                            "annual_value": [1.0, 2.0]}),
                       suppliers=pd.DataFrame({"id": ["s"], "name": ["S"], "area_id": ["a"], "groups": ["g"],
                                               "propensity": [0.5]}))
    assert s.areas.crs.to_epsg() == 25832
    assert s.graph.has_edge("a", "b")
    assert any("ETRS89 / UTM zone 32N (EPSG:25832)" in str(p) for p in s.notes)


def test_check_says_the_areas_were_reprojected(tiny):
    rewrite_areas(tiny, "EPSG:4326")
    result = CliRunner().invoke(app, ["check", str(tiny / "scenario.toml")])
    assert result.exit_code == 0, result.output
    assert "reprojected to SWEREF99 TM (EPSG:3006)" in result.output
    assert "CRS EPSG:3006" in result.output


def test_projected_crs_option_chooses_the_projection(tiny, reference):
    rewrite_areas(tiny, "EPSG:4326")
    set_areas(tiny, projected_crs="EPSG:3006")
    s = load_scenario(tiny / "scenario.toml")
    assert s.areas.crs.to_epsg() == 3006
    assert crs_notes(s) == []
    same_geography(s, reference)


@pytest.mark.parametrize("value, words", [("EPSG:4326", "is not a projected CRS in metres"),
                                          ("EPSG:999999", "is not a CRS")])
def test_bad_projected_crs_is_an_error_naming_the_field(tiny, value, words):
    set_areas(tiny, projected_crs=value)
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "scenario.toml" and p.where == "areas.projected_crs" and words in p.message and p.fix


def test_crs_in_feet_is_reprojected(tiny, reference):
    rewrite_areas(tiny, SWEREF_TM_FEET, name="areas.gpkg")          # GeoJSON cannot hold this CRS
    set_areas(tiny, file="areas.gpkg")
    s = load_scenario(tiny / "scenario.toml")
    assert any("not in metres" in n for n in crs_notes(s))
    same_geography(s, reference)


def test_web_mercator_is_reprojected(tiny, reference):
    # At 60° N Web Mercator doubles every length: it must not be used for distances.
    rewrite_areas(tiny, "EPSG:3857")
    s = load_scenario(tiny / "scenario.toml")
    assert any("Web Mercator" in n for n in crs_notes(s))
    same_geography(s, reference)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_is_an_error_suggesting_areas_crs(tiny):
    rewrite_areas(tiny, None, name="areas.shp")                  # a shapefile without .prj
    assert not (tiny / "areas.prj").exists()
    set_areas(tiny, file="areas.shp")
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "areas.shp"
    assert "no coordinate reference system" in p.message
    assert "areas.crs" in p.fix and "EPSG:3006" in p.fix


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_areas_crs_overrides_a_missing_crs(tiny, reference):
    rewrite_areas(tiny, None, name="areas.shp")
    set_areas(tiny, file="areas.shp", crs="EPSG:3006")
    s = load_scenario(tiny / "scenario.toml")
    assert s.areas.crs.to_epsg() == 3006
    same_geography(s, reference)


def test_geojson_without_crs_but_metre_coordinates_is_an_error_then_overridden(tiny, reference):
    # GeoJSON without a "crs" member is read as WGS 84: SWEREF coordinates are not degrees.
    f = tiny / "areas.geojson"
    f.write_text("".join(line for line in f.read_text("utf-8").splitlines(True) if '"crs"' not in line), "utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "areas.geojson" and "not degrees" in p.message and "areas.crs" in p.fix

    set_areas(tiny, crs="EPSG:3006")
    s = load_scenario(tiny / "scenario.toml")
    assert s.areas.crs.to_epsg() == 3006
    same_geography(s, reference)


def test_invalid_areas_crs_names_the_field(tiny):
    set_areas(tiny, crs="EPSG:SWEREF")
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "scenario.toml" and p.where == "areas.crs" and "'EPSG:SWEREF' is not a CRS" in p.message


def test_geographic_areas_crs_on_metre_coordinates_names_the_field(tiny):
    set_areas(tiny, crs="EPSG:4619")                                  # SWEREF99 in degrees, not SWEREF 99 TM
    with pytest.raises(ScenarioError) as e:
        load_scenario(tiny / "scenario.toml")
    (p,) = e.value.problems
    assert p.file == "scenario.toml" and p.where == "areas.crs"
    assert "in degrees" in p.message and "areas.geojson" in p.message and "EPSG:3006" in p.fix
