"""Synthetic scenarios with a fixed seed: tiny ones for tests, S/M/L for benchmarks.

Areas are squares on a grid (rook adjacency), demand is random per area × group, and the
supplier landscape mixes national wholesalers (all groups, no reach limit) with local firms
(a few groups, a radius, small capacity).  Everything is derived from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from lotsplit.config import ScenarioConfig
from lotsplit.scenario import Scenario, build_scenario

CELL_M = 10_000.0


def grid_scenario(rows: int, cols: int, n_groups: int, n_suppliers: int, *, seed: int = 0,
                  n_national: int = 2, config: dict | None = None, area_ids: list[str] | None = None) -> Scenario:
    """A rows × cols grid of 10 km square areas with ``n_groups`` product groups.

    >>> s = grid_scenario(2, 2, 2, 4, seed=1)
    >>> len(s.areas), len(s.groups), len(s.suppliers)
    (4, 2, 4)
    """
    rng = np.random.default_rng(seed)
    ids = area_ids or [f"a{r}{c}" if rows * cols <= 100 else f"a{r:02d}{c:02d}" for r in range(rows) for c in range(cols)]
    geoms = [box(c * CELL_M, r * CELL_M, (c + 1) * CELL_M, (r + 1) * CELL_M) for r in range(rows) for c in range(cols)]
    areas = gpd.GeoDataFrame({"id": ids, "name": [f"Area {i}" for i in ids]}, geometry=geoms, crs="EPSG:3006")
    gids = [f"g{k}" for k in range(n_groups)]
    groups = pd.DataFrame({"id": gids, "name": [f"Group {k}" for k in range(n_groups)],
                           "cpv": ["15000000-8"] * n_groups, "nature": ["supplies"] * n_groups})
    values = np.round(rng.uniform(50_000, 1_000_000, size=(len(ids), n_groups)), -3)
    demand = pd.DataFrame([(a, g, values[i, k]) for i, a in enumerate(ids) for k, g in enumerate(gids)],
                          columns=["area_id", "product_group_id", "annual_value"])
    total = values.sum()
    sup = []
    for k in range(n_suppliers):
        if k < n_national:
            sup.append({"id": f"n{k}", "name": f"National {k}", "area_id": ids[0], "groups": ";".join(gids),
                        "reach_km": "", "reach_areas": "", "capacity": "", "turnover": "",
                        "local": False, "sme": False, "propensity": round(float(rng.uniform(0.5, 0.8)), 2)})
            continue
        base = ids[int(rng.integers(len(ids)))]
        offered = sorted(rng.choice(gids, size=int(rng.integers(1, min(3, n_groups) + 1)), replace=False))
        cap = float(np.round(rng.uniform(0.3, 3.0) * total / len(ids) / max(1, n_groups / 2), -3))
        sup.append({"id": f"l{k}", "name": f"Local {k}", "area_id": base, "groups": ";".join(offered),
                    "reach_km": float(rng.choice([10.0, 15.0, 25.0])), "reach_areas": "", "capacity": cap,
                    "turnover": 2.5 * cap, "local": True, "sme": True,
                    "propensity": round(float(rng.uniform(0.3, 0.7)), 2)})
    suppliers = pd.DataFrame(sup)
    raw = {"name": f"grid {rows}x{cols}, {n_groups} groups, {n_suppliers} suppliers, seed {seed}",
           "currency": "SEK", "contract_years": 4,
           "areas": {"file": "areas.gpkg"}, "product_groups": {"file": "product_groups.csv"},
           "demand": {"file": "demand.csv"}, "suppliers": {"file": "suppliers.csv"},
           "geography": {"min_shared_border_m": 100.0, "snap_tolerance_m": 1.0},
           "costs": {"per_lot": 40_000, "per_bid": 3_000, "per_contract_year": 10_000, "retender": 60_000},
           "rules": {"turnover_multiple": 2.0, "bundling": "any", "max_groups_per_lot": 2},
           "objective": {"kind": "weighted", "price_per_local_point": 20_000}}
    for key, val in (config or {}).items():
        if isinstance(val, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **val}
        else:
            raw[key] = val
    cfg = ScenarioConfig.model_validate(raw)
    return build_scenario(cfg, areas=areas, groups=groups, demand=demand, suppliers=suppliers)


def random_scenario(seed: int, *, config: dict | None = None, **sizes) -> Scenario:
    """:func:`random_parts` built into a scenario (``config`` overrides parts of the file).

    >>> s = random_scenario(7)
    >>> 3 <= len(s.areas) <= 6 and 2 <= len(s.groups) <= 3
    True
    """
    return random_parts(seed, config=config, **sizes).build()


@dataclass
class ScenarioParts:
    """A scenario's file (as a dict) and its tables, before checking: tests change them."""

    raw: dict
    areas: pd.DataFrame
    groups: pd.DataFrame
    demand: pd.DataFrame
    suppliers: pd.DataFrame
    graph: object
    """The adjacency graph (``networkx.Graph``; nodes are the area ids)."""

    def build(self) -> Scenario:
        return build_scenario(ScenarioConfig.model_validate(self.raw), areas=self.areas, groups=self.groups,
                              demand=self.demand, suppliers=self.suppliers, graph=self.graph)


def random_parts(seed: int, *, n_areas: tuple[int, int] = (3, 6), n_groups: tuple[int, int] = (2, 3),
                 n_suppliers: tuple[int, int] = (2, 8), config: dict | None = None) -> ScenarioParts:
    """A small random scenario on a random connected graph (no geometry): areas, sparse
    demand (some areas buy nothing of a group), suppliers with random groups, reach lists,
    capacity, turnover, local and SME flags, and random costs, rules and objective.  Every
    choice follows from ``seed``; ``config`` overrides parts of the scenario file.

    For the exhaustive tests: every objective kind and every rule appears across seeds.
    """
    import networkx as nx

    rng = np.random.default_rng(seed)
    n = int(rng.integers(n_areas[0], n_areas[1] + 1))
    k = int(rng.integers(n_groups[0], n_groups[1] + 1))
    ids = [f"a{i}" for i in rng.permutation(n) + 1]
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    for i in range(1, n):                                   # a random spanning tree ...
        graph.add_edge(ids[i], ids[int(rng.integers(i))])
    for _ in range(int(rng.integers(0, n))):                # ... and a few more borders
        a, b = rng.choice(n, size=2, replace=False)
        graph.add_edge(ids[a], ids[b])
    for a, b in graph.edges():
        graph.edges[a, b].update(kind="border", shared_m=float(rng.choice([1000.0, 3000.0, 8000.0])), note="")
    gids = [f"g{j}" for j in range(k)]
    values = np.round(rng.uniform(50_000, 900_000, size=(n, k)), -3) * (rng.random((n, k)) < 0.7)
    for j in range(k):
        if values[:, j].sum() == 0:
            values[int(rng.integers(n)), j] = 300_000.0
    demand = pd.DataFrame([(a, g, values[i, j]) for i, a in enumerate(ids) for j, g in enumerate(gids)],
                          columns=["area_id", "product_group_id", "annual_value"])
    groups = pd.DataFrame({"id": gids, "name": [f"Group {j}" for j in range(k)], "cpv": ["15000000-8"] * k,
                           "nature": ["supplies"] * k})
    sup = []
    for t in range(int(rng.integers(n_suppliers[0], n_suppliers[1] + 1))):
        offered = sorted(rng.choice(gids, size=int(rng.integers(1, k + 1)), replace=False))
        everywhere = rng.random() < 0.35
        reach = [] if everywhere else sorted(rng.choice(ids, size=int(rng.integers(1, n + 1)), replace=False))
        cap = "" if rng.random() < 0.4 else float(np.round(rng.uniform(0.2, 1.5) * values.sum() / 2, -3))
        sup.append({"id": f"s{t}", "name": f"Supplier {t}", "area_id": reach[0] if reach else ids[0],
                    "groups": ";".join(offered), "reach_areas": ";".join(reach), "capacity": cap,
                    "turnover": "" if cap == "" else 3.0 * cap, "local": bool(rng.random() < 0.6),
                    "sme": bool(rng.random() < 0.6), "propensity": round(float(rng.uniform(0.2, 1.0)), 2)})
    suppliers = pd.DataFrame(sup)
    total = float(values.sum())
    kind = str(rng.choice(["weighted", "weighted", "min_cost", "max_local"]))
    objective: dict = {"kind": kind, "access": str(rng.choice(["local", "sme"]))}
    if kind == "weighted":
        objective["price_per_local_point"] = float(rng.choice([0.0, 2_000.0, 20_000.0]))
    if kind == "min_cost" and rng.random() < 0.5:
        objective["local_share_target"] = float(rng.choice([0.1, 0.3, 0.5]))
    if kind == "max_local":
        objective["admin_budget"] = float(rng.choice([60_000.0, 150_000.0, 400_000.0]))
    elif rng.random() < 0.3:
        objective["compactness_weight"] = float(rng.choice([1_000.0, 5_000.0]))
    rules: dict = {"bundling": str(rng.choice(["any", "none", "families"])),
                   "turnover_multiple": float(rng.choice([1.0, 2.0]))}
    if rules["bundling"] == "families":
        cut = int(rng.integers(1, k))
        order = list(rng.permutation(gids))
        rules["families"] = [sorted(order[:cut]), sorted(order[cut:])]
    if rules["bundling"] != "none" and rng.random() < 0.4:
        rules["max_groups_per_lot"] = int(rng.integers(1, k + 1))
    extra = rng.random(9)
    if extra[0] < 0.25:
        rules["min_lots"] = 2
    if extra[1] < 0.25:
        rules["max_lots"] = int(rng.integers(max(2, rules.get("min_lots", 1)), n * k + 1))
    if extra[2] < 0.2:
        rules["max_lot_value"] = float(np.round(rng.uniform(0.3, 0.8) * total, -3))
    if extra[3] < 0.2:
        rules["min_lot_value"] = float(np.round(rng.uniform(0.02, 0.15) * total, -3))
    if extra[4] < 0.25:
        rules["min_eligible_bidders"] = int(rng.integers(0, 3))
    if extra[5] < 0.15:
        rules["min_expected_bids"] = 0.8
        rules["max_no_bid_chance"] = 0.5
    if extra[6] < 0.2 and rules["bundling"] == "any":
        pair = sorted(rng.choice(gids, size=2, replace=False))
        rules["must_together" if rng.random() < 0.5 else "never_together"] = [pair]
    if extra[7] < 0.25:
        pair = sorted(rng.choice(ids, size=2, replace=False))
        rules["areas_together" if rng.random() < 0.5 else "areas_apart"] = [pair]
    if extra[8] < 0.25:
        rules["max_lots_per_tenderer"] = int(rng.integers(1, 3))
    competition = ({"model": "none"} if rng.random() < 0.3 else
                   {"price_spread": float(rng.choice([0.02, 0.1])), "saturation_bids": float(rng.choice([3.0, 7.0]))})
    raw = {"name": f"random tiny scenario, seed {seed}", "currency": "SEK",
           "contract_years": int(rng.integers(1, 5)),
           "areas": {"file": "graph"}, "product_groups": {"file": "-"}, "demand": {"file": "-"},
           "suppliers": {"file": "-"},
           "costs": {"per_lot": float(rng.choice([10_000.0, 40_000.0])),
                     "per_bid": float(rng.choice([0.0, 3_000.0])),
                     "per_contract_year": float(rng.choice([0.0, 8_000.0])),
                     "retender": float(rng.choice([0.0, 50_000.0]))},
           "competition": competition, "rules": rules, "objective": objective}
    if rng.random() < 0.2:
        raw["rules"]["small_lots_exemption"] = True
        raw["costs"]["per_lot_exempt"] = 2_000.0
    for key, val in (config or {}).items():
        if isinstance(val, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **val}
        else:
            raw[key] = val
    areas = pd.DataFrame({"id": ids, "name": [f"Area {a}" for a in ids]})
    return ScenarioParts(raw, areas, groups, demand, suppliers, graph)
