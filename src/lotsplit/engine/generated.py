"""Price and branch: the path past the column budget.

A pool of small lots and whole components gives a first plan, the LP with relaxed lots a
bound over every lot; dual-guided growth adds lots while the two are apart; when every lot
can still be visited (not kept), exact pricing over the whole enumeration and
reduced-cost fixing over every lot close the gap and prove the optimum.
"""

from __future__ import annotations

import numpy as np

from lotsplit.engine.bounds import lagrangian_bound, max_lots_in_plan, relaxed_bound
from lotsplit.engine.exact import exact_mip, lp_relaxation, mip
from lotsplit.engine.highs import (PROVEN_GAP, Effort, RawResult, Status, Termination, gap_of, solve_highs,
                                   solve_lp_sifted)
from lotsplit.engine.pricing import (add_columns, add_lots, add_whole_components, generate_columns, over_pool,
                                     pool_keys, price_by_enumeration, streamable)
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import build_master, reduced_costs, sub_master


POOL_MIP_NODES = 0
"""Branch-and-bound nodes of the first MIP over the pool: none, the first plan is the LP
dive's and a small MIP's (on 100 × 12 HiGHS spent the whole 120 s at the root of the MIP
over the pool, before the bound was sought); the final MIP, after pricing, runs to the
proof or to the user's time limit."""
FIRST_PLAN_NODES = 20_000
"""Branch-and-bound nodes of the MIP over the pool when the LP dive finds no first plan (on
290 × 8 it does not; stopping that MIP at its first plan gave a plan 11 % worse)."""
EXACT_PRICING_ROUNDS = 50
"""Rounds of exact pricing (each one pass over every lot) before the search gives up."""
FIXING_COLUMNS = 200_000
"""Lots that reduced-cost fixing over every lot may add to the final MIP."""


def solve_generated(space: LotSpace, *, solver: str, effort: Effort, mip_gap: float):
    """Price and branch: a plan over the pool, a bound over every lot, more lots only while
    the two are apart.  Returns ``(result, columns, bound_is_global)``.

    1. The pool (small lots, plus every bundle over each whole component) gives a first
       plan (so a plan is found before any bound is sought), the LP with relaxed lots
       (``bounds.relaxed_bound``) a bound over every lot; when they meet, the plan is
       proven optimal and nothing more is generated.
    2. When every lot can be visited (``pricing.STREAM_LOTS``), exact pricing and
       reduced-cost fixing over every lot close the gap (:func:`_close_by_enumeration`).
    3. Otherwise dual-guided pricing grows lots (``pricing.MAX_ROUNDS`` rounds) and the plan
       is re-solved over the larger pool, starting from the first plan; the bound is the
       better of the relaxed-lot bound and the Lagrangian bound of the last LP.
    Every limit counts work; only the user's time limit reads the clock.
    """
    add_whole_components(space, pool_keys(space))
    res = _over_pool(space, None, solver=solver, effort=effort, mip_gap=mip_gap, nodes=POOL_MIP_NODES)
    pool_lp = None
    bound, how = _better_bound(space, res, -np.inf, "none")
    if _open(res, bound, mip_gap):
        found = res.objective if res is not None and res.x is not None else None
        relaxed, suggested = relaxed_bound(space, build_master(space), effort=effort,
                                           k_max=max_lots_in_plan(space, found), best=found)
        if relaxed is not None and relaxed > bound:
            bound, how = relaxed, "LP with relaxed lots"
        if found is not None and _open(res, bound, mip_gap):
            # the large lots the bound's LP uses may better the plan (with no plan yet, they
            # could make the pool's LP feasible while its plans are not, and stop the pricing)
            if add_lots(space, suggested, pool_keys(space)):
                res, pool_lp = _plan_first(space, res, bound, solver=solver, effort=effort, mip_gap=mip_gap)
    if _open(res, bound, mip_gap) and solver == "highs" and not effort.out_of_time():
        closed = _close_by_enumeration(space, res if res is not None and res.x is not None else None,
                                       effort=effort, mip_gap=mip_gap)
        if closed is not None:
            return closed, space.columns, True
        res = _padded(res, len(space.columns))
        if not effort.out_of_time():
            last = generate_columns(space, effort=effort, lp=pool_lp)
            new = _over_pool(space, res, solver=solver, effort=effort, mip_gap=mip_gap, nodes=None, lp=last)
            bound, how = _better_bound(space, new, bound, how)
            res = new if new is not None and new.x is not None else _padded(res, len(space.columns))
    cols = space.columns
    if res is None or res.x is None:
        if res is None or res.status != Status.INFEASIBLE:
            res = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "no plan from the generated lots",
                            termination=effort.termination)
        return res, cols, False
    bound = min(bound, res.objective)
    proven = gap_of(res.objective, bound) <= PROVEN_GAP
    msg = f"{res.message}; {len(cols)} lots in the pool; bound: {how}"
    return RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, res.x, res.objective, bound, None, res.seconds,
                     msg, termination=Termination.OPTIMAL if proven else effort.termination), cols, True


def _over_pool(space: LotSpace, res: RawResult | None, *, solver: str, effort: Effort, mip_gap: float,
               nodes: int | None, lp: RawResult | None = None) -> RawResult | None:
    """The best plan over the pool's lots (starting from ``res``), with the pool's LP in
    ``.master`` / ``.duals`` for the Lagrangian bound; None when the pool's LP has no
    solution (infeasible over the pool proves nothing: a larger lot may cover the cells).
    ``lp``: the pool's LP when pricing already solved it (over every lot of the pool)."""
    master = build_master(space)
    if not over_pool(lp, space):
        lp = lp_relaxation(master, effort=effort)
    if lp.status != Status.OPTIMAL:
        return _padded(res, len(space.columns))
    start = None if res is None or res.x is None else np.r_[res.x, np.zeros(len(space.columns) - len(res.x))]
    if solver == "highs":
        new = exact_mip(master, effort=effort, mip_gap=mip_gap, lp=lp, incumbent=start, nodes=nodes)
        if new.x is None and nodes == 0:          # the dives found no plan: branch for one (over every
            #                                       lot: without a plan no reduced-cost fixing)
            new = solve_highs(master, integer=True, effort=effort, mip_gap=mip_gap, nodes=FIRST_PLAN_NODES,
                              report=True)
    else:
        new = mip(master, solver=solver, effort=effort, mip_gap=mip_gap)
    if new.x is None or (start is not None and new.objective > float(master.cost @ start)):
        new = _padded(res, len(space.columns)) or new
    new.master, new.duals, new.lp_bound = master, lp.duals, lp.objective    # for the Lagrangian bound
    return new


def _plan_first(space: LotSpace, res: RawResult, bound: float, *, solver: str, effort: Effort,
                mip_gap: float) -> tuple[RawResult, RawResult]:
    """The MIP over the pool before any pricing, when the plan is further from the pool's
    LP than the LP is from the bound (pricing lowers the LP, not the plan; on 290 × 8 the
    first plan was 5.8 % above the pool's LP and pricing took the rest of the 120 s).  A
    choice by the numbers, the same on any machine.  Returns the plan and the pool's LP
    (pricing's first round)."""
    lp = lp_relaxation(build_master(space), effort=effort)
    if lp.status != Status.OPTIMAL or res.objective - lp.objective <= lp.objective - bound:
        return _padded(res, len(space.columns)), lp
    new = _over_pool(space, res, solver=solver, effort=effort, mip_gap=mip_gap, nodes=None, lp=lp)
    return (new if new is not None and new.x is not None else _padded(res, len(space.columns))), lp


def _better_bound(space: LotSpace, res: RawResult | None, bound: float, how: str) -> tuple[float, str]:
    if res is None or res.master is None or res.duals is None:
        return bound, how
    k_max = max_lots_in_plan(space, res.objective if res.x is not None else None)
    lagrangian = lagrangian_bound(space, res.master, float(res.lp_bound), res.duals, k_max)
    if lagrangian > bound:
        return lagrangian, f"Lagrangian, from the LP over the pool (plans of at most {k_max} lots)"
    return bound, how


def _open(res: RawResult | None, bound: float, mip_gap: float) -> bool:
    if res is None or res.x is None:
        return True
    return gap_of(res.objective, min(bound, res.objective)) > max(mip_gap, PROVEN_GAP)


def _padded(res: RawResult | None, n: int) -> RawResult | None:
    """``res`` with its plan padded to ``n`` columns (the pool grew)."""
    if res is None or res.x is None:
        return res
    return RawResult(res.status, np.r_[res.x, np.zeros(n - len(res.x))], res.objective, res.bound, None,
                     res.seconds, res.message, termination=res.termination)


def _close_by_enumeration(space: LotSpace, res: RawResult | None, *, effort: Effort,
                          mip_gap: float) -> RawResult | None:
    """Exact column generation when every lot can be visited (``pricing.STREAM_LOTS``),
    though not kept: price every lot against the LP duals until none prices out (the LP
    over the pool is then the LP over every lot, a valid bound), then add every lot whose
    reduced cost fits under the gap between the best plan and that bound (no other lot can
    be in a better plan) and solve the MIP over them.  Returns the result over the grown
    ``space.columns``, or None when the lots are too many to visit or the time ran out."""

    if not streamable(space):
        return None                          # more lots than one pass may visit
    x0 = None if res is None else res.x
    lp = None
    for _ in range(EXACT_PRICING_ROUNDS):
        master = build_master(space)
        lp = solve_lp_sifted(master, effort=effort, elastic_duals=True)
        if lp.duals is None:
            return None                      # time limit (or numerical trouble) in the LP
        phase_one = lp.status == Status.INFEASIBLE
        priced = price_by_enumeration(space, lp.duals, phase_one=phase_one, effort=effort)
        if priced is None:
            return None                      # more lots than one pass may visit
        if not len(priced.columns):
            if phase_one:
                return RawResult(Status.INFEASIBLE, None, None, None, None, 0.0,
                                 "no set of lots covers every cell: exact pricing over every lot found none",
                                 final=True)
            break
        add_columns(space, priced)
        if effort.out_of_time():
            return None
    else:
        return None
    n = len(space.columns)
    x0 = None if x0 is None else np.r_[x0, np.zeros(n - len(x0))]
    lb = float(lp.objective)
    how = f"LP over every lot (exact pricing, {lp.message})"
    if x0 is None:
        x0 = exact_mip(master, effort=effort, mip_gap=mip_gap, lp=lp).x     # None: no plan over these lots
    ub = np.inf if x0 is None else float(master.cost @ x0)
    if x0 is not None and gap_of(ub, lb) <= max(mip_gap, PROVEN_GAP):
        st = Status.OPTIMAL if gap_of(ub, lb) <= PROVEN_GAP else Status.FEASIBLE
        return RawResult(st, x0, ub, min(lb, ub), None, 0.0, f"plan meets the bound; bound: {how}")
    # Reduced-cost fixing over every lot: a lot whose reduced cost exceeds ub - lb is in
    # no plan better than the best one, so the MIP over the others is exact (without a
    # plan yet, every lot is kept, up to FIXING_COLUMNS).
    threshold = np.inf if x0 is None else (ub - lb) + 1e-7 * max(1.0, abs(ub))
    fixing = price_by_enumeration(space, lp.duals, threshold=threshold, max_new=FIXING_COLUMNS, effort=effort)
    if fixing is None:
        return None
    add_columns(space, fixing)
    master = build_master(space)
    n = len(space.columns)
    x0 = None if x0 is None else np.r_[x0, np.zeros(n - len(x0))]
    rc = reduced_costs(master, lp.duals)
    keep = np.flatnonzero(rc <= threshold)
    if x0 is not None:
        keep = np.union1d(keep, np.flatnonzero(x0 > 0.5))
    sub = solve_highs(sub_master(master, keep), integer=True, effort=effort, mip_gap=mip_gap, report=True,
                      incumbent=None if x0 is None else x0[keep])
    if x0 is None and sub.x is None:
        if sub.status == Status.INFEASIBLE and not fixing.truncated:     # every lot was kept
            return RawResult(Status.INFEASIBLE, None, None, None, None, sub.seconds,
                             f"{sub.message} over every lot", final=True)
        return None
    x, objective = x0, ub
    if sub.x is not None and sub.objective < ub:
        x = np.zeros(n)
        x[keep] = np.round(sub.x)
        objective = float(master.cost @ x)
    bound = lb
    if sub.bound is not None and not fixing.truncated:
        bound = max(lb, min(sub.bound, objective))     # every better plan is among the kept lots
    if sub.status == Status.INFEASIBLE and not fixing.truncated:
        bound = objective                               # no kept plan beats the incumbent
    st = Status.OPTIMAL if gap_of(objective, bound) <= PROVEN_GAP else Status.FEASIBLE
    note = " (more lots fit under the gap than were kept)" if fixing.truncated else ""
    return RawResult(st, x, objective, min(bound, objective), None, sub.seconds,
                     f"{sub.message}; {len(keep)} lots fit under the gap{note}; bound: {how}",
                     termination=Termination.OPTIMAL if st == Status.OPTIMAL else
                     (Termination.WORK_LIMIT if fixing.truncated else sub.termination))
