"""The bounds of the generated path are valid: never above the best plan.

On random tiny scenarios with a pool far smaller than the space of lots, the relaxed-lot
bound and the Lagrangian bound are compared with the optimum found by exhaustive
enumeration (``brute_force.py``), and the regions behind both bounds are checked against
their definition: every connected lot larger than the pool's lots lies in a region that
exactly the same suppliers reach.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from brute_force import FAST_PLANS, brute_force

from lotsplit import InfeasibleError, optimize, with_overrides
from lotsplit.engine import pricing
from lotsplit.engine import bounds
from lotsplit.engine.bounds import lagrangian_bound, max_lots_in_plan, relaxed_bound
from lotsplit.engine.families import lot_families, outside_size, reach_regions
from lotsplit.engine.highs import Effort, Status, solve_lp_sifted
from lotsplit.model.lots import lot_space
from lotsplit.model.master import build_master
from lotsplit.synthetic import random_scenario

SEEDS = range(40)


def _scenario(seed):
    try:
        return random_scenario(seed)
    except InfeasibleError:
        pytest.skip("conflicting rules: no plan to bound")


def _small_pool(s):
    space = lot_space(with_overrides(s, solver={"column_budget": 4}))
    if space.complete:
        pytest.skip("the pool holds every lot: no bound over lots outside it")
    return space


@pytest.mark.parametrize("seed", SEEDS)
def test_every_large_lot_lies_in_a_region_the_same_suppliers_reach(seed):
    s = _scenario(seed)
    space = _small_pool(s)
    m = space.market
    big = space.complete_size + 1
    regions = reach_regions(space, big)
    assert regions is not None
    reaching = m.reaches_all(regions)
    area_ids = m.area_ids
    found = 0
    for k in range(big, len(area_ids) + 1):
        for A in itertools.combinations(range(len(area_ids)), k):
            if not nx.is_connected(s.graph.subgraph([area_ids[a] for a in A])):
                continue
            lot = np.zeros(len(area_ids), dtype=bool)
            lot[list(A)] = True
            inside = ~(lot & ~regions).any(axis=1)
            same = (reaching == m.reaches_all(lot[None, :])[0]).all(axis=1)
            assert (inside & same).any(), f"lot {A} of {k} areas lies in no region its suppliers reach"
            found += 1
    for region in regions:          # every region is connected and large enough
        ids = [area_ids[a] for a in np.flatnonzero(region)]
        assert len(ids) >= big and nx.is_connected(s.graph.subgraph(ids))


@pytest.mark.parametrize("seed", SEEDS)
def test_bounds_are_never_above_the_best_plan(seed, monkeypatch):
    s = _scenario(seed)
    best, _ = brute_force(s, FAST_PLANS)
    if best is None or s.config.objective.kind == "max_local":
        pytest.skip("no plan, or a maximised objective (bounds are on the minimised form)")
    space = _small_pool(s)
    assert lot_families(space) is not None
    effort = Effort.of(None)
    master = build_master(space)
    relaxed, suggested = relaxed_bound(space, master, effort=effort)
    big = outside_size(space)
    for b_idx, mask in suggested:      # the lots the LP suggests: connected, larger than the pool's
        ids = [space.market.area_ids[a] for a in np.flatnonzero(mask)]
        assert len(ids) >= big and nx.is_connected(s.graph.subgraph(ids)), (b_idx, ids)
    tol = 1e-6 * max(1.0, abs(best))
    if relaxed is not None:
        assert relaxed <= best + tol, f"relaxed-lot bound {relaxed} above the optimum {best}"
    k_max = max_lots_in_plan(space, best)
    # with the optimum's most lots (and cuts up to it), by the interior point method, and cut by the work budget
    with_k, _ = relaxed_bound(space, master, effort=effort, k_max=k_max, best=best)
    if with_k is not None:
        assert with_k <= best + tol, f"relaxed-lot bound {with_k} (at most {k_max} lots) above the optimum {best}"
        assert relaxed is None or with_k >= relaxed - tol, "a bound on the lots per plan loosened the LP"
    monkeypatch.setattr(bounds, "RELAXED_INTERIOR_ROWS", 0)
    interior, _ = relaxed_bound(space, master, effort=effort, k_max=k_max)
    if interior is not None:
        assert interior <= best + tol, f"relaxed-lot bound {interior} (interior point) above the optimum {best}"
    for rows in (0, 10**9):
        monkeypatch.setattr(bounds, "RELAXED_INTERIOR_ROWS", rows)
        monkeypatch.setattr(bounds, "RELAXED_ITERATIONS", 1)
        cut, _ = relaxed_bound(space, master, effort=effort, k_max=k_max)
        if cut is not None:
            assert cut <= best + tol, f"bound {cut} (relaxed-lot LP cut by its work budget) above the optimum {best}"
    lp = solve_lp_sifted(master, effort=effort, elastic_duals=True)
    if lp.status == Status.OPTIMAL:
        lagrangian = lagrangian_bound(space, master, float(lp.objective), lp.duals, k_max)
        assert lagrangian <= best + tol, f"Lagrangian bound {lagrangian} above the optimum {best}"


@pytest.mark.parametrize("seed", SEEDS)
def test_reported_bound_without_exact_pricing(seed, monkeypatch):
    """With exact pricing off (no lot may be visited), the generated path must rest on
    its own bounds: the plan it calls optimal is optimal, and its bound holds."""
    s = _scenario(seed)
    best, _ = brute_force(s, FAST_PLANS)
    if best is None:
        pytest.skip("no plan")
    monkeypatch.setattr(pricing, "STREAM_LOTS", 0)
    plan = optimize(with_overrides(s, solver={"column_budget": 4}))
    o = plan.outcome
    maximise = s.config.objective.kind == "max_local"
    tol = 1e-6 * max(1.0, abs(best))
    if maximise:
        assert o.objective <= best + tol and (o.bound is None or o.bound >= best - tol)
    else:
        assert o.objective >= best - tol and (o.bound is None or o.bound <= best + tol)
    if o.status.value == "optimal":
        assert o.objective == pytest.approx(best, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_separator_cuts_hold_for_every_connected_lot(seed):
    """The cuts that keep a relaxed lot in one piece, separated from random LP points, hold
    for every connected lot of the family (``z = 1``, ``u`` its areas): none cuts off a lot."""
    s = _scenario(seed)
    space = _small_pool(s)
    relaxed, upper, layout = bounds.relaxed_master(space, build_master(space))
    big, area_ids = outside_size(space), space.market.area_ids
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(20):
        x = np.zeros(len(relaxed.cost))
        for f, z, u, held in layout:
            x[z] = rng.uniform(0.1, 1.0)
            x[u] = x[z] * rng.uniform(0, 1, len(u)) * (rng.uniform(0, 1, len(u)) < 0.6)
        for cols, coef in bounds.separator_cuts(space, layout, x):
            assert coef @ x[cols] > 0, "a cut the LP point does not violate"
            f, z, u, held = next(item for item in layout if item[1] in cols)
            for k in range(big, len(f.areas) + 1):
                for lot in itertools.combinations(f.areas, k):
                    if not nx.is_connected(s.graph.subgraph([area_ids[a] for a in lot])):
                        continue
                    point = np.zeros(len(relaxed.cost))
                    point[z] = 1.0
                    point[u[np.isin(f.areas[held], lot)]] = 1.0
                    assert coef @ point[cols] <= 1e-9, f"a cut removes the connected lot {lot}"
                    checked += 1
    if not checked:
        pytest.skip("no relaxed lot in two pieces: nothing to cut")


def test_separator_cuts_raise_the_relaxed_bound_on_a_grid(monkeypatch):
    """On a 5 × 8 grid the LP with relaxed lots holds lots in several pieces; the cuts raise
    its bound (by more than 30 % of the gap to a plan) and it stays below the plan."""
    from lotsplit.synthetic import grid_scenario

    s = grid_scenario(5, 8, 4, 60, seed=21)
    space = lot_space(s)
    master = build_master(space)
    effort = Effort.of(None)
    plan = optimize(s, time_limit=60)
    best = plan.outcome.objective
    with_cuts, _ = relaxed_bound(space, master, effort=effort, best=best)
    monkeypatch.setattr(bounds, "CUT_ROUNDS", 0)
    without, _ = relaxed_bound(space, master, effort=effort, best=best)
    assert without < with_cuts <= best
    assert with_cuts - without > 0.3 * (best - without)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_family_left_out_is_dominated_by_one_kept(seed):
    """The bounds price only undominated families: each family left out has a kept one of
    the same bundle holding its areas, with no higher floor, no lower rate and local chance
    on each of its areas, and a value range holding its own."""
    from lotsplit.engine.families import _families_of, undominated

    space = _small_pool(_scenario(seed))
    every = _families_of(space)
    kept = undominated(every, len(space.market.area_ids))
    assert kept and len(kept) == len(lot_families(space)) <= len(every)
    for f in every:
        if any(g is f for g in kept):
            continue
        assert any(g.b_idx == f.b_idx and set(f.areas) <= set(g.areas) and g.floor <= f.floor
                   and g.least <= f.least and g.most >= f.most
                   and all(g.rate[list(g.areas).index(a)] >= r and g.local[list(g.areas).index(a)] >= q
                           for a, r, q in zip(f.areas, f.rate, f.local))
                   for g in kept), f"family of bundle {f.b_idx} on {list(f.areas)} left out, not dominated"


def test_dominated_families_are_left_out_on_a_grid():
    from lotsplit.engine.families import _families_of
    from lotsplit.synthetic import grid_scenario

    space = lot_space(grid_scenario(5, 8, 4, 60, seed=21))
    assert len(lot_families(space)) < 0.8 * len(_families_of(space))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_valid_large_lot_is_priced_no_higher_by_a_family(seed):
    """The relaxed lots price every valid lot outside the pool at most at its objective
    term: some family of its bundle holds its areas and its value, and its admin floor
    (the fixed costs, the bids of the suppliers eligible for every lot of the family up to
    the bids worth evaluating, the retender risk) less its most value of competition and
    access bonus is no more than the lot's own."""
    from lotsplit.model.lots import build_columns
    from lotsplit.model.objective import lot_objective_terms

    s = _scenario(seed)
    space = _small_pool(s)
    m, obj = space.market, s.config.objective
    big = outside_size(space)
    families = lot_families(space)
    total = space.total_annual_value or 1.0
    bonus = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin = 0.0 if obj.kind == "max_local" else 1.0
    sets = [np.isin(np.arange(len(m.area_ids)), A) for k in range(big, len(m.area_ids) + 1)
            for A in itertools.combinations(range(len(m.area_ids)), k)
            if nx.is_connected(s.graph.subgraph([m.area_ids[a] for a in A]))]
    if not sets:
        pytest.skip("no connected lot outside the pool")
    checked = 0
    for b_idx, bundle in enumerate(space.bundles):
        cols, _ = build_columns(s, m, [bundle], np.array(sets))
        terms = lot_objective_terms(s, cols)
        v = m.demand[:, m.group_index(bundle)].sum(axis=1)
        for i, term in zip(cols.set_index, terms):
            areas = np.flatnonzero(sets[i])
            priced = [admin * f.floor - (admin * f.rate[pos] * v[areas]).sum() - bonus * (f.local[pos] * v[areas]).sum()
                      for f in families if f.b_idx == b_idx and f.least - 1e-6 <= v[areas].sum() <= f.most + 1e-6
                      and set(areas) <= set(f.areas)
                      for pos in [np.searchsorted(f.areas, areas)]]
            assert priced and min(priced) <= term + 1e-6 * max(1.0, abs(term)), \
                f"lot {areas.tolist()} × {bundle}: term {term}, families price it at {priced}"
            checked += 1
    if not checked:
        pytest.skip("no valid lot outside the pool")
