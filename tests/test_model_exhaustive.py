"""Exactness against exhaustive enumeration on random tiny scenarios, on every engine path.

The brute force shares no code with the optimizer: it writes the definition of a plan
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

from lotsplit import InfeasibleError, NoPlanFoundError, evaluate, optimize, with_overrides
from lotsplit.synthetic import random_scenario

FAST_SEEDS = range(48)
SLOW_SEEDS = range(48, 600)
FAST_PLANS = 1_500
"""Fast-tier seeds with more plans than this are left to the slow tier."""
SLOW_PLANS = 60_000


def candidate_lots(s):
    """Every lot of the definition: (areas, groups, territory cells, demand cells)."""
    areas, groups = list(s.areas.index), list(s.groups.index)
    demand = {(a, g): float(s.demand.loc[a, g]) for a in areas for g in groups}
    lots = []
    for k in range(1, len(areas) + 1):
        for A in itertools.combinations(areas, k):
            sub = s.graph.subgraph(A)
            if not nx.is_connected(sub):
                continue
            for j in range(1, len(groups) + 1):
                for G in itertools.combinations(groups, j):
                    if not all(any(demand[a, g] > 0 for a in A) for g in G):
                        continue                     # a group without demand in the lot
                    served = {a for a in A if any(demand[a, g] > 0 for g in G)}
                    if not all(_needed(sub, served, a) for a in set(A) - served):
                        continue                     # an area neither served nor needed
                    cells = frozenset((a, g) for a in A for g in G)
                    lots.append((A, G, cells, frozenset(c for c in cells if demand[c] > 0)))
    return lots


def _needed(sub: nx.Graph, served: set, area) -> bool:
    rest = sub.subgraph(set(sub.nodes) - {area})
    return not any(served <= comp for comp in nx.connected_components(rest))


def all_plans(s):
    lots = candidate_lots(s)
    wanted = frozenset(c for lot in lots for c in lot[3]) | frozenset(
        (a, g) for a in s.areas.index for g in s.groups.index if s.demand.loc[a, g] > 0)
    by_cell: dict = {}
    for lot in lots:
        for c in lot[3]:
            by_cell.setdefault(c, []).append(lot)

    def extend(uncovered, used, chosen):
        if not uncovered:
            yield list(chosen)
            return
        first = min(uncovered)
        for lot in by_cell.get(first, []):
            if lot[3] <= uncovered and not (lot[2] & used):
                chosen.append(lot)
                yield from extend(uncovered - lot[3], used | lot[2], chosen)
                chosen.pop()

    yield from extend(wanted, frozenset(), [])


def brute_force(s, max_plans: int = SLOW_PLANS):
    """(best objective or None, number of feasible plans)."""
    maximise = s.config.objective.kind == "max_local"
    best, count = None, 0
    for i, plan in enumerate(all_plans(s)):
        if i >= max_plans:
            pytest.skip(f"more than {max_plans} plans: left to the slow tier" if max_plans < SLOW_PLANS else
                        f"more than {max_plans} plans: too many for brute force")
        rows = [(a, g, f"L{k}") for k, (A, G, _, _) in enumerate(plan) for a in A for g in G]
        p = evaluate(s, pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]))
        if p.violations:
            continue
        count += 1
        if best is None or (p.objective > best if maximise else p.objective < best):
            best = p.objective
    return best, count


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
