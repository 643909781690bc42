"""Where suppliers are, how far each area is, and what looks wrong about them.

Every supplier gets a base point in the areas' CRS (its lon/lat, or its base area's
representative point) and a distance to every area, measured to the point of the area
that ``geography.reach_reference`` names; a ``distance_matrix`` replaces straight lines
pair by pair (the pairs it leaves out are listed).  Then, per supplier, the signs of a
data error are reported (in ``Scenario.notes``, so every command prints them): a point in
no area, a point that lands in an area only with longitude and latitude swapped, a
supplier that reaches no area at all.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lotsplit import geography
from lotsplit.errors import Problem
from lotsplit.scenario.checks import Numbers, columns_ok
from lotsplit.scenario.tables import Table


def locate_suppliers(suppliers: pd.DataFrame, areas, distance_matrix: Table | None, fname: dict[str, str],
                     problems: list[Problem], *, reference: str, locale: str, decimal: str | None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Base point of each supplier in the areas' CRS, and km from it to every area."""
    if isinstance(areas, gpd.GeoDataFrame):
        suppliers = _base_points(suppliers, areas)
        distance = geography.distances_km(suppliers[["x", "y"]], areas, reference=reference)
    else:
        suppliers = suppliers.assign(x=np.nan, y=np.nan, base_area=suppliers["area_id"])
        distance = pd.DataFrame(np.nan, index=suppliers.index, columns=areas.index)
        if suppliers["reach_km"].notna().any() and distance_matrix is None:
            problems.append(Problem(fname["suppliers"], "column reach_km", "reach in km needs area geometries or a "
                                    "distance matrix", "give reach_areas instead, or geography.distance_matrix"))
    if distance_matrix is not None:
        distance = _apply_matrix(distance_matrix, suppliers, distance, isinstance(areas, gpd.GeoDataFrame), problems,
                                 locale=locale, decimal=decimal)
    return suppliers, distance


def _base_points(suppliers: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    reps = areas.geometry.representative_point()
    lonlat = (suppliers["lon"].notna() & suppliers["lat"].notna()).to_numpy()
    pts = gpd.GeoSeries(gpd.points_from_xy(suppliers["lon"].fillna(0).astype(float),
                                           suppliers["lat"].fillna(0).astype(float)),
                        index=suppliers.index, crs="EPSG:4326").to_crs(areas.crs)
    x = np.where(lonlat, pts.x, np.nan)
    y = np.where(lonlat, pts.y, np.nan)
    for k, a in enumerate(suppliers["area_id"]):
        if not lonlat[k] and a:
            x[k], y[k] = reps[a].x, reps[a].y
    out = suppliers.assign(x=x, y=y)
    tree = shapely.STRtree(areas.geometry.to_numpy())
    base = []
    for k, a in enumerate(out["area_id"]):
        if a:
            base.append(a)
            continue
        hit = tree.query(shapely.Point(x[k], y[k]), predicate="within") if np.isfinite(x[k]) else []
        base.append(str(areas.index[hit[0]]) if len(hit) else "")
    out["base_area"] = base
    return out


def _apply_matrix(t: Table, suppliers: pd.DataFrame, distance: pd.DataFrame, has_geometry: bool,
                  problems: list[Problem], *, locale: str, decimal: str | None) -> pd.DataFrame:
    cols = ("supplier_id", "area_id", "km")
    if not columns_ok(t, cols, cols, problems, role="distance_matrix"):
        return distance
    distance = distance.copy()
    num = Numbers(t, problems, locale=locale, setting=decimal, amounts=("km",), option="geography.distance_matrix")
    km = num.column("km", "distance")
    given: set[tuple[str, str]] = set()
    for i in range(len(t)):
        s, a = t.text(i, "supplier_id"), t.text(i, "area_id")
        if s not in suppliers.index:
            problems.append(Problem(t.file, t.where(i), f"supplier '{s}' is not in the suppliers file",
                                    "use supplier ids"))
        elif a not in distance.columns:
            problems.append(Problem(t.file, t.where(i), f"area '{a}' is not in the areas file", "use area ids"))
        elif km[i] is not None:
            distance.loc[s, a] = km[i]
            given.add((s, a))
    # Only suppliers with a radius use distances; the pairs the matrix leaves out of those
    # keep the straight line (or, without geometry, are out of reach): say which.
    radius = suppliers.index[suppliers["reach_km"].notna()]
    missing = [(s, a) for s in radius for a in distance.columns if (s, a) not in given]
    if missing and given:
        shown = ", ".join(f"{s} × {a}" for s, a in missing[:6]) + (f" and {len(missing) - 6} more"
                                                                  if len(missing) > 6 else "")
        fallback = "the straight-line distance is used for them" if has_geometry else "they count as out of reach"
        problems.append(Problem(t.file, "", f"{len(missing)} supplier × area pair(s) of suppliers with a reach in km "
                                f"are missing: {shown}; {fallback}", "add a row supplier_id,area_id,km for each",
                                severity="warning"))
    return distance


def supplier_warnings(suppliers: pd.DataFrame, areas, reach: pd.DataFrame, distance: pd.DataFrame,
                      file: str, where_of: dict[str, str]) -> list[Problem]:
    """Per supplier: a point in no area, coordinates that look swapped, no area in reach."""
    out: list[Problem] = []
    has_geometry = isinstance(areas, gpd.GeoDataFrame)
    tree = shapely.STRtree(areas.geometry.to_numpy()) if has_geometry else None
    names = areas["name"]
    for sid, s in suppliers.iterrows():
        where = where_of.get(sid) or f"supplier '{sid}'"
        lon, lat = s["lon"], s["lat"]
        placed = has_geometry and pd.notna(lon) and pd.notna(lat)
        inside = bool(placed and s["base_area"])
        swapped = placed and not inside and _lands_in_an_area(lat, lon, areas, tree)
        if swapped:
            a = swapped
            out.append(Problem(file, where, f"supplier '{sid}' at lon {lon:g}, lat {lat:g} lies in no area, but with "
                               f"longitude and latitude swapped it lies in {names[a]} ({a}): the coordinates look "
                               "swapped", "put the longitude (degrees east) in lon and the latitude (degrees north) "
                               "in lat", severity="warning"))
        elif placed and not inside:
            near = distance.loc[sid].idxmin() if distance.loc[sid].notna().any() else None
            far = f"; the nearest area is {names[near]} ({near}), {distance.loc[sid, near]:.0f} km away" if near else ""
            local = bool(s["local"])
            out.append(Problem(file, where, f"{'local ' if local else ''}supplier '{sid}' at lon {lon:g}, lat {lat:g} "
                               f"lies in none of the areas{far}",
                               "check its coordinates" + (" (a local supplier is expected inside the map)" if local else
                                                          "; a supplier based elsewhere is fine"),
                               severity="warning" if local else "note"))
        if not reach.loc[sid].any():
            out.append(Problem(file, where, f"supplier '{sid}' reaches none of the areas (reach {s['reach_km']:g} km "
                               "from its base)" if pd.notna(s["reach_km"]) else f"supplier '{sid}' reaches none of "
                               "the areas", "check its location, reach_km and reach_areas: it can bid for no lot",
                               severity="warning"))
    return out


def _lands_in_an_area(lon: float, lat: float, areas: gpd.GeoDataFrame, tree) -> str | None:
    """The area the point (lon, lat) falls in, if any (used with the two swapped)."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    p = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326").to_crs(areas.crs).iloc[0]
    hit = tree.query(p, predicate="within")
    return str(areas.index[hit[0]]) if len(hit) else None


def data_warnings(areas, groups, demand, suppliers, reach, fname) -> list[Problem]:
    """Things that are legal but probably not intended."""
    out = []
    for a in demand.index[demand.sum(axis=1) == 0]:
        out.append(Problem(fname["demand"], f"area '{a}'", f"area {areas.loc[a, 'name']} has no demand",
                           "it can still join lots as a connecting area", severity="warning"))
    for g in demand.columns[demand.sum(axis=0) == 0]:
        out.append(Problem(fname["demand"], f"group '{g}'", f"product group {groups.loc[g, 'name']} has no demand",
                           "add its demand, or remove the group from the product groups file", severity="warning"))
    for g in groups.index:
        if not any(g in offered for offered in suppliers["groups"]):
            out.append(Problem(fname["suppliers"], f"group '{g}'", f"no supplier offers {groups.loc[g, 'name']}",
                               "every lot with it will have no eligible bidder", severity="warning"))
    for a in areas.index:
        if not reach[a].any():
            out.append(Problem(fname["suppliers"], f"area '{a}'", f"no supplier reaches {areas.loc[a, 'name']}",
                               "check reach_km / reach_areas", severity="warning"))
    return out
