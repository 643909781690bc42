"""Static maps of the plan: ``map.png``, ``map.svg``, ``map.pdf``.

No web tiles, so they work offline.  One map when every product group is divided into the
same areas; otherwise small multiples, one map per set of groups that share their lots
(see :func:`lotsplit.export.common.panels`).  Lots are coloured so that neighbours differ,
with Paul Tol's colour-blind-safe "light" palette; lot numbers label them, area names are
drawn where they fit inside their area, and the legend gives each lot's value per year and
its local chance.  Files are byte-identical for the same plan (fixed metadata, SVG hash salt).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath
from pyproj import CRS
from shapely.ops import polylabel

from lotsplit.export import common as C
from lotsplit.export.texts import text
from lotsplit.plan import LotPlan

EMPTY = "#F4F4F4"
LEGEND_ROW_IN = 0.36
EDGE = "#333333"
RC = {"svg.hashsalt": "lotsplit", "svg.fonttype": "path", "pdf.fonttype": 42, "font.family": "DejaVu Sans",
      "axes.titlesize": 10, "axes.titleweight": "bold"}
METADATA = {
    "png": {"Software": "lotsplit"},
    "svg": {"Date": None, "Creator": "lotsplit"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "lotsplit", "Producer": "lotsplit"},
}


def plan_figure(plan: LotPlan) -> Figure:
    """The map figure (matplotlib, no pyplot state); save it with :func:`save`."""
    s = plan.scenario
    lang = s.config.language
    panel_list = C.panels(plan)
    colours = C.region_colours(plan, panel_list)
    n = len(panel_list)
    minx, miny, maxx, maxy = s.areas.total_bounds
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    ncols = 1 if n == 1 else min(3, n)
    nrows = math.ceil(n / ncols)
    panel_w = 7.5 if n == 1 else 4.2
    panel_h = min(max(panel_w * aspect, 3.0), 10.0)
    legend_w = 5.2
    rows_needed = (len(plan.lots) + 1.5) * LEGEND_ROW_IN + 1.0
    height = max(nrows * (panel_h + 0.45) + 1.2, rows_needed)
    width = ncols * panel_w + legend_w
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height), dpi=150)
        FigureCanvasAgg(fig)
        title_key = "map_title" if n == 1 else "map_title_groups"
        fig.suptitle(C.font_safe(text(lang, title_key, name=s.name, n=len(plan.lots))), fontsize=14, fontweight="bold",
                     x=0.02, ha="left", y=0.995, va="top")
        map_frac = ncols * panel_w / width
        top = 1 - 0.6 / height
        bottom = 0.45 / height
        gs = fig.add_gridspec(nrows, ncols, left=0.01, right=map_frac - 0.005, top=top, bottom=bottom,
                              hspace=0.12, wspace=0.04)
        for k, panel in enumerate(panel_list):
            ax = fig.add_subplot(gs[k // ncols, k % ncols])
            _draw_panel(fig, ax, plan, panel, colours, names=True, scalebar=(k == 0),
                        title=None if n == 1 else C.font_safe(panel.title(plan)))
        lax = fig.add_axes((map_frac + 0.005, bottom, 1 - map_frac - 0.01, top - bottom))
        _legend(lax, plan, C.lot_colours(plan, panel_list))
        crs = CRS(s.areas.crs)
        fig.text(0.01, 0.008, text(lang, "map_note", crs=f"{crs.name}, EPSG:{crs.to_epsg()}"), fontsize=7,
                 color="#555555", ha="left", va="bottom")
    return fig


def _draw_panel(fig, ax, plan: LotPlan, panel: C.Panel, colours, *, names: bool, scalebar: bool, title) -> None:
    s = plan.scenario
    geoms = s.areas.geometry
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left", pad=3)
    for a, region in panel.area_lots.items():
        _add_geom(ax, geoms[a], facecolor=colours.get(region, EMPTY) if region else EMPTY, edgecolor="#FFFFFF",
                  linewidth=0.6, zorder=1)
    regions: dict[tuple, list[str]] = {}
    for a, region in panel.area_lots.items():
        if region:
            regions.setdefault(region, []).append(a)
    label_boxes = []
    renderer = fig.canvas.get_renderer()
    minx, miny, maxx, maxy = s.areas.total_bounds
    pad = 0.03 * max(maxx - minx, maxy - miny)
    span = max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    # Room below the map for the scale bar, so it never covers an area (in every panel,
    # so the small multiples line up).
    ax.set_ylim(miny - pad - 0.09 * span, maxy + pad)
    shapes = {}
    for region, areas in sorted(regions.items()):
        shape = C.dissolved(plan, areas)
        shapes[region] = shape
        _add_geom(ax, shape, facecolor="none", edgecolor=EDGE, linewidth=1.3, zorder=3)
    _add_geom(ax, shapely.union_all(geoms.to_numpy()), facecolor="none", edgecolor=EDGE, linewidth=1.6, zorder=3)
    for region, shape in sorted(shapes.items()):
        biggest = max(getattr(shape, "geoms", [shape]), key=lambda g: g.area)
        p = polylabel(biggest, tolerance=max(biggest.length / 500, 1.0))
        t = ax.text(p.x, p.y, ", ".join(C.lot_label(x) for x in region), ha="center", va="center", fontsize=9,
                    fontweight="bold", zorder=6, color="#000000",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "#FFFFFF", "ec": EDGE, "lw": 0.6, "alpha": 0.9})
        label_boxes.append(t.get_window_extent(renderer).expanded(1.15, 1.3))
    if names:
        _area_names(ax, plan, renderer, label_boxes)
    if scalebar:
        _scalebar(ax, minx - pad, miny - pad - 0.085 * span, maxx - minx)


def _area_names(ax, plan: LotPlan, renderer, taken) -> None:
    """Area names, each kept only where it fits inside its area and clears the lot labels."""
    s = plan.scenario
    inv = ax.transData.inverted()
    for a, geom in sorted(s.areas.geometry.items(), key=lambda kv: -kv[1].area):
        biggest = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        p = biggest.representative_point()
        t = ax.text(p.x, p.y, C.font_safe(s.areas.loc[a, "name"]), ha="center", va="center", fontsize=6.5,
                    color="#333333", style="italic", zorder=5)
        box = t.get_window_extent(renderer)
        (x0, y0), (x1, y1) = inv.transform([[box.x0, box.y0], [box.x1, box.y1]])
        fits = geom.buffer(0).contains(shapely.box(x0, y0, x1, y1))
        if fits:
            # Move it off a lot label it would cover: just below it, if that still fits.
            for other in taken:
                if box.overlaps(other):
                    dy = (other.y0 - box.y1) - 2
                    t.set_position(inv.transform([[(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2 + dy]])[0])
                    box = t.get_window_extent(renderer)
                    (x0, y0), (x1, y1) = inv.transform([[box.x0, box.y0], [box.x1, box.y1]])
                    fits = geom.contains(shapely.box(x0, y0, x1, y1))
                    break
        if not fits or any(box.overlaps(o) for o in taken):
            t.remove()
            continue
        taken.append(box.expanded(1.05, 1.2))


def _scalebar(ax, x0: float, y0: float, span_m: float) -> None:
    """A two-segment scale bar of a round length (1, 2 or 5 × 10^k km) and a north arrow."""
    target = span_m / 5 / 1000
    k = 10 ** math.floor(math.log10(target))
    km = max(m * k for m in (1, 2, 5) if m * k <= target) if target >= 1e-3 else target
    length = km * 1000
    x, y = x0 + 0.02 * span_m, y0 + 0.01 * span_m
    h = 0.012 * span_m
    for i in range(2):
        ax.add_patch(Rectangle((x + i * length / 2, y), length / 2, h, facecolor=EDGE if i == 0 else "#FFFFFF",
                               edgecolor=EDGE, linewidth=0.8, zorder=7))
    label = f"{km:g} km"
    for xx, s in ((x, "0"), (x + length, label)):
        ax.text(xx, y + 1.6 * h, s, ha="center", va="bottom", fontsize=7, zorder=7)
    ax.annotate("N", xy=(x + length + 0.09 * span_m, y + 4.5 * h), xytext=(x + length + 0.09 * span_m, y - 0.5 * h),
                ha="center", va="bottom", fontsize=8, fontweight="bold", zorder=7,
                arrowprops={"arrowstyle": "-|>", "color": EDGE, "lw": 1.2})


def _legend(ax, plan: LotPlan, colours) -> None:
    """Two lines per lot at a fixed spacing: number and title; value per year and local chance."""
    s = plan.scenario
    lang = s.config.language
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    fig_h = ax.get_figure().get_figheight() * ax.get_position().height
    rows = max(fig_h / LEGEND_ROW_IN, len(plan.lots) + 1.5)
    ax.set_ylim(0, rows)
    ax.text(0, rows - 0.4, text(lang, "legend_head"), fontsize=8.5, fontweight="bold", va="center")
    for i, lot in enumerate(plan.lots):
        y = rows - 1.4 - i
        ax.add_patch(Rectangle((0, y - 0.36), 0.06, 0.72, facecolor=colours.get(lot.id, EMPTY), edgecolor=EDGE,
                               linewidth=0.5))
        ax.text(0.03, y, C.lot_label(lot.id), fontsize=7, fontweight="bold", ha="center", va="center")
        ax.text(0.08, y + 0.17, C.font_safe(_short(C.lot_title(plan, lot, lang), 76)), fontsize=7, va="center")
        ax.text(0.08, y - 0.2, f"{C.millions(lot.annual_value, s.currency, lang)} {text(lang, 'per_year')} · "
                               f"{text(lang, 'legend_local')} {C.percent(lot.local_chance, lang)}",
                fontsize=6.5, va="center", color="#444444")


def _short(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _add_geom(ax, geom, **kw) -> None:
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            if hasattr(poly, "geoms"):
                _add_geom(ax, poly, **kw)
            continue
        verts, codes = [], []
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes += [MPath.MOVETO] + [MPath.LINETO] * (len(xy) - 2) + [MPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MPath(np.concatenate(verts), codes), **kw))


def save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    with matplotlib.rc_context(RC):
        fig.savefig(path, format=fmt, metadata=METADATA[fmt], dpi=150 if fmt == "png" else None)
    return path


def write_maps(plan: LotPlan, directory: str | Path) -> list[Path]:
    d = Path(directory)
    fig = plan_figure(plan)
    return [save(fig, d / f"map.{ext}") for ext in ("png", "svg", "pdf")]
