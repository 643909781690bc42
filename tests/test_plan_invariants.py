"""Invariants of optimized plans on random small scenarios (hypothesis)."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotsplit import evaluate, optimize
from lotsplit.export import output_directory, write_plan_files
from lotsplit.synthetic import grid_scenario

scenarios = st.builds(
    lambda rows, cols, groups, suppliers, seed, bundling: grid_scenario(
        rows, cols, groups, suppliers, seed=seed, config={"rules": {"bundling": bundling}}),
    rows=st.integers(1, 2), cols=st.integers(2, 3), groups=st.integers(1, 3),
    suppliers=st.integers(3, 7), seed=st.integers(0, 10_000), bundling=st.sampled_from(["any", "none"]))

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario=scenarios)
def test_every_cell_in_exactly_one_lot_and_lots_connected(scenario):
    plan = optimize(scenario)
    cells = plan.assignment.groupby(["area_id", "product_group_id"]).size()
    demand = scenario.demand.stack()
    for (a, g), value in demand.items():
        if value > 0:
            assert cells.get((a, g), 0) == 1, (a, g)
    for lot in plan.lots:
        assert nx.is_connected(scenario.graph.subgraph(lot.areas))
    assert plan.feasible


@SETTINGS
@given(scenario=scenarios)
def test_metrics_recomputed_from_written_assignment_equal_reported(scenario, tmp_path_factory):
    plan = optimize(scenario)
    out = tmp_path_factory.mktemp("plan") / "out"
    with output_directory(out) as tmp:
        write_plan_files(plan, tmp)
    written = pd.read_csv(out / "assignment.csv", dtype=str)
    again = evaluate(scenario, written)
    assert again.objective == pytest.approx(plan.objective, rel=1e-9, abs=1e-6)
    for key, value in plan.metrics.items():
        expected = value if isinstance(value, str) else pytest.approx(value, rel=1e-9, abs=1e-9)
        assert again.metrics[key] == expected, key
    lots = pd.read_csv(out / "lots.csv")
    assert len(lots) == plan.metrics["n_lots"]


@SETTINGS
@given(seed=st.integers(0, 10_000), groups=st.integers(1, 3))
def test_relabelling_ids_changes_nothing(seed, groups):
    plain = grid_scenario(2, 2, groups, 5, seed=seed)
    # Same grid, area ids renamed and sorting in the opposite order.
    renamed = grid_scenario(2, 2, groups, 5, seed=seed, area_ids=["z9", "y8", "x7", "w6"])
    a, b = optimize(plain), optimize(renamed)
    assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-6)
    # Lot ids are labels only: shuffling them leaves every metric unchanged.
    shuffled = a.assignment.assign(lot_id=lambda d: "X-" + d["lot_id"].str[::-1])
    again = evaluate(plain, shuffled)
    assert again.objective == pytest.approx(a.objective, rel=1e-12)
    assert again.metrics == a.metrics
