"""The districting engine (``lotsplit.engine.districting``) for linear-cost partition scenarios.

- brute force: on random graphs of 6-9 nodes every partition into connected parts within
  the weight bounds is enumerated and the optimum compared with the engine's, on the normal
  path (enumerated pool) and with the pool capped so the hybrid MIP has to decide;
- through the public API: the plan the engine returns scores, in ``lotsplit.evaluate``, the
  engine's objective (master-cost units), with admin costs and a free lot count too;
- the primal heuristic (``recom_plan``): feasible plans (connected, within bounds, the right
  count) on the brute-force graphs, on grids and on ME/NM, the objective equal to the recount,
  deterministic for a seed; forced on as the incumbent, the results stay the brute-force optima;
- ``applies``: true for county scenarios, false for the bundled scenarios and for rules the
  engine does not model;
- the published county optima (``../shared/validation``, skipped when absent): ME and NM in
  the fast tier, all twelve states in the slow tier (``--run-slow``) with honest outcomes;
- work budgets, not clocks: a county solved on an idle machine and again under a CPU hog
  gives the same plan, status, bound, termination and pool sizes; the seed reaches the
  heuristic; a time limit that cuts says ``time_limit``; a stop request through
  ``lotsplit.optimize`` reaches the engine.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lotsplit  # noqa: E402
from lotsplit.engine import districting as D  # noqa: E402
from lotsplit.engine.districting import heuristic as primal  # noqa: E402
from lotsplit.engine.highs import Effort, Status, Termination  # noqa: E402
from lotsplit.plan import market_of  # noqa: E402

from benchmarks import instances as bi  # noqa: E402

COUNTY_DIR = ROOT.parent / "shared" / "validation" / "us_county_cut_edges"
OPTIMA = {"ME": (2, 16), "NM": (3, 17), "ID": (2, 10), "WV": (3, 23), "LA": (6, 49), "AL": (7, 55),
          "AR": (4, 33), "OK": (5, 40), "MS": (4, 34), "NE": (3, 19), "IA": (4, 33), "KS": (4, 32)}


# --------------------------------------------------------------------------- brute force

def brute_force(prob: D.Problem) -> float:
    """Least plan cost over every partition of the nodes (restricted growth strings)."""
    n = prob.n
    best = math.inf
    labels = [0] * n
    weights: list[float] = []

    def rec(i: int):
        nonlocal best
        if i == n:
            t = len(weights)
            if not prob.tmin <= t <= prob.tmax or any(w < prob.L - 1e-9 for w in weights):
                return
            parts = [np.array([labels[v] == j for v in range(n)]) for j in range(t)]
            if all(prob.is_connected(p) for p in parts):
                best = min(best, prob.plan_cost(parts))
            return
        for j in range(len(weights) + 1):
            if j == len(weights):
                if j >= prob.tmax:
                    continue
                weights.append(0.0)
            if weights[j] + prob.weight[i] <= prob.U + 1e-9:
                weights[j] += prob.weight[i]
                labels[i] = j
                rec(i + 1)
                weights[j] -= prob.weight[i]
            if weights[j] == 0.0 and j == len(weights) - 1:
                weights.pop()

    rec(0)
    return best


def random_problem(seed: int) -> D.Problem:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 10))
    # a planar-ish graph: a path of rows with some chords, always connected
    cols = 3
    edges = set()
    for i in range(n):
        r, c = divmod(i, cols)
        if c + 1 < cols and i + 1 < n:
            edges.add((i, i + 1))
        if i + cols < n:
            edges.add((i, i + cols))
        if rng.random() < 0.25 and c + 1 < cols and i + cols + 1 < n:
            edges.add((i, i + cols + 1))
    edges = sorted(edges)
    weight = rng.integers(1, 10, size=n).astype(float)
    k = int(rng.integers(2, 4))
    total = weight.sum()
    slack = float(rng.choice([0.15, 0.3, 0.6]))
    L, U = math.floor((1 - slack) * total / k), math.ceil((1 + slack) * total / k)
    kind = seed % 3
    if kind == 0:      # the county case: unit cut edges, exactly k parts
        w = np.full(len(edges), 0.5)
        return D.Problem(n, edges, w, weight, L, U, k, k)
    if kind == 1:      # edge lengths, admin cost per lot, a free lot count
        w = rng.integers(1, 6, size=len(edges)) / 2.0
        return D.Problem(n, edges, w, weight, max(1.0, L / 2), U, 1, k + 1, c0=float(rng.integers(0, 4)))
    # a linear term per node (weighted objectives) and fractional edge costs
    w = rng.uniform(0.1, 2.0, size=len(edges))
    a = -rng.uniform(0, 1, size=n)
    return D.Problem(n, edges, w, weight, L, U, k, k, c0=1.5, a=a)


SEEDS = list(range(12))


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_brute_force(seed):
    prob = random_problem(seed)
    expected = brute_force(prob)
    res = D.solve_problem(prob, effort=Effort.of(60))
    if _is_the_optimum(res, prob, expected):
        assert prob.plan_cost(res.area_sets) == pytest.approx(res.objective, abs=1e-9)
        assert res.bound == pytest.approx(expected, abs=1e-6)


def _is_the_optimum(res, prob, expected: float) -> bool:
    """Asserts ``res`` is the brute-force answer: infeasible (returns False) or the proven
    optimum with a valid plan (returns True)."""
    if math.isinf(expected):
        assert res.status == Status.INFEASIBLE, res.message
        return False
    assert res.status == Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(expected, abs=1e-6)
    assert not prob.check_plan(res.area_sets)
    return True


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("max_b", [-1.0, 1.0])
def test_hybrid_matches_brute_force(seed, max_b):
    """With the pool capped (none at all, or only lots of boundary cost <= 1), the compact
    slots of the hybrid MIP must carry the proof."""
    prob = random_problem(seed)
    expected = brute_force(prob)
    res = D.solve_problem(prob, effort=Effort.of(60), max_b=max_b)
    if math.isinf(expected):
        assert res.status == Status.INFEASIBLE, res.message
        return
    assert res.status == Status.OPTIMAL, res.message
    assert res.objective == pytest.approx(expected, abs=1e-6)
    assert not prob.check_plan(res.area_sets)


# --------------------------------------------------------------------------- primal heuristic

def _fast_recom(prob, **kw):
    kw.setdefault("round_iter", 30)
    kw.setdefault("max_stale", 1)
    return _RECOM(prob, **kw)


_RECOM = D.recom_plan


def grid_problem(rows: int, cols: int, k: int, seed: int, tol: float = 0.05) -> D.Problem:
    """A grid graph with random node weights, exactly k parts within +-tol of the mean."""
    g = nx.grid_2d_graph(rows, cols)
    idx = {v: i for i, v in enumerate(sorted(g.nodes))}
    edges = sorted((idx[u], idx[v]) for u, v in g.edges)
    rng = np.random.default_rng(seed)
    weight = rng.integers(50, 150, size=len(idx)).astype(float)
    target = weight.sum() / k
    return D.Problem(len(idx), edges, np.full(len(edges), 0.5), weight, (1 - tol) * target,
                     (1 + tol) * target, k, k)


@pytest.mark.parametrize("seed", SEEDS)
def test_heuristic_plans_are_feasible_small(seed):
    """On the brute-force graphs: a plan only when one exists, always within the rules, its
    objective the recount and never below the optimum."""
    prob = random_problem(seed)
    expected = brute_force(prob)
    parts = _fast_recom(prob)
    if math.isinf(expected):
        assert parts is None
        return
    if parts is None:           # a heuristic may miss; these graphs are tiny, so it should not
        pytest.fail("no plan on a feasible instance")
    assert not prob.check_plan(parts)
    assert prob.tmin <= len(parts) <= prob.tmax
    assert prob.plan_cost(parts) >= expected - 1e-9


@pytest.mark.parametrize("rows,cols,k,seed", [(6, 6, 3, 1), (5, 8, 4, 2), (7, 7, 2, 3)])
def test_heuristic_grid_plans_and_determinism(rows, cols, k, seed):
    prob = grid_problem(rows, cols, k, seed)
    p1 = _fast_recom(prob, seed=7)
    assert p1 is not None
    assert not prob.check_plan(p1) and len(p1) == k
    # the objective is the number of cut edges: recount on the networkx graph
    lab = np.zeros(prob.n, dtype=int)
    for j, m in enumerate(p1):
        lab[m] = j
    cut = sum(1 for u, v in prob.edges.tolist() if lab[u] != lab[v])
    assert prob.plan_cost(p1) == pytest.approx(cut, abs=1e-9)
    p2 = _fast_recom(prob, seed=7)
    assert len(p1) == len(p2) and all(np.array_equal(a, b) for a, b in zip(p1, p2))


def test_heuristic_improves_its_first_plan():
    prob = grid_problem(8, 8, 4, 5)
    first = _RECOM(prob, max_iter=0)            # the bisection plan alone
    better = _fast_recom(prob)
    assert first is not None and better is not None
    assert prob.plan_cost(better) <= prob.plan_cost(first) + 1e-9


@pytest.mark.parametrize("seed", SEEDS)
def test_brute_force_with_heuristic_incumbent(seed, monkeypatch):
    """The heuristic's plan as the incumbent (forced on these tiny graphs) with the pool
    capped, so the hybrid MIP has to prove: still exactly the brute-force optimum."""
    monkeypatch.setattr(primal, "recom_plan", _fast_recom)
    prob = random_problem(seed)
    expected = brute_force(prob)
    res = D.solve_problem(prob, effort=Effort.of(60), max_b=1.0, heuristic=True)
    heuristic = res.stats.get("heuristic", {}).get("value")
    if _is_the_optimum(res, prob, expected) and heuristic is not None:
        assert heuristic >= expected - 1e-6


@pytest.mark.parametrize("state", ["ME", "NM"])
def test_heuristic_county_plans(state):
    inst, scenario = _county(state)
    prob, _ = D.problem_of(scenario)
    k, opt = OPTIMA[state]
    parts = _fast_recom(prob, round_iter=100)
    assert parts is not None and len(parts) == k
    assert not prob.check_plan(parts)
    ids = market_of(scenario).area_ids
    plan = {ids[i]: j for j, m in enumerate(parts) for i in np.flatnonzero(m)}
    check = bi.check_partition(inst, plan)
    assert check["ok"], check["problems"]
    assert check["cut"] == pytest.approx(prob.plan_cost(parts), abs=1e-6)
    assert prob.plan_cost(parts) >= opt - 1e-6
    again = _fast_recom(prob, round_iter=100)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))


def test_enumeration_counts_every_lot_once():
    """Every connected set with weight in [L, U] and boundary cost <= b, compared with a
    plain enumeration of all node subsets."""
    for seed in range(6):
        prob = random_problem(seed)
        for b in (1.0, 2.5, 4.0, 100.0):
            got = D.enumerate_lots(prob, b).sets
            assert len(got) == len(set(got))
            want = set()
            for mask_int in range(1, 1 << prob.n):
                mask = np.array([(mask_int >> i) & 1 for i in range(prob.n)], dtype=bool)
                if prob.L - 1e-9 <= prob.weight[mask].sum() <= prob.U + 1e-9 and prob.is_connected(mask) \
                        and prob.boundary(mask) <= b + 1e-9:
                    want.add(mask_int)
            assert set(got) == want, (seed, b)


def test_infeasible_and_trivial_cases():
    # one node heavier than U
    p = D.Problem(3, [(0, 1), (1, 2)], [0.5, 0.5], [5, 1, 1], 1, 4, 1, 3)
    assert D.solve_problem(p).status == Status.INFEASIBLE
    # disconnected graph that cannot be split into 2 connected parts of weight 3
    p = D.Problem(4, [(0, 1)], [0.5], [1, 1, 2, 2], 3, 3, 2, 2)
    assert D.solve_problem(p).status == Status.INFEASIBLE
    # a single lot holding everything
    p = D.Problem(3, [(0, 1), (1, 2)], [0.5, 0.5], [1, 1, 1], 0, 10, 1, 1)
    res = D.solve_problem(p)
    assert res.status == Status.OPTIMAL and res.objective == 0.0 and len(res.area_sets) == 1


# --------------------------------------------------------------------------- scenarios

def small_instance(seed: int = 3) -> bi.PartitionInstance:
    rng = np.random.default_rng(seed)
    g = nx.grid_2d_graph(2, 4)
    g = nx.relabel_nodes(g, {v: f"a{v[0]}{v[1]}" for v in g.nodes})
    for a, b in g.edges:
        g.edges[a, b]["length"] = float(rng.integers(1, 4))
    weight = {a: float(rng.integers(10, 40)) for a in g.nodes}
    total = sum(weight.values())
    return bi.PartitionInstance(name="tiny", graph=g, weight=weight, k=3,
                                L=math.floor(0.7 * total / 3), U=math.ceil(1.3 * total / 3))


def assignment_of(scenario, result) -> pd.DataFrame:
    ids = market_of(scenario).area_ids
    group = D.linear_cost(scenario)[0]
    rows = [(ids[i], group, f"L{j}") for j, m in enumerate(result.area_sets) for i in np.flatnonzero(m)]
    return pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"])


@pytest.mark.parametrize("overrides", [
    {},
    {"costs": {"per_lot": 7.0}, "rules": {"min_lots": 1, "max_lots": 5}},
    {"objective": {"kind": "weighted", "price_per_local_point": 3.0, "compactness_weight": 2.0}},
])
def test_scenario_objective_matches_evaluate(overrides):
    """The engine's objective is the sum of the lots' terms, exactly as ``evaluate`` scores
    the plan; the plan has no violation; the brute-force optimum agrees."""
    inst = small_instance()
    scenario = bi.partition_scenario(inst)
    if overrides:
        scenario = lotsplit.with_overrides(scenario, **overrides)
    assert D.applies(scenario)
    res = D.solve_partition(scenario, effort=Effort.of(60))
    assert res.status == Status.OPTIMAL, res.message
    plan = lotsplit.evaluate(scenario, assignment_of(scenario, res))
    assert plan.violations == []
    assert plan.objective == pytest.approx(res.objective, rel=1e-9, abs=1e-9)
    prob, _ = D.problem_of(scenario)
    assert brute_force(prob) == pytest.approx(res.objective, abs=1e-6)


def test_applies_rejects_what_it_does_not_model():
    inst = small_instance()
    scenario = bi.partition_scenario(inst)
    a, b = list(inst.graph.nodes)[:2]
    assert D.applies(scenario)
    assert not D.applies(lotsplit.with_overrides(scenario, rules={"areas_apart": ((a, b),)}))
    assert not D.applies(lotsplit.with_overrides(scenario, rules={"areas_together": ((a, b),)}))
    assert not D.applies(lotsplit.with_overrides(scenario, objective={"kind": "max_local", "admin_budget": 1e9,
                                                                             "compactness_weight": 0.0}))
    # a supplier that reaches only some areas: its eligibility depends on the lot
    suppliers = scenario.suppliers.copy()
    reach = scenario.reach.copy()
    reach.iloc[0, 0] = False
    from dataclasses import replace
    assert not D.applies(replace(scenario, reach=reach, suppliers=suppliers))
    # more lots needed than bidders allow: never a lot (the main engine explains it)
    assert not D.applies(lotsplit.with_overrides(scenario, rules={"min_eligible_bidders": 2}))


@pytest.mark.parametrize("name", ["dalarna-food", "malung-salen-winter"])
def test_applies_is_false_for_the_bundled_scenarios(name):
    path = ROOT / "scenarios" / name / "scenario.toml"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    scenario = lotsplit.load_scenario(path)
    assert not D.applies(scenario)


def test_problem_of_refuses_other_scenarios():
    path = ROOT / "scenarios" / "dalarna-food" / "scenario.toml"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with pytest.raises(ValueError):
        D.problem_of(lotsplit.load_scenario(path))


# --------------------------------------------------------------------------- counties

def _county(state: str):
    if not COUNTY_DIR.is_dir():
        pytest.skip("../shared/validation/us_county_cut_edges (published county optima) is absent")
    return bi.county_scenario(state)


def _check_county(inst, scenario, res, *, expect_optimal: bool):
    k, opt = OPTIMA[inst.name]
    if res.area_sets:
        ids = market_of(scenario).area_ids
        plan = {ids[i]: j for j, m in enumerate(res.area_sets) for i in np.flatnonzero(m)}
        check = bi.check_partition(inst, plan)
        assert check["ok"], check["problems"]
        assert check["cut"] == pytest.approx(res.objective, abs=1e-6)
        assert res.objective >= opt - 1e-6
    if res.bound is not None:
        assert res.bound <= opt + 1e-6
    if res.status == Status.OPTIMAL:
        assert res.objective == pytest.approx(opt, abs=1e-6)
    if expect_optimal:
        assert res.status == Status.OPTIMAL, res.message


@pytest.mark.parametrize("state", ["ME", "NM"])
def test_county_published_optimum_fast(state):
    inst, scenario = _county(state)
    assert D.applies(scenario)
    res = D.solve_partition(scenario, effort=Effort.of(60))
    _check_county(inst, scenario, res, expect_optimal=True)


@pytest.mark.slow
@pytest.mark.parametrize("state", sorted(OPTIMA))
def test_county_within_120_s(state):
    """All twelve states with 120 s each: every plan verified independently; the bound never
    above the published optimum; OPTIMAL only with the published value."""
    inst, scenario = _county(state)
    assert D.applies(scenario)
    res = D.solve_partition(scenario, effort=Effort.of(120))
    _check_county(inst, scenario, res, expect_optimal=False)
    assert res.seconds < 120 + 30


# --------------------------------------------------------------------------- work, not clocks

def _busy(stop) -> None:
    while not stop.is_set():
        pass


def _fingerprint(res: D.PartitionResult) -> tuple:
    """Everything a solve decides: the plan, status, bound, termination and the work of
    each stage (pool levels with their visits, heuristic value, MIP outcomes)."""
    plan = tuple(sorted(np.asarray(m, dtype=bool).tobytes() for m in res.area_sets))
    return (res.status, res.termination, res.objective, res.bound, plan, repr(res.stats))


def test_answers_do_not_depend_on_machine_load():
    """NM through the whole engine, and ME forced through every stage (tiny pool, the
    heuristic, stage A with its node budget, stage B), on an idle machine and under a CPU
    hog of more busy processes than cores: identical answers and identical work."""
    inst, scenario = _county("NM")
    _, me = _county("ME")
    me_prob, _ = D.problem_of(me)

    def solve_all():
        return [_fingerprint(D.solve_partition(scenario, effort=Effort.of(300))),
                _fingerprint(D.solve_problem(me_prob, effort=Effort.of(300), max_b=2.0, heuristic=True))]

    idle = solve_all()
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    hogs = [ctx.Process(target=_busy, args=(stop,), daemon=True) for _ in range((os.cpu_count() or 2) + 1)]
    for p in hogs:
        p.start()
    try:
        loaded = solve_all()
    finally:
        stop.set()
        for p in hogs:
            p.join(10)
    assert idle == loaded
    assert idle[0][0] == Status.OPTIMAL and idle[0][2] == pytest.approx(OPTIMA["NM"][1])
    assert idle[1][0] == Status.OPTIMAL and idle[1][2] == pytest.approx(OPTIMA["ME"][1])
    assert "stage_b" in idle[1][5] and "heuristic" in idle[1][5]


def test_the_seed_reaches_the_heuristic(monkeypatch):
    prob = grid_problem(8, 8, 4, 5)
    first = {tuple(np.concatenate(_RECOM(prob, seed=s, max_iter=0)).tolist()) for s in range(6)}
    assert len(first) > 1                       # different seeds, different random trees
    seen = []

    def spy(prob, **kw):
        seen.append(kw.get("seed"))
        return _fast_recom(prob, **kw)

    monkeypatch.setattr(primal, "recom_plan", spy)
    D.solve_problem(grid_problem(4, 5, 2, 5), effort=Effort.of(60, seed=17), max_b=1.0, heuristic=True)
    assert seen == [17]


def test_a_time_limit_that_cuts_says_so():
    """A grid too large to finish in 0.3 s: the answer is honest about why it stopped."""
    prob = grid_problem(12, 12, 6, 4, tol=0.02)
    res = D.solve_problem(prob, effort=Effort.of(0.3))
    assert res.status in (Status.FEASIBLE, Status.NO_PLAN)
    assert res.termination == Termination.TIME_LIMIT
    if res.area_sets:
        assert not prob.check_plan(res.area_sets)


def test_a_stop_request_reaches_the_districting_engine():
    """``lotsplit.optimize`` hands the run's effort to the districting engine: a stop asked
    for as it starts ends the run with 'stopped on request', not with a full solve."""
    from lotsplit import progress

    _, scenario = _county("ME")
    assert D.applies(scenario)

    def stop_at_districting(event, fields):
        if event == "stage" and fields.get("detail") == "districting engine":
            run.request_stop()

    with progress.scope(stop_at_districting) as run:
        with pytest.raises(lotsplit.NoPlanFoundError, match="stopped on request"):
            lotsplit.optimize(scenario, time_limit=60)
    plan = lotsplit.optimize(scenario, time_limit=60)       # the next run starts clean
    assert plan.outcome.status == Status.OPTIMAL and plan.outcome.termination == Termination.OPTIMAL


def test_a_stop_after_the_districting_plan_keeps_it(monkeypatch):
    """A stop that arrives once the engine holds a plan (here: just after it returns, as a
    Ctrl-C during its last MIP would) still gives that plan, marked interrupted."""
    import dataclasses

    from lotsplit import progress

    _, scenario = _county("ME")
    real = D.solve_partition

    def stopped_after(scenario, **kw):
        res = real(scenario, **kw)
        progress.request_stop()
        return dataclasses.replace(res, status=Status.FEASIBLE, termination=Termination.INTERRUPTED)

    monkeypatch.setattr(D, "solve_partition", stopped_after)
    with progress.scope():
        plan = lotsplit.optimize(scenario, time_limit=60)
    assert plan.outcome.status == Status.FEASIBLE
    assert plan.outcome.termination == Termination.INTERRUPTED
    assert plan.objective == pytest.approx(OPTIMA["ME"][1]) and not plan.violations
