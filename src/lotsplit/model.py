"""Candidate lots (columns) and the set-partitioning master problem.

A lot is a connected set of areas × an allowed bundle of product groups.  Lot metrics are
nonlinear (eligibility, chance of no bid, local chance), so the plan is built from whole
lots: every candidate lot is a column with its cost, and the master problem picks columns
that cover every demand cell ``(area, group)`` exactly once:

    min   sum_l c_l x_l
    s.t.  sum_{l covers (a,g)} x_l = 1        for every cell with demand
          min_lots <= sum_l x_l <= max_lots
          sum_l V_l L_l x_l >= target * V     (min_cost: local-share target)
          sum_l C_l x_l <= budget             (max_local: admin budget)
          sum_{l exempt} V_l x_l <= 20 % * V  (small-lots exemption)
          x_l in {0, 1}

Connected area sets are enumerated exactly (each once, by the ESU algorithm of Wernicke
2006) with pruning by rules that only get worse as a set grows (areas that must stay
apart, too few suppliers reaching every area, lot value above the maximum).  Above the
column budget the enumeration stops and the optimizer generates columns instead.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lotsplit.eligibility import Market
from lotsplit.scenario import Scenario


class BudgetExceeded(Exception):
    """More connected area sets than the column budget allows."""


# --------------------------------------------------------------------------- bundles

def allowed_bundles(scenario: Scenario) -> list[tuple[str, ...]]:
    """Every bundle of product groups a lot may have, by the scenario's bundling rules.

    Examples
    --------
    A scenario with groups dairy, bread, meat and ``bundling = "none"`` gives
    ``[("dairy",), ("bread",), ("meat",)]``.
    """
    rules = scenario.config.rules
    groups = list(scenario.groups.index)
    with_demand = set(scenario.demand.columns[scenario.demand.sum(axis=0) > 0])
    if rules.bundling == "none":
        candidates = [(g,) for g in groups]
    else:
        pools = [tuple(groups)] if rules.bundling == "any" else [tuple(f) for f in rules.families]
        limit = rules.max_groups_per_lot or len(groups)
        seen: set[frozenset] = set()
        candidates = []
        for pool in pools:
            for k in range(1, min(limit, len(pool)) + 1):
                for combo in itertools.combinations(pool, k):
                    key = frozenset(combo)
                    if key not in seen:
                        seen.add(key)
                        candidates.append(tuple(g for g in groups if g in key))
    out = []
    for b in candidates:
        s = set(b)
        if any(s & set(t) and not set(t) <= s for t in rules.must_together):
            continue
        if any(len(s & set(t)) > 1 for t in rules.never_together):
            continue
        if not s & with_demand:
            continue
        out.append(b)
    return out


# --------------------------------------------------------------------------- area sets

def connected_area_sets(
    neighbours: list[int],
    *,
    budget: int,
    keep: "callable | None" = None,
    weight: np.ndarray | None = None,
    max_weight: float = np.inf,
    reachers: list[int] | None = None,
    min_reachers: int = 0,
    apart: list[int] = (),
    max_size: int | None = None,
) -> list[int]:
    """All connected vertex sets of a graph as bitmasks, each exactly once (ESU).

    ``neighbours[v]`` is the bitmask of v's neighbours.  A set is not extended (nor
    returned) when its ``weight`` sum exceeds ``max_weight``, when fewer than
    ``min_reachers`` suppliers reach all of it (``reachers[v]``: bitmask of the suppliers
    reaching v), when it holds two areas of one ``apart`` mask, or when it has more than
    ``max_size`` areas — every rule here only gets worse as a set grows, so pruning is exact.
    Raises :class:`BudgetExceeded` past ``budget`` sets.

    >>> path = [0b010, 0b101, 0b010]          # 0 - 1 - 2
    >>> sorted(connected_area_sets(path, budget=100))
    [1, 2, 3, 4, 6, 7]
    """
    n = len(neighbours)
    w = np.zeros(n) if weight is None else np.asarray(weight, dtype=float)
    everyone = (1 << 64) - 1
    reach = reachers if reachers is not None else [everyone] * n
    max_size = max_size or n
    out: list[int] = []

    def ok(S: int, alive: int, total: float, size: int) -> bool:
        if total > max_weight + 1e-9 or size > max_size:
            return False
        if min_reachers and alive.bit_count() < min_reachers:
            return False
        return not any((S & m).bit_count() > 1 for m in apart)

    for v in range(n):
        if not ok(1 << v, reach[v], w[v], 1):
            continue
        higher = ~((1 << (v + 1)) - 1)
        stack = [(1 << v, neighbours[v] & higher, neighbours[v] | (1 << v), reach[v], float(w[v]), 1)]
        while stack:
            S, ext, closed, alive, total, size = stack.pop()
            out.append(S)
            if len(out) > budget:
                raise BudgetExceeded(budget)
            while ext:
                bit = ext & -ext
                ext ^= bit
                u = bit.bit_length() - 1
                S2, alive2, total2 = S | bit, alive & reach[u], total + w[u]
                if not ok(S2, alive2, total2, size + 1):
                    continue
                stack.append((S2, ext | (neighbours[u] & ~closed & higher), closed | neighbours[u],
                              alive2, total2, size + 1))
    return out


def masks_to_matrix(masks: list[int], n: int) -> np.ndarray:
    """Bitmasks → bool matrix (sets × areas)."""
    if not masks:
        return np.zeros((0, n), dtype=bool)
    nbytes = (n + 7) // 8
    raw = np.frombuffer(b"".join(m.to_bytes(nbytes, "little") for m in masks), dtype=np.uint8)
    bits = np.unpackbits(raw.reshape(len(masks), nbytes), axis=1, bitorder="little")
    return bits[:, :n].astype(bool)


# --------------------------------------------------------------------------- columns

@dataclass
class Columns:
    """Candidate lots: area set × bundle, with every lot metric (arrays, one per column)."""

    set_index: np.ndarray
    bundle_index: np.ndarray
    exempt: np.ndarray
    value: np.ndarray            # annual value
    n_eligible: np.ndarray
    expected_bids: np.ndarray
    no_bid_chance: np.ndarray
    local_chance: np.ndarray
    admin_cost: np.ndarray
    boundary_km: np.ndarray
    sme_chance: np.ndarray
    competition_value: np.ndarray   # over the whole contract

    def __len__(self) -> int:
        return len(self.set_index)

    @staticmethod
    def concat(parts: list["Columns"]) -> "Columns":
        names = list(Columns.__dataclass_fields__)
        if not parts:
            return Columns(*[np.zeros(0, dtype=int if n in ("set_index", "bundle_index") else
                                      bool if n == "exempt" else float) for n in names])
        return Columns(*[np.concatenate([getattr(p, n) for p in parts]) for n in names])

    def take(self, idx) -> "Columns":
        return Columns(*[getattr(self, n)[idx] for n in Columns.__dataclass_fields__])


@dataclass
class LotSpace:
    """Everything the master problem is built from."""

    scenario: Scenario
    market: Market
    bundles: list[tuple[str, ...]]
    area_sets: np.ndarray                # sets × areas (bool)
    columns: Columns
    complete: bool                       # every feasible connected lot is a column
    cells: np.ndarray                    # (k, 2): area index, group index of cells with demand
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def total_annual_value(self) -> float:
        return float(self.market.demand.sum())


def graph_masks(scenario: Scenario) -> list[int]:
    ids = list(scenario.areas.index)
    pos = {a: i for i, a in enumerate(ids)}
    masks = [0] * len(ids)
    for a, b in scenario.graph.edges():
        masks[pos[a]] |= 1 << pos[b]
        masks[pos[b]] |= 1 << pos[a]
    return masks


def enumerate_area_sets(scenario: Scenario, market: Market, bundles, *, budget: int,
                        max_size: int | None = None) -> list[int]:
    """Connected area sets that can be part of some feasible lot (exact pruning)."""
    rules = scenario.config.rules
    n = len(market.area_ids)
    pos = market.area_position
    # Smallest value an area can add to any lot: a lot above max_lot_value stays above.
    per_bundle = np.stack([market.demand[:, market.group_index(b)].sum(axis=1) for b in bundles], axis=1)
    weight = per_bundle.min(axis=1)
    reachers = []
    reach = scenario.reach.loc[market.supplier_ids, market.area_ids].to_numpy(dtype=bool)
    for a in range(n):
        m = 0
        for s in np.flatnonzero(reach[:, a]):
            m |= 1 << int(s)
        reachers.append(m)
    apart = []
    for group in rules.areas_apart:
        m = 0
        for a in group:
            m |= 1 << pos[a]
        apart.append(m)
    return connected_area_sets(
        graph_masks(scenario), budget=budget, weight=weight,
        max_weight=rules.max_lot_value if rules.max_lot_value is not None else np.inf,
        reachers=reachers, min_reachers=rules.min_eligible_bidders, apart=apart, max_size=max_size)


def build_columns(scenario: Scenario, market: Market, bundles, area_sets: np.ndarray) -> tuple[Columns, dict]:
    """Evaluate every area set × bundle and keep the lots that satisfy the lot rules."""
    rules = scenario.config.rules
    costs = scenario.config.costs
    n_sets = len(area_sets)
    reaches = market.reaches_all(area_sets) if n_sets else np.zeros((0, len(market.supplier_ids)), bool)
    together_ok = np.ones(n_sets, dtype=bool)
    for group in rules.areas_together:
        idx = [market.area_position[a] for a in group]
        k = area_sets[:, idx].sum(axis=1)
        together_ok &= (k == 0) | (k == len(idx))
    boundary = _boundary_km(scenario, market, area_sets)
    exemption = _exemption(scenario)
    rejected: dict[str, int] = {}
    parts = []
    for b_idx, bundle in enumerate(bundles):
        gi = market.group_index(bundle)
        has_demand = (area_sets.astype(np.int32) @ (market.demand[:, gi] > 0).sum(axis=1)) > 0
        m = market.evaluate(area_sets, bundle, reaches=reaches)
        checks = {
            "no demand": has_demand,
            "areas that must share a lot are split": together_ok,
            "value below min_lot_value": m.value >= rules.min_lot_value - 1e-9,
            "value above max_lot_value": m.value <= (rules.max_lot_value or np.inf) + 1e-9,
            "too few eligible suppliers": m.n_eligible >= rules.min_eligible_bidders,
            "too few expected bids": m.expected_bids >= rules.min_expected_bids - 1e-9,
            "chance of no bid too high": m.no_bid_chance <= rules.max_no_bid_chance + 1e-12,
        }
        keep = np.ones(n_sets, dtype=bool)
        for reason, ok in checks.items():
            rejected[reason] = rejected.get(reason, 0) + int((keep & ~ok & has_demand).sum())
            keep &= ok
        idx = np.flatnonzero(keep)
        part = Columns(idx, np.full(len(idx), b_idx), np.zeros(len(idx), bool), m.value[idx], m.n_eligible[idx],
                       m.expected_bids[idx], m.no_bid_chance[idx], m.local_chance[idx], m.admin_cost[idx],
                       boundary[idx], m.sme_chance[idx], m.competition_value[idx])
        parts.append(part)
        if exemption is not None:
            small = idx[scenario.config.contract_years * m.value[idx] < exemption]
            if len(small):
                delta = (costs.per_lot_exempt if costs.per_lot_exempt is not None else costs.per_lot) - costs.per_lot
                parts.append(Columns(small, np.full(len(small), b_idx), np.ones(len(small), bool), m.value[small],
                                     m.n_eligible[small], m.expected_bids[small], m.no_bid_chance[small],
                                     m.local_chance[small], m.admin_cost[small] + delta, boundary[small],
                                     m.sme_chance[small], m.competition_value[small]))
    return Columns.concat(parts), rejected


def _exemption(scenario: Scenario) -> float | None:
    """Largest contract value of a lot that may use the small-lots exemption, when the
    exemption is switched on and the whole is above the EU threshold; else None."""
    if not scenario.config.rules.small_lots_exemption:
        return None
    nature = scenario.main_nature
    threshold = scenario.defaults.eu_threshold(nature, scenario.currency)
    limit = scenario.defaults.small_lot(nature, scenario.currency)
    if threshold is None or limit is None:
        return None
    if scenario.config.contract_years * scenario.total_annual_value < threshold.value:
        return None
    return limit.value


def _boundary_km(scenario: Scenario, market: Market, area_sets: np.ndarray) -> np.ndarray:
    """Length of shared border between each area set and the areas outside it (km)."""
    pos = market.area_position
    edges = [(pos[a], pos[b], d.get("shared_m", 0.0) / 1000.0) for a, b, d in scenario.graph.edges(data=True)]
    if not edges or not len(area_sets):
        return np.zeros(len(area_sets))
    ea, eb, length = (np.array(x) for x in zip(*edges))
    cut = area_sets[:, ea] ^ area_sets[:, eb]
    return cut.astype(float) @ length.astype(float)


def demand_cells(market: Market) -> np.ndarray:
    a, g = np.nonzero(market.demand > 0)
    return np.stack([a, g], axis=1)


def coverage_matrix(space: LotSpace, columns: Columns | None = None) -> sp.csc_matrix:
    """Cells × columns 0/1 matrix: which demand cells each lot covers.

    Vectorised per bundle: (lot area masks) @ (areas × cells of the bundle's groups).
    """
    cols = space.columns if columns is None else columns
    n_a, n_g = space.market.demand.shape
    n_cells = len(space.cells)
    if len(cols) == 0:
        return sp.csc_matrix((n_cells, 0))
    cell_id = -np.ones((n_a, n_g), dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(n_cells)
    sets = sp.csr_matrix(space.area_sets.astype(np.float64))
    blocks, order = [], []
    for b_idx, bundle in enumerate(space.bundles):
        which = np.flatnonzero(cols.bundle_index == b_idx)
        if not len(which):
            continue
        ids = cell_id[:, space.market.group_index(bundle)]
        a, k = np.nonzero(ids >= 0)
        area_to_cell = sp.csr_matrix((np.ones(len(a)), (a, ids[a, k])), shape=(n_a, n_cells))
        blocks.append(sets[cols.set_index[which]] @ area_to_cell)
        order.append(which)
    stacked = sp.vstack(blocks).tocsr()
    inverse = np.empty(len(cols), dtype=np.int64)
    inverse[np.concatenate(order)] = np.arange(len(cols))
    out = stacked[inverse].T.tocsc()
    out.sort_indices()
    out.data[:] = 1.0
    return out


POOL_BUDGET = 100_000
"""Columns in the starting pool of column generation (lots of every size up to the largest
that fits), when the complete enumeration is past the column budget."""


def lot_space(scenario: Scenario, *, budget: int | None = None, max_size: int | None = None,
              pool_budget: int | None = None) -> LotSpace:
    """Enumerate every feasible candidate lot (``complete=True``), or, past the column
    budget, the lots of the largest size for which ``pool_budget`` columns suffice
    (``complete=False``): the starting pool for column generation."""
    market = Market(scenario)
    bundles = allowed_bundles(scenario)
    budget = budget or scenario.config.solver.column_budget
    set_budget = max(1, budget // max(1, len(bundles)))
    complete = True
    try:
        masks = enumerate_area_sets(scenario, market, bundles, budget=set_budget, max_size=max_size)
        complete = max_size is None
    except BudgetExceeded:
        complete = False
        masks = []
        pool_sets = max(1, min(budget, pool_budget or POOL_BUDGET) // max(1, len(bundles)))
        for size in range(1, len(market.area_ids) + 1):
            try:
                masks = enumerate_area_sets(scenario, market, bundles, budget=pool_sets if size > 1 else 10**9,
                                            max_size=size)
            except BudgetExceeded:
                break
    area_sets = masks_to_matrix(sorted(masks), len(market.area_ids))
    columns, rejected = build_columns(scenario, market, bundles, area_sets)
    return LotSpace(scenario, market, bundles, area_sets, columns, complete, demand_cells(market), rejected)
