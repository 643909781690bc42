"""The exact MIP over a known set of lots: LP bound, a first plan, reduced-cost fixing, the
MIP — and independent blocks of product groups solved apart.

Solve the LP relaxation; if it is integral it is optimal.  Otherwise find a good plan on
the columns of smallest reduced cost (an LP dive, then a small MIP), drop every column
whose reduced cost exceeds the gap between that plan and the LP bound (it cannot be in
any better plan), and solve the MIP over the rest.  The result is a proven optimum, or
the best plan with a valid bound when a limit stops the MIP.
"""

from __future__ import annotations

import time

import numpy as np

from lotsplit.engine.cbc import solve_pulp
from lotsplit.engine.highs import PROVEN_GAP, RawResult, Status, gap_of, solve_highs, solve_lp_sifted
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, build_master, reduced_costs, sub_master


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.01, deadline - time.perf_counter())


def _slice(deadline: float | None, share: float) -> float | None:
    """A deadline ``share`` of the remaining time away (for a stage that must leave time)."""
    if deadline is None:
        return None
    now = time.perf_counter()
    return now + max(0.5, share * (deadline - now))


def mip(master: Master, *, solver: str, deadline, mip_gap: float, threads: int) -> RawResult:
    if solver == "highs":
        return solve_highs(master, integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap, threads=threads)
    return solve_pulp(master, solver=solver, time_limit=_remaining(deadline), mip_gap=mip_gap, threads=threads)


def lp_relaxation(master: Master, *, deadline, threads: int) -> RawResult:
    return solve_lp_sifted(master, deadline=deadline, threads=threads)


def solve_exact(space: LotSpace, *, solver: str, deadline, mip_gap: float, threads: int):
    """Proven optimum over every candidate lot.

    Product groups that can never share a lot (different families, bundling "none") form
    independent blocks: each is solved on its own and the plan-level rows (lot count,
    local-share target, admin budget, small-lots cap) are then checked on the combined
    plan.  If they hold, the combination is optimal (it is optimal for a relaxation and
    feasible); otherwise the whole master is solved.
    """
    cols = space.columns
    if len(cols) == 0:
        return RawResult(Status.INFEASIBLE, None, None, None, None, 0.0, "no feasible lot"), cols
    master = build_master(space)
    if solver != "highs":
        return mip(master, solver=solver, deadline=deadline, mip_gap=mip_gap, threads=threads), cols
    blocks = _blocks(space)
    if len(blocks) > 1:
        res = _solve_blocks(space, master, blocks, deadline=deadline, mip_gap=mip_gap, threads=threads)
        if res is not None:
            return res, cols
    return exact_mip(master, deadline=deadline, mip_gap=mip_gap, threads=threads), cols


def _blocks(space: LotSpace) -> list[list[int]]:
    """Bundle indices grouped into independent blocks (bundles sharing a group are joined)."""
    import networkx as nx

    g = nx.Graph()
    for b_idx, bundle in enumerate(space.bundles):
        g.add_node(("b", b_idx))
        for grp in bundle:
            g.add_edge(("b", b_idx), ("g", grp))
    blocks = []
    for comp in nx.connected_components(g):
        blocks.append(sorted(i for kind, i in comp if kind == "b"))
    return sorted(blocks)


def _solve_blocks(space: LotSpace, master: Master, blocks, *, deadline, mip_gap: float, threads: int):
    cols = space.columns
    n_cells = len(space.cells)
    cover = master.matrix[:n_cells]
    x = np.zeros(len(cols))
    objective = bound = 0.0
    proven = True
    messages = []
    for block in blocks:
        in_block = np.flatnonzero(np.isin(cols.bundle_index, block))
        sub = cover[:, in_block]
        rows = np.flatnonzero(np.asarray(sub.sum(axis=1)).ravel() > 0)
        sub_master = Master(master.cost[in_block], sub[rows], master.row_lo[rows], master.row_hi[rows])
        res = exact_mip(sub_master, deadline=deadline, mip_gap=mip_gap, threads=threads)
        if res.x is None:
            return None if res.status != Status.INFEASIBLE else res
        x[in_block] = res.x
        objective += res.objective
        bound += res.bound if res.bound is not None else -np.inf
        proven &= res.status == Status.OPTIMAL
        messages.append(res.message)
    ax = master.matrix @ x
    if np.any(ax < master.row_lo - 1e-6) or np.any(ax > master.row_hi + 1e-6):
        return None                      # a plan-level row binds: solve the whole master
    status = Status.OPTIMAL if proven else Status.FEASIBLE
    return RawResult(status, x, objective, bound if np.isfinite(bound) else None, None, 0.0,
                     f"{len(blocks)} independent blocks; " + "; ".join(sorted(set(messages))))


def exact_mip(master: Master, *, deadline, mip_gap: float, threads: int, lp: RawResult | None = None,
               incumbent: np.ndarray | None = None) -> RawResult:
    """LP bound, integrality check, reduced-cost fixing, then the MIP (HiGHS)."""
    lp = lp or lp_relaxation(master, deadline=deadline, threads=threads)
    if lp.status == Status.INFEASIBLE:
        return lp
    if lp.status != Status.OPTIMAL or lp.duals is None:
        # No LP bound in time: the plain MIP reports its own bound.
        return mip(master, solver="highs", deadline=deadline, mip_gap=mip_gap, threads=threads)
    x = lp.x
    if np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-7):
        return RawResult(Status.OPTIMAL, np.round(x), lp.objective, lp.objective, None, lp.seconds,
                         "LP relaxation is integral: optimal")
    lb = lp.objective
    n = len(master.cost)
    rc = np.maximum(reduced_costs(master, lp.duals), 0.0)
    # A good plan first: dive on the LP over the columns most likely to be in the optimum.
    order = np.argsort(rc, kind="stable")
    few = np.sort(order[:min(n, DIVE_COLUMNS)])
    first = _dive(sub_master(master, few), deadline=_slice(deadline, 0.3), threads=threads)
    if first.x is not None and (incumbent is None or first.objective < float(master.cost @ incumbent)):
        incumbent = np.zeros(n)
        incumbent[few] = first.x
    # Then a small MIP over the likeliest columns and the dive's plan (so it has a plan).
    small = order[:min(n, SMALL_MIP_COLUMNS)]
    if incumbent is not None:
        small = np.union1d(small, np.flatnonzero(incumbent > 0.5))
    small = np.sort(small)
    better = solve_highs(sub_master(master, small), integer=True, time_limit=_remaining(_slice(deadline, 0.3)),
                         threads=threads, incumbent=None if incumbent is None else incumbent[small])
    if better.x is not None and (incumbent is None or better.objective < float(master.cost @ incumbent)):
        incumbent = np.zeros(n)
        incumbent[small] = np.round(better.x)
    ub = float(master.cost @ incumbent) if incumbent is not None else np.inf
    if np.isfinite(ub) and gap_of(ub, lb) <= max(mip_gap, PROVEN_GAP):
        proven = gap_of(ub, lb) <= PROVEN_GAP
        return RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, incumbent, ub, lb, None, 0.0,
                         "plan meets the LP bound: optimal" if proven else "plan within the requested gap of the LP bound")
    # Reduced-cost fixing: a column with rc > ub - lb is in no plan better than ub.
    keep = np.flatnonzero(rc <= (ub - lb) + 1e-7 * max(1.0, abs(ub))) if np.isfinite(ub) else np.arange(n)
    res = solve_highs(sub_master(master, keep), integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap,
                      threads=threads, incumbent=None if incumbent is None else incumbent[keep])
    x = np.zeros(n)
    if res.x is None or (incumbent is not None and res.objective > ub):
        if incumbent is None:
            return res
        # Time ran out in the MIP: the dive's plan stands, with the best bound known.
        bound = max(lb, res.bound) if res.bound is not None else lb
        st = Status.OPTIMAL if gap_of(ub, bound) <= PROVEN_GAP else Status.FEASIBLE
        return RawResult(st, incumbent, ub, bound, None, res.seconds, res.message)
    x[keep] = res.x
    bound = res.bound if res.bound is not None else lb
    if res.status != Status.OPTIMAL:
        bound = max(bound, lb)
    return RawResult(res.status, x, res.objective, bound, None, res.seconds,
                     f"{res.message} ({len(keep)} of {n} lots left after reduced-cost fixing)")


SMALL_MIP_COLUMNS = 2000
"""The first MIP looks for a good plan among this many columns of smallest reduced cost."""


DIVE_COLUMNS = 50_000
"""The dive heuristic works on at most this many columns (those of smallest reduced cost)."""


def _dive(master: Master, *, deadline, threads: int, max_backtracks: int = 50) -> RawResult:
    """A plan by LP diving: fix the column with the largest LP value to 1 (and every column
    sharing a cell with it to 0), re-solve the LP warm, repeat until the LP is integral;
    a fix that makes the LP infeasible is undone and that column forbidden instead."""
    import highspy

    from lotsplit.engine.highs import highs_lp, new_highs

    t0 = time.perf_counter()
    n = len(master.cost)
    A = master.matrix.tocsc()
    cells = np.flatnonzero(master.row_lo == master.row_hi)     # the partition rows
    rows_of = A[cells].tocsc()
    by_row = A[cells].tocsr()
    h = new_highs(threads)
    h.passModel(highs_lp(master.cost, A, master.row_lo, master.row_hi))
    upper = np.full(n, np.inf)
    lower = np.zeros(n)
    fixed: list[tuple[int, list[int]]] = []
    backtracks = 0
    while True:
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            h.setOptionValue("time_limit", float(left))
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        if ok:
            x = np.asarray(h.getSolution().col_value)
            frac = np.minimum(np.abs(x), np.abs(1 - x))
            if frac.max() < 1e-7:
                x = np.round(x)
                return RawResult(Status.FEASIBLE, x, float(master.cost @ x), None, None,
                                 time.perf_counter() - t0, "LP dive")
            free = (lower < 0.5) & (upper > 0.5)
            # every free column at (almost) 1 at once (they cannot overlap), else the largest
            picks = np.flatnonzero(free & (x > 0.99))
            if not len(picks):
                picks = np.array([int(np.argmax(np.where(free & (x > 1e-9), x, -1.0)))])
            for j in picks:
                if upper[j] < 0.5:
                    continue                     # switched off by an earlier pick of this round
                off = np.setdiff1d(by_row[rows_of[:, j].indices].indices, [j])
                off = off[upper[off] > 0.5]
                fixed.append((int(j), off.tolist()))
                lower[j] = 1.0
                upper[off] = 0.0
                h.changeColBounds(int(j), 1.0, 1.0)
                if len(off):
                    h.changeColsBounds(len(off), off.astype(np.int32), np.zeros(len(off)), np.zeros(len(off)))
            continue
        if h.getModelStatus() != highspy.HighsModelStatus.kInfeasible or not fixed or backtracks >= max_backtracks:
            break
        # Undo the last fix and forbid that column.
        backtracks += 1
        j, off = fixed.pop()
        lower[j] = 0.0
        upper[j] = 0.0
        h.changeColBounds(j, 0.0, 0.0)
        if off:
            off_a = np.asarray(off)
            upper[off_a] = np.inf
            h.changeColsBounds(len(off_a), off_a.astype(np.int32), np.zeros(len(off_a)),
                               np.full(len(off_a), highspy.kHighsInf))
    return RawResult(Status.NO_PLAN, None, None, None, None, time.perf_counter() - t0, "LP dive found no plan")
