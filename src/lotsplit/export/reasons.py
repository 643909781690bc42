"""The "divide or explain" evidence: the plan compared with its alternatives.

Every alternative is scored with :func:`lotsplit.evaluate` on the scenario itself (its
objective and its rules), the same code that scores the plan, so the documents' numbers
are the model's numbers:

- the standard baselines of :mod:`lotsplit.frontier.baselines`: one contract for everything, one
  lot per product group, one lot per area × group (the finest division);
- the scenario's legacy plans (``[[baselines.legacy]]``, e.g. last contract's lots);
- the plan's neighbours: every way of splitting one lot by group or by area, and every
  merge of two lots that share their groups (neighbouring areas) or their areas
  (bundling their groups).

>>> from lotsplit.synthetic import grid_scenario
>>> import lotsplit
>>> r = compare(lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1)))
>>> r.single.plan.metrics["n_lots"], r.finest.plan.metrics["n_lots"]
(1, 8)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from lotsplit.frontier import baselines as B
from lotsplit.plan import LotPlan, evaluate

MAX_MERGES = 60


@dataclass(frozen=True)
class Alternative:
    kind: str
    """single | per_group | finest | legacy | split_groups | split_areas | merge"""
    lots: tuple[str, ...]
    """The plan's lots it changes (empty for the baselines)."""
    plan: LotPlan
    d_objective: float
    """Alternative − plan on the scenario's objective, signed so that positive = worse."""
    d_admin: float
    d_local_points: float
    d_sme_points: float = 0.0
    d_net: float = 0.0
    name: str = ""
    """The legacy plan's name (as the scenario gives it)."""

    @property
    def feasible(self) -> bool:
        """It meets every condition of the scenario (the planner's rules and targets)."""
        return not self.plan.violations

    @property
    def divided(self) -> bool:
        return len(self.plan.lots) > 1


@dataclass(frozen=True)
class Reasons:
    base: LotPlan
    single: Alternative
    per_group: Alternative
    finest: Alternative
    legacy: tuple[Alternative, ...]
    splits: tuple[Alternative, ...]
    merges: tuple[Alternative, ...]

    @property
    def baselines(self) -> tuple[Alternative, ...]:
        """The standard baselines and the legacy plans."""
        return (self.single, self.per_group, self.finest) + self.legacy

    @property
    def all(self) -> tuple[Alternative, ...]:
        return self.baselines + self.splits + self.merges

    def better(self) -> list[Alternative]:
        """Alternatives that meet the scenario's conditions and beat the plan on its own
        objective, best first."""
        return sorted((a for a in self.all if a.feasible and a.d_objective < -1e-6), key=lambda a: a.d_objective)

    def better_divided(self) -> list[Alternative]:
        """As :meth:`better`, divided plans only (for an undivided plan: do the
        authority's own weights favour dividing?)."""
        return [a for a in self.better() if a.divided]


def compare(plan: LotPlan) -> Reasons:
    """Score the plan's alternatives (about a second for a few hundred of them)."""
    s = plan.scenario
    base = evaluate(s, plan.assignment, outcome=plan.outcome)
    sign = -1.0 if s.config.objective.kind == "max_local" else 1.0
    bm = base.metrics

    def alt(kind: str, lots: tuple[str, ...], assignment, name: str = "") -> Alternative:
        p = evaluate(s, assignment)
        m = p.metrics
        return Alternative(kind, lots, p, sign * (p.objective - base.objective), m["admin_cost"] - bm["admin_cost"],
                           100 * (m["local_share"] - bm["local_share"]), 100 * (m["sme_share"] - bm["sme_share"]),
                           m["net_cost"] - bm["net_cost"], name)

    single = alt("single", (), B.single_lot_assignment(s))
    per_group = alt("per_group", (), B.per_group_assignment(s))
    finest = alt("finest", (), B.per_cell_assignment(s))
    from lotsplit.scenario import legacy_plans

    legacy = tuple(alt("legacy", (), table, name) for name, table in legacy_plans(s))

    a = plan.assignment
    splits = []
    for lot in plan.lots:
        rows = a["lot_id"] == lot.id
        if len(lot.groups) > 1:
            b = a.copy()
            b.loc[rows, "lot_id"] = lot.id + "|" + b.loc[rows, "product_group_id"]
            splits.append(alt("split_groups", (lot.id,), b))
        if len(lot.areas) > 1:
            b = a.copy()
            b.loc[rows, "lot_id"] = lot.id + "|" + b.loc[rows, "area_id"]
            splits.append(alt("split_areas", (lot.id,), b))

    merges = []
    for i, la in enumerate(plan.lots):
        for lb in plan.lots[i + 1:]:
            if len(merges) >= MAX_MERGES:
                break
            same_groups = la.groups == lb.groups and nx.is_connected(s.graph.subgraph(la.areas + lb.areas))
            same_areas = set(la.areas) == set(lb.areas)
            if not (same_groups or same_areas):
                continue
            b = a.copy()
            b.loc[b["lot_id"] == lb.id, "lot_id"] = la.id
            merges.append(alt("merge", (la.id, lb.id), b))
    return Reasons(base, single, per_group, finest, legacy, tuple(splits), tuple(merges))
