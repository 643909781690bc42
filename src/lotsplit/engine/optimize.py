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

from lotsplit.engine.cbc import pulp_version
from lotsplit.engine.blocks import solve_exact
from lotsplit.engine.explain import explain_conflict, explain_uncovered
from lotsplit.engine.generated import solve_generated
from lotsplit import progress
from lotsplit.engine.highs import Effort, RawResult, SolveOutcome, Status, Termination, gap_of, highs_version
from lotsplit.errors import InfeasibleError, NoPlanFoundError, SolverError
from lotsplit.model.lots import Columns, LotSpace, StopRequested, lot_space
from lotsplit.model.master import add_award_cut
from lotsplit.model.objective import objective_value
from lotsplit.plan import LotPlan, evaluate, isclose, lot_ids
from lotsplit.scenario import Scenario


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


def optimize(scenario: Scenario, *, time_limit: float | None = None, solver: str | None = None,
             mip_gap: float | None = None, threads: int | None = None, seed: int | None = None) -> LotPlan:
    """Find the best lot plan under the scenario's objective and rules.

    Returns a :class:`~lotsplit.plan.LotPlan` whose ``outcome`` says whether the plan is
    proven optimal or the best found (with bound, gap and what stopped the search: the
    user's ``time_limit``, a work budget, or a stop request).  Raises
    :class:`~lotsplit.errors.InfeasibleError` (with reasons in the planner's words) when no
    plan satisfies the rules, and :class:`~lotsplit.errors.NoPlanFoundError` when the
    search stopped before any plan was found.

    ``time_limit`` (seconds, default the scenario's ``solver.time_limit``) is the only
    clock: every internal budget counts work, so the same inputs, ``threads`` and ``seed``
    give the same plan, status and bound on an idle and on a loaded machine unless the
    time limit cuts (the outcome then says so).

    Examples
    --------
    >>> plan = optimize(load_scenario("scenarios/malung-salen-winter/scenario.toml"))  # doctest: +SKIP
    >>> plan.outcome.status.value, plan.outcome.termination.value                      # doctest: +SKIP
    ('optimal', 'optimal')
    """
    cfg = scenario.config.solver
    time_limit = cfg.time_limit if time_limit is None else time_limit
    solver = solver or cfg.name
    mip_gap = cfg.mip_gap if mip_gap is None else mip_gap
    effort = Effort.of(time_limit, threads=threads or cfg.threads, seed=cfg.seed if seed is None else seed)
    start = time.perf_counter()
    considered = None

    from lotsplit.engine import districting

    districted = solver == "highs" and districting.applies(scenario)
    if districted:
        # one group, every lot's cost linear in its areas and border: the districting engine
        progress.report("stage", name="solve", detail="districting engine")
        space, raw, considered = _solve_partition(scenario, effort=effort, mip_gap=mip_gap)
        cols, bound_is_global = space.columns, True
    else:
        progress.report("stage", name="enumerate", detail="candidate lots")
        try:
            space = lot_space(scenario)
        except StopRequested:
            raise NoPlanFoundError("stopped on request while the candidate lots were enumerated") from None
        progress.report("lots", count=len(space.columns), complete=space.complete)
        explain_uncovered(space)
        progress.report("stage", name="solve", detail="exact MIP" if space.complete else "lots generated")
        while True:
            if space.complete:
                raw, cols = solve_exact(space, solver=solver, effort=effort, mip_gap=mip_gap)
                bound_is_global = True
            else:
                raw, cols, bound_is_global = solve_generated(space, solver=solver, effort=effort, mip_gap=mip_gap)
            if not add_award_cut(space, cols, raw.x):
                break
    seconds = time.perf_counter() - start
    version = highs_version() if solver == "highs" else pulp_version()
    if raw.status == Status.INFEASIBLE:
        if districted:
            raise InfeasibleError([f"no division of the areas into connected lots meets the lot count and the lot "
                                   f"value bounds ({raw.message})"])
        if space.complete or raw.final:
            raise InfeasibleError(explain_conflict(space, effort=effort))
        raw = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, raw.message, termination=effort.termination)
    if raw.status == Status.NO_PLAN:
        stopped = effort.termination
        if stopped == Termination.INTERRUPTED:
            raise NoPlanFoundError("stopped on request before any plan was found")
        if districted or space.complete or stopped == Termination.TIME_LIMIT:
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
    termination = Termination.OPTIMAL if status == Status.OPTIMAL else (
        raw.termination if raw.termination != Termination.OPTIMAL else effort.termination)
    outcome = SolveOutcome(status=status, objective=objective, bound=bound_reported, gap=gap, seconds=seconds,
                           solver=solver, version=version, message=raw.message,
                           columns=len(space.columns) if considered is None else considered, complete=space.complete,
                           termination=termination)
    plan = plan_from_columns(space, lots, outcome)
    if not isclose(plan.objective, objective):
        raise SolverError(f"internal check failed: the optimizer's objective {objective} differs from the "
                          f"evaluated plan's {plan.objective}")
    if plan.violations:
        raise SolverError("internal check failed: the optimizer's plan breaks a rule: " + "; ".join(plan.violations))
    progress.report("incumbent", objective=objective, bound=bound_reported, gap=gap)
    return plan


def _solve_partition(scenario: Scenario, *, effort: Effort, mip_gap: float) -> tuple[LotSpace, RawResult, int]:
    """The districting engine's plan as columns of a LotSpace (the lots it chose), and the
    number of lots its pool held."""
    from lotsplit.engine.districting import solve_partition
    from lotsplit.eligibility import Market
    from lotsplit.model.lots import allowed_bundles, build_columns, territory_cells

    res = solve_partition(scenario, effort=effort, mip_gap=mip_gap)
    market = Market(scenario)
    bundles = allowed_bundles(scenario)
    sets = np.array(res.area_sets, dtype=bool).reshape(len(res.area_sets), len(market.area_ids))
    with progress.scope():
        # the chosen lots become columns even after a stop request: the best plan is kept
        cols, _ = build_columns(scenario, market, bundles, sets)
    cells, n_demand = territory_cells(market)
    space = LotSpace(scenario, market, bundles, sets, cols, res.status == Status.OPTIMAL, cells, n_demand)
    pool = res.stats.get("pool") or max((lv["lots"] for lv in res.stats.get("levels", ())), default=0)
    considered = int(pool) or len(sets)      # enumerated lots (compact slots, if any, not counted)
    x = np.ones(len(cols)) if len(sets) else None
    if x is not None and len(cols) != len(sets):
        return space, RawResult(Status.ERROR, None, None, None, None, res.seconds,
                                "internal check failed: the districting engine chose a lot that breaks a lot rule",
                                termination=Termination.ERROR), considered
    status = Status.NO_PLAN if x is None and res.status == Status.FEASIBLE else res.status
    return (space, RawResult(status, x, res.objective, res.bound, None, res.seconds,
                             f"districting engine: {res.message}", termination=res.termination), considered)


def plan_from_columns(space: LotSpace, lots: Columns, outcome: SolveOutcome, *,
                      scenario: Scenario | None = None) -> LotPlan:
    """Turn chosen columns into a LotPlan through ``evaluate`` (one source of truth), lots
    ordered by their first product group, then their first area; ``scenario``: evaluate
    under this variant of the space's scenario (the frontier's points)."""
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
    return evaluate(scenario or space.scenario, assignment, outcome=outcome,
                    exempt=exempt if space.columns.exempt.any() else None)
