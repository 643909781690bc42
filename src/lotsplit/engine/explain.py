"""Infeasibility in the planner's words: which cells no lot can serve and why, or which
plan-level rule cannot be met."""

from __future__ import annotations

import numpy as np

from lotsplit.engine.highs import Effort, solve_highs
from lotsplit.errors import InfeasibleError
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, build_master
from lotsplit.model.objective import access_chance


def explain_uncovered(space: LotSpace) -> None:
    """Raise InfeasibleError naming every cell no feasible lot can cover, and why."""
    m = space.market
    covered = np.zeros(m.demand.shape, dtype=bool)
    cols = space.columns
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        sets = space.area_sets[np.unique(cols.set_index[cols.bundle_index == b_idx])]
        if len(sets):
            any_area = sets.any(axis=0)
            for g in gi:
                covered[:, g] |= any_area
    missing = [(a, g) for a, g in space.demand_cells if not covered[a, g]]
    if not missing:
        return
    reasons = [_cell_reason(space, a, g) for a, g in missing]
    if not space.complete:
        # Only the reasons that hold for every lot, however large, are certain; the other
        # cells are left to column generation.
        reasons = [r for r in reasons if not r.endswith(_SIZE_DEPENDENT)]
    if reasons:
        raise InfeasibleError(reasons)


_SIZE_DEPENDENT = "(a larger lot might)"


def _cell_reason(space: LotSpace, a: int, g: int) -> str:
    s = space.scenario
    m = space.market
    rules = s.config.rules
    area, group = m.area_ids[a], m.group_ids[g]
    head = f"{s.areas.loc[area, 'name']} × {s.groups.loc[group, 'name']}"
    bundles = [b for b in space.bundles if group in b]
    if not bundles:
        from lotsplit.model.lots import bundle_conflicts

        return f"{head}: " + "; ".join(bundle_conflicts(s, group))
    offer = m.offers[:, g]
    if not offer.any():
        return f"{head}: no supplier offers {s.groups.loc[group, 'name']}"
    reach = ~m.not_reach[a].astype(bool)
    if not (offer & reach).any():
        return f"{head}: no supplier of {s.groups.loc[group, 'name']} reaches {s.areas.loc[area, 'name']}"
    v = m.demand[a, g]
    big = offer & reach & (m.capacity >= v) & (m.turnover >= m.tau * v)
    if not big.any():
        return (f"{head}: the suppliers that reach it are too small for its annual value {v:,.0f} "
                f"{s.currency} (capacity, or turnover below {m.tau:g} × the lot value)")
    if big.sum() < rules.min_eligible_bidders:
        return (f"{head}: only {int(big.sum())} supplier(s) can serve it, the rules need "
                f"{rules.min_eligible_bidders} eligible bidders per lot")
    why = f"({', '.join(k for k, n in space.rejected.items() if n) or 'lot rules'})"
    if not space.complete:
        return f"{head}: no lot of up to the enumerated size keeps the lot rules {why} {_SIZE_DEPENDENT}"
    return f"{head}: every lot that could hold it breaks a lot rule {why}"


EXPLAIN_NODES = 20_000
"""Branch-and-bound nodes of each MIP that looks for the rule in conflict (a work limit)."""


def explain_conflict(space: LotSpace, *, effort: Effort) -> list[str]:
    """Every cell can be covered but no plan exists: find which plan-level rule conflicts."""
    s = space.scenario
    rules, obj = s.config.rules, s.config.objective
    reasons = []
    cols = space.columns
    base = build_master(space)
    n_cells = len(space.cells)
    cover = Master(base.cost, base.matrix[:n_cells], base.row_lo[:n_cells], base.row_hi[:n_cells])

    def extreme(coef, sense):
        m = Master(sense * coef, cover.matrix, cover.row_lo, cover.row_hi)
        r = solve_highs(m, integer=True, effort=effort, nodes=EXPLAIN_NODES)
        return None if r.objective is None else sense * r.objective

    if rules.min_lots > 1 or rules.max_lots is not None:
        fewest, most = extreme(np.ones(len(cols)), 1), extreme(np.ones(len(cols)), -1)
        if fewest is not None and rules.max_lots is not None and fewest > rules.max_lots:
            reasons.append(f"at least {fewest:.0f} lots are needed to serve every cell, but max_lots is "
                           f"{rules.max_lots}")
        if most is not None and most < rules.min_lots:
            reasons.append(f"at most {most:.0f} lots can be formed, but min_lots is {rules.min_lots}")
    total = space.total_annual_value or 1.0
    if obj.kind == "min_cost" and obj.local_share_target > 0:
        best = extreme(cols.value * access_chance(s, cols) / total, -1)
        if best is not None and best < obj.local_share_target:
            reasons.append(f"the highest local-accessible value share any plan reaches is {best:.1%}, below the "
                           f"target {obj.local_share_target:.1%}")
    if obj.kind == "max_local":
        cheapest = extreme(cols.admin_cost, 1)
        if cheapest is not None and cheapest > obj.admin_budget:
            reasons.append(f"the cheapest plan costs {cheapest:,.0f} {s.currency} in administration, above the "
                           f"budget {obj.admin_budget:,.0f}")
    if not reasons:
        reasons.append("the plan-level rules (lot count, local-share target, admin budget, small-lots cap) "
                       "cannot be met together; relax one of them")
    return reasons
