"""Column generation (the path past the column budget) is honest.

Each tiny scenario is solved twice: with every lot enumerated (exact; the exact path is
itself checked against brute force in test_model_exact.py) and with a column budget so
small that the optimizer must generate lots.  The generated plan may be worse, but its
bound must never exceed the true optimum, and "optimal" must only be claimed when it is.
"""

from __future__ import annotations

import pytest

from lotsplit import InfeasibleError, NoPlanFoundError, optimize
from lotsplit.engine.highs import Status
from lotsplit.synthetic import grid_scenario

CASES = [
    ((3, 3, 2, 6), 2, {}),
    ((3, 3, 2, 6), 5, {"objective": {"kind": "min_cost"}}),
    ((2, 4, 3, 8), 7, {"objective": {"kind": "min_cost", "local_share_target": 0.3}}),
    ((2, 4, 2, 8), 3, {"objective": {"kind": "max_local", "admin_budget": 700_000}}),
    ((3, 3, 2, 6), 4, {"rules": {"max_lots": 3}}),
    ((3, 3, 2, 8), 6, {"rules": {"min_lots": 5}}),
    ((2, 4, 2, 8), 8, {"rules": {"min_lot_value": 1_500_000}}),
    ((2, 4, 2, 8), 9, {"rules": {"max_lot_value": 2_000_000}}),
    ((3, 3, 2, 6), 10, {"objective": {"compactness_weight": 2_000}}),
    ((3, 3, 2, 6), 11, {"rules": {"bundling": "none"}}),
    ((3, 3, 2, 6), 12, {"rules": {"small_lots_exemption": True}, "costs": {"per_lot_exempt": 15_000}}),
]


@pytest.mark.parametrize("shape,seed,config", CASES, ids=[str(i) for i in range(len(CASES))])
def test_generated_plan_bound_and_status_are_honest(shape, seed, config):
    exact_scenario = grid_scenario(*shape, seed=seed, config=config)
    try:
        exact = optimize(exact_scenario)
    except InfeasibleError:
        # a proven infeasibility, or an honest "no plan found" (never a plan)
        with pytest.raises((InfeasibleError, NoPlanFoundError)):
            optimize(grid_scenario(*shape, seed=seed, config={**config, "solver": {"column_budget": 25}}))
        return
    assert exact.outcome.status == Status.OPTIMAL and exact.outcome.complete
    small = grid_scenario(*shape, seed=seed, config={**config, "solver": {"column_budget": 25}})
    plan = optimize(small)
    o = plan.outcome
    assert not o.complete
    assert not plan.violations
    maximise = small.config.objective.kind == "max_local"
    sign = -1.0 if maximise else 1.0
    # never better than the proven optimum; the bound never beyond it
    assert sign * plan.objective >= sign * exact.objective - 1e-6 * max(1.0, abs(exact.objective))
    assert o.bound is not None, o.message
    assert sign * o.bound <= sign * exact.objective + 1e-6 * max(1.0, abs(exact.objective))
    if o.status == Status.OPTIMAL:
        assert plan.objective == pytest.approx(exact.objective, rel=1e-9, abs=1e-6)
    else:
        assert o.status == Status.FEASIBLE and o.gap > 0


def test_certain_reasons_are_raised_even_when_lots_are_generated():
    """A cell no lot of any size can serve is named before any lot is generated."""
    scenario = grid_scenario(1, 3, 2, 4, seed=1, config={"rules": {"min_eligible_bidders": 9},
                                                         "solver": {"column_budget": 2}})
    with pytest.raises(InfeasibleError) as err:
        optimize(scenario)
    assert "the rules need 9" in str(err.value)


def test_cells_only_large_lots_can_serve_are_left_to_generation():
    """With only single areas enumerated and a minimum lot value above any single area,
    the cells are not declared unservable: generation finds the larger lots."""
    config = {"rules": {"min_lot_value": 2_500_000}, "solver": {"column_budget": 20}}
    plan = optimize(grid_scenario(2, 4, 2, 8, seed=8, config=config))
    assert not plan.violations and not plan.outcome.complete
    assert all(lot.annual_value >= 2_500_000 for lot in plan.lots)


def test_no_plan_from_generated_lots_is_not_called_infeasible():
    """When the generated lots do not make a plan, that is no proof of infeasibility."""
    from lotsplit.errors import InfeasibleError as Infeasible
    config = {"rules": {"min_lots": 2, "max_lots": 2, "min_lot_value": 5_000_000, "max_lot_value": 5_300_000,
                        "bundling": "none"}, "objective": {"kind": "min_cost"}, "solver": {"column_budget": 20}}
    scenario = grid_scenario(2, 4, 1, 6, seed=3, config=config)
    try:
        plan = optimize(scenario)
    except NoPlanFoundError as err:
        assert "does not prove" in str(err)
        return
    except Infeasible:
        # only allowed when the complete enumeration agrees
        with pytest.raises(Infeasible):
            optimize(grid_scenario(2, 4, 1, 6, seed=3, config={**config, "solver": {}}))
        return
    assert not plan.violations


def test_pricing_stops_when_the_pool_lp_stalls(monkeypatch):
    """A round that lowers the pool's LP by less than ``STALL`` of its value ends pricing
    (a work limit, read from the numbers, not the clock); the returned LP is then the LP
    over the final pool."""
    from lotsplit.engine import pricing
    from lotsplit.engine.highs import UNLIMITED
    from lotsplit.model.lots import lot_space

    def rounds(stall: float) -> tuple[int, int, object]:
        space = lot_space(grid_scenario(4, 5, 2, 10, seed=3, config={"solver": {"column_budget": 60}}))
        solves = []
        real = pricing.solve_lp_sifted

        def counted(master, **kw):
            solves.append(master.matrix.shape[1])
            return real(master, **kw)

        monkeypatch.setattr(pricing, "solve_lp_sifted", counted)
        monkeypatch.setattr(pricing, "STALL", stall)
        last = pricing.generate_columns(space, effort=UNLIMITED)
        return len(solves), len(space.columns), last

    n_free, _, _ = rounds(0.0)
    n_stall, pool, last = rounds(1.0)          # every round after the first has "stalled"
    assert n_free > 2, "the scenario must need several pricing rounds"
    assert n_stall == 2
    assert last.status == Status.OPTIMAL and len(last.x) == pool      # the LP over the final pool
