"""The reproducers of the model issue (``../shared/repro/``) as regression tests.

Each folder is a scenario on which the earlier model let through a plan no municipality
could publish, or crashed; see its README line in ``../shared/repro/README.md``.
"""

from __future__ import annotations

import shutil
import tomllib

import pytest

import lotsplit
from lotsplit import InfeasibleError, frontier, load_scenario, optimize, with_overrides


@pytest.fixture
def repro(shared_dir):
    folder = shared_dir / "repro"
    if not folder.is_dir():
        pytest.skip("../shared/repro (the model issue's reproducers) is absent")
    return folder


def _territories_disjoint(plan) -> bool:
    return not plan.assignment.duplicated(["area_id", "product_group_id"]).any()


def test_no_area_joins_a_lot_only_to_exclude_a_bidder(repro):
    """Mellanby (102) buys no dairy: it may not be put into the dairy lots (once or twice)
    to disqualify the local dairy, which does not reach it."""
    s = load_scenario(repro / "bidder_exclusion" / "scenario.toml")
    plan = optimize(s)
    assert plan.feasible and _territories_disjoint(plan)
    dairy = [lot for lot in plan.lots if "dairy" in lot.groups]
    assert all("102" not in lot.areas for lot in dairy)
    assert all("mejeri" in lot.eligible for lot in dairy)          # the local dairy can bid everywhere
    assert plan.metrics["admin_cost"] == pytest.approx(80_500, abs=1)
    assert plan.metrics["local_share"] > 0.5


def test_the_runs_own_plan_is_accepted_as_a_legacy_plan(repro, tmp_path):
    """``check`` rejected the assignment.csv of a run as a legacy plan (an area × group
    twice); the plan lotsplit writes now always reads back."""
    folder = tmp_path / "bidder_exclusion"
    shutil.copytree(repro / "bidder_exclusion", folder)
    plan = optimize(load_scenario(folder / "scenario.toml"))
    plan.assignment.to_csv(folder / "plan_from_run.csv", index=False)
    again = load_scenario(folder / "with_legacy.toml")             # raises if the plan is rejected
    (_, table), = lotsplit.scenario.legacy_plans(again)
    assert lotsplit.evaluate(again, table).objective == pytest.approx(plan.objective)


def test_no_group_joins_a_lot_without_demand_for_it(repro):
    """Norrby buys no bread: "Dairy + Bread: Norrby" only served to disqualify the dairy."""
    plan = optimize(load_scenario(repro / "bidder_exclusion_group" / "scenario.toml"))
    assert plan.feasible
    for lot in plan.lots:
        for g in lot.groups:
            assert plan.scenario.demand.loc[list(lot.areas), g].sum() > 0, (lot.id, g)
    assert plan.metrics["local_share"] == pytest.approx(0.30, abs=1e-9)


def test_areas_apart_hold_when_lots_are_generated(repro):
    """The generated path ignored ``areas_apart`` and called a rule-breaking plan proven."""
    generated = optimize(load_scenario(repro / "colgen_apart" / "scenario.toml"))
    enumerated = optimize(load_scenario(repro / "colgen_apart" / "enumerated.toml"))
    assert not generated.outcome.complete and enumerated.outcome.complete
    assert generated.feasible
    assert not any({"101", "102"} <= set(lot.areas) for lot in generated.lots)
    assert generated.outcome.status.value == "optimal"
    assert generated.objective == pytest.approx(enumerated.objective, rel=1e-9)


@pytest.mark.parametrize("name", ["scenario.toml", "none_must.toml"])
def test_rules_that_leave_no_bundle_are_explained(repro, name, tmp_path):
    """Loading names the conflict (exit 3).  The engine explains it too, for a scenario
    that reaches it without the check (a sweep's ``with_overrides``), instead of crashing."""
    path = repro / "empty_bundles" / name
    with pytest.raises(InfeasibleError) as err:
        load_scenario(path)
    assert "must_together" in str(err.value)
    rules = tomllib.loads(path.read_text("utf-8"))["rules"]
    shutil.copytree(path.parent, tmp_path / "s")
    copy = tmp_path / "s" / name
    copy.write_text(path.read_text("utf-8").replace("must_together", "# must_together"), "utf-8")
    s = with_overrides(load_scenario(copy), rules=rules)
    for solve in (optimize, lambda x: frontier(x, points=5)):
        with pytest.raises(InfeasibleError) as err:
            solve(s)
        assert "must_together" in str(err.value)
