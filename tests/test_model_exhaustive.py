"""Exactness against exhaustive enumeration on random tiny scenarios, on every engine path.

The brute force (``brute_force.py``) shares no code with the optimizer: it writes the definition of a plan
(DESIGN §2) out again with networkx — a lot is a connected set of areas × a set of product
groups, it carries a group only where it has demand for it and holds an area only where
the area has demand in the lot's groups or is needed to connect the lot; a plan covers
every cell with demand exactly once and puts no area into two lots of one group — then
scores every such plan with ``evaluate`` (which applies the scenario's rules).
``optimize`` must find the best of them, with every lot enumerated and with lots
generated (a column budget far below the number of lots).

Seeded scenarios (``synthetic.random_scenario``): 3–6 areas on random graphs, 2–3 groups
with sparse demand, 2–8 suppliers, every objective kind and rule across seeds.  Dozens run
in the fast tier; ``--run-slow`` runs 500 more.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest
from brute_force import FAST_PLANS, SLOW_PLANS, brute_force, candidate_lots

from lotsplit import InfeasibleError, NoPlanFoundError, evaluate, optimize, with_overrides
from lotsplit.synthetic import grid_scenario, random_scenario

FAST_SEEDS = range(48)
SLOW_SEEDS = range(48, 600)


def _check_path(s, best, count, *, label):
    if best is None:
        with pytest.raises((InfeasibleError, NoPlanFoundError)) as err:
            optimize(s)
        assert err.type is InfeasibleError, f"{label}: no plan exists, but the optimizer says {err.value}"
        return
    plan = optimize(s)
    assert not plan.violations, f"{label}: {plan.violations}"
    assert plan.outcome.status.value == "optimal", f"{label}: {plan.outcome.message}"
    assert plan.objective == pytest.approx(best, rel=1e-9, abs=1e-6), f"{label}: {count} feasible plans"


def _exhaustive(seed, max_plans=SLOW_PLANS):
    try:
        s = random_scenario(seed)
    except InfeasibleError as err:          # conflicting rules: the check names them (test_model_repro)
        assert "must_together" in str(err) or "demand" in str(err)
        return
    best, count = brute_force(s, max_plans)
    _check_path(s, best, count, label="every lot enumerated")
    generated = with_overrides(s, solver={"column_budget": 4})
    _check_path(generated, best, count, label="lots generated")


@pytest.mark.parametrize("seed", FAST_SEEDS)
def test_optimum_equals_exhaustive_enumeration(seed):
    _exhaustive(seed, FAST_PLANS)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_optimum_equals_exhaustive_enumeration_slow(seed):
    _exhaustive(seed)


@pytest.mark.parametrize("seed", range(12))
def test_evaluate_applies_the_territory_definition(seed):
    """``evaluate`` says a single lot breaks the territory rules exactly when the
    definition written out above (with networkx) says so."""
    try:
        s = random_scenario(seed)
    except InfeasibleError:
        pytest.skip("conflicting rules: no lot to evaluate")
    areas, groups = list(s.areas.index), list(s.groups.index)
    valid = {(A, G) for A, G, _, _ in candidate_lots(s)}
    for k in range(1, len(areas) + 1):
        for A in itertools.combinations(areas, k):
            if not nx.is_connected(s.graph.subgraph(A)):
                continue
            for j in range(1, len(groups) + 1):
                for G in itertools.combinations(groups, j):
                    rows = [(a, g, "L") for a in A for g in G]
                    p = evaluate(s, pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]))
                    codes = {v.code for v in p.violations}
                    broken = bool(codes & {"group_without_demand", "area_without_demand"})
                    assert broken == ((A, G) not in valid), (A, G, codes)


def test_a_probe_mip_claims_the_optimum_only_when_it_is(monkeypatch):
    """The MIP over the lots of least reduced cost (``exact.PROBE_SHARE``) proves the optimum
    only when every lot left out costs more than the gap.  With the first MIP cut down to ten
    lots (so that the probe runs, and proves or falls back), every optimum equals CBC's over
    the whole master (through PuLP: no code shared with the HiGHS path)."""
    from lotsplit.engine import exact

    monkeypatch.setattr(exact, "SMALL_MIP_COLUMNS", 10)
    messages = []
    for shape, seed in itertools.product([(3, 4, 4, 20), (3, 4, 3, 12), (3, 3, 4, 16)], range(4)):
        s = grid_scenario(*shape, seed=seed)
        plan, reference = optimize(s), optimize(s, solver="cbc")
        assert plan.outcome.status.value == "optimal", plan.outcome.message
        assert plan.objective == pytest.approx(reference.objective, rel=1e-7), f"{shape}, seed {seed}"
        messages.append(plan.outcome.message)
    assert any("hold every better plan" in m for m in messages), messages        # the probe proved some
    assert any("after reduced-cost fixing" in m for m in messages), messages     # and fell back on others
