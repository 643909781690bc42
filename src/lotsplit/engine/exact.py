"""The exact MIP over a known set of lots: LP bound, a first plan, reduced-cost fixing, the
MIP.

Solve the LP relaxation; if it is integral it is optimal.  Otherwise find a good plan on
the columns of smallest reduced cost (an LP dive, then a small MIP, each within a work
limit), drop every column whose reduced cost exceeds the gap between that plan and the LP
bound (it cannot be in any better plan), and solve the MIP over the rest.  The result is a
proven optimum, or the best plan with a valid bound when the user's time limit (or a stop
request) ends the MIP.

Independent blocks of product groups are solved apart by :mod:`lotsplit.engine.blocks`,
each block by this MIP.
"""

from __future__ import annotations

import time

import numpy as np

from lotsplit.engine.cbc import solve_pulp
from lotsplit.engine.highs import (PROVEN_GAP, UNLIMITED, Effort, RawResult, Status, Termination, gap_of, highs_lp,
                                   new_highs, run, solve_highs, solve_lp_sifted)
from lotsplit.model.master import Master, reduced_costs, sub_master

SMALL_MIP_COLUMNS = 2000
"""The first MIP looks for a good plan among this many columns of smallest reduced cost."""
SMALL_MIP_NODES = 500
"""Branch-and-bound nodes of that first MIP (a work limit: it only has to find a plan)."""
DIVE_COLUMNS = 50_000
"""The dive heuristic works on at most this many columns (those of smallest reduced cost)."""
DIVE_LPS = 400
"""LP re-solves the dive may use before it gives up."""
PROBE_SHARE = 0.3
"""Before the MIP over every lot that reduced-cost fixing keeps, a MIP over this share of
them (least reduced cost first): its plan narrows the gap, and proves the optimum when
every lot left out costs more than the gap (Dalarna: the dive's plan was 7 % from a
block's optimum, and the MIP over the 20 000 lots it left took 17 s)."""
DIVE_FIX = 0.99
"""Every free column at least this high in the LP is fixed to 1 at once, else the highest
one; when that dive finds no plan, a second one fixes every column above 0.5 (no two can
share a cell) and so needs far fewer LPs (290 × 8 grid: the first dive ran out of LPs, the
second found a plan within 1.9 % of the LP bound in 5 s)."""


def mip(master: Master, *, solver: str, effort: Effort, mip_gap: float) -> RawResult:
    """The MIP over every column of the master, by HiGHS or (``cbc``) through PuLP."""
    if solver == "highs":
        return solve_highs(master, integer=True, effort=effort, mip_gap=mip_gap, report=True)
    return solve_pulp(master, solver=solver, time_limit=effort.left(), mip_gap=mip_gap, threads=effort.threads)


def lp_relaxation(master: Master, *, effort: Effort) -> RawResult:
    return solve_lp_sifted(master, effort=effort)


def rc_limit(value: float, lp_bound: float) -> float:
    """The most reduced cost (from an LP of value ``lp_bound``) a lot can have in a plan of
    objective at most ``value``, with a little slack for rounding."""
    return (value - lp_bound) + 1e-7 * max(1.0, abs(value))


def exact_mip(master: Master, *, effort: Effort = UNLIMITED, mip_gap: float = 0.0, lp: RawResult | None = None,
              incumbent: np.ndarray | None = None, nodes: int | None = None, allowed: np.ndarray | None = None,
              tight: bool = False, report: bool = True) -> RawResult:
    """LP bound, integrality check, a first plan, reduced-cost fixing, then the MIP (at
    most ``nodes`` branch-and-bound nodes when given: a work limit; none with ``nodes=0``,
    which asks for the first plan only).

    ``allowed`` (bool per column) leaves out columns the caller proved to be in no plan
    it wants: the LP (its bound and reduced costs) is over every column, the plan exact
    among those allowed.  ``tight``: row tolerance 1e-9.  The result carries the LP
    relaxation (``lp_bound``, ``duals``) for reduced-cost fixing by the caller."""
    if lp is None and effort.out_of_time():
        return stopped_before(effort, incumbent, master)
    lp = lp or lp_relaxation(master, effort=effort)
    res = _exact_mip(master, lp, effort=effort, mip_gap=mip_gap, incumbent=incumbent, nodes=nodes,
                     allowed=allowed, tight=tight, report=report)
    if lp.status == Status.OPTIMAL and lp.duals is not None:
        res.lp_bound, res.duals = lp.objective, lp.duals
    return res


def _exact_mip(master: Master, lp: RawResult, *, effort: Effort, mip_gap: float, incumbent: np.ndarray | None,
               nodes: int | None, allowed: np.ndarray | None, tight: bool, report: bool) -> RawResult:
    n = len(master.cost)
    allowed = np.ones(n, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if incumbent is not None and not allowed[incumbent > 0.5].all():
        incumbent = None
    if lp.status == Status.INFEASIBLE:
        return lp
    if lp.status != Status.OPTIMAL or lp.duals is None:
        # No LP bound (the user's time limit): the plain MIP over the allowed lots reports its own bound.
        idx = np.flatnonzero(allowed)
        r = solve_highs(sub_master(master, idx), integer=True, effort=effort, mip_gap=mip_gap, report=report,
                        nodes=nodes, tight=tight, incumbent=None if incumbent is None else incumbent[idx])
        return _lifted(r, idx, n)
    x = lp.x
    if np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-7) and allowed[x > 0.5].all():
        return RawResult(Status.OPTIMAL, np.round(x), lp.objective, lp.objective, None, lp.seconds,
                         "LP relaxation is integral: optimal")
    lb = lp.objective
    rc = np.where(allowed, np.maximum(reduced_costs(master, lp.duals), 0.0), np.inf)
    # A good plan first: dive on the LP over the columns most likely to be in the optimum.
    order = np.argsort(rc, kind="stable")
    order = order[np.isfinite(rc[order])]
    few = np.sort(order[:min(len(order), DIVE_COLUMNS)])
    first = dive(sub_master(master, few), effort=effort)
    if first.x is None:
        first = dive(sub_master(master, few), effort=effort, fix=0.5)
    if first.x is not None and (incumbent is None or first.objective < float(master.cost @ incumbent)) \
            and _keeps_rows(master, few, first.x):
        incumbent = np.zeros(n)
        incumbent[few] = first.x
    # Then a small MIP over the likeliest columns and the plan so far (so it has a plan).
    small = order[:min(len(order), SMALL_MIP_COLUMNS)]
    if incumbent is not None:
        small = np.union1d(small, np.flatnonzero(incumbent > 0.5))
    small = np.sort(small)
    better = solve_highs(sub_master(master, small), integer=True, effort=effort, nodes=SMALL_MIP_NODES,
                         incumbent=None if incumbent is None else incumbent[small], tight=tight)
    if better.x is not None and (incumbent is None or better.objective < float(master.cost @ incumbent)):
        incumbent = np.zeros(n)
        incumbent[small] = np.round(better.x)
    ub = float(master.cost @ incumbent) if incumbent is not None else np.inf
    if np.isfinite(ub) and gap_of(ub, lb) <= max(mip_gap, PROVEN_GAP):
        proven = gap_of(ub, lb) <= PROVEN_GAP
        return RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, incumbent, ub, lb, None, 0.0,
                         "plan meets the LP bound: optimal" if proven else "plan within the requested gap of the LP bound")
    if nodes == 0:                 # a first plan only: the dive's and the small MIP's
        if incumbent is None:
            return RawResult(Status.NO_PLAN, None, None, lb, None, 0.0, "no first plan from the LP dive",
                             termination=Termination.WORK_LIMIT)
        return RawResult(Status.FEASIBLE, incumbent, ub, lb, None, 0.0, "first plan from the LP dive",
                         termination=Termination.WORK_LIMIT)

    def cut(ub: float) -> float:
        """A lot whose reduced cost is above this is in no plan better than ``ub``."""
        return rc_limit(ub, lb)

    if np.isfinite(ub) and mip_gap == 0.0:
        # A better plan first, over the kept lots of least reduced cost: its plan narrows the
        # gap, and proves the optimum when every lot outside the probe costs more than the
        # gap (it is in no better plan), so that the MIP over every kept lot is not needed.
        wide = order[:int(np.count_nonzero(rc[order] <= cut(ub)))]
        if better.status == Status.OPTIMAL and len(wide) <= len(small) and np.isin(wide, small).all():
            held = small           # the small MIP was over every lot that can be in a better plan
        else:
            held = np.union1d(wide[:int(PROBE_SHARE * len(wide))], np.flatnonzero(incumbent > 0.5))
            if len(held) <= len(small):
                held = None        # no wider than the small MIP
            else:
                r = solve_highs(sub_master(master, held), integer=True, effort=effort, tight=tight, nodes=nodes,
                                incumbent=incumbent[held])
                if r.x is not None and r.objective < ub:
                    incumbent = np.zeros(n)
                    incumbent[held] = np.round(r.x)
                    ub = float(master.cost @ incumbent)
                if r.status != Status.OPTIMAL:
                    held = None
        if held is not None:
            outside = np.setdiff1d(np.flatnonzero(allowed), held)
            if not len(outside) or rc[outside].min() > cut(ub):
                return RawResult(Status.OPTIMAL, incumbent, ub, ub, None, 0.0,
                                 f"HiGHS: Optimal ({len(held)} of {n} lots hold every better plan)")
    # Reduced-cost fixing: a column with rc > ub - lb is in no plan better than ub.
    keep = np.flatnonzero(rc <= cut(ub)) if np.isfinite(ub) else np.flatnonzero(allowed)
    res = solve_highs(sub_master(master, keep), integer=True, effort=effort, mip_gap=mip_gap, report=report,
                      incumbent=None if incumbent is None else incumbent[keep], nodes=nodes, tight=tight)
    if res.x is None or (incumbent is not None and res.objective > ub):
        if incumbent is None:
            return _lifted(res, keep, n)
        # The MIP stopped (a limit), or found no better plan: the first plan stands, with the
        # best bound known (a proven MIP, or its infeasibility, proves the first plan).
        proven = res.status in (Status.OPTIMAL, Status.INFEASIBLE)
        bound = ub if proven else (max(lb, res.bound) if res.bound is not None else lb)
        st = Status.OPTIMAL if gap_of(ub, bound) <= PROVEN_GAP else Status.FEASIBLE
        return RawResult(st, incumbent, ub, min(bound, ub), None, res.seconds, res.message,
                         termination=Termination.OPTIMAL if st == Status.OPTIMAL else res.termination)
    bound = res.bound if res.bound is not None else lb
    if res.status != Status.OPTIMAL:
        bound = max(bound, lb)
    out = _lifted(res, keep, n)
    out.bound = bound
    out.message = f"{res.message} ({len(keep)} of {n} lots left after reduced-cost fixing)"
    return out


def stopped_before(effort: Effort, incumbent: np.ndarray | None, master: Master) -> RawResult:
    """What a solve asked to stop before it began has: the incumbent it was given."""
    if incumbent is None:
        return RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "stopped before the solve",
                         termination=effort.termination)
    return RawResult(Status.FEASIBLE, incumbent, float(master.cost @ incumbent), None, None, 0.0,
                     "stopped before the solve: the plan given", termination=effort.termination)


def _lifted(res: RawResult, idx: np.ndarray, n: int) -> RawResult:
    """A result over the columns ``idx`` of a master, as one over all its ``n`` columns."""
    x = None
    if res.x is not None:
        x = np.zeros(n)
        x[idx] = np.round(res.x)
    return RawResult(res.status, x, res.objective, res.bound, None, res.seconds, res.message,
                     termination=res.termination)


def _keeps_rows(master: Master, idx: np.ndarray, x: np.ndarray) -> bool:
    ax = master.matrix[:, idx] @ x
    return bool(np.all(ax >= master.row_lo - 1e-6) and np.all(ax <= master.row_hi + 1e-6))


def dive(master: Master, *, effort: Effort = UNLIMITED, max_backtracks: int = 50, fix: float = DIVE_FIX) -> RawResult:
    """A plan by LP diving: fix every column with an LP value above ``fix`` (else the one
    with the largest) to 1 (and every column sharing a packing row with it to 0), re-solve
    the LP warm, repeat until the LP is integral; a fix that makes the LP infeasible is
    undone and that column forbidden instead.  At most ``DIVE_LPS`` LP solves (a work
    limit)."""
    import highspy

    t0 = time.perf_counter()
    n = len(master.cost)
    A = master.matrix.tocsc()
    rows = np.flatnonzero((master.row_hi == 1) & (master.row_lo >= 0))     # packing rows: at most one lot
    rows_of = A[rows].tocsc()
    by_row = A[rows].tocsr()
    h = new_highs(effort.threads, seed=effort.seed)
    h.passModel(highs_lp(master.cost, A, master.row_lo, master.row_hi))
    upper = np.full(n, np.inf)
    lower = np.zeros(n)
    fixed: list[tuple[int, list[int]]] = []
    backtracks = 0
    for _ in range(DIVE_LPS):
        if effort.out_of_time():
            break
        r = run(h, effort=effort)
        if r.termination == Termination.OPTIMAL:
            x = r.x
            frac = np.minimum(np.abs(x), np.abs(1 - x))
            if frac.max() < 1e-7:
                x = np.round(x)
                return RawResult(Status.FEASIBLE, x, float(master.cost @ x), None, None,
                                 time.perf_counter() - t0, "LP dive")
            free = (lower < 0.5) & (upper > 0.5)
            # every free column at (almost) 1 at once (they cannot overlap), else the largest
            picks = np.flatnonzero(free & (x > fix))
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
        if r.termination != Termination.INFEASIBLE or not fixed or backtracks >= max_backtracks:
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
    return RawResult(Status.NO_PLAN, None, None, None, None, time.perf_counter() - t0, "LP dive found no plan",
                     termination=Termination.WORK_LIMIT)
