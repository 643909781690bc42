"""``lots.gpkg`` (projected CRS) and ``lots.geojson`` (WGS84, RFC 7946) for QGIS and the web.

GeoPackage layers: ``areas`` (one feature per area, with the lot of each product group),
``lots`` (each lot's areas dissolved, one feature per lot with its attributes) and
``adjacency`` (a line between neighbouring areas' representative points, with the shared
border length; links that are not a shared border are flagged ``added``), written as
GeoPackage 1.2 (``application_id`` GPKG, ``user_version`` 10200): GDAL 3.6, which Debian 12
and QGIS LTR users run, warns that 1.4 files "may only be partially supported".  GDAL stamps
the GeoPackage with the current time; it is pinned (``OGR_CURRENT_DATE``) so the file is
byte-identical for the same plan.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from shapely.geometry import LineString, mapping

from lotsplit.export import common as C
from lotsplit.export.xlsx import lots_rows
from lotsplit.geography import BORDER
from lotsplit.plan import LotPlan

FIXED_GDAL_DATE = "2000-01-01T00:00:00.000Z"
GPKG_VERSION = "1.2"
GEOJSON_DECIMALS = 6   # about 0.1 m: finer than any municipal boundary


def lots_frame(plan: LotPlan) -> gpd.GeoDataFrame:
    """One feature per lot: its areas dissolved, with the Lots-sheet attributes."""
    rows = lots_rows(plan)
    geoms = [shapely.make_valid(C.dissolved(plan, lot.areas)) for lot in plan.lots]
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=plan.scenario.areas.crs)
    gdf["label"] = [C.lot_label(lot.id) for lot in plan.lots]
    return gdf


def areas_frame(plan: LotPlan) -> gpd.GeoDataFrame:
    s = plan.scenario
    lot_of = {(a, g): lot.id for lot in plan.lots for a in lot.areas for g in lot.groups}
    data = {"area_id": list(s.areas.index), "name": [str(n) for n in s.areas["name"]],
            "nuts3": [str(n) for n in s.areas["nuts3"]]}
    lots_per_area = []
    for a in s.areas.index:
        ids = sorted({lot_of[(a, g)] for g in s.groups.index if (a, g) in lot_of})
        lots_per_area.append(";".join(ids))
    data["lot_ids"] = lots_per_area
    # One column per product group: the lot serving that group here (what QGIS styles by).
    for g in s.groups.index:
        data[f"lot_{g}"] = [lot_of.get((a, g), "") for a in s.areas.index]
    data[f"annual_value_{s.currency}"] = [float(s.demand.loc[a].sum()) for a in s.areas.index]
    return gpd.GeoDataFrame(data, geometry=s.areas.geometry.to_numpy(), crs=s.areas.crs)


def adjacency_frame(plan: LotPlan) -> gpd.GeoDataFrame:
    s = plan.scenario
    reps = s.areas.geometry.representative_point()
    lot_of = {(a, g): lot.id for lot in plan.lots for a in lot.areas for g in lot.groups}
    rows, geoms = [], []
    for a, b, d in sorted(s.graph.edges(data=True), key=lambda e: tuple(sorted((str(e[0]), str(e[1]))))):
        a, b = sorted((a, b))
        cut = sum(1 for g in s.groups.index if lot_of.get((a, g)) != lot_of.get((b, g)))
        rows.append({"area_a": a, "area_b": b, "kind": d.get("kind", BORDER), "shared_m": float(d.get("shared_m", 0.0)),
                     "added": d.get("kind", BORDER) != BORDER, "note": d.get("note", ""),
                     "groups_in_different_lots": cut})
        geoms.append(LineString([reps[a], reps[b]]))
    cols = ["area_a", "area_b", "kind", "shared_m", "added", "note", "groups_in_different_lots"]
    return gpd.GeoDataFrame(rows, columns=cols, geometry=geoms, crs=s.areas.crs)


def write_geopackage(plan: LotPlan, path: str | Path) -> Path:
    path = Path(path)
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_GDAL_DATE})
    try:
        for k, (layer, frame) in enumerate((("areas", areas_frame(plan)), ("lots", lots_frame(plan)),
                                            ("adjacency", adjacency_frame(plan)))):
            # GeoPackage 1.2: what GDAL < 3.7 (QGIS LTR on Debian 12) opens without a warning.
            options = {"dataset_options": {"VERSION": GPKG_VERSION}} if k == 0 else {}
            pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", promote_to_multi=layer != "adjacency",
                                    **options)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
    return path


def write_geojson(plan: LotPlan, path: str | Path) -> Path:
    """The lots in WGS84 as an RFC 7946 FeatureCollection (no ``crs`` member, lon/lat order,
    counter-clockwise exterior rings)."""
    path = Path(path)
    gdf = lots_frame(plan).to_crs("EPSG:4326")
    features = []
    for row, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
        geom = shapely.set_precision(geom, 10 ** -GEOJSON_DECIMALS)
        geom = shapely.orient_polygons(geom, exterior_cw=False)
        props = {k: _plain(v) for k, v in row.items()}
        features.append({"type": "Feature", "id": row["lot_id"], "properties": props,
                         "geometry": _rounded(mapping(geom))})
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n", "utf-8")
    return path


def _plain(v):
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _rounded(obj):
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_rounded(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, GEOJSON_DECIMALS)
    return obj
