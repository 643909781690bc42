"""Solver outcomes are truthful: optimal only when proven, otherwise bound and gap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from lotsplit import InfeasibleError, optimize
from lotsplit.engine.cbc import solve_pulp
from lotsplit.engine.highs import Status, solve_highs
from lotsplit.model.master import Master
from lotsplit.synthetic import grid_scenario


def knapsack_like_master(n=60, seed=0):
    """A set-partitioning master that HiGHS cannot close instantly."""
    rng = np.random.default_rng(seed)
    rows = 30
    cols = []
    for _ in range(n * 20):
        k = rng.integers(2, 6)
        cols.append(np.sort(rng.choice(rows, size=k, replace=False)))
    cols += [np.array([r]) for r in range(rows)]
    indptr = np.cumsum([0] + [len(c) for c in cols])
    A = sp.csc_matrix((np.ones(indptr[-1]), np.concatenate(cols), indptr), shape=(rows, len(cols)))
    cost = np.array([len(c) ** 0.5 * rng.uniform(0.8, 1.2) for c in cols])
    cost[-rows:] = 5.0
    return Master(cost, A, np.ones(rows), np.ones(rows))


def test_highs_time_limit_is_not_called_optimal():
    master = knapsack_like_master()
    full = solve_highs(master, integer=True)
    assert full.status == Status.OPTIMAL and full.bound == pytest.approx(full.objective, rel=1e-6)
    quick = solve_highs(master, integer=True, time_limit=0.01)
    if quick.status == Status.OPTIMAL:      # only if it really closed the gap in time
        assert quick.objective == pytest.approx(full.objective, rel=1e-6)
    else:
        assert quick.status in (Status.FEASIBLE, Status.NO_PLAN)
        if quick.status == Status.FEASIBLE:
            assert quick.bound <= full.objective + 1e-6 <= quick.objective + 2e-6


def test_cbc_reports_optimal_and_infeasible():
    master = knapsack_like_master(n=5)
    assert solve_pulp(master).objective == pytest.approx(solve_highs(master, integer=True).objective, rel=1e-6)
    bad = Master(master.cost, master.matrix, master.row_lo, master.row_hi)
    bad.row_lo = np.full(len(master.row_lo), 2.0)
    bad.row_hi = np.full(len(master.row_hi), 2.0)
    bad.matrix = sp.csc_matrix(master.matrix)
    bad.cost = master.cost
    # x is binary, each row needs two covering columns: still feasible; make it impossible:
    bad.row_lo = np.full(len(master.row_lo), 1e6)
    bad.row_hi = np.full(len(master.row_hi), 1e6)
    assert solve_pulp(bad).status == Status.INFEASIBLE
    assert solve_highs(bad, integer=True).status == Status.INFEASIBLE


def test_generated_columns_report_bound_and_gap_not_optimal():
    scenario = grid_scenario(3, 3, 2, 6, seed=2, config={"solver": {"column_budget": 40}})
    plan = optimize(scenario)
    o = plan.outcome
    assert not o.complete
    exact = optimize(grid_scenario(3, 3, 2, 6, seed=2))
    assert exact.outcome.status == Status.OPTIMAL and exact.outcome.complete
    # The generated plan is never better than the proven optimum and its bound never above it.
    assert plan.objective >= exact.objective - 1e-6
    if o.bound is not None:
        assert o.bound <= exact.objective + 1e-6
        assert o.gap == pytest.approx(abs(plan.objective - o.bound) / max(abs(plan.objective), 1), rel=1e-6)
    if o.status == Status.OPTIMAL:
        assert plan.objective == pytest.approx(exact.objective, rel=1e-9)


def test_infeasible_cell_is_named_in_planner_words():
    scenario = grid_scenario(1, 3, 2, 4, seed=1, config={"rules": {"min_eligible_bidders": 9}})
    with pytest.raises(InfeasibleError) as err:
        optimize(scenario)
    text = str(err.value)
    assert "Area a00 × Group 0" in text and "the rules need 9" in text


def test_conflicting_lot_count_is_explained():
    scenario = grid_scenario(1, 3, 2, 4, seed=1, config={"rules": {"min_lots": 7}})
    with pytest.raises(InfeasibleError) as err:
        optimize(scenario)
    assert "at most 6 lots can be formed, but min_lots is 7" in str(err.value)


def test_unreachable_local_target_is_explained():
    scenario = grid_scenario(1, 3, 2, 4, seed=1, config={"objective": {"kind": "min_cost",
                                                                       "local_share_target": 0.99}})
    with pytest.raises(InfeasibleError) as err:
        optimize(scenario)
    assert "below the target 99.0%" in str(err.value)


# --------------------------------------------------------------------------- LP by sifting, dive

def _with_side_rows(master: Master) -> Master:
    """The master plus a lot-count window, like a scenario with min_lots/max_lots."""
    n = master.matrix.shape[1]
    A = sp.vstack([master.matrix, sp.csr_matrix(np.ones((1, n)))]).tocsc()
    return Master(master.cost, A, np.r_[master.row_lo, 8.0], np.r_[master.row_hi, 12.0])


@pytest.mark.parametrize("side", [False, True])
def test_sifted_lp_equals_the_direct_lp(side):
    from lotsplit.engine.highs import solve_lp_sifted

    master = knapsack_like_master(n=200, seed=3)
    if side:
        master = _with_side_rows(master)
    direct = solve_highs(master, integer=False)
    sifted = solve_lp_sifted(master, batch=50)        # many rounds on purpose
    assert sifted.status == Status.OPTIMAL
    assert sifted.objective == pytest.approx(direct.objective, rel=1e-9)
    ax = master.matrix @ sifted.x
    assert np.all(ax >= master.row_lo - 1e-7) and np.all(ax <= master.row_hi + 1e-7)
    rc = master.cost - master.matrix.T @ sifted.duals
    assert rc.min() >= -1e-6                          # optimal over every column, not just the working set


def test_sifted_lp_reports_infeasible():
    from lotsplit.engine.highs import solve_lp_sifted

    master = _with_side_rows(knapsack_like_master(n=50, seed=4))
    master.row_lo[-1] = master.row_hi[-1] = 40.0      # 40 lots over 30 cells: impossible
    assert solve_lp_sifted(master, batch=20).status == Status.INFEASIBLE


def test_dive_finds_a_plan_no_better_than_the_optimum():
    from lotsplit.engine.exact import dive

    master = knapsack_like_master(n=100, seed=5)
    plan = dive(master)
    assert plan.x is not None
    assert np.allclose(master.matrix @ plan.x, 1.0) and set(np.unique(plan.x)) <= {0.0, 1.0}
    best = solve_highs(master, integer=True)
    assert plan.objective >= best.objective - 1e-9


def test_highs_thread_count_can_change_between_solves():
    master = knapsack_like_master(n=5)
    results = [solve_highs(master, integer=True, threads=t) for t in (1, 2, 1)]
    assert all(r.status == Status.OPTIMAL for r in results)
    assert len({round(r.objective, 9) for r in results}) == 1
