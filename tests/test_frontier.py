"""The Pareto frontier (admin cost vs local share) and the baselines.

The exactness proof is a brute force: for tiny scenarios every partition of the demand
cells into lots (rectangles area set × group set) is scored with ``evaluate``, the
rule-abiding ones are filtered to the non-dominated set, and that set must equal the
frontier point for point.
"""

from __future__ import annotations

import math
import time
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import lotsplit
from lotsplit import NoPlanFoundError
from lotsplit.frontier.baselines import baseline_plans, neutral, single_lot_assignment
from lotsplit.cli import app
from lotsplit.errors import ScenarioError
from lotsplit.frontier import frontier as compute_frontier
from lotsplit.scenario import legacy_plans, load_scenario
from lotsplit.plan import evaluate, lot_ids
from lotsplit.engine.optimize import optimize, with_overrides
from lotsplit.synthetic import grid_scenario

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


# --------------------------------------------------------------------------- brute force

def _set_partitions(items: list):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _set_partitions(rest):
        yield [[first]] + part
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]


def _is_rectangle(block) -> bool:
    areas = {a for a, _ in block}
    groups = {g for _, g in block}
    return len(areas) * len(groups) == len(block)


def brute_force_frontier(scenario) -> list[tuple[float, float]]:
    """Non-dominated (admin cost, local share) over every rule-abiding plan."""
    s = neutral(scenario)
    cells = [(a, g) for a in s.demand.index for g in s.demand.columns if s.demand.loc[a, g] > 0]
    pts = []
    for part in _set_partitions(cells):
        if not all(_is_rectangle(b) for b in part):
            continue                      # a lot is a rectangle of areas × groups
        rows = [(a, g, lot) for lot, block in zip(lot_ids(len(part)), part) for a, g in block]
        plan = evaluate(s, pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]))
        if not plan.violations:
            pts.append((plan.metrics["net_cost"], plan.metrics["local_share"]))
    def dominated(p, q) -> bool:       # q at least as good on both (shares within 1e-9 are equal)
        return q[0] <= p[0] + 1e-6 and q[1] >= p[1] - 1e-9 and (q[0] < p[0] - 1e-6 or q[1] > p[1] + 1e-9)

    front = sorted({p for p in pts if not any(dominated(p, q) for q in pts)}, key=lambda p: p[1])
    # plans with the same cost and share (up to rounding) are one point
    return [p for i, p in enumerate(front) if i == 0 or not (abs(p[0] - front[i - 1][0]) <= 1e-6
                                                             and abs(p[1] - front[i - 1][1]) <= 1e-9)]


def _pts(f) -> list[tuple[float, float]]:
    return [(p.cost, p.local_share) for p in f.points]


def _same(a, b) -> bool:
    return len(a) == len(b) and all(math.isclose(x[0], y[0], rel_tol=1e-7, abs_tol=1e-4)
                                    and math.isclose(x[1], y[1], rel_tol=1e-7, abs_tol=1e-9) for x, y in zip(a, b))


TINY_CASES = [
    ((1, 3, 2, 4), 0, {}),
    ((1, 3, 2, 4), 5, {}),
    ((1, 3, 2, 5), 7, {}),
    ((2, 2, 2, 5), 3, {}),
    ((2, 2, 2, 5), 2, {"rules": {"max_lots": 3}}),
    ((1, 4, 2, 5), 4, {"rules": {"min_lots": 2}}),
    ((1, 3, 2, 4), 1, {"rules": {"small_lots_exemption": True}, "costs": {"per_lot_exempt": 15000}}),
    # independent blocks of product groups (no bundling): frontiers per block, combined
    ((1, 3, 2, 4), 0, {"rules": {"bundling": "none"}}),
    ((2, 2, 2, 5), 3, {"rules": {"bundling": "none", "max_lots": 4}}),
    ((1, 3, 3, 5), 2, {"rules": {"bundling": "families", "families": [["g0", "g1"], ["g2"]], "min_lots": 3}}),
]
_BRUTE: dict[int, list] = {}


def brute(case: int) -> list[tuple[float, float]]:
    if case not in _BRUTE:
        shape, seed, config = TINY_CASES[case]
        _BRUTE[case] = brute_force_frontier(grid_scenario(*shape, seed=seed, config=config))
    return _BRUTE[case]


@pytest.mark.parametrize("case", range(len(TINY_CASES)))
def test_frontier_equals_brute_force_over_every_plan(case):
    shape, seed, config = TINY_CASES[case]
    s = grid_scenario(*shape, seed=seed, config=config)
    expected = brute(case)
    f = compute_frontier(s, points=None, baselines=False)
    assert f.exact and not f.sampled
    assert _same(_pts(f), expected), (_pts(f), expected)
    assert all(p.status.value == "optimal" and p.gap == 0.0 for p in f.points)


def test_brute_force_cases_include_non_supported_points():
    """At least one tiny case has a point above the lower convex hull, so the search beyond
    weighted sums (enumeration inside hull edges) is exercised by the brute-force test."""
    found = False
    for case in range(len(TINY_CASES)):
        pts = brute(case)
        for (c0, l0), (c1, l1), (c2, l2) in zip(pts, pts[1:], pts[2:]):
            # (c1, l1) above the segment from (c0, l0) to (c2, l2): not on the convex hull
            if c1 > c0 + (c2 - c0) * (l1 - l0) / (l2 - l0) + 1e-6:
                found = True
    assert found


def test_epsilon_walk_fallback_gives_the_same_frontier():
    """With enumeration switched off (node budget 0) every edge is walked with one MIP per
    point; the result must not change."""
    s = grid_scenario(1, 3, 2, 5, seed=7)
    a = compute_frontier(s, points=None, baselines=False)
    b = compute_frontier(s, points=None, baselines=False, node_budget=0)
    assert b.exact
    assert _same(_pts(a), _pts(b))


# --------------------------------------------------------------------------- properties

@pytest.fixture(scope="module")
def small():
    s = grid_scenario(2, 3, 3, 8, seed=2)
    return s, compute_frontier(s, points=None)


def test_frontier_is_monotone_and_non_dominated(small):
    _, f = small
    pts = _pts(f)
    assert len(pts) >= 3
    costs = [c for c, _ in pts]
    locals_ = [l for _, l in pts]
    assert all(b > a for a, b in zip(costs, costs[1:])), "cost must rise strictly along the frontier"
    assert all(b > a for a, b in zip(locals_, locals_[1:])), "local share must rise strictly"
    for i, (c, l) in enumerate(pts):
        for j, (c2, l2) in enumerate(pts):
            if i != j:
                assert not (c2 <= c and l2 >= l), f"point {i} is dominated by point {j}"
    assert all(p.plan.feasible for p in f.points)
    t = f.table()
    fr = t[t["kind"] == "frontier"]
    assert fr["marginal_cost_per_point"].iloc[1:].gt(0).all()


def test_end_points_equal_the_single_objective_optima(small):
    s, f = small
    cheapest = optimize(with_overrides(s, objective={"kind": "min_cost", "local_share_target": 0.0,
                                                     "compactness_weight": 0.0}))
    most_local = optimize(with_overrides(s, objective={"kind": "max_local", "admin_budget": 1e12}))
    assert math.isclose(f.points[0].cost, cheapest.metrics["net_cost"], rel_tol=1e-9)
    assert math.isclose(f.points[-1].local_share, most_local.metrics["local_share"], rel_tol=1e-9, abs_tol=1e-9)
    # lexicographic ends: nothing as cheap is more local, nothing as local is cheaper
    assert f.points[0].local_share >= cheapest.metrics["local_share"] - 1e-9
    assert f.points[-1].cost <= most_local.metrics["net_cost"] + 1e-6


def test_every_point_is_the_cheapest_plan_for_its_local_share(small):
    s, f = small
    for p in f.points[1:-1]:
        best = optimize(with_overrides(s, objective={"kind": "min_cost", "local_share_target": p.local_share,
                                                     "compactness_weight": 0.0}))
        assert math.isclose(best.metrics["net_cost"], p.cost, rel_tol=1e-9)


def test_sampled_frontier_keeps_the_ends_and_at_most_n_points(small):
    s, f_all = small
    f = compute_frontier(s, points=3, baselines=False)
    assert f.sampled and len(f.points) <= 3
    assert _same([_pts(f)[0], _pts(f)[-1]], [_pts(f_all)[0], _pts(f_all)[-1]])
    exact = set((round(c, 3), round(l, 9)) for c, l in _pts(f_all))
    assert all((round(c, 3), round(l, 9)) in exact for c, l in _pts(f))
    assert f.found == len(f_all.points)


def test_a_point_plan_reproduces_with_run_and_its_target(small):
    """Each point's plan carries a scenario (min cost, local-share target = its share) that
    the ordinary optimizer solves to the same cost."""
    _, f = small
    p = f.points[len(f.points) // 2]
    again = optimize(p.plan.scenario)
    assert math.isclose(again.metrics["net_cost"], p.cost, rel_tol=1e-9)


def test_sampled_search_spreads_points_each_proven_or_with_a_bound(small, monkeypatch):
    """With the search for every plan cut short (no time for it), the frontier samples:
    the ends are the exact ends, the points are non-dominated, each is the cheapest plan
    for its local share (or target) or carries a lower bound below its cost."""
    from lotsplit.frontier import search

    s, f_all = small
    monkeypatch.setattr(search, "HULL_SOLVES", 0)
    monkeypatch.setattr(search, "EXACT_SOLVES", 0)
    f = compute_frontier(s, points=4, baselines=False)
    assert not f.exact and f.sampled and 2 <= len(f.points) <= 4
    assert _same([_pts(f)[0], _pts(f)[-1]], [_pts(f_all)[0], _pts(f_all)[-1]])
    pts = _pts(f)
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in zip(pts, pts[1:]))
    for p in f.points:
        share = p.target if p.target is not None else p.local_share
        cheapest = f_all.cost_at(share)
        if p.status.value == "optimal":
            assert math.isclose(p.cost, cheapest, rel_tol=1e-9)
        else:
            assert p.bound is not None and p.bound <= cheapest + 1e-6 and p.gap > 0


def test_time_limit_is_kept_and_reported():
    """A frontier too big for its time limit returns in time, not exact, every point a
    real plan with its status, the time limit named; the S benchmark instance.  (On a
    loaded machine the limit may cut before the two ends are found: then that is said.)"""
    s = grid_scenario(3, 4, 6, 30, seed=11)
    started = time.perf_counter()
    try:
        f = compute_frontier(s, points=None, time_limit=3, baselines=False)
    except NoPlanFoundError as err:
        assert "time limit" in str(err)
        return
    finally:
        assert time.perf_counter() - started < 3 + 15
    assert not f.exact and f.points
    assert all(p.plan.feasible for p in f.points)
    assert any("time limit" in str(n) for n in f.notes)
    pts = _pts(f)
    assert all(b[0] > a[0] and b[1] > a[1] for a, b in zip(pts, pts[1:]))


# --------------------------------------------------------------------------- baselines

def test_baselines_are_evaluated_and_rule_breakers_marked():
    s = grid_scenario(2, 2, 3, 6, seed=1)          # max_groups_per_lot = 2: one lot for 3 groups breaks it
    f = compute_frontier(s, points=None)
    by = {b.key: b for b in f.baselines}
    assert set(by) == {"single-lot", "per-group", "per-area-group"}
    n = neutral(s)
    assert math.isclose(by["single-lot"].plan.metrics["admin_cost"],
                        evaluate(n, single_lot_assignment(n)).metrics["admin_cost"])
    assert by["per-group"].plan.metrics["n_lots"] == 3
    assert by["per-area-group"].plan.metrics["n_lots"] == int((s.demand > 0).to_numpy().sum())
    single = by["single-lot"]
    assert single.plan.violations and single.verdict.startswith("breaks")
    t = f.table()
    row = t[t["label"] == "single-lot"].iloc[0]
    assert not row["follows_rules"] and row["violations"]
    for b in f.baselines:
        assert b.verdict


def test_legacy_plan_on_the_frontier_says_so(small, tmp_path):
    s, f = small
    p = f.points[1]
    csv = tmp_path / "last-year.csv"
    p.plan.assignment.to_csv(csv, index=False)
    (b,) = baseline_plans(s, legacy=[csv], standard=False, frontier=f)
    assert b.key == "legacy-1" and "last-year.csv" in b.name
    assert b.verdict == "on the frontier"


LEGACY = ("area_id,product_group_id,lot_id\n101,dairy,A\n102,dairy,A\n103,dairy,B\n104,dairy,B\n"
          "101,bread,C\n102,bread,C\n103,bread,C\n104,bread,C\n")


def _with_legacy(d: Path, csv: str = LEGACY, file: str = "last-year.csv") -> Path:
    """The tiny scenario with a [[baselines.legacy]] plan."""
    (d / file).write_text(csv, "utf-8")
    toml = d / "scenario.toml"
    toml.write_text(toml.read_text("utf-8") + f'\n[[baselines.legacy]]\nname = "Lots 2022"\nfile = "{file}"\n',
                    "utf-8")
    return toml


def test_scenario_legacy_plans_are_baselines(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    s = load_scenario(_with_legacy(d))
    ((name, table),) = legacy_plans(s)
    assert name == "Lots 2022" and len(table) == 8
    f = compute_frontier(s, points=None)
    (b,) = [b for b in f.baselines if b.key == "legacy-1"]
    assert b.name == "Lots 2022" and b.file == "last-year.csv"
    assert b.plan.metrics["n_lots"] == 3 and b.verdict
    t = f.table()
    assert t.loc[t["label"] == "legacy-1", "name"].item() == "Lots 2022"
    assert t.loc[t["label"] == "legacy-1", "found_by"].item() == "legacy plan (last-year.csv)"
    assert t.loc[t["label"] == "single-lot", "found_by"].item() == "standard baseline"


def test_variant_inherits_legacy_plans_relative_to_the_base(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    _with_legacy(d)
    v = d / "variants" / "v.toml"
    v.parent.mkdir()
    v.write_text('extends = "../scenario.toml"\nname = "v"\n[rules]\nmax_lots = 3\n', "utf-8")
    ((name, table),) = legacy_plans(load_scenario(v))
    assert name == "Lots 2022" and len(table) == 8


def test_invalid_legacy_plan_names_the_file_and_rows(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    bad = "area_id,product_group_id,lot_id\n101,dairy,A\n1O2,dairy,A\n101,dairy,B\n103,mejeri,B\n104,bread,\n"
    with pytest.raises(ScenarioError) as err:
        load_scenario(_with_legacy(d, bad))
    text = str(err.value)
    assert "last-year.csv: row 3: area '1O2' is not defined" in text
    assert "row 4: area '101' × group 'dairy' is already in row 2" in text
    assert "row 5: product group 'mejeri' is not defined" in text
    assert "row 6: empty lot_id" in text
    assert "cell(s) with demand are in no lot" in text


def test_missing_legacy_plan_file_is_reported_with_the_field(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    toml = _with_legacy(d)
    (d / "last-year.csv").unlink()
    with pytest.raises(ScenarioError) as err:
        load_scenario(toml)
    assert "legacy plan 'Lots 2022' not found" in str(err.value)
    assert "baselines.legacy[0].file" in str(err.value)


def test_dominated_baseline_reports_the_saving(small):
    s, f = small
    b = {x.key: x for x in baseline_plans(s, frontier=f)}["per-area-group"]
    if not b.plan.violations:
        assert "costs" in b.verdict and "less in net cost" in b.verdict


# --------------------------------------------------------------------------- files and CLI

def test_write_files(small, tmp_path):
    _, f = small
    out = f.write(tmp_path / "fr")
    t = pd.read_csv(out / "frontier.csv")
    assert list(t["kind"].unique()) == ["frontier", "baseline"]
    for col in ("n_lots", "admin_cost", "local_share", "status", "gap", "plan", "vs_frontier"):
        assert col in t.columns
    for plan in t["plan"]:
        a = pd.read_csv(out / plan)
        assert list(a.columns) == ["area_id", "product_group_id", "lot_id"]
    assert (out / "frontier.png").stat().st_size > 10_000
    assert "Exact Pareto frontier" in (out / "summary.txt").read_text("utf-8")


def test_cli_frontier_with_a_legacy_plan(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    legacy = tmp_path / "last-year.csv"
    legacy.write_text("area_id,product_group_id,lot_id\n101,dairy,A\n102,dairy,A\n103,dairy,A\n104,dairy,A\n"
                      "101,bread,B\n102,bread,B\n103,bread,B\n104,bread,B\n", "utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["frontier", str(d / "scenario.toml"), "--out", str(out), "--legacy", str(legacy)])
    assert r.exit_code == 0, r.output
    assert "Exact Pareto frontier" in r.output
    t = pd.read_csv(out / "frontier.csv")
    assert "legacy-1" in set(t["label"])
    # any point can be exported with `lotsplit export`
    r2 = CliRunner().invoke(app, ["export", str(d / "scenario.toml"), str(out / "plans" / "F01" / "assignment.csv"),
                                  "--out", str(tmp_path / "export")])
    assert r2.exit_code == 0, r2.output


def test_cli_frontier_refuses_a_non_empty_out(tmp_path):
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("x")
    r = CliRunner().invoke(app, ["frontier", str(d / "scenario.toml"), "--out", str(out)])
    assert r.exit_code == 2


def test_api_is_exported():
    assert lotsplit.frontier is compute_frontier
    f = lotsplit.frontier(grid_scenario(1, 2, 2, 4, seed=0), points=None, baselines=False)
    assert isinstance(f.table(), pd.DataFrame) and len(f.plans) == len(f.points)
    assert np.all(np.diff([p.local_share for p in f.points]) > 0)


@pytest.mark.parametrize("max_lots", [3, 5, 12])
def test_solving_blocks_apart_gives_the_whole_masters_optimum(max_lots):
    """Groups that never share a lot, tied only by the lot count: each block is solved on
    its own, and when the combination breaks the lot count the blocks' best plans with
    fewer lots are combined exactly; the optimum is that of the whole master, for every
    weight of local share."""
    from lotsplit.frontier.baselines import neutral
    from lotsplit.frontier.master import FrontierMaster
    from lotsplit.frontier.search import independent_blocks
    from lotsplit.model.lots import lot_space

    s = grid_scenario(2, 3, 3, 8, seed=4, config={"rules": {"bundling": "none", "max_lots": max_lots},
                                                  "competition": {"model": "none"}})
    apart = FrontierMaster.of_space(lot_space(neutral(s)))
    whole = FrontierMaster.of_space(lot_space(neutral(s)))
    apart.blocks = [cols for cols, _ in independent_blocks(apart, tied=True)]
    assert len(apart.blocks) == 3
    paths = set()
    for mu in (0.0, 1e5, 1e6, 1e7, -1.0):
        obj = apart.cost - mu * apart.local if mu >= 0 else -apart.local
        a, w = apart.minimise(obj), whole.minimise(obj)
        assert a.status == w.status == lotsplit.Status.OPTIMAL
        assert a.value == pytest.approx(w.value, rel=1e-9, abs=1e-6)
        assert len(a.cols) <= max_lots
        assert "independent blocks" in a.message
        paths.add("shared out" if "shared out" in a.message else "apart")
    # cheap plans (few lots) come straight from the blocks; the most local ones break the
    # lot count when the blocks are solved apart, and the lots are shared out between them
    assert paths == {"apart", "shared out"}


def test_block_by_block_tie_breaks_give_the_whole_masters_plans():
    """The frontier's ends solved block by block with their tie-break (the most local of
    the cheapest plans, the cheapest of the most local): the same as the whole master's
    two solves (the best, then the second objective with the first as a row).  Without a
    value of competition many plans cost the same, so the tie-breaks decide."""
    from lotsplit.frontier.baselines import neutral
    from lotsplit.frontier.master import FEAS_TOL, FrontierMaster
    from lotsplit.frontier.plans import cost_tol
    from lotsplit.frontier.search import independent_blocks
    from lotsplit.model.lots import lot_space

    mattered = 0
    for shape, seed, max_lots in [((2, 3, 3, 8), 4, 3), ((2, 3, 3, 8), 4, 5), ((2, 3, 3, 8), 4, 12),
                                  ((2, 2, 3, 6), 2, 8), ((1, 4, 3, 6), 1, 8)]:
        s = grid_scenario(*shape, seed=seed, config={"rules": {"bundling": "none", "max_lots": max_lots},
                                                     "competition": {"model": "none"}})
        apart = FrontierMaster.of_space(lot_space(neutral(s)))
        whole = FrontierMaster.of_space(lot_space(neutral(s)))
        apart.blocks = [cols for cols, _ in independent_blocks(apart, tied=True)]
        cheapest = apart.minimise(apart.cost, then=-apart.local)
        w = whole.minimise(whole.cost)
        w2 = whole.minimise(-whole.local, cost_max=w.value + cost_tol(w.value))
        assert cheapest.tie_broken and cheapest.status == lotsplit.Status.OPTIMAL
        assert apart.point(cheapest.cols)[0] == pytest.approx(w.value, rel=1e-9, abs=1e-6)
        assert apart.point(cheapest.cols)[1] == pytest.approx(-w2.value, abs=1e-9)
        most = apart.minimise(-apart.local, then=apart.cost)
        w = whole.minimise(-whole.local)
        w2 = whole.minimise(whole.cost, local_min=-w.value - FEAS_TOL)
        assert most.tie_broken and most.status == lotsplit.Status.OPTIMAL
        assert apart.point(most.cols)[1] == pytest.approx(-w.value, abs=1e-9)
        assert apart.point(most.cols)[0] == pytest.approx(w2.value, rel=1e-9, abs=1e-6)
        assert len(cheapest.cols) <= max_lots and len(most.cols) <= max_lots
        # did the tie-breaks matter: the first objective alone gives a worse second one
        plain_cheapest, plain_most = apart.minimise(apart.cost), apart.minimise(-apart.local)
        mattered += apart.point(plain_cheapest.cols)[1] < apart.point(cheapest.cols)[1] - 1e-9
        mattered += apart.point(plain_most.cols)[0] > apart.point(most.cols)[0] + 1e-6
    assert mattered


def test_lots_are_shared_out_by_the_blocks_bounds(monkeypatch):
    """Sharing the lot count out between blocks solves only the block MIPs (block, lots
    fewer) whose LP bound leaves them a chance in a best combination, and still gives the
    whole master's optimum for the most local plan and for weighted sums."""
    from lotsplit.engine import blocks as engine_blocks
    from lotsplit.frontier.baselines import neutral
    from lotsplit.frontier.master import FrontierMaster
    from lotsplit.frontier.search import independent_blocks
    from lotsplit.model.lots import lot_space

    solved, pairs = [], []
    solve, bound = engine_blocks._Block.solve, engine_blocks._Block.bound_deficits
    monkeypatch.setattr(engine_blocks._Block, "solve", lambda self, d, **kw: solved.append(d) or solve(self, d, **kw))

    def counted(self, most, effort):
        ok = bound(self, most, effort)
        pairs.append(len(self.lps))
        return ok
    monkeypatch.setattr(engine_blocks._Block, "bound_deficits", counted)
    s = grid_scenario(2, 4, 3, 10, seed=5, config={"rules": {"bundling": "none", "max_lots": 4},
                                                   "competition": {"model": "none"}})
    apart = FrontierMaster.of_space(lot_space(neutral(s)))
    whole = FrontierMaster.of_space(lot_space(neutral(s)))
    apart.blocks = [cols for cols, _ in independent_blocks(apart, tied=True)]
    for obj_of in (lambda m: -m.local, lambda m: m.cost - 1e7 * m.local):
        a, w = apart.minimise(obj_of(apart)), whole.minimise(obj_of(whole))
        assert "shared out" in a.message
        assert a.status == w.status == lotsplit.Status.OPTIMAL
        assert a.value == pytest.approx(w.value, rel=1e-9, abs=1e-9)
    assert 0 < len(solved) < sum(pairs), (solved, pairs)


@pytest.mark.parametrize("shape, seed, max_lots, competition", [
    ((2, 2, 2, 5), 5, 5, "none"), ((1, 4, 2, 5), 7, 5, "none"), ((1, 3, 3, 5), 5, 4, "none"),
    ((2, 2, 2, 5), 6, 4, None)])
def test_blocks_sharing_the_lot_count_give_the_brute_force_frontier(monkeypatch, shape, seed, max_lots, competition):
    """Blocks tied only by a lot count that their own frontiers break together: the
    frontier combines each block's frontier under caps on its lots (searched only where a
    combination could still reach the frontier), and equals the brute force over every
    plan."""
    from lotsplit.frontier import blocks as frontier_blocks

    caps = []
    explore = frontier_blocks._Capped.explore
    monkeypatch.setattr(frontier_blocks._Capped, "explore", lambda self, cap: caps.append(cap) or explore(self, cap))
    config = {"rules": {"bundling": "none", "max_lots": max_lots}}
    if competition:
        config["competition"] = {"model": competition}
    s = grid_scenario(*shape, seed=seed, config=config)
    f = compute_frontier(s, points=None, baselines=False)
    expected = brute_force_frontier(s)
    assert f.exact and [n.key for n in f.notes] == ["fr_note_shared_lots"]
    assert any(cap is not None for cap in caps), caps          # the lot count did bind
    assert len(expected) >= 3 and _same(_pts(f), expected), (_pts(f), expected)
    assert all(p.plan.metrics["n_lots"] <= max_lots for p in f.points)


def test_the_frontiers_notes_speak_the_scenarios_language(tmp_path):
    """The notes on how a frontier was computed are written in the scenario's language
    (summary and frontier.json), and every kind of note has its words in sv, da and en."""
    import json

    from lotsplit.export.frontier_report import note_text
    from lotsplit.frontier.result import Note

    s = grid_scenario(1, 3, 2, 5, seed=3, config={"language": "da", "rules": {"bundling": "none"}})
    f = compute_frontier(s, points=None, baselines=False)
    assert [n.key for n in f.notes] == ["fr_note_blocks"]
    assert "uafhængige blokke" in f.describe() and "independent blocks" not in f.describe()
    t = f.table()
    assert t["name"].tolist() == [f"frontpunkt {i}" for i in range(1, len(t) + 1)]
    assert set(t["vs_frontier"]) == {"på fronten"}
    assert set(t.loc[t["kind"] == "frontier", "found_by"]) == {"kombination af 2 uafhængige blokkes fronter"}
    f.write(tmp_path / "out")
    notes = json.loads((tmp_path / "out" / "frontier.json").read_text("utf-8"))["notes"]
    assert notes == ["varegrupperne danner 2 uafhængige blokke (ingen delkontrakt kan rumme varegrupper fra to "
                     "blokke): hver bloks front blev beregnet for sig, og fronterne blev kombineret"]
    every = [Note("fr_note_pool"), Note("fr_note_blocks", (("n", 3),)),
             Note("fr_note_shared_lots", (("n", 3), ("most", 30))),
             Note("fr_note_local_unproven", (("bound", 0.4), ("found", 0.38))),
             Note("fr_note_shown", (("found", 40), ("shown", 20))),
             *[Note("fr_note_partial", (("why", why), ("cap", 25))) for why in ("time", "stopped", "many", "work")],
             *[Note(k) for k in ("fb_cheapest", "fb_cheapest_tie", "fb_most_local", "fb_most_local_tie", "fb_epsilon",
                                 "fb_enumerated")],
             Note("fb_weighted", (("price", 12500),)), Note("fb_sampled", (("share", 0.4),)),
             Note("fb_blocks", (("n", 2),)), Note("fb_shared_lots", (("n", 5),)), Note("fb_standard"),
             Note("fb_legacy", (("file", " (a.csv)"),))]
    for n in every:
        words = {lang: note_text(n, lang) for lang in ("sv", "da", "en")}
        assert len(set(words.values())) == 3, words
        assert "{" not in "".join(words.values())
    assert "40,0\u00a0%" in note_text(every[3], "sv") and "40.0%" in str(every[3])
    assert "12\u00a0500 per procentenhet" in note_text(every[-6], "sv") and "12,500 per point" in str(every[-6])


def test_lots_shared_out_with_unproven_blocks_keep_a_valid_bound(monkeypatch):
    """When the blocks' MIPs stop early (here: first plans only), the combination is
    reported with the best combination of the blocks' bounds: never above the whole
    master's optimum, and optimal only when it is that optimum."""
    from lotsplit.engine import blocks as engine_blocks
    from lotsplit.engine.exact import exact_mip
    from lotsplit.frontier.baselines import neutral
    from lotsplit.frontier.master import FrontierMaster
    from lotsplit.frontier.search import independent_blocks
    from lotsplit.model.lots import lot_space

    monkeypatch.setattr(engine_blocks, "exact_mip", lambda m, **kw: exact_mip(m, **{**kw, "nodes": 0}))
    unproven = 0
    for seed in (5, 6, 7):
        s = grid_scenario(3, 4, 3, 12, seed=seed, config={"rules": {"bundling": "none", "max_lots": 5},
                                                          "competition": {"model": "none"}})
        apart = FrontierMaster.of_space(lot_space(neutral(s)))
        whole = FrontierMaster.of_space(lot_space(neutral(s)))
        apart.blocks = [cols for cols, _ in independent_blocks(apart, tied=True)]
        for obj_of in (lambda m: -m.local, lambda m: m.cost - 1e7 * m.local, lambda m: m.cost - 3e6 * m.local):
            a, w = apart.minimise(obj_of(apart)), whole.minimise(obj_of(whole))
            assert w.status == lotsplit.Status.OPTIMAL
            assert "independent blocks" in a.message
            tol = 1e-9 * max(1.0, abs(w.value))
            assert a.bound <= w.value + tol and a.value >= w.value - tol
            if a.status == lotsplit.Status.OPTIMAL:
                assert a.value == pytest.approx(w.value, rel=1e-9, abs=1e-9)
            else:
                unproven += 1
    assert unproven
