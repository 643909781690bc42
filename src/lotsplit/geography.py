"""Areas, their adjacency graph and distances.

Adjacency is rook contiguity measured as shared border length: two areas are neighbours
when the part of one's boundary lying within ``snap_tolerance_m`` of the other is at least
``min_shared_border_m`` long.  Real boundaries overlap by slivers and leave small gaps, so
``touches`` alone would both miss and invent neighbours.  The shared length is kept on the
edge (``shared_m``) and used for compactness.

Islands and exclaves are never dropped: explicit links from the scenario join them, or
``link_nearest`` adds a link to the nearest area; every added link is kept on the graph
(``kind`` other than ``"border"``) and listed in the outputs.

Distances and borders are measured in a projected CRS in metres: the file's own when it
is one, otherwise the national one (SWEREF 99 TM for Sweden, ETRS89 / UTM 32N for
Denmark) when the areas lie within its area of use, otherwise the UTM zone of the data.
Heights (z-coordinates) are dropped: lotsplit works on the map plane.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from lotsplit.errors import Problem

BORDER = "border"
NEAREST = "nearest"
NATIONAL_CRS = {"SE": "EPSG:3006", "DK": "EPSG:25832"}
"""The national projected CRS of each country: SWEREF 99 TM (Lantmäteriet's national
projection) and ETRS89 / UTM zone 32N (the Danish one, used by DAGI for the whole country,
Bornholm included)."""
NATIONAL_EXTENT = {"SE": (10.03, 54.96, 24.17, 69.07), "DK": (7.5, 54.4, 15.4, 58.0)}
"""Lon/lat extent of each country (SWEREF 99 TM's area of use; Denmark with Bornholm and
Christiansø), within which the national CRS is used."""
REACH_REFERENCES = ("representative_point", "whole_area", "any_point")


def project_areas(
    areas: gpd.GeoDataFrame, *, file: str, crs_override: str | None, projected_crs: str | None, make_valid: bool,
    country: str = "other",
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Check geometries and CRS and return the areas in a projected CRS (metres).

    Problems are returned, not raised, so the caller reports them with everything else.
    Geometries and the CRS are checked independently, so both kinds of problem are
    reported in one round.
    """
    problems: list[Problem] = []
    areas = drop_z(areas, file, problems, what="the areas")
    crs_ok = True
    if crs_override:
        try:
            areas = areas.set_crs(crs_override, allow_override=True)
        except Exception as exc:  # pyproj raises several types for bad strings
            problems.append(Problem("scenario", "areas.crs", f"'{crs_override}' is not a CRS ({exc})",
                                    "use an EPSG code such as 'EPSG:3006'"))
            crs_ok = False
    if crs_ok and areas.crs is None:
        problems.append(Problem(file, "", "the file has no coordinate reference system (CRS)",
                                "save it with a CRS in QGIS, or set areas.crs in the scenario, e.g. crs = 'EPSG:3006' "
                                "for SWEREF 99 TM or 'EPSG:25832' for Danish UTM 32N"))
        crs_ok = False

    geom_col = areas.geometry.name
    for idx, g in list(areas.geometry.items()):
        row = f"area '{idx}'"
        if g is None or g.is_empty:
            problems.append(Problem(file, row, "empty geometry", "draw the area's polygon or remove the area"))
        elif g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(file, row, f"geometry is a {g.geom_type}, not a polygon",
                                    "areas must be polygons or multipolygons"))
        elif not g.is_valid:
            reason = shapely.is_valid_reason(g)
            if make_valid:
                fixed = _repair(g)
                if fixed.is_empty:
                    problems.append(Problem(file, row, f"invalid geometry ({reason}) that make_valid cannot repair "
                                            "into a polygon", "redraw the area's polygon"))
                    continue
                areas.loc[idx, geom_col] = fixed
                problems.append(Problem(file, row, f"invalid geometry ({reason}) repaired with make_valid",
                                        "check the repaired polygon on the map", severity="note"))
            else:
                problems.append(Problem(file, row, f"invalid geometry ({reason})",
                                        "repair it (QGIS: Fix geometries) or set areas.make_valid = true"))
    if not crs_ok or any(p.severity == "error" for p in problems):
        return areas, problems

    crs = CRS(areas.crs)
    if crs.is_geographic:
        minx, miny, maxx, maxy = areas.total_bounds
        if not (-180.5 <= minx and maxx <= 360.5 and -90.5 <= miny and maxy <= 90.5):
            extent = f"({minx:.0f}, {miny:.0f}) – ({maxx:.0f}, {maxy:.0f})"
            fix = "set areas.crs in the scenario to the real CRS, e.g. crs = 'EPSG:3006' for SWEREF 99 TM"
            if crs_override:
                problems.append(Problem("scenario", "areas.crs", f"'{crs_override}' is {crs.name}, in degrees, but the "
                                        f"coordinates of {file} {extent} are not degrees", fix))
            else:
                geojson = file.lower().endswith((".geojson", ".json"))
                problems.append(Problem(file, "CRS", f"the file's CRS is {crs.name}, in degrees, but its coordinates "
                                        f"{extent} are not degrees"
                                        + ("; GeoJSON without a 'crs' member is read as WGS 84" if geojson else ""),
                                        fix + (", or save the file as GeoPackage" if geojson else "")))
            return areas, problems

    target = None
    if projected_crs is not None:
        try:
            target = CRS(projected_crs)
        except Exception as exc:  # pyproj.exceptions.CRSError and friends
            problems.append(Problem("scenario", "areas.projected_crs", f"'{projected_crs}' is not a CRS ({exc})",
                                    "use an EPSG code of a projected CRS in metres, e.g. 'EPSG:3006'"))
            return areas, problems
        if not target.is_projected or not _in_metres(target):
            problems.append(Problem("scenario", "areas.projected_crs", f"{target.name} is not a projected CRS in "
                                    "metres", "choose a projected CRS in metres, e.g. 'EPSG:3006'"))
            return areas, problems
    elif not crs.is_projected or not _in_metres(crs) or _is_web_mercator(crs):
        try:
            target = national_crs(areas, country) or CRS(areas.estimate_utm_crs())
        except RuntimeError as exc:
            problems.append(Problem(file, "CRS", f"cannot choose a projection for distances ({exc})",
                                    "set areas.projected_crs, e.g. 'EPSG:3006'"))
            return areas, problems
        why = ("is geographic (degrees)" if not crs.is_projected else
               "distorts distances (Web Mercator)" if _is_web_mercator(crs) else "is not in metres")
        problems.append(Problem(file, "CRS", f"{crs.name} {why}; reprojected to {target.name} "
                                f"(EPSG:{target.to_epsg()}) to measure distances and borders",
                                "set areas.projected_crs to choose another projection", severity="note"))
    if target is not None and target != crs:
        areas = areas.to_crs(target)
    return areas, problems


def national_crs(areas: gpd.GeoDataFrame, country: str) -> CRS | None:
    """The country's national projected CRS when every area lies within its area of use,
    else ``None`` (then a UTM zone is used).

    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame(geometry=[box(13.5, 60.5, 13.8, 60.8)], crs="EPSG:4326")
    >>> national_crs(a, "SE").to_epsg(), national_crs(a, "DK")
    (3006, None)
    """
    code = NATIONAL_CRS.get(country)
    if code is None:
        return None
    west, south, east, north = NATIONAL_EXTENT[country]
    minx, miny, maxx, maxy = areas.to_crs("EPSG:4326").total_bounds
    margin = 0.25                   # degrees: offshore parts reach a little beyond
    inside = west - margin <= minx and maxx <= east + margin and south - margin <= miny and maxy <= north + margin
    return CRS(code) if inside else None


def drop_z(gdf: gpd.GeoDataFrame, file: str, problems: list[Problem], *, what: str) -> gpd.GeoDataFrame:
    """The geometries without z-coordinates (heights, or the ``-999`` of some exports), and a
    note saying so."""
    geoms = gdf.geometry.to_numpy()
    has = shapely.has_z(geoms)
    if not has.any():
        return gdf
    out = gdf.copy()
    out[gdf.geometry.name] = shapely.force_2d(geoms)
    problems.append(Problem(file, "geometry", f"{what} have z-coordinates (heights) on {int(has.sum())} "
                            "feature(s); they are dropped, lotsplit works on the map plane", severity="note"))
    return out


def dissolve_parts(areas: gpd.GeoDataFrame, ids: list[str], *, file: str
                   ) -> tuple[gpd.GeoDataFrame, list[str], list[Problem]]:
    """Features that share an id merged into one area (``areas.dissolve``): the union of
    their polygons, the attributes of the first.  Returns the areas, their ids and a note
    naming the merged ids.

    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame({"id": ["x", "y", "x"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6)])
    >>> merged, ids, notes = dissolve_parts(a, ["x", "y", "x"], file="areas.gpkg")
    >>> ids, merged.geometry.iloc[0].geom_type
    (['x', 'y'], 'MultiPolygon')
    """
    first: dict[str, int] = {}
    parts: dict[str, list[int]] = {}
    for i, a in enumerate(ids):
        first.setdefault(a, i)
        parts.setdefault(a, []).append(i)
    merged = [a for a, rows in parts.items() if len(rows) > 1 and a != ""]
    if not merged:
        return areas, ids, []
    keep = sorted(first.values())
    out = areas.iloc[keep].copy()
    geom = out.geometry.name
    geoms = areas.geometry.to_numpy()
    for pos, i in enumerate(keep):
        rows = parts[ids[i]]
        if len(rows) > 1:
            out.iloc[pos, out.columns.get_loc(geom)] = shapely.union_all(geoms[rows])
    shown = ", ".join(f"'{a}' ({len(parts[a])} parts)" for a in merged[:8]) + (" …" if len(merged) > 8 else "")
    note = Problem(file, "", f"merged the features sharing an id into one area each (areas.dissolve): {shown}",
                   severity="note")
    return out, [ids[i] for i in keep], [note]


def _repair(g):
    """``shapely.make_valid``, keeping only the polygonal parts."""
    fixed = shapely.make_valid(g)
    if fixed.geom_type == "GeometryCollection":
        parts = [p for p in fixed.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else shapely.Polygon()
    return fixed


def _in_metres(crs: CRS) -> bool:
    return all((axis.unit_name or "").lower() in ("metre", "meter", "m") for axis in crs.axis_info)


def _is_web_mercator(crs: CRS) -> bool:
    return crs.to_epsg() in (3857, 900913, 3785, 102100)


def adjacency_graph(areas: gpd.GeoDataFrame, *, min_shared_border_m: float, snap_tolerance_m: float) -> nx.Graph:
    """Rook adjacency with the shared border length (metres) on each edge.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 1000, 3000, 2000)],
    ...                      index=["a", "b", "c"], crs="EPSG:3006")
    >>> g = adjacency_graph(a, min_shared_border_m=100, snap_tolerance_m=10)
    >>> sorted(g.edges()), round(g.edges["a", "b"]["shared_m"])
    ([('a', 'b')], 1000)
    """
    ids = list(areas.index)
    geoms = areas.geometry.to_numpy()
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    tol = max(snap_tolerance_m, 1e-6)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=snap_tolerance_m)
    boundaries = shapely.boundary(geoms)
    buffered = shapely.buffer(geoms, tol)
    for i, j in zip(left, right):
        if i >= j:
            continue
        # Measured both ways and averaged: each boundary's length inside the other's buffer.
        ij = _shared_length(boundaries[i], buffered[j], tol)
        ji = _shared_length(boundaries[j], buffered[i], tol)
        shared = 0.5 * (ij + ji)
        if shared >= min_shared_border_m and shared > 0:
            graph.add_edge(ids[i], ids[j], shared_m=float(shared), kind=BORDER, note="")
    return graph


def _shared_length(boundary, other_buffered, tol: float) -> float:
    """Length of ``boundary`` inside the other polygon's buffer, without the end stubs.

    Where a shared border ends, the boundary turns away from the other polygon but stays
    inside its buffer for about ``tol`` metres (a "stub").  Each connected piece loses one
    ``tol`` per open end, so a shared edge of length L counts L (not L + 2·tol) and a
    corner touch, which is nothing but two stubs, counts 0.
    """
    inside = shapely.intersection(boundary, other_buffered)
    lines = [p for p in shapely.get_parts(inside) if p.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        return 0.0
    merged = shapely.line_merge(shapely.union_all(lines))
    total = 0.0
    for piece in shapely.get_parts(merged):
        length = piece.length
        if not piece.is_closed:
            length -= 2 * tol
        total += max(length, 0.0)
    return total


def add_links(graph: nx.Graph, links, *, file: str = "scenario") -> list[Problem]:
    """Add the scenario's explicit links; unknown area ids are problems."""
    problems = []
    for k, link in enumerate(links):
        where = f"geography.links[{k}]"
        missing = [x for x in (link.a, link.b) if x not in graph]
        if missing:
            problems.append(Problem(file, where, f"unknown area id(s) {missing}",
                                    f"use ids from the areas file (e.g. {', '.join(sorted(map(str, graph.nodes))[:3])})"))
            continue
        if link.a == link.b:
            problems.append(Problem(file, where, f"links area '{link.a}' to itself", "give two different areas"))
            continue
        if graph.has_edge(link.a, link.b) and graph.edges[link.a, link.b].get("kind") == BORDER:
            problems.append(Problem(file, where, f"areas '{link.a}' and '{link.b}' already share a border; the link "
                                    "is not needed", "remove the link", severity="note"))
            continue
        graph.add_edge(link.a, link.b, shared_m=0.0, kind=link.kind, note=link.note)
    return problems


def connect_islands(graph: nx.Graph, areas: gpd.GeoDataFrame, *, mode: str, file: str) -> list[Problem]:
    """Deal with areas not connected to the rest (islands, exclaves, separate groups).

    ``report``: one error naming them.  ``link_nearest``: link each smaller component to the
    nearest area outside it until the graph is connected (a note per link).  ``own_lot``:
    leave them; they only ever form lots of their own component.
    """
    problems: list[Problem] = []
    components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), sorted(c)[0]))
    if len(components) <= 1:
        return problems
    names = areas["name"] if "name" in areas else pd.Series(areas.index, index=areas.index)
    detached = [c for c in components[1:]]
    if mode == "report":
        listed = "; ".join(", ".join(f"{names[a]} ({a})" for a in sorted(c)) for c in detached)
        problems.append(Problem(file, "adjacency", f"{len(detached)} group(s) of areas share no border with the rest: "
                                f"{listed}",
                                "add [[geography.links]] (ferry, bridge, road) in the scenario, or set "
                                "geography.islands = 'link_nearest' or 'own_lot'"))
    elif mode == "link_nearest":
        if "geometry" not in areas or areas.geometry.isna().all():
            problems.append(Problem(file, "adjacency", "cannot link islands to the nearest area without geometries",
                                    "add explicit [[geography.links]]"))
            return problems
        geoms = areas.geometry
        while True:
            components = sorted(nx.connected_components(graph), key=lambda c: (-len(c), sorted(c)[0]))
            if len(components) <= 1:
                break
            island = components[-1]
            rest = [a for a in graph if a not in island]
            best = min(((float(geoms[a].distance(geoms[b])), a, b) for a in sorted(island) for b in sorted(rest)))
            dist, a, b = best
            graph.add_edge(a, b, shared_m=0.0, kind=NEAREST, note=f"added: nearest area, {dist / 1000:.1f} km")
            problems.append(Problem(file, "adjacency", f"linked {names[a]} ({a}) to its nearest area {names[b]} ({b}), "
                                    f"{dist / 1000:.1f} km away", severity="note"))
    else:
        listed = "; ".join(", ".join(str(a) for a in sorted(c)) for c in detached)
        problems.append(Problem(file, "adjacency", f"areas not connected to the rest form lots only among "
                                f"themselves: {listed}", severity="note"))
    return problems


def added_links(graph: nx.Graph) -> pd.DataFrame:
    """Every edge that is not a shared border (explicit or nearest links)."""
    rows = [
        {"area_a": a, "area_b": b, "kind": d["kind"], "note": d.get("note", "")}
        for a, b, d in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1])))
        if d.get("kind") != BORDER
    ]
    return pd.DataFrame(rows, columns=["area_a", "area_b", "kind", "note"])


def distances_km(points_xy: pd.DataFrame, areas: gpd.GeoDataFrame, *,
                 reference: str = "representative_point") -> pd.DataFrame:
    """Straight-line km from each point (columns x, y in the areas' CRS) to each area.

    ``reference`` (``geography.reach_reference``) is where in the area the distance is
    measured to: ``representative_point``, a point guaranteed inside the polygon (the
    default); ``whole_area``, the farthest point of the area (a supplier reaches the area
    only when it reaches all of it); ``any_point``, the nearest point (0 inside the area).

    >>> from shapely.geometry import box
    >>> a = gpd.GeoDataFrame(geometry=[box(0, 0, 4000, 3000)], index=["x"], crs="EPSG:3006")
    >>> p = pd.DataFrame({"x": [0.0], "y": [0.0]})
    >>> [round(float(distances_km(p, a, reference=r).iloc[0, 0]), 1) for r in REACH_REFERENCES]
    [2.5, 5.0, 0.0]
    """
    px, py = points_xy["x"].to_numpy(dtype=float), points_xy["y"].to_numpy(dtype=float)
    if reference == "representative_point":
        reps = areas.geometry.representative_point()
        ax, ay = reps.x.to_numpy(), reps.y.to_numpy()
        d = np.hypot(px[:, None] - ax[None, :], py[:, None] - ay[None, :]) / 1000.0
    elif reference == "whole_area":
        # The farthest point of a polygon from any point is a vertex of its convex hull.
        d = np.empty((len(px), len(areas)))
        for j, g in enumerate(areas.geometry.to_numpy()):
            hull = shapely.get_coordinates(shapely.convex_hull(g))
            d[:, j] = np.hypot(px[:, None] - hull[None, :, 0], py[:, None] - hull[None, :, 1]).max(axis=1) / 1000.0
    elif reference == "any_point":
        pts = shapely.points(np.nan_to_num(px, nan=0.0), np.nan_to_num(py, nan=0.0))
        d = shapely.distance(pts[:, None], areas.geometry.to_numpy()[None, :]) / 1000.0
    else:
        raise ValueError(f"reach reference must be one of {REACH_REFERENCES}, not {reference!r}")
    d[~np.isfinite(px) | ~np.isfinite(py)] = np.nan
    return pd.DataFrame(d, index=points_xy.index, columns=areas.index)
