"""Synthetic scenarios with a fixed seed: tiny ones for tests, S/M/L for benchmarks.

Areas are squares on a grid (rook adjacency), demand is random per area × group, and the
supplier landscape mixes national wholesalers (all groups, no reach limit) with local firms
(a few groups, a radius, small capacity).  Everything is derived from ``seed``.
"""

from __future__ import annotations

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
