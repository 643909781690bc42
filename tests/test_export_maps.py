"""Maps fit for print and screen: every text at least 7 pt at its printed size, every
area named (inside or with a leader line), links drawn, lot styles distinct from each
other and from "no demand" (also for colour-blind readers), the web map consistent.

Fixtures: the in-memory scenarios of ``test_export_annex`` (2 × 2 squares) and a 3 × 4
grid with an island joined by a ferry link.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import lotsplit
from lotsplit.export import common as C
from lotsplit.export import maps
from lotsplit.export import styles as S
from lotsplit.export.webmap import render
from lotsplit.synthetic import grid_scenario

from test_export_annex import make_plan
from test_export_helpers import Page


@pytest.fixture(scope="module")
def island_plan():
    """A 2 × 3 grid of 10 km squares plus a small island 6 km off its east side, joined by
    a ferry; the areas have long names (they cannot all fit inside)."""
    from lotsplit.config import ScenarioConfig
    from lotsplit.scenario import build_scenario

    ids = [f"a{r}{c}" for r in range(2) for c in range(3)]
    geoms = [box(c * 10_000, r * 10_000, (c + 1) * 10_000, (r + 1) * 10_000) for r in range(2) for c in range(3)]
    areas = gpd.GeoDataFrame({"id": ids + ["isle"], "name": [f"Kommundel {i} med långt namn" for i in ids] + ["Ön"]},
                             geometry=geoms + [box(36_000, 4_000, 38_000, 6_000)], crs="EPSG:3006")
    groups = pd.DataFrame({"id": ["g0", "g1"], "name": ["Mejeri", "Bröd"], "cpv": ["15500000-3", "15810000-9"],
                           "nature": ["supplies"] * 2})
    demand = pd.DataFrame([(a, g, 400_000.0 + 50_000 * k) for k, a in enumerate(ids) for g in ("g0", "g1")]
                          + [("isle", "g0", 50_000.0)], columns=["area_id", "product_group_id", "annual_value"])
    sup = [("n", "Grossisten AB", "a00", "g0;g1", "", 1e9, 1e10, False, False, 0.8),
           ("l1", "Mejeri Väst", "a00", "g0", "a00;a10;a01", 3e6, 8e6, True, True, 0.6),
           ("l2", "Bageri Öst", "a02", "g1", "a02;a12;a11", 3e6, 8e6, True, True, 0.6)]
    suppliers = pd.DataFrame([{"id": i, "name": n, "lon": "", "lat": "", "area_id": a, "groups": g, "reach_km": "",
                               "reach_areas": r, "capacity": c, "turnover": t, "local": lo, "sme": sm,
                               "propensity": p} for i, n, a, g, r, c, t, lo, sm, p in sup])
    raw = {"name": "Ö-test", "language": "sv", "contract_years": 2, "areas": {"file": "a.gpkg", "nuts3": "SE312"},
           "product_groups": {"file": "g.csv"}, "demand": {"file": "d.csv"}, "suppliers": {"file": "s.csv"},
           "geography": {"min_shared_border_m": 100.0, "snap_tolerance_m": 1.0,
                         "links": [{"a": "a12", "b": "isle", "kind": "ferry", "note": "färjan"}]},
           "costs": {"per_lot": 20_000, "per_bid": 1_000, "per_contract_year": 5_000},
           "objective": {"kind": "weighted", "price_per_local_point": 5_000}}
    s = build_scenario(ScenarioConfig.model_validate(raw), areas=areas, groups=groups, demand=demand,
                       suppliers=suppliers)
    return lotsplit.optimize(s)


def _texts(fig):
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontsize"))
            if t.get_text().strip() and t.get_visible()]


@pytest.mark.parametrize("which", ["divided", "island"])
def test_print_pages_are_drawn_at_print_size_with_every_text_7_pt_or_more(which, island_plan):
    plan = island_plan if which == "island" else make_plan("sv")
    for panel in C.panels(plan):
        fig = maps.panel_figure(plan, panel)
        w, h = fig.get_size_inches()
        assert (w * 25.4, h * 25.4) == pytest.approx(maps.PRINT_MM)
        sizes = [t.get_fontsize() for t in _texts(fig)]
        assert sizes and min(sizes) >= 7.0, sorted(set(sizes))
    pages = maps.print_pages(plan)
    assert [(p.width_mm, p.height_mm) for p in pages] == [maps.PRINT_MM] * len(pages)
    assert pages[0].caption.startswith("Karta")


def test_overview_map_text_is_7_pt_or_more(island_plan):
    sizes = [t.get_fontsize() for t in _texts(maps.plan_figure(island_plan))]
    assert min(sizes) >= 7.0


def test_every_area_is_named_inside_or_with_a_leader(island_plan):
    plan = island_plan
    names = set(plan.scenario.areas["name"])
    fig = maps.panel_figure(plan, C.panels(plan)[0])
    ax = fig.axes[0]
    shown = [t for t in _texts(fig) if t.get_text() in names and t.axes is ax]
    assert {t.get_text() for t in shown} == names
    # Where a name is outside its area, a leader line leads to a point inside it.
    geoms = dict(zip(plan.scenario.areas["name"], plan.scenario.areas.geometry))
    outside = [t for t in shown if not geoms[t.get_text()].contains(__import__("shapely").Point(t.get_position()))]
    assert outside, "the long names cannot all fit: some need a leader line"
    leaders = [l for l in ax.get_lines() if l.get_color() == "#444444" and len(l.get_xdata()) == 2]
    assert len(leaders) >= len(outside)
    # No two names overlap.
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in shown]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_links_are_drawn_and_explained(island_plan):
    plan = island_plan
    fig = maps.panel_figure(plan, C.panels(plan)[0])
    colour = S.LINK_STYLES["ferry"][0]
    assert [l for l in fig.axes[0].get_lines() if l.get_color() == colour]
    assert "Färjeförbindelse" in [t.get_text() for t in _texts(fig)]
    html = render(plan)
    assert f'<path class="link" stroke="{colour}"' in html


def _rgb(h: str) -> np.ndarray:
    return np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255


# Machado, Oliveira & Fernandes (2009) simulation matrices, severity 1.0 (linear RGB).
CVD = {
    "protan": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutan": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritan": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def test_lot_colours_are_far_from_no_demand_in_every_vision():
    white = _rgb(S.NO_DEMAND)
    for c in S.PALETTE:
        lin = _rgb(c) ** 2.2
        for m in [np.eye(3)] + [np.array(v) for v in CVD.values()]:
            sim = np.clip(m @ lin, 0, 1) ** (1 / 2.2)
            assert np.linalg.norm(sim - white) > 0.15, c
    assert "#DDDDDD" not in S.PALETTE


@pytest.mark.parametrize("plan_kind", ["divided", "finest", "dalarna-like"])
def test_every_lot_has_its_own_style_and_neighbours_differ_in_colour(plan_kind):
    if plan_kind == "dalarna-like":
        plan = lotsplit.optimize(grid_scenario(3, 4, 3, 12, seed=3, config={"rules": {"max_groups_per_lot": 1}}))
    else:
        plan = make_plan("sv", plan_kind)
    panels = C.panels(plan)
    region = S.region_styles(plan, panels)
    styles = S.lot_styles(plan, panels)
    assert len(set(styles.values())) == len(set(region))          # unique up to 48 lots
    for p in panels:
        for a, b in plan.scenario.graph.edges():
            ra, rb = p.area_lots.get(a), p.area_lots.get(b)
            if ra and rb and ra != rb:
                assert region[ra].colour != region[rb].colour


def test_web_map_names_every_area_and_keeps_lot_styles_across_groups():
    plan = make_plan("en")
    html = render(plan)
    page = Page(html)
    data = json.loads(next(s for s in page.scripts if s.lstrip().startswith("{")))
    names = re.findall(r'<text class="name"[^>]*>([^<]+)</text>', html)
    assert sorted(names) == sorted(plan.scenario.areas["name"])
    styles = S.lot_styles(plan)
    fills = {}
    for p in data["panels"]:
        for area, lots in p["area_lots"].items():
            for lot in lots:
                fills.setdefault(lot, set()).add(p["fill"][area])
    assert all(len(f) == 1 for f in fills.values())                  # a lot looks the same on every map
    assert len({next(iter(f)) for f in fills.values()}) == len(plan.lots)   # ... and unlike any other lot
    hatched = [st for st in styles.values() if st.hatch]
    assert len(re.findall(r'<pattern id="lot-style-\d+"', html)) == len(set(hatched))
