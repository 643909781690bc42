"""Where to write each area's name on a map: inside the area where it fits, otherwise
beside it with a leader line, never over another label.

Works in map coordinates with a caller's text measure, so the static maps (matplotlib,
sizes in points) and the web map (SVG, sizes in pixels) place names the same way.

>>> from shapely.geometry import box
>>> areas = [("a", "Big area", box(0, 0, 100, 100)), ("b", "Tiny", box(100, 0, 103, 3))]
>>> placed = place_names(areas, measure=lambda s: (len(s) * 3.0, 4.0), bounds=(-20, -20, 140, 120))
>>> [(p.key, p.leader is None) for p in placed]
[('a', True), ('b', False)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import box
from shapely.ops import polylabel

ANGLES = tuple(range(0, 360, 20))
RINGS = (0.8, 1.6, 2.6, 4.0, 6.0, 9.0, 13.0)
"""Distances tried for a name outside its area, in text heights beyond the area's edge."""


@dataclass(frozen=True)
class Placement:
    key: str
    name: str
    x: float
    y: float
    """Centre of the name."""
    width: float
    height: float
    leader: tuple[float, float] | None = None
    """Point inside the area the leader line goes to (``None``: the name is inside)."""

    @property
    def box(self) -> shapely.Polygon:
        return box(self.x - self.width / 2, self.y - self.height / 2, self.x + self.width / 2, self.y + self.height / 2)

    def leader_start(self) -> tuple[float, float]:
        """Where the leader line leaves the name's box (the point of the box nearest the area)."""
        lx, ly = self.leader
        b = self.box.exterior
        p = b.interpolate(b.project(shapely.Point(lx, ly)))
        return p.x, p.y


def text_width(s: str, size: float, *, bold: bool = False, italic: bool = False) -> float:
    """Width of ``s`` in DejaVu Sans at ``size`` (points, or pixels: the unit of ``size``)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    from lotsplit.export.common import font_safe

    fp = FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal",
                        style="italic" if italic else "normal")
    return text_to_path.get_text_width_height_descent(font_safe(s), fp, ismath=False)[0]


def anchor(geom) -> shapely.Point:
    """The point of the area's largest part farthest from its edge (pole of inaccessibility)."""
    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    return polylabel(part, tolerance=max(part.length / 500, 1e-9))


def place_names(areas, *, measure, bounds, taken=(), pad: float = 0.15) -> list[Placement]:
    """Place every ``(key, name, geometry)`` of ``areas``.

    ``measure(name) -> (width, height)`` in map units; ``bounds`` the box names may use;
    ``taken`` boxes ``(x0, y0, x1, y1)`` already covered (lot labels).  Larger areas are
    placed first.  Every area gets a placement: inside when the name fits, else beside
    the area with a leader, at the nearest free spot (as a last resort, one that overlaps).
    """
    boxes = [box(*b) for b in taken]
    x0, y0, x1, y1 = bounds
    frame = box(x0, y0, x1, y1)
    others = shapely.union_all([g for _, _, g in areas]) if areas else None
    out = []
    for key, name, geom in sorted(areas, key=lambda t: (-t[2].area, t[0])):
        w, h = measure(name)
        w_pad, h_pad = w * (1 + pad), h * (1 + 2 * pad)
        a = anchor(geom)
        spot = None
        for (x, y) in _inside_candidates(geom, a, w_pad, h_pad):
            b = box(x - w_pad / 2, y - h_pad / 2, x + w_pad / 2, y + h_pad / 2)
            if geom.contains(b) and not any(b.intersects(o) for o in boxes):
                spot = Placement(key, name, x, y, w, h)
                break
        if spot is None:
            spot = _outside(key, name, geom, a, w, h, w_pad, h_pad, boxes, frame, others)
        boxes.append(box(spot.x - w_pad / 2, spot.y - h_pad / 2, spot.x + w_pad / 2, spot.y + h_pad / 2))
        out.append(spot)
    return out


def _inside_candidates(geom, a, w: float, h: float, limit: int = 600):
    """Centres to try for a name inside ``geom``: the pole of inaccessibility, then a grid
    over the area (step: half a text height) nearest the pole first."""
    yield a.x, a.y
    minx, miny, maxx, maxy = geom.bounds
    if maxx - minx < w or maxy - miny < h:
        return
    step = h / 2
    xs = np.arange(minx + w / 2, maxx - w / 2 + 1e-9, max(step, (maxx - minx - w) / 60))
    ys = np.arange(miny + h / 2, maxy - h / 2 + 1e-9, max(step, (maxy - miny - h) / 60))
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack((gx.ravel(), gy.ravel()))
    inside = shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
    pts = pts[inside]
    order = np.argsort((pts[:, 0] - a.x) ** 2 + (pts[:, 1] - a.y) ** 2, kind="stable")
    for x, y in pts[order][:limit]:
        yield float(x), float(y)


def _outside(key, name, geom, a, w, h, w_pad, h_pad, boxes, frame, others) -> Placement:
    best = None
    for ring in RINGS:
        for deg in ANGLES:
            t = math.radians(deg)
            # From the area's edge in this direction, ``ring`` text heights out.
            ray = shapely.LineString([(a.x, a.y), (a.x + 1e9 * math.cos(t), a.y + 1e9 * math.sin(t))])
            edge = max(a.distance(shapely.Point(c)) for c in _coords(ray.intersection(geom.boundary))) \
                if ray.intersects(geom.boundary) else 0.0
            d = edge + ring * h + abs(math.cos(t)) * w_pad / 2 + abs(math.sin(t)) * h_pad / 2
            x, y = a.x + d * math.cos(t), a.y + d * math.sin(t)
            b = box(x - w_pad / 2, y - h_pad / 2, x + w_pad / 2, y + h_pad / 2)
            if not frame.contains(b) or b.intersects(geom) or any(b.intersects(o) for o in boxes):
                continue
            # Prefer spots over white (off the map's areas), then the nearest.
            covered = b.intersection(others).area / b.area if others is not None else 0.0
            score = (round(covered, 1), d)
            if best is None or score < best[0]:
                best = (score, x, y)
        if best is not None:
            break
    if best is None:                        # nowhere free: just above the area, overlapping
        x, y = a.x, geom.bounds[3] + h
    else:
        _, x, y = best
    return Placement(key, name, x, y, w, h, leader=(a.x, a.y))


def _coords(g):
    if g.is_empty:
        return [(0.0, 0.0)]
    if hasattr(g, "geoms"):
        return [c for part in g.geoms for c in _coords(part)]
    return list(g.coords)
