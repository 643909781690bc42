"""How lots look on the maps (static and web): a colour and a hatch per lot.

Colours are Paul Tol's "light" scheme without its grey (personal.sron.nl/~pault):
distinguishable with every common colour-vision deficiency, light enough for black labels,
and none of them near the white of an area with no demand.  Neighbouring lots always get
different colours; a colour used again for a lot elsewhere gets a hatch (lines, dots,
crosses…), so every lot of a plan of up to 8 × 6 = 48 lots has a style of its own, on
screen, in print and in the legend.

>>> from lotsplit.synthetic import grid_scenario
>>> import lotsplit
>>> plan = lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))
>>> styles = lot_styles(plan)
>>> len(set(styles.values())) == len(plan.lots)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from lotsplit.export import common as C
from lotsplit.plan import LotPlan

PALETTE = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00")
HATCHES = ("", "////", "....", "\\\\\\\\", "xxxx", "----")
"""matplotlib hatch patterns, in the order a colour's later uses get them."""
NO_DEMAND = "#FFFFFF"
NO_DEMAND_EDGE = "#9A9A9A"
HATCH_COLOUR = "#3C3C3C"
EDGE = "#333333"

LINK_STYLES = {
    # kind: (colour, matplotlib dashes, SVG dasharray)
    "ferry": ("#1F5FA8", (0, (4, 2)), "8 4"),
    "bridge": ("#333333", "solid", ""),
    "road": ("#6B4F2A", (0, (1, 1.5)), "2 3"),
    "other": ("#555555", (0, (4, 1.5, 1, 1.5)), "8 3 2 3"),
    "nearest": ("#777777", (0, (3, 2)), "6 4"),
}


@dataclass(frozen=True, order=True)
class Style:
    colour: str
    hatch: str = ""


def region_styles(plan: LotPlan, panel_list: list[C.Panel] | None = None) -> dict[tuple[str, ...], Style]:
    """A style per region (the lots drawn on an area of a map): regions that meet on any
    map get different colours (greedy colouring of their contact graph, most neighbours
    first, least-used colour first); a colour's second, third… use adds a hatch."""
    s = plan.scenario
    panel_list = C.panels(plan) if panel_list is None else panel_list
    contact = nx.Graph()
    for p in panel_list:
        contact.add_nodes_from(r for r in p.area_lots.values() if r)
        for a, b in s.graph.edges():
            ra, rb = p.area_lots.get(a, ()), p.area_lots.get(b, ())
            if ra and rb and ra != rb:
                contact.add_edge(ra, rb)
    on_panel: dict[tuple[str, ...], set[int]] = {}
    for k, p in enumerate(panel_list):
        for r in p.area_lots.values():
            if r:
                on_panel.setdefault(r, set()).add(k)
    order = sorted(contact.nodes, key=lambda n: (-contact.degree(n), n))
    colour: dict[tuple[str, ...], int] = {}
    used = [0] * len(PALETTE)
    out: dict[tuple[str, ...], Style] = {}
    for n in order:
        taken = {colour[m] for m in contact[n] if m in colour}
        free = [i for i in range(len(PALETTE)) if i not in taken] or list(range(len(PALETTE)))
        # Prefer a colour no other lot on the same map has, then the least used one.
        same_map = {colour[m] for m in colour if on_panel.get(m, set()) & on_panel.get(n, set())}
        c = min(free, key=lambda i: (i in same_map, used[i], i))
        colour[n] = c
        out[n] = Style(PALETTE[c], HATCHES[used[c] % len(HATCHES)])
        used[c] += 1
    return out


def lot_styles(plan: LotPlan, panel_list: list[C.Panel] | None = None) -> dict[str, Style]:
    """The style of each lot on the maps (that of the region it is drawn in)."""
    out: dict[str, Style] = {}
    for region, st in sorted(region_styles(plan, panel_list).items()):
        for lot_id in region:
            out.setdefault(lot_id, st)
    return out


def link_kind(data: dict) -> str | None:
    """The kind of an added link of the adjacency graph (``None`` for a shared border)."""
    kind = data.get("kind", "border")
    if kind == "border":
        return None
    return kind if kind in LINK_STYLES else "nearest"
