"""Exactness: optimize() finds the best of every feasible plan, enumerated by brute force.

The brute force shares no code with the optimizer's enumeration: lots are every subset of
areas that networkx finds connected × every subset of groups; a plan is any exact cover of
the demand cells by such rectangles; each plan is scored by ``evaluate``.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest

from lotsplit import InfeasibleError, evaluate, optimize
from lotsplit.synthetic import grid_scenario


def all_plans(scenario):
    areas = list(scenario.areas.index)
    groups = list(scenario.groups.index)
    demand = {(a, g): scenario.demand.loc[a, g] for a in areas for g in groups}
    cells = [(a, g) for a in areas for g in groups if demand[a, g] > 0]
    lots = []
    for k in range(1, len(areas) + 1):
        for A in itertools.combinations(areas, k):
            if not nx.is_connected(scenario.graph.subgraph(A)):
                continue
            for j in range(1, len(groups) + 1):
                for G in itertools.combinations(groups, j):
                    covered = frozenset((a, g) for a in A for g in G if demand[a, g] > 0)
                    if covered:
                        lots.append((A, G, covered))

    def extend(uncovered, chosen):
        if not uncovered:
            yield list(chosen)
            return
        first = min(uncovered)
        for lot in lots:
            if first in lot[2] and lot[2] <= uncovered:
                chosen.append(lot)
                yield from extend(uncovered - lot[2], chosen)
                chosen.pop()

    yield from extend(frozenset(cells), [])


def brute_force_best(scenario):
    maximise = scenario.config.objective.kind == "max_local"
    best = None
    count = 0
    for plan in all_plans(scenario):
        rows = [(a, g, f"L{i}") for i, (A, G, _) in enumerate(plan) for a in A for g in G]
        p = evaluate(scenario, pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]))
        if p.violations:
            continue
        count += 1
        if best is None or (p.objective > best if maximise else p.objective < best):
            best = p.objective
    return best, count


CASES = {
    "weighted": {},
    "weighted, compact": {"objective": {"compactness_weight": 2_000.0}},
    "min cost": {"objective": {"kind": "min_cost"}},
    "min cost, local target": {"objective": {"kind": "min_cost", "local_share_target": 0.45}},
    "max local, budget": {"objective": {"kind": "max_local", "admin_budget": 560_000}},
    "no bundling": {"rules": {"bundling": "none"}},
    "families": {"rules": {"bundling": "families", "families": [["g0", "g1"], ["g2"]]}},
    "must together": {"rules": {"must_together": [["g0", "g1"]]}},
    "never together": {"rules": {"never_together": [["g0", "g2"]], "max_groups_per_lot": 3}},
    "lot count": {"rules": {"min_lots": 5, "max_lots": 6}, "objective": {"kind": "min_cost"}},
    "max lots": {"rules": {"max_lots": 3}},
    "lot value bounds": {"rules": {"max_lot_value": 1_500_000, "min_lot_value": 200_000}},
    "two bidders": {"rules": {"min_eligible_bidders": 2}},
    "no-bid risk": {"rules": {"max_no_bid_chance": 0.15, "min_expected_bids": 1.0}},
    "areas together": {"rules": {"areas_together": [["a00", "a02"]]}},
    "areas apart": {"rules": {"areas_apart": [["a00", "a01"]]}},
    "small-lots exemption": {"rules": {"small_lots_exemption": True},
                             "costs": {"per_lot_exempt": 5_000.0}},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimum_equals_brute_force(case):
    config = CASES[case]
    scenario = grid_scenario(1, 3, 3, 6, seed=3, config=config)
    best, count = brute_force_best(scenario)
    if best is None:
        with pytest.raises(InfeasibleError):
            optimize(scenario)
        return
    plan = optimize(scenario)
    assert plan.outcome.status.value == "optimal"
    assert not plan.violations
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-6), f"{count} feasible plans"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_square_grid_equals_brute_force(seed):
    # 2 x 2 grid: a cycle of four areas, so diagonal pairs are not connected.
    scenario = grid_scenario(2, 2, 2, 5, seed=seed)
    best, _ = brute_force_best(scenario)
    plan = optimize(scenario)
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-6)


def test_cbc_agrees_with_highs():
    scenario = grid_scenario(2, 2, 2, 5, seed=4)
    assert optimize(scenario, solver="cbc").objective == pytest.approx(optimize(scenario).objective, abs=1e-4)


def test_zero_demand_cells_are_not_required():
    scenario = grid_scenario(1, 3, 2, 5, seed=5)
    scenario.demand.loc["a01", "g1"] = 0.0
    best, _ = brute_force_best(scenario)
    plan = optimize(scenario)
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-6)
    assert not plan.violations


@pytest.mark.parametrize("objective", [{"kind": "weighted"}, {"kind": "min_cost"},
                                       {"kind": "weighted", "price_per_local_point": 1e6}])   # local above all
@pytest.mark.parametrize("max_lots", [3, 4, 5])
def test_lots_shared_out_between_blocks_equal_brute_force(objective, max_lots):
    """Groups that never share a lot (bundling "none") are solved block by block; when
    their own best plans have too many lots together, the lots are shared out between
    them (only the block MIPs that can be in a best share are solved).  The optimum is
    the brute force's, for every objective."""
    scenario = grid_scenario(1, 3, 3, 6, seed=3, config={"rules": {"bundling": "none", "max_lots": max_lots},
                                                         "objective": objective})
    best, count = brute_force_best(scenario)
    plan = optimize(scenario)
    assert plan.outcome.status.value == "optimal"
    assert "independent blocks" in plan.outcome.message
    assert plan.metrics["n_lots"] <= max_lots
    if objective["kind"] == "weighted":              # these bind: the lots are shared out
        assert "shared out" in plan.outcome.message
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-6), f"{count} feasible plans"
