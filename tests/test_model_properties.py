"""Properties of the model on random tiny scenarios (hypothesis).

- competition has value: an extra eligible supplier never makes the optimum worse (with
  the price effect of competition on, and a cost objective or no cost per bid);
- ids are labels: renaming every area, group and supplier changes no objective;
- territories partition the map: every cell with demand in exactly one lot, every area ×
  group in at most one lot, every lot connected.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotsplit import InfeasibleError, optimize
from lotsplit.synthetic import random_parts

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _optimum(parts):
    """The optimum of the scenario the parts build (None when no plan exists: the check,
    or the optimizer, says so)."""
    try:
        return optimize(parts.build()).objective
    except InfeasibleError:
        return None


@SETTINGS
@given(seed=st.integers(0, 100_000), offer=st.data())
def test_an_extra_eligible_supplier_never_makes_the_optimum_worse(seed, offer):
    parts = random_parts(seed, config={"competition": {"model": "price_effect"}})
    if parts.raw["objective"]["kind"] == "max_local":
        # the admin budget counts every bid: a scenario that budgets bids says they cost
        parts.raw["costs"]["per_bid"] = 0.0
    before = _optimum(parts)
    gids, aids = list(parts.groups["id"]), list(parts.areas["id"])
    new = {"id": "newcomer", "name": "Newcomer", "area_id": aids[0],
           "groups": ";".join(offer.draw(st.lists(st.sampled_from(gids), min_size=1, unique=True))),
           "reach_areas": ";".join(offer.draw(st.lists(st.sampled_from(aids), unique=True))),
           "capacity": "", "turnover": "", "local": offer.draw(st.booleans()), "sme": offer.draw(st.booleans()),
           "propensity": offer.draw(st.sampled_from([0.2, 0.5, 0.9, 1.0]))}
    parts.suppliers = pd.concat([parts.suppliers, pd.DataFrame([new])], ignore_index=True)
    after = _optimum(parts)
    if before is None:
        return                                   # nothing to make worse
    assert after is not None, "a plan existed before the supplier joined"
    if parts.raw["objective"]["kind"] == "max_local":
        assert after >= before - 1e-6 * max(1.0, abs(before))
    else:
        assert after <= before + 1e-6 * max(1.0, abs(before))


@SETTINGS
@given(seed=st.integers(0, 100_000))
def test_renaming_every_id_changes_nothing(seed):
    parts = random_parts(seed)
    a = _optimum(parts)
    ra = {x: f"Z{len(parts.areas) - i:02d}" for i, x in enumerate(parts.areas["id"])}      # reversed order
    rg = {x: f"grp-{chr(ord('z') - i)}" for i, x in enumerate(parts.groups["id"])}
    rs = {x: f"firm{99 - i}" for i, x in enumerate(parts.suppliers["id"])}

    def ids(text, names):
        return ";".join(names[t] for t in text.split(";") if t)

    rules = parts.raw["rules"]
    for key, names in (("families", rg), ("must_together", rg), ("never_together", rg),
                       ("areas_together", ra), ("areas_apart", ra)):
        if key in rules:
            rules[key] = [[names[x] for x in group] for group in rules[key]]
    parts.areas = parts.areas.assign(id=parts.areas["id"].map(ra))
    parts.groups = parts.groups.assign(id=parts.groups["id"].map(rg))
    parts.demand = parts.demand.assign(area_id=parts.demand["area_id"].map(ra),
                                       product_group_id=parts.demand["product_group_id"].map(rg))
    parts.suppliers = parts.suppliers.assign(id=parts.suppliers["id"].map(rs),
                                             area_id=parts.suppliers["area_id"].map(ra),
                                             groups=[ids(t, rg) for t in parts.suppliers["groups"]],
                                             reach_areas=[ids(t, ra) for t in parts.suppliers["reach_areas"]])
    parts.graph = nx.relabel_nodes(parts.graph, ra)
    b = _optimum(parts)
    assert (a is None) == (b is None)
    if a is not None:
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)


@SETTINGS
@given(seed=st.integers(0, 100_000), generated=st.booleans())
def test_territories_partition_the_map(seed, generated):
    try:
        s = random_parts(seed, config={"solver": {"column_budget": 4}} if generated else None).build()
        plan = optimize(s)
    except InfeasibleError:
        return
    assert plan.feasible, plan.violations
    cells = plan.assignment.groupby(["area_id", "product_group_id"]).size()
    assert (cells == 1).all(), cells[cells > 1]           # no area in two lots of one group
    for (a, g), value in s.demand.stack().items():
        if value > 0:
            assert cells.get((a, g), 0) == 1, (a, g)
    for lot in plan.lots:
        assert nx.is_connected(s.graph.subgraph(lot.areas))
        for g in lot.groups:                              # a lot carries a group only with demand for it
            assert s.demand.loc[list(lot.areas), g].sum() > 0
