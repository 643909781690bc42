"""Price and branch: the path past the column budget.

A pool of small lots and whole components gives a first plan, the LP with relaxed lots a
bound over every lot; dual-guided growth adds lots while the two are apart; when every lot
can still be visited (not kept), exact pricing over the whole enumeration and
reduced-cost fixing over every lot close the gap and prove the optimum.
"""

from __future__ import annotations

import time

import numpy as np

from lotsplit.engine.bounds import lagrangian_bound, max_lots_in_plan, relaxed_bound
from lotsplit.engine.exact import _remaining, _slice, exact_mip, lp_relaxation, mip
from lotsplit.engine.highs import PROVEN_GAP, RawResult, Status, gap_of, solve_highs, solve_lp_sifted
from lotsplit.engine.pricing import (add_columns, add_whole_components, generate_columns, pool_keys,
                                     price_by_enumeration)
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import build_master, reduced_costs, sub_master


def solve_generated(space: LotSpace, *, solver: str, deadline, mip_gap: float, threads: int):
    """Price and branch: a plan over the pool, a bound over every lot, more lots only while
    the two are apart.

    1. The pool (small lots, plus every bundle over each whole component) gives a first
       plan, and the LP with relaxed lots (``pricing.relaxed_bound``) a bound over every
       lot; when they meet, the plan is proven optimal and nothing more is generated.
    2. Otherwise dual-guided pricing grows lots for half the remaining time, and the
       plan is re-solved over the larger pool, starting from the first plan; the bound is
       the better of the relaxed-lot bound and the Lagrangian bound of the last LP.
    """

    add_whole_components(space, pool_keys(space))
    empty = build_master(space, space.columns.take(np.zeros(0, dtype=np.int64)))
    relaxed = relaxed_bound(space, empty, deadline=_slice(deadline, 0.2), threads=threads)
    bound = relaxed if relaxed is not None else -np.inf
    how = "LP with relaxed lots"
    res, lp, master, rounds = None, None, None, 0
    for stage in ("pool", "generated"):
        if stage == "generated":
            if res is not None and res.x is not None and gap_of(res.objective, bound) <= max(mip_gap, PROVEN_GAP):
                break
            if deadline is not None and time.perf_counter() > deadline - 1:
                break
            generate_columns(space, deadline=_slice(deadline, 0.5), threads=threads)
            rounds = 1
        master = build_master(space)
        lp = lp_relaxation(master, deadline=deadline, threads=threads)
        if lp.status != Status.OPTIMAL:
            continue            # not proven infeasible: a larger lot may still cover the cells
        start = None
        if res is not None and res.x is not None:
            start = np.r_[res.x, np.zeros(len(space.columns) - len(res.x))]
        if solver == "highs":
            new = exact_mip(master, deadline=deadline if stage == "generated" else _slice(deadline, 0.4),
                             mip_gap=mip_gap, threads=threads, lp=lp, incumbent=start)
        else:
            new = mip(master, solver=solver, deadline=deadline, mip_gap=mip_gap, threads=threads)
        if new.x is not None and (res is None or res.x is None or new.objective <= res.objective):
            res = new
        elif res is not None and res.x is not None:
            res = RawResult(res.status, np.r_[res.x, np.zeros(len(space.columns) - len(res.x))], res.objective,
                            res.bound, None, res.seconds, res.message)
        k_max = max_lots_in_plan(space, res.objective if res is not None and res.x is not None else None)
        lagrangian = lagrangian_bound(space, master, lp.objective, lp.duals, k_max)
        if lagrangian > bound:
            bound, how = lagrangian, f"Lagrangian, at most {k_max} lots priced below the LP over the pool"
    open_gap = res is None or res.x is None or gap_of(res.objective, min(bound, res.objective)) > PROVEN_GAP
    if open_gap and solver == "highs" and not (deadline is not None and time.perf_counter() > deadline - 1):
        closed = _close_by_enumeration(space, None if res is None or res.x is None else res, deadline=deadline,
                                       mip_gap=mip_gap, threads=threads)
        if closed is not None:
            return closed, space.columns, True
        if res is not None and res.x is not None:
            res = RawResult(res.status, np.r_[res.x, np.zeros(len(space.columns) - len(res.x))], res.objective,
                            res.bound, None, res.seconds, res.message)
    cols = space.columns
    if res is None or res.x is None:
        if res is None:
            res = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "no plan within the time limit")
        return res, cols, False
    bound = min(bound, res.objective)
    st = Status.OPTIMAL if gap_of(res.objective, bound) <= PROVEN_GAP else Status.FEASIBLE
    grown = "lots grown by pricing" if rounds else "no pricing needed"
    msg = f"{res.message}; {len(cols)} lots in the pool ({grown}); bound: {how}"
    return RawResult(st, res.x, res.objective, bound, None, res.seconds, msg), cols, True


EXACT_PRICING_ROUNDS = 50
"""Rounds of exact pricing (each one pass over every lot) before the search gives up."""


FIXING_COLUMNS = 200_000
"""Lots that reduced-cost fixing over every lot may add to the final MIP."""


def _close_by_enumeration(space: LotSpace, res: RawResult | None, *, deadline, mip_gap: float,
                          threads: int) -> RawResult | None:
    """Exact column generation when every lot can be visited (``pricing.STREAM_SETS``),
    though not kept: price every lot against the LP duals until none prices out (the LP
    over the pool is then the LP over every lot, a valid bound), then add every lot whose
    reduced cost fits under the gap between the best plan and that bound (no other lot can
    be in a better plan) and solve the MIP over them.  Returns the result over the grown
    ``space.columns``, or None when the lots are too many to visit or the time ran out."""

    x0 = None if res is None else res.x
    lp = None
    for _ in range(EXACT_PRICING_ROUNDS):
        master = build_master(space)
        lp = solve_lp_sifted(master, deadline=deadline, threads=threads, elastic_duals=True)
        if lp.duals is None:
            return None                      # time limit (or numerical trouble) in the LP
        phase_one = lp.status == Status.INFEASIBLE
        priced = price_by_enumeration(space, lp.duals, phase_one=phase_one)
        if priced is None:
            return None                      # more lots than one pass may visit
        if not len(priced.columns):
            if phase_one:
                return RawResult(Status.INFEASIBLE, None, None, None, None, 0.0,
                                 "no set of lots covers every cell: exact pricing over every lot found none",
                                 final=True)
            break
        add_columns(space, priced)
        if deadline is not None and time.perf_counter() > deadline:
            return None
    else:
        return None
    n = len(space.columns)
    x0 = None if x0 is None else np.r_[x0, np.zeros(n - len(x0))]
    lb = float(lp.objective)
    how = f"LP over every lot (exact pricing, {lp.message})"
    if x0 is None:
        first = exact_mip(master, deadline=deadline, mip_gap=mip_gap, threads=threads, lp=lp)
        if first.x is None:
            if first.status == Status.INFEASIBLE:     # the LP over every lot is feasible, the MIP is not
                return RawResult(Status.INFEASIBLE, None, None, None, None, first.seconds, first.message, final=True)
            return None
        x0 = first.x
    ub = float(master.cost @ x0)
    if gap_of(ub, lb) <= max(mip_gap, PROVEN_GAP):
        st = Status.OPTIMAL if gap_of(ub, lb) <= PROVEN_GAP else Status.FEASIBLE
        return RawResult(st, x0, ub, min(lb, ub), None, 0.0, f"plan meets the bound; bound: {how}")
    # Reduced-cost fixing over every lot: a lot whose reduced cost exceeds ub - lb is in
    # no plan better than the best one, so the MIP over the others is exact.
    tol = 1e-7 * max(1.0, abs(ub))
    fixing = price_by_enumeration(space, lp.duals, threshold=(ub - lb) + tol, max_new=FIXING_COLUMNS)
    if fixing is None:
        return None
    add_columns(space, fixing)
    master = build_master(space)
    n = len(space.columns)
    x0 = np.r_[x0, np.zeros(n - len(x0))]
    rc = reduced_costs(master, lp.duals)
    keep = np.flatnonzero(rc <= (ub - lb) + tol)
    keep = np.union1d(keep, np.flatnonzero(x0 > 0.5))
    sub = solve_highs(sub_master(master, keep), integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap,
                      threads=threads, incumbent=x0[keep])
    x = x0
    objective = ub
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
                     f"{sub.message}; {len(keep)} lots fit under the gap{note}; bound: {how}")
