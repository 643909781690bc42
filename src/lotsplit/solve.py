"""Find the best lot plan: ``optimize(scenario) -> LotPlan``.

The stages are public so a notebook can stop after any of them::

    space = lot_space(scenario)          # candidate lots (model.py)
    master = build_master(space)         # set-partitioning master
    plan = optimize(scenario)            # all of it, plus the honest outcome

Exact path (every candidate lot enumerated): solve the LP relaxation; if it is integral it
is optimal.  Otherwise find a good plan on the columns of smallest reduced cost, drop every
column whose reduced cost exceeds the gap between that plan and the LP bound (it cannot be
in any better plan), and solve the MIP over the rest.  The result is a proven optimum.

Past the column budget, the pool holds every lot up to the size that fits, grown by dual-
guided pricing; the plan is then "best found" with a valid Lagrangian bound and its gap.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lotsplit.errors import InfeasibleError, NoPlanFoundError, SolverError
from lotsplit.model import Columns, LotSpace, _exemption, coverage_matrix, lot_space
from lotsplit.plan import (LotPlan, access_chance, evaluate, isclose, lot_ids, lot_objective_terms,
                          objective_value)
from lotsplit.scenario import Scenario
from lotsplit.solvers import (PROVEN_GAP, Master, RawResult, SolveOutcome, Status, gap_of, highs_version, pulp_version,
                              solve_highs, solve_lp_sifted, solve_pulp)


def with_overrides(scenario: Scenario, **sections) -> Scenario:
    """A copy of the scenario with some parameters replaced (tables and geography shared).

    Each keyword names a section of the scenario file (``objective``, ``rules``,
    ``costs``, ``competition``, ``solver``, …) and gives the fields to replace, as a dict
    (merged into the section) or a whole section model.

    >>> s2 = with_overrides(s, rules={"max_lots": 6})      # doctest: +SKIP
    """
    from dataclasses import replace

    cfg = scenario.config
    update = {}
    for name, value in sections.items():
        if value is None:
            continue
        current = getattr(cfg, name)
        model = type(current)
        data = value.model_dump() if isinstance(value, model) else {**current.model_dump(), **value}
        update[name] = model.model_validate(data)
    return replace(scenario, config=cfg.model_copy(update=update))


# --------------------------------------------------------------------------- master

def build_master(space: LotSpace, columns: Columns | None = None, *, area_sets: np.ndarray | None = None) -> Master:
    """The set-partitioning master over ``columns`` (default: all of the space's;
    ``area_sets``: the sets their ``set_index`` points into, default the space's)."""
    s = space.scenario
    cols = space.columns if columns is None else columns
    rules, obj = s.config.rules, s.config.objective
    A = coverage_matrix(space, cols, area_sets)
    n_cells = A.shape[0]
    rows = [A]
    # cells with demand: exactly one lot; other cells: at most one lot per group (territory)
    lo, hi = [space.cover_lo], [np.ones(n_cells)]
    names = [f"cell {i}" for i in range(n_cells)]
    ones = np.ones(len(cols))
    if rules.min_lots > 1 or rules.max_lots is not None:
        rows.append(sp.csr_matrix(ones))
        lo.append([rules.min_lots])
        hi.append([rules.max_lots if rules.max_lots is not None else np.inf])
        names.append("lot count")
    total = space.total_annual_value or 1.0
    if obj.kind == "min_cost" and obj.local_share_target > 0:
        rows.append(sp.csr_matrix(cols.value * access_chance(s, cols) / total))
        lo.append([obj.local_share_target - 1e-9])
        hi.append([np.inf])
        names.append("local share target")
    if obj.kind == "max_local":
        rows.append(sp.csr_matrix(cols.admin_cost))
        lo.append([-np.inf])
        hi.append([obj.admin_budget + 1e-6])
        names.append("admin budget")
    if _exemption(s) is not None:
        cap = s.defaults.small_lots_max_share.value * total
        rows.append(sp.csr_matrix(np.where(cols.exempt, cols.value, 0.0)))
        lo.append([-np.inf])
        hi.append([cap + 1e-6])
        names.append("small-lots exemption cap")
    if rules.max_lots_per_tenderer is not None and space.cap_cuts:
        # Hall's condition for awarding the plan with at most `cap` lots per tenderer: the
        # lots whose eligible suppliers all lie in N are at most cap × |N|.
        eligible = cols.eligible(len(space.market.supplier_ids))
        for k, N in enumerate(space.cap_cuts):
            rows.append(sp.csr_matrix((~(eligible & ~N[None, :]).any(axis=1)).astype(float)))
            lo.append([-np.inf])
            hi.append([rules.max_lots_per_tenderer * int(N.sum())])
            names.append(f"lots per tenderer {k}")
    matrix = sp.vstack([r if sp.issparse(r) else sp.csr_matrix(r) for r in rows]).tocsc()
    cost = lot_objective_terms(s, cols)
    return Master(cost=np.asarray(cost, dtype=float), matrix=matrix, row_lo=np.concatenate(lo).astype(float),
                  row_hi=np.concatenate(hi).astype(float), names=names)


# --------------------------------------------------------------------------- optimize

def optimize(scenario: Scenario, *, time_limit: float | None = None, solver: str | None = None,
             mip_gap: float | None = None, threads: int | None = None) -> LotPlan:
    """Find the best lot plan under the scenario's objective and rules.

    Returns a :class:`~lotsplit.plan.LotPlan` whose ``outcome`` says whether the plan is
    proven optimal or the best found (with bound and gap).  Raises
    :class:`~lotsplit.errors.InfeasibleError` (with reasons in the planner's words) when no
    plan satisfies the rules, and :class:`~lotsplit.errors.NoPlanFoundError` when the time
    limit ran out before any plan was found.

    Examples
    --------
    >>> plan = optimize(load_scenario("scenarios/malung-salen-winter/scenario.toml"))  # doctest: +SKIP
    >>> plan.outcome.status.value, plan.metrics["n_lots"]                             # doctest: +SKIP
    ('optimal', 5)
    """
    cfg = scenario.config.solver
    time_limit = cfg.time_limit if time_limit is None else time_limit
    solver = solver or cfg.name
    mip_gap = cfg.mip_gap if mip_gap is None else mip_gap
    threads = threads or cfg.threads
    start = time.perf_counter()
    deadline = None if time_limit is None else start + time_limit
    considered = None

    from lotsplit import districting

    districted = solver == "highs" and districting.applies(scenario)
    if districted:
        # one group, every lot's cost linear in its areas and border: the districting engine
        space, raw, considered = _solve_partition(scenario, deadline=deadline, mip_gap=mip_gap, threads=threads)
        cols, bound_is_global = space.columns, True
    else:
        space = lot_space(scenario)
        _explain_uncovered(space)
        while True:
            if space.complete:
                raw, cols = _solve_exact(space, solver=solver, deadline=deadline, mip_gap=mip_gap, threads=threads)
                bound_is_global = True
            else:
                raw, cols, bound_is_global = _solve_generated(space, solver=solver, deadline=deadline,
                                                              mip_gap=mip_gap, threads=threads)
            if not _add_award_cut(space, cols, raw):
                break
    seconds = time.perf_counter() - start
    version = highs_version() if solver == "highs" else pulp_version()
    if raw.status == Status.INFEASIBLE:
        if districted:
            raise InfeasibleError([f"no division of the areas into connected lots meets the lot count and the lot "
                                   f"value bounds ({raw.message})"])
        if space.complete or raw.final:
            raise InfeasibleError(_explain_conflict(space, threads=threads))
        raw = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, raw.message)
    if raw.status == Status.NO_PLAN:
        if districted or space.complete or (deadline is not None and time.perf_counter() >= deadline - 1):
            raise NoPlanFoundError(f"no plan found within the time limit of {time_limit} s; raise --time-limit")
        raise NoPlanFoundError(
            f"no plan found: the {len(space.columns):,} lots generated do not fit together into a plan and pricing "
            f"found no further lots (this does not prove that no plan exists); raise solver.column_budget so that "
            f"more lots are enumerated, or the time limit")
    if raw.status == Status.ERROR or raw.x is None:
        raise SolverError(raw.message)

    chosen = np.flatnonzero(raw.x > 0.5)
    lots = cols.take(chosen)
    objective = objective_value(scenario, float(raw.objective))
    bound = raw.bound if bound_is_global else None
    status = raw.status
    if status == Status.OPTIMAL and not bound_is_global:
        status = Status.FEASIBLE
    bound_reported = objective_value(scenario, bound) if bound is not None else None
    gap = gap_of(raw.objective, bound) if bound is not None else None
    if status == Status.OPTIMAL:
        gap = 0.0 if gap is None or gap <= 1e-6 else gap
    outcome = SolveOutcome(status=status, objective=objective, bound=bound_reported, gap=gap, seconds=seconds,
                           solver=solver, version=version, message=raw.message,
                           columns=len(space.columns) if considered is None else considered, complete=space.complete)
    plan = _plan_from_columns(space, lots, outcome)
    if not isclose(plan.objective, objective):
        raise SolverError(f"internal check failed: the optimizer's objective {objective} differs from the "
                          f"evaluated plan's {plan.objective}")
    if plan.violations:
        raise SolverError("internal check failed: the optimizer's plan breaks a rule: " + "; ".join(plan.violations))
    return plan


def _add_award_cut(space: LotSpace, cols: Columns, raw: RawResult) -> bool:
    """When the plan cannot be awarded under the lots-per-tenderer cap, add the supplier
    set that proves it (Hall's condition) as a row of the master and return True (solve
    again); False when there is no cap, no plan, or the plan can be awarded."""
    from lotsplit.rules import award_cut

    cap = space.scenario.config.rules.max_lots_per_tenderer
    if cap is None or raw.x is None:
        return False
    chosen = np.flatnonzero(raw.x > 0.5)
    ids = np.asarray(space.market.supplier_ids, dtype=object)
    eligible = cols.take(chosen).eligible(len(ids))
    short, N = award_cut([tuple(ids[row]) for row in eligible], cap)
    if not short:
        return False
    space.cap_cuts.append(np.isin(ids, list(N)))
    return True


def _solve_partition(scenario: Scenario, *, deadline, mip_gap: float,
                     threads: int) -> tuple[LotSpace, RawResult, int]:
    """The districting engine's plan as columns of a LotSpace (the lots it chose), and the
    number of lots its pool held."""
    from lotsplit.districting import solve_partition
    from lotsplit.eligibility import Market
    from lotsplit.model import allowed_bundles, build_columns, territory_cells

    res = solve_partition(scenario, deadline=deadline, threads=threads, mip_gap=mip_gap)
    market = Market(scenario)
    bundles = allowed_bundles(scenario)
    sets = np.array(res.area_sets, dtype=bool).reshape(len(res.area_sets), len(market.area_ids))
    cols, _ = build_columns(scenario, market, bundles, sets)
    cells, n_demand = territory_cells(market)
    space = LotSpace(scenario, market, bundles, sets, cols, res.status == Status.OPTIMAL, cells, n_demand)
    pool = res.stats.get("pool") or max((lv["lots"] for lv in res.stats.get("levels", ())), default=0)
    considered = int(pool) or len(sets)      # enumerated lots (compact slots, if any, not counted)
    x = np.ones(len(cols)) if len(sets) else None
    if x is not None and len(cols) != len(sets):
        return space, RawResult(Status.ERROR, None, None, None, None, res.seconds,
                                "internal check failed: the districting engine chose a lot that breaks a lot rule"), considered
    status = Status.NO_PLAN if x is None and res.status == Status.FEASIBLE else res.status
    return (space, RawResult(status, x, res.objective, res.bound, None, res.seconds,
                             f"districting engine: {res.message}"), considered)


def _plan_from_columns(space: LotSpace, lots: Columns, outcome: SolveOutcome) -> LotPlan:
    """Turn chosen columns into a LotPlan through ``evaluate`` (one source of truth)."""
    m = space.market
    order = sorted(range(len(lots)), key=lambda k: (
        min(m.group_index(space.bundles[lots.bundle_index[k]])),
        int(np.flatnonzero(space.area_sets[lots.set_index[k]])[0]),
        len(space.bundles[lots.bundle_index[k]])))
    ids = lot_ids(len(order))
    rows, exempt = [], set()
    for lot_id, k in zip(ids, order):
        areas = [m.area_ids[i] for i in np.flatnonzero(space.area_sets[lots.set_index[k]])]
        for a in areas:
            for g in space.bundles[lots.bundle_index[k]]:
                rows.append((a, g, lot_id))
        if lots.exempt[k]:
            exempt.add(lot_id)
    assignment = pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"])
    return evaluate(space.scenario, assignment, outcome=outcome,
                    exempt=exempt if space.columns.exempt.any() else None)


# --------------------------------------------------------------------------- exact path

def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.01, deadline - time.perf_counter())


def _slice(deadline: float | None, share: float) -> float | None:
    """A deadline ``share`` of the remaining time away (for a stage that must leave time)."""
    if deadline is None:
        return None
    now = time.perf_counter()
    return now + max(0.5, share * (deadline - now))


def _mip(master: Master, *, solver: str, deadline, mip_gap: float, threads: int) -> RawResult:
    if solver == "highs":
        return solve_highs(master, integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap, threads=threads)
    return solve_pulp(master, solver=solver, time_limit=_remaining(deadline), mip_gap=mip_gap, threads=threads)


def _lp(master: Master, *, deadline, threads: int) -> RawResult:
    return solve_lp_sifted(master, deadline=deadline, threads=threads)


def reduced_costs(master: Master, duals: np.ndarray) -> np.ndarray:
    return master.cost - master.matrix.T @ duals


def _solve_exact(space: LotSpace, *, solver: str, deadline, mip_gap: float, threads: int):
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
        return _mip(master, solver=solver, deadline=deadline, mip_gap=mip_gap, threads=threads), cols
    blocks = _blocks(space)
    if len(blocks) > 1:
        res = _solve_blocks(space, master, blocks, deadline=deadline, mip_gap=mip_gap, threads=threads)
        if res is not None:
            return res, cols
    return _exact_mip(master, deadline=deadline, mip_gap=mip_gap, threads=threads), cols


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
        res = _exact_mip(sub_master, deadline=deadline, mip_gap=mip_gap, threads=threads)
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


def _exact_mip(master: Master, *, deadline, mip_gap: float, threads: int, lp: RawResult | None = None,
               incumbent: np.ndarray | None = None) -> RawResult:
    """LP bound, integrality check, reduced-cost fixing, then the MIP (HiGHS)."""
    lp = lp or _lp(master, deadline=deadline, threads=threads)
    if lp.status == Status.INFEASIBLE:
        return lp
    if lp.status != Status.OPTIMAL or lp.duals is None:
        # No LP bound in time: the plain MIP reports its own bound.
        return _mip(master, solver="highs", deadline=deadline, mip_gap=mip_gap, threads=threads)
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
    first = _dive(_sub(master, few), deadline=_slice(deadline, 0.3), threads=threads)
    if first.x is not None and (incumbent is None or first.objective < float(master.cost @ incumbent)):
        incumbent = np.zeros(n)
        incumbent[few] = first.x
    # Then a small MIP over the likeliest columns and the dive's plan (so it has a plan).
    small = order[:min(n, SMALL_MIP_COLUMNS)]
    if incumbent is not None:
        small = np.union1d(small, np.flatnonzero(incumbent > 0.5))
    small = np.sort(small)
    better = solve_highs(_sub(master, small), integer=True, time_limit=_remaining(_slice(deadline, 0.3)),
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
    res = solve_highs(_sub(master, keep), integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap,
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

    from lotsplit.solvers import highs_lp, new_highs

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


def _sub(master: Master, idx: np.ndarray) -> Master:
    return Master(master.cost[idx], master.matrix[:, idx], master.row_lo, master.row_hi, master.names)


# --------------------------------------------------------------------------- column generation

def _solve_generated(space: LotSpace, *, solver: str, deadline, mip_gap: float, threads: int):
    """Price and branch: a plan over the pool, a bound over every lot, more lots only while
    the two are apart.

    1. The pool (small lots, plus every bundle over each whole component) gives a first
       plan, and the LP with relaxed lots (``pricing.relaxed_bound``) a bound over every
       lot; when they meet, the plan is proven optimal and nothing more is generated.
    2. Otherwise dual-guided pricing grows lots for half the remaining time, and the
       plan is re-solved over the larger pool, starting from the first plan; the bound is
       the better of the relaxed-lot bound and the Lagrangian bound of the last LP.
    """
    from lotsplit.pricing import (add_whole_components, generate_columns, lagrangian_bound, max_lots_in_plan,
                                  pool_keys, relaxed_bound)

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
        lp = _lp(master, deadline=deadline, threads=threads)
        if lp.status != Status.OPTIMAL:
            continue            # not proven infeasible: a larger lot may still cover the cells
        start = None
        if res is not None and res.x is not None:
            start = np.r_[res.x, np.zeros(len(space.columns) - len(res.x))]
        if solver == "highs":
            new = _exact_mip(master, deadline=deadline if stage == "generated" else _slice(deadline, 0.4),
                             mip_gap=mip_gap, threads=threads, lp=lp, incumbent=start)
        else:
            new = _mip(master, solver=solver, deadline=deadline, mip_gap=mip_gap, threads=threads)
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
    from lotsplit.pricing import add_columns, price_by_enumeration

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
        first = _exact_mip(master, deadline=deadline, mip_gap=mip_gap, threads=threads, lp=lp)
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
    sub = solve_highs(_sub(master, keep), integer=True, time_limit=_remaining(deadline), mip_gap=mip_gap,
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


# --------------------------------------------------------------------------- explanations

def _explain_uncovered(space: LotSpace) -> None:
    """Raise InfeasibleError naming every cell no feasible lot can cover, and why."""
    s = space.scenario
    m = space.market
    covered = np.zeros(m.demand.shape, dtype=bool)
    cols = space.columns
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        sets = space.area_sets[np.unique(cols.set_index[cols.bundle_index == b_idx])]
        if len(sets):
            any_area = sets.any(axis=0)
            for g in gi:
                covered[:, g] |= any_area
    missing = [(a, g) for a, g in space.demand_cells if not covered[a, g]]
    if not missing:
        return
    reasons = [_cell_reason(space, a, g) for a, g in missing]
    if not space.complete:
        # Only the reasons that hold for every lot, however large, are certain; the other
        # cells are left to column generation.
        reasons = [r for r in reasons if not r.endswith(_SIZE_DEPENDENT)]
    if reasons:
        raise InfeasibleError(reasons)


_SIZE_DEPENDENT = "(a larger lot might)"


def _cell_reason(space: LotSpace, a: int, g: int) -> str:
    s = space.scenario
    m = space.market
    rules = s.config.rules
    area, group = m.area_ids[a], m.group_ids[g]
    head = f"{s.areas.loc[area, 'name']} × {s.groups.loc[group, 'name']}"
    bundles = [b for b in space.bundles if group in b]
    if not bundles:
        from lotsplit.model import bundle_conflicts

        return f"{head}: " + "; ".join(bundle_conflicts(s, group))
    offer = m.offers[:, g]
    if not offer.any():
        return f"{head}: no supplier offers {s.groups.loc[group, 'name']}"
    reach = ~m.not_reach[a].astype(bool)
    if not (offer & reach).any():
        return f"{head}: no supplier of {s.groups.loc[group, 'name']} reaches {s.areas.loc[area, 'name']}"
    v = m.demand[a, g]
    big = offer & reach & (m.capacity >= v) & (m.turnover >= m.tau * v)
    if not big.any():
        return (f"{head}: the suppliers that reach it are too small for its annual value {v:,.0f} "
                f"{s.currency} (capacity, or turnover below {m.tau:g} × the lot value)")
    if big.sum() < rules.min_eligible_bidders:
        return (f"{head}: only {int(big.sum())} supplier(s) can serve it, the rules need "
                f"{rules.min_eligible_bidders} eligible bidders per lot")
    why = f"({', '.join(k for k, n in space.rejected.items() if n) or 'lot rules'})"
    if not space.complete:
        return f"{head}: no lot of up to the enumerated size keeps the lot rules {why} {_SIZE_DEPENDENT}"
    return f"{head}: every lot that could hold it breaks a lot rule {why}"


def _explain_conflict(space: LotSpace, *, threads: int) -> list[str]:
    """Every cell can be covered but no plan exists: find which plan-level rule conflicts."""
    s = space.scenario
    rules, obj = s.config.rules, s.config.objective
    reasons = []
    cols = space.columns
    base = build_master(space)
    n_cells = len(space.cells)
    cover = Master(base.cost, base.matrix[:n_cells], base.row_lo[:n_cells], base.row_hi[:n_cells])

    def extreme(coef, sense):
        m = Master(sense * coef, cover.matrix, cover.row_lo, cover.row_hi)
        r = solve_highs(m, integer=True, time_limit=30, threads=threads)
        return None if r.objective is None else sense * r.objective

    if rules.min_lots > 1 or rules.max_lots is not None:
        fewest, most = extreme(np.ones(len(cols)), 1), extreme(np.ones(len(cols)), -1)
        if fewest is not None and rules.max_lots is not None and fewest > rules.max_lots:
            reasons.append(f"at least {fewest:.0f} lots are needed to serve every cell, but max_lots is "
                           f"{rules.max_lots}")
        if most is not None and most < rules.min_lots:
            reasons.append(f"at most {most:.0f} lots can be formed, but min_lots is {rules.min_lots}")
    total = space.total_annual_value or 1.0
    if obj.kind == "min_cost" and obj.local_share_target > 0:
        best = extreme(cols.value * access_chance(s, cols) / total, -1)
        if best is not None and best < obj.local_share_target:
            reasons.append(f"the highest local-accessible value share any plan reaches is {best:.1%}, below the "
                           f"target {obj.local_share_target:.1%}")
    if obj.kind == "max_local":
        cheapest = extreme(cols.admin_cost, 1)
        if cheapest is not None and cheapest > obj.admin_budget:
            reasons.append(f"the cheapest plan costs {cheapest:,.0f} {s.currency} in administration, above the "
                           f"budget {obj.admin_budget:,.0f}")
    if not reasons:
        reasons.append("the plan-level rules (lot count, local-share target, admin budget, small-lots cap) "
                       "cannot be met together; relax one of them")
    return reasons
