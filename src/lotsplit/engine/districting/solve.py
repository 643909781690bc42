"""The districting engine's driver: :func:`solve_problem` (a :class:`Problem`) and
:func:`solve_partition` (a scenario).  The stages, each a public function of its module:

1. **Boundary pool** (:mod:`.pool`): every lot whose boundary cost is at most ``b``, for
   ``b`` growing level by level within a work budget (branch-and-bound visits), with the
   set-partitioning MIP over each level (:func:`.mip.pool_mip`).  Every edge cut between
   two lots lies on the boundary of exactly two of them, so a lot of a plan has boundary
   cost at most half the plan's: once ``b`` reaches half of what a better plan can have,
   the pool MIP is the optimum (small problems close here).
2. **Incumbent** (:func:`.heuristic.recom_plan`): spanning-tree bisection and ReCom, an
   upper bound only; its lots join the pool.
3. **Proof** (:func:`.mip.hybrid_mip`): a plan that beats the incumbent holds at most
   ``q`` lots outside the pool (:func:`.mip.q_max` counts them from the boundary budget),
   so the pool columns plus ``q`` compact slots for larger lots are exact.  Stage A first
   solves it with one slot within a node budget (exact too when the plan it finds leaves
   room for at most one lot outside the pool); stage B solves the exact hybrid, warm
   started, within the user's time limit.  Its optimum, or its dual bound when the limit
   cuts, is reported, rounded up to the objective's lattice when the costs allow it.

Every internal limit counts work, so the same problem, options and seed give the same
plan, status and bound on an idle and on a loaded machine; the user's deadline
(``effort.deadline``) is the only clock, and when it cuts, ``termination`` says
``time_limit``.  The result says ``OPTIMAL`` only when a proof closed the gap.
"""

from __future__ import annotations

import time

import numpy as np

from lotsplit.engine.districting import heuristic as primal
from lotsplit.engine.districting.mip import hybrid_mip, pool_mip, q_max, start_columns
from lotsplit.engine.districting.pool import enumerate_lots, masks_of
from lotsplit.engine.districting.problem import Objective, PartitionResult, Problem, problem_of
from lotsplit.engine.highs import Effort, Status, Termination

POOL_VISITS = 8_000_000
"""Work budget of the boundary pool: branch-and-bound visits over all its levels (about
20 s of one core on a county graph, 2.6 µs a visit; a level costs 2.5-4 times the one before)."""
POOL_GROWTH = 3.0
"""A level is not started when the last one's visits times this exceed what is left."""
POOL_VISITS_MAX = 40_000_000
"""... except a level that lowers the number of compact slots the exact MIP needs, up to
this many visits in all."""
MAX_POOL = 300_000
"""The pool stops growing past this many lots (memory and MIP size)."""
POOL_NODES = 20_000
"""Node limit of the set-partitioning MIP over one pool level."""
HEUR_MIN_N = 20
"""The primal heuristic runs by default from this many nodes on (smaller problems are
closed by the pool at once)."""
HEUR_AFTER_VISITS = 200_000
"""... and only once the pool levels have spent this many visits without closing."""
SLOT_NODES = 20_000
"""Node limit of the one-slot hybrid MIP (stage A of the fallback)."""


class _Run:
    """The state of one solve: incumbent, pool, statistics, and the result builder."""

    def __init__(self, prob: Problem, effort: Effort):
        self.prob, self.effort = prob, effort
        self.ob = Objective(prob)
        self.t0, self.c0 = time.perf_counter(), time.process_time()
        self.best_parts: list | None = None
        self.best_val = np.inf
        self.stats: dict = {"levels": []}

    def offer(self, parts) -> bool:
        """A plan (list of masks): becomes the incumbent when it is better."""
        if parts is None:
            return False
        parts = [np.asarray(p, dtype=bool) for p in parts]
        if self.prob.check_plan(parts):
            return False
        val = self.prob.plan_cost(parts)
        if val < self.best_val - 1e-9:
            self.best_parts, self.best_val = parts, val
            return True
        return False

    def cost_limit(self) -> float:
        """The most a plan better than the incumbent can cost (inf without one)."""
        return self.ob.improving(self.best_val) if np.isfinite(self.best_val) else np.inf

    def done(self, bound, status: Status, message: str) -> PartitionResult:
        prob, parts, value = self.prob, self.best_parts, None
        if parts is not None:
            bad = prob.check_plan(parts)
            if bad:        # never report a plan that breaks a rule
                raise RuntimeError("internal check failed: " + "; ".join(bad))
            value = prob.plan_cost(parts)
        if bound is not None and value is not None:
            bound = min(bound, value)
        if status == Status.OPTIMAL and (value is None or bound is None or
                                         abs(value - bound) > 1e-6 * max(1, abs(value))):
            status = Status.FEASIBLE
        termination = Termination.OPTIMAL if status in (Status.OPTIMAL, Status.INFEASIBLE) \
            else self.effort.termination
        return PartitionResult([np.asarray(p, dtype=bool) for p in (parts or [])], value, bound, status, message,
                               time.perf_counter() - self.t0, self.stats, termination, time.process_time() - self.c0)


def solve_problem(prob: Problem, *, effort: Effort | None = None, mip_gap: float = 0.0, max_b: float | None = None,
                  heuristic: bool | None = None) -> PartitionResult:
    """Solve a :class:`Problem` (see the module docstring for the method).

    ``effort``: the user's deadline, threads and seed (default: no limit, one thread,
    seed 0).  ``max_b`` caps the boundary pool and skips the column generation, so the
    hybrid MIP must prove (tests use it); ``heuristic``: run the primal heuristic (None:
    when the problem has at least ``HEUR_MIN_N`` nodes and the pool does not close at once).

    >>> from lotsplit.engine.districting.problem import Problem
    >>> p = Problem(4, [(0, 1), (1, 2), (2, 3), (3, 0)], [0.5] * 4, [1, 1, 1, 1], 2, 2, 2, 2)
    >>> r = solve_problem(p)
    >>> r.status.value, r.objective, r.bound
    ('optimal', 2.0, 2.0)
    """
    effort = effort or Effort()     # a fresh one: its stops are this solve's own
    st = _Run(prob, effort)
    ob = st.ob
    total = float(prob.weight.sum())
    if np.any(prob.weight > prob.U + 1e-9):
        return st.done(None, Status.INFEASIBLE, "an area's value alone exceeds max_lot_value")
    if prob.tmin > prob.tmax or total > prob.tmax * prob.U + 1e-9 or total < prob.tmin * prob.L - 1e-9:
        return st.done(None, Status.INFEASIBLE, "the total value cannot be split into the allowed number of lots "
                                                "within the lot value bounds")

    # 1. boundary pool, level by level within its work budget
    step = ob.step
    typical = float(np.median(prob.w[prob.w > 0])) if np.any(prob.w > 0) else 0.0
    level_step = 2 * max(step, typical) if max(step, typical) > 0 else 1.0
    b = 4 * level_step
    if max_b is not None and 0 <= max_b < b:
        b = max_b
    pool_sets: list[int] = []
    pool_b = -1.0                     # the pool holds every lot with boundary cost <= pool_b
    heur_pending = prob.n >= HEUR_MIN_N if heuristic is None else bool(heuristic)
    visits, last = 0, 0

    def run_heuristic():
        nonlocal heur_pending
        heur_pending = False
        if effort.out_of_time():
            return
        hp = primal.recom_plan(prob, effort=effort, seed=effort.seed)
        st.stats["heuristic"] = {"value": None if hp is None else prob.plan_cost(hp)}
        st.offer(hp)

    def slots(b_pool: float, b_least: float) -> int:
        return q_max(prob, b_pool, step, b_least, ob.boundary_budget(st.cost_limit()))

    b_least = np.inf                  # least boundary cost of a pool lot
    while max_b is None or b <= max_b + 1e-9:
        if effort.out_of_time():
            break
        left = POOL_VISITS - visits
        if last and last * POOL_GROWTH > left:
            # past the budget, a level is still worth its work when it takes a compact
            # slot out of the exact MIP (a better plan then holds fewer large lots)
            floor = b_least if np.isfinite(b_least) else pool_b + max(step, 1e-9)
            left = POOL_VISITS_MAX - visits
            if pool_b < 0 or slots(b, floor) >= slots(pool_b, floor) or last * POOL_GROWTH > left:
                break
        found = enumerate_lots(prob, b, max_visits=left, max_sets=MAX_POOL, effort=effort)
        visits += found.visits
        last = found.visits
        if not found.complete:
            break
        pool_sets, pool_b = found.sets, b
        st.stats.update(pool_b=pool_b, pool=len(pool_sets))
        masks = masks_of(pool_sets, prob.n)
        costs = np.array([prob.cost(mk) for mk in masks]) if len(masks) else np.zeros(0)
        b_least = min((prob.boundary(mk) for mk in masks), default=np.inf)
        chosen, val, _, why = pool_mip(prob, masks, costs, ob, effort=effort, nodes=POOL_NODES)
        st.stats["levels"].append({"b": b, "lots": len(pool_sets), "visits": found.visits, "pool_mip": why.value,
                                   "value": val})
        if chosen is not None:
            st.offer([masks[c] for c in chosen])
        K = ob.boundary_budget(st.cost_limit())
        solved = why == Termination.OPTIMAL
        if np.isfinite(K) and b >= K / 2 - 1e-9 and (solved or (why == Termination.INFEASIBLE and st.best_parts)):
            return st.done(st.best_val, Status.OPTIMAL,
                           f"optimal: every lot an improving plan could use (boundary cost <= {K / 2:g}) is among the "
                           f"{len(pool_sets)} enumerated lots, and the set-partitioning MIP over them is solved")
        if b >= float(prob.w.sum()) - 1e-9:
            # every feasible lot is in the pool: the pool MIP is the whole problem
            if why == Termination.INFEASIBLE:
                return st.done(None, Status.INFEASIBLE,
                               f"infeasible: no partition of the {len(pool_sets)} feasible lots meets the rules")
            if solved:
                return st.done(st.best_val, Status.OPTIMAL,
                               f"optimal: all {len(pool_sets)} feasible lots enumerated, set-partitioning MIP solved")
        if np.isfinite(K) and K < 0:
            break
        if heur_pending and (heuristic or visits >= HEUR_AFTER_VISITS):
            run_heuristic()
        b += level_step
    if heur_pending:
        run_heuristic()
    st.stats.update(pool_b=pool_b, pool=len(pool_sets), pool_visits=visits)
    if effort.out_of_time():
        return st.done(None, Status.FEASIBLE if st.best_parts else Status.NO_PLAN,
                       "stopped during the lot enumeration; no bound")
    return _hybrid_proof(st, pool_sets, pool_b, mip_gap)


def _hybrid_proof(st: _Run, pool_sets: list[int], pool_b: float, mip_gap: float) -> PartitionResult:
    """The boundary pool plus compact slots for larger lots (:func:`.mip.hybrid_mip`)."""
    prob, ob, effort = st.prob, st.ob, st.effort
    step = ob.step
    if pool_b < 0:
        masks, costs = np.zeros((0, prob.n), dtype=bool), np.zeros(0)
    else:
        masks = masks_of(pool_sets, prob.n)
        costs = np.array([prob.cost(mk) for mk in masks]) if len(masks) else np.zeros(0)
    b_min = 0.0 if pool_b < 0 else float(min((prob.boundary(mk) for mk in masks), default=pool_b + max(step, 1e-9)))

    def with_incumbent(masks, costs):
        # the incumbent's lots join the pool (valid: they are lots), so it warm-starts the MIP
        if st.best_parts is None:
            return masks, costs
        keys = {mk.tobytes() for mk in masks}
        extra = [p for p in st.best_parts if p.tobytes() not in keys]
        if not extra:
            return masks, costs
        return (np.vstack([masks, np.array(extra)]) if len(masks) else np.array(extra),
                np.r_[costs, [prob.cost(p) for p in extra]])

    masks, costs = with_incumbent(masks, costs)
    K = ob.boundary_budget(st.cost_limit())
    q = prob.tmax if pool_b < 0 else q_max(prob, pool_b, step, b_min, K)
    b_plus = pool_b + (step if step > 0 else 1e-9) if pool_b >= 0 else 0.0
    b_max = K / 2 if np.isfinite(K) else np.inf
    st.stats["slots"] = q
    if q == 0:
        # no improving plan uses a lot outside the pool: the pool MIP decides
        chosen, val, bnd, why = pool_mip(prob, masks, costs, ob, effort=effort, mip_gap=mip_gap)
        if chosen is not None:
            st.offer([masks[c] for c in chosen])
        if why in (Termination.OPTIMAL, Termination.INFEASIBLE) and (st.best_parts or why == Termination.OPTIMAL):
            return st.done(st.best_val, Status.OPTIMAL,
                           f"optimal: no improving plan can use a lot outside the {len(masks)} enumerated lots")
        if why == Termination.INFEASIBLE:
            return st.done(None, Status.INFEASIBLE, "infeasible: no plan of the enumerated lots meets the rules")
        return st.done(ob.round_up(bnd) if bnd is not None else None,
                       Status.FEASIBLE if st.best_parts else Status.NO_PLAN, f"pool MIP stopped ({why.value})")
    if q > 1:
        # Stage A, a heuristic: at most one lot outside the pool (a much smaller MIP) within
        # a node budget.  Exact too when its plan leaves room for at most one such lot.
        parts, val, bnd, why = hybrid_mip(prob, masks, costs, 1, b_plus, b_max, ob, effort=effort, mip_gap=mip_gap,
                                          nodes=SLOT_NODES, start_cols=start_columns(st.best_parts, masks))
        st.stats["stage_a"] = {"termination": why.value, "value": val, "bound": bnd}
        if st.offer(parts):
            K = ob.boundary_budget(st.cost_limit())
            b_max = K / 2
            q = q_max(prob, pool_b, step, b_min, K) if pool_b >= 0 else prob.tmax
            st.stats["slots"] = q
        if q <= 1 and why == Termination.OPTIMAL:
            return st.done(st.best_val, Status.OPTIMAL,
                           f"optimal: pool of {len(masks)} lots (boundary cost <= {pool_b:g}) plus one compact slot, "
                           f"and no better plan can hold two lots outside the pool")
        q = max(q, 1)
    masks, costs = with_incumbent(masks, costs)
    desc = (f"pool of {len(masks)} lots (every lot of boundary cost <= {pool_b:g}) plus {q} compact slot(s) for "
            f"larger lots")
    if effort.out_of_time():
        return st.done(None, Status.FEASIBLE if st.best_parts else Status.NO_PLAN,
                       f"stopped before the exact MIP; no bound; {desc}")
    parts, val, bnd, why = hybrid_mip(prob, masks, costs, q, b_plus, b_max, ob, effort=effort, mip_gap=mip_gap,
                                      start_cols=start_columns(st.best_parts, masks))
    st.stats["stage_b"] = {"termination": why.value, "value": val, "bound": bnd, "slots": q}
    st.offer(parts)
    bound = ob.round_up(bnd) if bnd is not None else None
    if why == Termination.INFEASIBLE and st.best_parts is None:
        return st.done(None, Status.INFEASIBLE, f"infeasible: {desc}")
    if st.best_parts is None:
        return st.done(bound, Status.NO_PLAN, f"no plan found ({why.value}); {desc}")
    if why in (Termination.OPTIMAL, Termination.INFEASIBLE) or (bound is not None and bound >= st.best_val - 1e-9):
        return st.done(st.best_val, Status.OPTIMAL, f"optimal: {desc}")
    return st.done(bound, Status.FEASIBLE, f"best plan found; bound from the exact MIP ({why.value}); {desc}")


def solve_partition(scenario, *, effort: Effort | None = None, mip_gap: float = 0.0) -> PartitionResult:
    """Solve a linear-cost partition scenario exactly, or report the best plan, a valid
    bound and what stopped the search (``effort``: the user's deadline, threads, seed).
    Raises ValueError if :func:`~lotsplit.engine.districting.problem.applies` is False."""
    prob, _ = problem_of(scenario)
    return solve_problem(prob, effort=effort, mip_gap=mip_gap)
