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

from lotsplit.eligibility import Market
from lotsplit.scenario import Scenario


class BudgetExceeded(Exception):
    """More connected area sets than the column budget allows."""


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


def bundle_conflicts(scenario: Scenario, group: str | None = None) -> list[str]:
    """Why the bundling rules allow no lot with ``group`` (or, without a group, why they
    allow no lot at all), in the planner's words with the fix."""
    rules = scenario.config.rules
    names = scenario.groups["name"]
    groups = [group] if group is not None else [g for g in scenario.groups.index
                                                if scenario.demand[g].sum() > 0]
    out: list[str] = []

    def add(text: str) -> None:
        if text not in out:
            out.append(text)

    def listed(ids) -> str:
        return " + ".join(str(names[g]) for g in ids)

    for g in groups:
        for must in rules.must_together:
            if g not in must or len(must) < 2:
                continue
            if rules.bundling == "none":
                add(f"bundling = 'none' allows one product group per lot, but must_together puts {listed(must)} in "
                    f"one lot: allow bundles (bundling = 'any' or 'families') or remove that must_together group")
            if rules.max_groups_per_lot is not None and len(must) > rules.max_groups_per_lot:
                add(f"max_groups_per_lot = {rules.max_groups_per_lot}, but must_together puts {len(must)} groups "
                    f"({listed(must)}) in one lot: raise max_groups_per_lot to {len(must)} or split the must_together "
                    "group")
            if rules.bundling == "families" and not any(set(must) <= set(f) for f in rules.families):
                add(f"must_together puts {listed(must)} in one lot, but no family holds them all: put them in one "
                    "family or remove that must_together group")
            for never in rules.never_together:
                if len(set(must) & set(never)) > 1:
                    add(f"{listed(sorted(set(must) & set(never)))} are both in must_together and in never_together: "
                        "remove one of the two rules")
        if rules.bundling == "families" and not any(g in f for f in rules.families):
            add(f"product group {names[g]} is in no family of rules.families: add it to a family (a family of its "
                "own keeps it in lots of its own)")
    if not out:
        which = f"product group {names[group]}" if group is not None else "any product group with demand"
        out.append(f"the bundling rules allow no lot with {which}: check rules.bundling, families, "
                   "max_groups_per_lot, must_together and never_together")
    return out


def connected_area_sets(neighbours: list[int], *, budget: int, **prune) -> list[int]:
    """All connected vertex sets of a graph as bitmasks, each exactly once (ESU), with the
    exact pruning of :func:`iter_area_sets`.  Raises :class:`BudgetExceeded` past
    ``budget`` sets.

    >>> path = [0b010, 0b101, 0b010]          # 0 - 1 - 2
    >>> sorted(connected_area_sets(path, budget=100))
    [1, 2, 3, 4, 6, 7]
    """
    out: list[int] = []
    for chunk in iter_area_sets(neighbours, **prune):
        out += chunk
        if len(out) > budget:
            raise BudgetExceeded(budget)
        stop_if_requested()
    return out


class StopRequested(Exception):
    """A stop was requested (Ctrl-C) while the candidate lots were enumerated."""


def stop_if_requested() -> None:
    from lotsplit import progress

    if progress.stop_requested():
        raise StopRequested


def iter_area_sets(
    neighbours: list[int],
    *,
    weight: np.ndarray | None = None,
    max_weight: float = np.inf,
    reachers: list[int] | None = None,
    min_reachers: int = 0,
    apart: list[int] = (),
    max_size: int | None = None,
    chunk: int = 50_000,
):
    """Yield the connected vertex sets of a graph as lists of bitmasks (each set exactly
    once, ESU algorithm of Wernicke 2006), ``chunk`` at a time.

    ``neighbours[v]`` is the bitmask of v's neighbours.  A set is not extended (nor
    returned) when its ``weight`` sum exceeds ``max_weight``, when fewer than
    ``min_reachers`` suppliers reach all of it (``reachers[v]``: bitmask of the suppliers
    reaching v), when it holds two areas of one ``apart`` mask, or when it has more than
    ``max_size`` areas — every rule here only gets worse as a set grows, so pruning is exact.
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
            if len(out) >= chunk:
                yield out
                out = []
            while ext:
                bit = ext & -ext
                ext ^= bit
                u = bit.bit_length() - 1
                S2, alive2, total2 = S | bit, alive & reach[u], total + w[u]
                if not ok(S2, alive2, total2, size + 1):
                    continue
                stack.append((S2, ext | (neighbours[u] & ~closed & higher), closed | neighbours[u],
                              alive2, total2, size + 1))
    if out:
        yield out


def masks_to_matrix(masks: list[int], n: int) -> np.ndarray:
    """Bitmasks → bool matrix (sets × areas)."""
    if not masks:
        return np.zeros((0, n), dtype=bool)
    nbytes = (n + 7) // 8
    raw = np.frombuffer(b"".join(m.to_bytes(nbytes, "little") for m in masks), dtype=np.uint8)
    bits = np.unpackbits(raw.reshape(len(masks), nbytes), axis=1, bitorder="little")
    return bits[:, :n].astype(bool)


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
    eligible_bits: np.ndarray | None = None
    """Eligible suppliers of each column (``np.packbits`` of the bool row, suppliers in
    ``Market.supplier_ids`` order), kept when the lots-per-tenderer cap needs them."""

    def __len__(self) -> int:
        return len(self.set_index)

    @staticmethod
    def concat(parts: list["Columns"]) -> "Columns":
        names = [n for n in Columns.__dataclass_fields__ if n != "eligible_bits"]
        if not parts:
            return Columns(*[np.zeros(0, dtype=int if n in ("set_index", "bundle_index") else
                                      bool if n == "exempt" else float) for n in names])
        bits = None
        if all(p.eligible_bits is not None for p in parts):
            bits = np.concatenate([p.eligible_bits for p in parts])
        return Columns(*[np.concatenate([getattr(p, n) for p in parts]) for n in names], bits)

    def take(self, idx) -> "Columns":
        return Columns(*[None if getattr(self, n) is None else getattr(self, n)[idx]
                         for n in Columns.__dataclass_fields__])

    def eligible(self, n_suppliers: int) -> np.ndarray:
        """Bool columns × suppliers (needs ``eligible_bits``)."""
        if self.eligible_bits is None:
            raise ValueError("these columns were built without their eligible suppliers")
        return np.unpackbits(self.eligible_bits, axis=1, count=n_suppliers).astype(bool)


@dataclass
class LotSpace:
    """Everything the master problem is built from."""

    scenario: Scenario
    market: Market
    bundles: list[tuple[str, ...]]
    area_sets: np.ndarray                # sets × areas (bool)
    columns: Columns
    complete: bool                       # every feasible connected lot is a column
    cells: np.ndarray
    """(k, 2): area index, group index of the territory cells, one row each of the master:
    first the ``n_demand`` cells with demand (each in exactly one lot), then every other
    cell of a group with demand (each in at most one lot: the territories of the lots that
    carry a group are disjoint)."""
    n_demand: int = -1
    rejected: dict[str, int] = field(default_factory=dict)
    cap_cuts: list[np.ndarray] = field(default_factory=list)
    """Supplier sets (bool masks) N of the lots-per-tenderer rows: at most cap × |N| lots
    whose eligible suppliers all lie in N (Hall's condition, added as needed)."""
    complete_size: int = 0
    """Every valid lot of at most this many areas is a column (every lot when ``complete``)."""

    def __post_init__(self):
        if self.n_demand < 0:
            self.n_demand = len(self.cells)

    @property
    def total_annual_value(self) -> float:
        return float(self.market.demand.sum())

    @property
    def cover_lo(self) -> np.ndarray:
        """Lower bounds of the territory rows: 1 for cells with demand, 0 for the others."""
        lo = np.zeros(len(self.cells))
        lo[:self.n_demand] = 1.0
        return lo

    @property
    def demand_cells(self) -> np.ndarray:
        return self.cells[:self.n_demand]


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
    return connected_area_sets(graph_masks(scenario), budget=budget, **_pruning(scenario, market, bundles),
                               max_size=max_size)


def stream_area_sets(scenario: Scenario, market: Market, bundles, *, chunk: int = 50_000):
    """:func:`enumerate_area_sets` as a stream of bool matrices (sets × areas), ``chunk``
    sets at a time: for passes over every lot that do not keep them all."""
    n = len(market.area_ids)
    for masks in iter_area_sets(graph_masks(scenario), chunk=chunk, **_pruning(scenario, market, bundles)):
        yield masks_to_matrix(masks, n)


def count_area_sets(scenario: Scenario, market: Market, bundles, *, limit: int) -> int | None:
    """How many area sets :func:`enumerate_area_sets` would give (the enumeration alone,
    no lot evaluated), or None past ``limit``."""
    seen = 0
    for masks in iter_area_sets(graph_masks(scenario), **_pruning(scenario, market, bundles)):
        seen += len(masks)
        if seen > limit:
            return None
        stop_if_requested()
    return seen


def _pruning(scenario: Scenario, market: Market, bundles) -> dict:
    """The exact pruning of the enumeration: the monotone lot rules that can be checked on
    area sets alone (``rules.RULES``: value_high, few_eligible, apart)."""
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
    return dict(weight=weight, max_weight=rules.max_lot_value if rules.max_lot_value is not None else np.inf,
                reachers=reachers, min_reachers=rules.min_eligible_bidders, apart=apart)


def build_columns(scenario: Scenario, market: Market, bundles, area_sets: np.ndarray,
                  *, with_eligible: bool | None = None) -> tuple[Columns, dict]:
    """Evaluate every area set × bundle and keep the lots that keep every lot rule
    (``rules.RULES``); ``rejected`` counts the lots each rule removed (first broken rule).

    ``with_eligible`` keeps each column's eligible suppliers (packed bits), which the
    lots-per-tenderer cap needs; default: when the scenario sets that cap."""
    from lotsplit.model import rules as lot_rules

    costs = scenario.config.costs
    if with_eligible is None:
        with_eligible = scenario.config.rules.max_lots_per_tenderer is not None
    n_sets = len(area_sets)
    reaches = market.reaches_all(area_sets) if n_sets else np.zeros((0, len(market.supplier_ids)), bool)
    boundary = boundary_km(scenario, market, area_sets)
    exemption = exemption_limit(scenario)
    rejected: dict[str, int] = {}
    parts = []
    for b_idx, bundle in enumerate(bundles):
        stop_if_requested()
        m = market.evaluate(area_sets, bundle, reaches=reaches)
        verdicts = lot_rules.check(lot_rules.LotBatch(scenario, market, tuple(bundle), area_sets, m))
        keep = np.ones(n_sets, dtype=bool)
        for code, ok in verdicts.items():
            rejected[code] = rejected.get(code, 0) + int((keep & ~ok).sum())
            keep &= ok
        idx = np.flatnonzero(keep)
        bits = np.packbits(m.eligible[idx], axis=1) if with_eligible else None
        parts.append(_columns(idx, b_idx, False, m, boundary, 0.0, bits))
        if exemption is not None:
            small = scenario.config.contract_years * m.value[idx] < exemption
            if small.any():
                delta = (costs.per_lot_exempt if costs.per_lot_exempt is not None else costs.per_lot) - costs.per_lot
                parts.append(_columns(idx[small], b_idx, True, m, boundary, delta,
                                      None if bits is None else bits[small]))
    return Columns.concat(parts), rejected


def _columns(idx: np.ndarray, b_idx: int, exempt: bool, m, boundary: np.ndarray, admin_delta: float,
             eligible_bits: np.ndarray | None) -> Columns:
    return Columns(idx, np.full(len(idx), b_idx), np.full(len(idx), exempt), m.value[idx], m.n_eligible[idx],
                   m.expected_bids[idx], m.no_bid_chance[idx], m.local_chance[idx], m.admin_cost[idx] + admin_delta,
                   boundary[idx], m.sme_chance[idx], m.competition_value[idx], eligible_bits)


def exemption_limit(scenario: Scenario) -> float | None:
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


def boundary_km(scenario: Scenario, market: Market, area_sets: np.ndarray) -> np.ndarray:
    """Length of shared border between each area set and the areas outside it (km)."""
    pos = market.area_position
    edges = [(pos[a], pos[b], d.get("shared_m", 0.0) / 1000.0) for a, b, d in scenario.graph.edges(data=True)]
    if not edges or not len(area_sets):
        return np.zeros(len(area_sets))
    ea, eb, length = (np.array(x) for x in zip(*edges))
    cut = area_sets[:, ea] ^ area_sets[:, eb]
    return cut.astype(float) @ length.astype(float)


def territory_cells(market: Market) -> tuple[np.ndarray, int]:
    """The rows of the master: every cell with demand, then every cell without demand of
    a product group that has demand somewhere; and the number of cells with demand."""
    a, g = np.nonzero(market.demand > 0)
    groups = market.demand.sum(axis=0) > 0
    fa, fg = np.nonzero((market.demand <= 0) & groups[None, :])
    return np.stack([np.r_[a, fa], np.r_[g, fg]], axis=1).astype(np.int64), len(a)


POOL_BUDGET = 100_000
"""Columns in the starting pool of column generation (lots of every size up to the largest
that fits), when the complete enumeration is past the column budget."""


def lot_space(scenario: Scenario, *, budget: int | None = None, max_size: int | None = None,
              pool_budget: int | None = None) -> LotSpace:
    """Enumerate every feasible candidate lot (``complete=True``), or, past the column
    budget, the lots of the largest size for which ``pool_budget`` columns suffice
    (``complete=False``): the starting pool for column generation."""
    from lotsplit.errors import InfeasibleError

    market = Market(scenario)
    if not (market.demand > 0).any():
        raise InfeasibleError(["there is no demand to divide: every annual value in the demand table is 0; enter the "
                               "estimated annual value of each area × product group"])
    bundles = allowed_bundles(scenario)
    if not bundles:
        raise InfeasibleError(bundle_conflicts(scenario))
    budget = budget or scenario.config.solver.column_budget
    set_budget = max(1, budget // max(1, len(bundles)))
    complete = True
    n_areas = len(market.area_ids)
    complete_size = max_size or n_areas
    try:
        masks = enumerate_area_sets(scenario, market, bundles, budget=set_budget, max_size=max_size)
        complete = max_size is None
    except BudgetExceeded:
        complete = False
        masks = []
        pool_sets = max(1, min(budget, pool_budget or POOL_BUDGET) // max(1, len(bundles)))
        for size in range(1, n_areas + 1):
            try:
                masks = enumerate_area_sets(scenario, market, bundles, budget=pool_sets if size > 1 else 10**9,
                                            max_size=size)
            except BudgetExceeded:
                break
            complete_size = size
    area_sets = masks_to_matrix(sorted(masks), len(market.area_ids))
    columns, rejected = build_columns(scenario, market, bundles, area_sets)
    cells, n_demand = territory_cells(market)
    space = LotSpace(scenario, market, bundles, area_sets, columns, complete, cells, n_demand, rejected,
                     complete_size=complete_size)
    if scenario.config.rules.max_lots_per_tenderer is not None:
        # every lot needs an eligible supplier, and no supplier may be the only one for
        # more lots than the cap; larger supplier sets are added when a plan needs them
        n = len(market.supplier_ids)
        space.cap_cuts = [np.zeros(n, dtype=bool)] + [np.eye(n, dtype=bool)[i] for i in range(n)]
    return space
