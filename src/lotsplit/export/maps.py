"""Static maps of the plan: ``map.png`` / ``.svg`` / ``.pdf`` and the print pages of the
annex.

No web tiles, so they work offline.  One map when every product group is divided into the
same areas; otherwise one map per set of groups that share their lots (see
:func:`lotsplit.export.common.panels`).  Lots have a colour and, when a colour is used
again, a hatch of their own (:mod:`lotsplit.export.styles`); areas with no demand are
white.  Every area is named, inside it where the name fits and beside it with a leader
line where it does not; ferry, bridge and road links are drawn and explained in the legend.

:func:`print_pages` draws each map at the size it is printed (an A4 landscape page), so
every text of the map, the legend included, is printed at its nominal size: never below
7 pt.  The overview ``map.png`` puts all maps side by side with names on the first.
Files are byte-identical for the same plan (fixed metadata, SVG hash salt).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath
from pyproj import CRS

from lotsplit.export import common as C
from lotsplit.export import labels as L
from lotsplit.export import styles as S
from lotsplit.export.texts import join, lower_first, ntext, text, word
from lotsplit.plan import LotPlan

MIN_PT = 7.0
NAME_PT, LOT_PT, LEGEND_PT, TITLE_PT = 7.0, 9.0, 7.5, 11.0
PRINT_MM = (261.0, 154.0)
"""A map page: the text width × height of an A4 landscape page, less room for a heading
and the caption."""
PRINT_DPI = 200
MM = 1 / 25.4
RC = {"svg.hashsalt": "lotsplit", "svg.fonttype": "path", "pdf.fonttype": 42, "font.family": "DejaVu Sans",
      "hatch.linewidth": 0.6}
METADATA = {
    "png": {"Software": "lotsplit"},
    "svg": {"Date": None, "Creator": "lotsplit"},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "lotsplit", "Producer": "lotsplit"},
}


@dataclass(frozen=True)
class MapPage:
    """One printed map: the PNG, its printed size and its caption."""

    png: bytes
    width_mm: float
    height_mm: float
    caption: str


# --------------------------------------------------------------------------- one map

def _draw_panel(fig, ax, plan: LotPlan, panel: C.Panel, styles, *, names: bool, scalebar: bool) -> set[str]:
    """Draw one map into ``ax``; returns the link kinds drawn (for the legend)."""
    s = plan.scenario
    geoms = s.areas.geometry
    ax.set_axis_off()
    minx, miny, maxx, maxy = s.areas.total_bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    # The map's extent with room around it for names beside their areas, and below it for
    # the scale bar; widened to the axes' shape so the scale is the same both ways.
    x0, x1 = minx - 0.06 * span, maxx + 0.06 * span
    y0, y1 = miny - 0.13 * span, maxy + 0.05 * span
    bb = ax.get_position()
    fw, fh = fig.get_size_inches()
    box_ratio = (bb.height * fh) / max(bb.width * fw, 1e-9)
    if (y1 - y0) / (x1 - x0) < box_ratio:
        grow = (box_ratio * (x1 - x0) - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    else:
        grow = ((y1 - y0) / box_ratio - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    w_pt = bb.width * fw * 72
    unit = (x1 - x0) / max(w_pt, 1.0)                         # map units per point

    for a, region in panel.area_lots.items():
        st = styles.get(region) if region else None
        if st is None:
            _add_geom(ax, geoms[a], facecolor=S.NO_DEMAND, edgecolor=S.NO_DEMAND_EDGE, linewidth=0.5, zorder=1)
        else:
            _add_geom(ax, geoms[a], facecolor=st.colour, edgecolor="#FFFFFF", linewidth=0.6, zorder=1)
            if st.hatch:
                _add_geom(ax, geoms[a], facecolor="none", edgecolor=S.HATCH_COLOUR, linewidth=0, hatch=st.hatch,
                          zorder=2)
    regions: dict[tuple, list[str]] = {}
    for a, region in panel.area_lots.items():
        if region:
            regions.setdefault(region, []).append(a)
    taken = []
    for region, areas in sorted(regions.items()):
        shape = C.dissolved(plan, areas)
        _add_geom(ax, shape, facecolor="none", edgecolor=S.EDGE, linewidth=1.3, zorder=3)
        p = L.anchor(shape)
        label = ", ".join(C.lot_label(x) for x in region)
        ax.text(p.x, p.y, label, ha="center", va="center", fontsize=LOT_PT, fontweight="bold", zorder=7,
                    color="#000000", bbox={"boxstyle": "round,pad=0.2", "fc": "#FFFFFF", "ec": S.EDGE, "lw": 0.6})
        w = (L.text_width(label, LOT_PT, bold=True) + 6) * unit
        h = (LOT_PT + 6) * unit
        taken.append((p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2))
    _add_geom(ax, shapely.union_all(geoms.to_numpy()), facecolor="none", edgecolor=S.EDGE, linewidth=1.6, zorder=3)
    kinds = _links(ax, plan)
    if scalebar:
        taken.append(_scalebar(ax, x0 + 0.02 * (x1 - x0), y0 + 0.02 * (y1 - y0), maxx - minx, unit))
    if names:
        _names(ax, plan, unit, taken, (x0, y0, x1, y1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return kinds


def _links(ax, plan: LotPlan) -> set[str]:
    s = plan.scenario
    kinds = set()
    for a, b, d in sorted(s.graph.edges(data=True), key=lambda e: (e[0], e[1])):
        kind = S.link_kind(d)
        if kind is None:
            continue
        kinds.add(kind)
        colour, dashes, _ = S.LINK_STYLES[kind]
        pa, pb = L.anchor(s.areas.geometry[a]), L.anchor(s.areas.geometry[b])
        ax.plot([pa.x, pb.x], [pa.y, pb.y], color=colour, linestyle=dashes, linewidth=1.6, zorder=4,
                solid_capstyle="round")
        ax.plot([pa.x, pb.x], [pa.y, pb.y], "o", color=colour, markersize=2.5, zorder=4)
    return kinds


def _names(ax, plan: LotPlan, unit: float, taken, bounds) -> None:
    s = plan.scenario
    items = [(a, str(s.areas.loc[a, "name"]), g) for a, g in s.areas.geometry.items()]

    def measure(name: str) -> tuple[float, float]:
        return L.text_width(name, NAME_PT, italic=True) * unit, NAME_PT * 1.2 * unit

    for p in L.place_names(items, measure=measure, bounds=bounds, taken=taken):
        kw = {}
        if p.leader is not None:
            (sx, sy), (lx, ly) = p.leader_start(), p.leader
            ax.plot([sx, lx], [sy, ly], color="#444444", linewidth=0.5, zorder=5)
            ax.plot([lx], [ly], "o", color="#444444", markersize=1.6, zorder=5)
            kw["bbox"] = {"boxstyle": "square,pad=0.1", "fc": "#FFFFFF", "ec": "none", "alpha": 0.85}
        ax.text(p.x, p.y, C.font_safe(p.name), ha="center", va="center", fontsize=NAME_PT, color="#222222",
                style="italic", zorder=6, **kw)


def _scalebar(ax, x: float, y: float, span_m: float, unit: float) -> tuple[float, float, float, float]:
    """A two-segment scale bar of a round length (1, 2 or 5 × 10^k km) and a north arrow;
    returns the box it covers."""
    target = span_m / 5 / 1000
    k = 10 ** math.floor(math.log10(target)) if target > 0 else 1
    km = max((m * k for m in (1, 2, 5) if m * k <= target), default=target)
    length = km * 1000
    h = 4 * unit
    for i in range(2):
        ax.add_patch(Rectangle((x + i * length / 2, y), length / 2, h, facecolor=S.EDGE if i == 0 else "#FFFFFF",
                               edgecolor=S.EDGE, linewidth=0.8, zorder=7))
    for xx, label in ((x, "0"), (x + length, f"{km:g} km")):
        ax.text(xx, y + h + 2 * unit, label, ha="center", va="bottom", fontsize=MIN_PT, zorder=7)
    nx_ = x + length + 22 * unit
    ax.annotate("N", xy=(nx_, y + 16 * unit), xytext=(nx_, y), ha="center", va="bottom", fontsize=8,
                fontweight="bold", zorder=7, arrowprops={"arrowstyle": "-|>", "color": S.EDGE, "lw": 1.2})
    return (x - 8 * unit, y - 2 * unit, nx_ + 8 * unit, y + 26 * unit)


# --------------------------------------------------------------------------- legend

def _legend(ax, plan: LotPlan, sections, styles_by_lot, *, extras: list, pt: float = LEGEND_PT) -> float:
    """A legend drawn at ``pt`` points in an axes whose units are points; ``sections`` are
    ``(heading or None, lots)``.  Returns the height used (points)."""
    s = plan.scenario
    lang = s.config.language
    ax.set_axis_off()
    fig = ax.get_figure()
    bb = ax.get_window_extent()
    w_pt, h_pt = bb.width * 72 / fig.dpi, bb.height * 72 / fig.dpi
    ax.set_xlim(0, w_pt)
    ax.set_ylim(0, h_pt)
    line = 1.3 * pt
    sw_w, sw_h = 16.0, 11.0
    x_text = sw_w + 6
    y = h_pt - pt
    for part in _wrap(text(lang, _one(plan, "legend_head")), pt + 0.5, w_pt, bold=True):
        ax.text(0, y, part, fontsize=pt + 0.5, fontweight="bold", va="top")
        y -= 1.3 * (pt + 0.5)
    y -= 0.6 * line
    for heading, lots in sections:
        if heading:
            for part in _wrap(heading, pt, w_pt, bold=True):
                ax.text(0, y, C.font_safe(part), fontsize=pt, fontweight="bold", va="top")
                y -= line
            y -= 0.4 * line
        for lot in lots:
            st = styles_by_lot.get(lot.id)
            lines = _wrap(C.lot_title(plan, lot, lang), pt, w_pt - x_text)
            value = f"{C.millions(lot.annual_value, s.currency, lang)} {text(lang, 'per_year')}"
            _swatch(ax, 0, y - sw_h, sw_w, sw_h, st)
            ax.text(sw_w / 2, y - sw_h / 2, C.lot_label(lot.id), fontsize=pt, fontweight="bold", ha="center",
                    va="center", zorder=5, bbox={"boxstyle": "square,pad=0.05", "fc": "#FFFFFF", "ec": "none",
                                                 "alpha": 0.8})
            for k, part in enumerate(lines):
                ax.text(x_text, y - k * line, C.font_safe(part), fontsize=pt, va="top")
            ax.text(x_text, y - len(lines) * line, value, fontsize=pt, va="top", color="#444444")
            y -= max((len(lines) + 1) * line, sw_h) + 0.5 * line
        y -= 0.4 * line
    for kind, label in extras:
        if kind == "no_demand":
            _swatch(ax, 0, y - sw_h, sw_w, sw_h, None)
        else:
            colour, dashes, _ = S.LINK_STYLES[kind]
            ax.plot([1, sw_w - 1], [y - sw_h / 2] * 2, color=colour, linestyle=dashes, linewidth=1.6)
        ax.text(x_text, y - sw_h / 2, label, fontsize=pt, va="center")
        y -= sw_h + 0.6 * line
    return h_pt - y


def _swatch(ax, x, y, w, h, st) -> None:
    if st is None:
        ax.add_patch(Rectangle((x, y), w, h, facecolor=S.NO_DEMAND, edgecolor=S.NO_DEMAND_EDGE, linewidth=0.6))
        return
    ax.add_patch(Rectangle((x, y), w, h, facecolor=st.colour, edgecolor=S.EDGE, linewidth=0.5))
    if st.hatch:
        ax.add_patch(Rectangle((x, y), w, h, facecolor="none", edgecolor=S.HATCH_COLOUR, linewidth=0,
                               hatch=st.hatch))


def _wrap(s: str, pt: float, width_pt: float, *, bold: bool = False) -> list[str]:
    lines, cur = [], ""
    for w in str(s).split(" "):
        cand = f"{cur} {w}".strip()
        if cur and L.text_width(cand, pt, bold=bold) > width_pt:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    return lines + ([cur] if cur else [])


def _extras(plan: LotPlan, panels, kinds: set[str]) -> list[tuple[str, str]]:
    lang = plan.scenario.config.language
    out = []
    if any(not r for p in panels for r in p.area_lots.values()):
        out.append(("no_demand", text(lang, "legend_no_demand")))
    out += [(k, text(lang, f"link_{k}")) for k in S.LINK_STYLES if k in kinds]
    return out


def _legend_height(plan: LotPlan, sections, width_pt: float, pt: float, extras: int) -> float:
    line = 1.3 * pt
    h = pt + 0.6 * line + 1.3 * (pt + 0.5) * len(_wrap(text(plan.scenario.config.language,
                                                            _one(plan, "legend_head")), pt + 0.5, width_pt, bold=True))
    for heading, lots in sections:
        h += (len(_wrap(heading, pt, width_pt, bold=True)) + 0.4) * line if heading else 0
        for lot in lots:
            n = len(_wrap(C.lot_title(plan, lot, plan.scenario.config.language), pt, width_pt - 22))
            h += max((n + 1) * line, 11.0) + 0.5 * line
        h += 0.4 * line
    return h + extras * (11.0 + 0.6 * line)


# --------------------------------------------------------------------------- figures

def _one(plan: LotPlan, key: str) -> str:
    """``key`` or, for an undivided plan (one contract, no lots to number), ``key_one``."""
    return f"{key}_one" if len(plan.lots) == 1 else key


def _crs_note(plan: LotPlan) -> str:
    crs = CRS(plan.scenario.areas.crs)
    return text(plan.scenario.config.language, _one(plan, "map_note"), crs=f"{crs.name}, EPSG:{crs.to_epsg()}")


def _panel_lots(plan: LotPlan, panel: C.Panel) -> list:
    ids = {x for r in panel.area_lots.values() for x in r}
    return [l for l in plan.lots if l.id in ids]


def _title(plan: LotPlan, panel: C.Panel) -> str:
    return C.font_safe(panel.title(plan))


def panel_figure(plan: LotPlan, panel: C.Panel, styles=None) -> Figure:
    """One map at its printed size (:data:`PRINT_MM`): the map on the left, the legend of
    its lots on the right, every text at least 7 pt."""
    styles = S.region_styles(plan) if styles is None else styles
    by_lot = {x: st for r, st in styles.items() for x in r}
    w_in, h_in = PRINT_MM[0] * MM, PRINT_MM[1] * MM
    lots = _panel_lots(plan, panel)
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(w_in, h_in), dpi=PRINT_DPI)
        FigureCanvasAgg(fig)
        fig.text(0.005, 0.995, _title(plan, panel), fontsize=TITLE_PT, fontweight="bold", ha="left", va="top")
        # The map as wide as its shape needs at the page's height (at most 70 % of the
        # width), the legend in the rest.
        minx, miny, maxx, maxy = plan.scenario.areas.total_bounds
        span = max(maxx - minx, maxy - miny, 1.0)
        ratio = (maxy - miny + 0.18 * span) / max(maxx - minx + 0.12 * span, 1.0)
        map_w = min(0.70, max(0.40, 0.90 * h_in / ratio / w_in))
        ax = fig.add_axes((0.0, 0.04, map_w, 0.90))
        kinds = _draw_panel(fig, ax, plan, panel, styles, names=True, scalebar=True)
        extras = _extras(plan, [panel], kinds)
        lax = fig.add_axes((map_w + 0.015, 0.04, 1 - map_w - 0.015, 0.90))
        _legend(lax, plan, [(None, lots)], by_lot, extras=extras)
        fig.text(0.005, 0.005, _crs_note(plan), fontsize=MIN_PT, color="#555555", ha="left", va="bottom")
    return fig


def plan_figure(plan: LotPlan) -> Figure:
    """The overview map (``map.png``): every map side by side, area names on the first,
    the legend grouped by map."""
    s = plan.scenario
    lang = s.config.language
    panel_list = C.panels(plan)
    styles = S.region_styles(plan, panel_list)
    by_lot = {x: st for r, st in styles.items() for x in r}
    n = len(panel_list)
    minx, miny, maxx, maxy = s.areas.total_bounds
    aspect = (maxy - miny) / max(maxx - minx, 1.0)
    ncols = 1 if n == 1 else min(3, n)
    nrows = math.ceil(n / ncols)
    panel_w = 7.5 if n == 1 else 4.6
    panel_h = min(max(panel_w * aspect, 3.0), 10.0)
    legend_w = 4.2
    sections = [(None if n == 1 else p.title(plan), _panel_lots(plan, p)) for p in panel_list]
    kinds_all = {S.link_kind(d) for _, _, d in s.graph.edges(data=True)} - {None}
    extras = _extras(plan, panel_list, kinds_all)
    legend_h = _legend_height(plan, sections, legend_w * 72, LEGEND_PT, len(extras)) / 72 + 0.3
    height = max(nrows * (panel_h + 0.35) + 0.9, legend_h + 0.9)
    width = ncols * panel_w + legend_w
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width, height), dpi=150)
        FigureCanvasAgg(fig)
        kind = word(lang, f"kind_{s.main_nature}", 1)
        if len(plan.lots) == 1:
            title = text(lang, "map_title_one", name=s.name)
        else:
            title = ntext(lang, "map_title" if n == 1 else "map_title_groups", len(plan.lots), name=s.name, kind=kind)
        fig.text(0.01, 1 - 0.12 / height, C.font_safe(title), fontsize=13, fontweight="bold", ha="left", va="top")
        map_frac = ncols * panel_w / width
        top, bottom = 1 - 0.75 / height, 0.35 / height
        gs = fig.add_gridspec(nrows, ncols, left=0.005, right=map_frac - 0.005, top=top, bottom=bottom,
                              hspace=0.12, wspace=0.03)
        for k, panel in enumerate(panel_list):
            ax = fig.add_subplot(gs[k // ncols, k % ncols])
            if n > 1:
                ax.set_title(_title(plan, panel), loc="left", pad=3, fontsize=9.5, fontweight="bold")
            _draw_panel(fig, ax, plan, panel, styles, names=(k == 0), scalebar=(k == 0))
        lax = fig.add_axes((map_frac + 0.005, bottom, 1 - map_frac - 0.01, top - bottom))
        _legend(lax, plan, sections, by_lot, extras=extras)
        fig.text(0.01, 0.008, _crs_note(plan), fontsize=MIN_PT, color="#555555", ha="left", va="bottom")
    return fig


def print_pages(plan: LotPlan) -> list[MapPage]:
    """Every map of the plan at its printed size, as PNG (:data:`PRINT_DPI`), with a caption."""
    s = plan.scenario
    lang = s.config.language
    panel_list = C.panels(plan)
    styles = S.region_styles(plan, panel_list)
    out = []
    for k, panel in enumerate(panel_list, 1):
        fig = panel_figure(plan, panel, styles)
        buf = io.BytesIO()
        with matplotlib.rc_context(RC):
            fig.savefig(buf, format="png", dpi=PRINT_DPI, metadata=METADATA["png"])
        n_lots = len(_panel_lots(plan, panel))
        groups = join([lower_first(s.groups.loc[g, "name"]) for g in panel.groups], lang)
        key = "map_caption_undivided" if len(plan.lots) == 1 else "map_caption" if len(panel_list) > 1 \
            else "map_caption_one"
        caption = text(lang, key, k=k, n=len(panel_list), groups=groups, lots=ntext(lang, "n_lots", n_lots))
        out.append(MapPage(buf.getvalue(), PRINT_MM[0], PRINT_MM[1], caption))
    return out


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
