"""The "divide or explain" evidence: the plan compared with its neighbours.

Every alternative is scored with :func:`lotsplit.evaluate`, the same code that scores the
plan, so the annex's numbers are the model's numbers: one contract for everything, the
finest division (one lot per area × group), every way of splitting one lot by group or by
area, and every merge of two lots that share their groups (neighbouring areas) or their
areas (bundling their groups).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from lotsplit.plan import LotPlan, evaluate

MAX_MERGES = 60


@dataclass(frozen=True)
class Alternative:
    kind: str                       # single | finest | split_groups | split_areas | merge
    lots: tuple[str, ...]           # the plan's lots it changes
    plan: LotPlan
    d_objective: float              # alternative − plan, in the direction "positive = worse"
    d_admin: float
    d_local_points: float

    @property
    def feasible(self) -> bool:
        return not self.plan.violations


@dataclass(frozen=True)
class Reasons:
    base: LotPlan
    single: Alternative
    finest: Alternative
    splits: tuple[Alternative, ...]
    merges: tuple[Alternative, ...]

    @property
    def all(self) -> tuple[Alternative, ...]:
        return (self.single, self.finest) + self.splits + self.merges

    def better(self) -> list[Alternative]:
        """Feasible alternatives that beat the plan on its own objective."""
        return sorted((a for a in self.all if a.feasible and a.d_objective < -1e-6), key=lambda a: a.d_objective)


def _cells(plan: LotPlan) -> pd.DataFrame:
    s = plan.scenario
    d = s.demand.stack()
    d = d[d > 0]
    return pd.DataFrame({"area_id": [a for a, _ in d.index], "product_group_id": [g for _, g in d.index]})


def compare(plan: LotPlan) -> Reasons:
    """Score the plan's alternatives (about a second for a few hundred of them)."""
    s = plan.scenario
    base = evaluate(s, plan.assignment, outcome=plan.outcome)
    kind = s.config.objective.kind
    sign = -1.0 if kind == "max_local" else 1.0

    def alt(kind_: str, lots: tuple[str, ...], assignment: pd.DataFrame) -> Alternative:
        p = evaluate(s, assignment)
        return Alternative(kind_, lots, p, sign * (p.objective - base.objective),
                           p.metrics["admin_cost"] - base.metrics["admin_cost"],
                           100 * (p.metrics["local_share"] - base.metrics["local_share"]))

    cells = _cells(plan)
    single = alt("single", tuple(l.id for l in plan.lots), cells.assign(lot_id="ALL"))
    finest = alt("finest", tuple(l.id for l in plan.lots),
                 cells.assign(lot_id=[f"{a}|{g}" for a, g in zip(cells["area_id"], cells["product_group_id"])]))

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
    return Reasons(base, single, finest, tuple(splits), tuple(merges))
