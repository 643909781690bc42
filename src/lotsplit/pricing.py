"""Column generation for scenarios with too many connected area sets to enumerate.

The pool starts with every lot of up to the largest size that fits the column budget
(model.lot_space).  Each round solves the LP master, reads the duals and grows new lots
greedily from each area (adding the neighbour that lowers the reduced cost most), keeping
every lot with a negative reduced cost.  Pricing is a heuristic, so the LP value is not a
bound by itself; the bound reported is the Lagrangian bound

    z_LP + K * min(0, lower bound on the least reduced cost of any lot)

where K is the largest number of lots a plan can have and the reduced-cost lower bound
relaxes each lot's cost to its fixed part and its value-dependent terms to area sums.  It
is valid, and honest about how much is unknown: on large instances it is weak.
"""

from __future__ import annotations

import time

import networkx as nx
import numpy as np

from lotsplit.model import Columns, LotSpace, build_columns
from lotsplit.solvers import Status, solve_highs

MAX_ROUNDS = 50


def generate_columns(space: LotSpace, *, deadline: float | None, threads: int = 1) -> tuple[Columns, float | None]:
    from lotsplit.solve import build_master, reduced_costs

    s = space.scenario
    m = space.market
    seen = {space.area_sets[i].tobytes() for i in range(len(space.area_sets))}
    neighbours = [[m.area_position[b] for b in s.graph[a]] for a in m.area_ids]
    bound = None
    for _ in range(MAX_ROUNDS):
        if deadline is not None and time.perf_counter() > deadline - 1:
            break
        master = build_master(space)
        remaining = None if deadline is None else max(0.1, deadline - time.perf_counter())
        lp = solve_highs(master, integer=False, time_limit=remaining, threads=threads)
        if lp.status != Status.OPTIMAL or lp.duals is None:
            break
        bound = _lagrangian_bound(space, master, lp.objective, lp.duals)
        new_sets = _grow(space, master, lp.duals, neighbours, seen, deadline)
        if not new_sets:
            break
        sets = np.array(new_sets, dtype=bool)
        cols, _ = build_columns(s, m, space.bundles, sets)
        cols.set_index = cols.set_index + len(space.area_sets)
        space.area_sets = np.vstack([space.area_sets, sets])
        rc = reduced_costs(build_master(space, cols), lp.duals)
        good = np.flatnonzero(rc < -1e-7)
        if not len(good):
            break
        space.columns = Columns.concat([space.columns, cols.take(good)])
    return space.columns, bound


def _grow(space: LotSpace, master, duals, neighbours, seen: set, deadline) -> list[np.ndarray]:
    """Greedy growth from each area, per bundle, on reduced cost; returns new area masks."""
    from lotsplit.solve import build_master, reduced_costs

    s, m = space.scenario, space.market
    n = len(m.area_ids)
    found: list[np.ndarray] = []
    for b_idx, bundle in enumerate(space.bundles):
        for seed in range(n):
            if deadline is not None and time.perf_counter() > deadline - 1:
                return found
            current = np.zeros(n, dtype=bool)
            current[seed] = True
            best_rc = np.inf
            for _ in range(n):
                frontier = sorted({j for i in np.flatnonzero(current) for j in neighbours[i]} - set(np.flatnonzero(current)))
                if not frontier:
                    break
                cand = np.repeat(current[None, :], len(frontier), axis=0)
                cand[np.arange(len(frontier)), frontier] = True
                cols, _ = build_columns(s, m, [bundle], cand)
                if not len(cols):
                    break
                tmp = LotSpace(s, m, [bundle], cand, cols, True, space.cells)
                rc = reduced_costs(build_master(tmp), duals)
                k = int(np.argmin(rc))
                if rc[k] >= best_rc - 1e-9:
                    break
                best_rc = rc[k]
                current = cand[cols.set_index[k]]
                key = current.tobytes()
                if rc[k] < -1e-7 and key not in seen:
                    seen.add(key)
                    found.append(current.copy())
    return found


def _lagrangian_bound(space: LotSpace, master, z_lp: float, duals: np.ndarray) -> float:
    """z_LP + K * min(0, rc_lb), with rc_lb a lower bound on every lot's reduced cost."""
    s, m = space.scenario, space.market
    cfg, obj = s.config, s.config.objective
    n_cells = len(space.cells)
    names = master.names
    y = dict(zip(names[n_cells:], duals[n_cells:]))
    mu = y.get("lot count", 0.0)
    lam = y.get("local share target", 0.0)            # >= 0
    beta = y.get("admin budget", 0.0)                 # <= 0
    total = space.total_annual_value or 1.0
    c = cfg.costs
    per_lot = min(c.per_lot, c.per_lot_exempt if c.per_lot_exempt is not None else c.per_lot)
    c_min = per_lot + c.per_contract_year * cfg.contract_years
    cell_dual = np.zeros(m.demand.shape)
    cell_dual[space.cells[:, 0], space.cells[:, 1]] = duals[:n_cells]
    # Per unit of annual value, the most the value-dependent terms can lower a reduced cost.
    per_value = lam / total
    if obj.kind == "weighted":
        per_value += 100.0 * obj.price_per_local_point / total
    if obj.kind == "max_local":
        per_value += 100.0 / total
        c_min = 0.0
    fixed = (c_min if obj.kind != "max_local" else 0.0) + (-beta) * (per_lot + c.per_contract_year * cfg.contract_years)
    components = [np.array([m.area_position[a] for a in comp]) for comp in nx.connected_components(s.graph)]
    rc_lb = np.inf
    for bundle in space.bundles:
        gi = m.group_index(bundle)
        prize = cell_dual[:, gi].sum(axis=1) + per_value * m.demand[:, gi].sum(axis=1)
        best = max(np.clip(prize[comp], 0, None).sum() for comp in components)
        rc_lb = min(rc_lb, fixed - mu - best)
    rules = cfg.rules
    k_max = rules.max_lots if rules.max_lots is not None else n_cells
    return float(z_lp + k_max * min(0.0, rc_lb))
