"""Lot plans: the lots, their metrics, the plan metrics and the objective.

``evaluate(scenario, assignment)`` scores any plan given as an assignment of cells
``(area_id, product_group_id)`` to ``lot_id`` — the optimizer's, a planner's draft, last
year's lots — with the same code the optimizer's result goes through, and lists rule
violations (uncovered cells, disconnected lots, ineligible lots…) instead of failing.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from lotsplit.eligibility import Market
from lotsplit.model import rules as lot_rules
from lotsplit.model.lots import allowed_bundles, exemption_limit
from lotsplit.model.objective import access_metric, lot_arrays, lot_objective_terms, objective_value
from lotsplit.model.rules import Violation, award_shortfall
from lotsplit.scenario import Scenario

if TYPE_CHECKING:
    from lotsplit.engine.highs import SolveOutcome


@dataclass(frozen=True)
class Lot:
    """One lot: connected areas × a bundle of product groups, with its metrics."""

    id: str
    areas: tuple[str, ...]
    groups: tuple[str, ...]
    annual_value: float
    contract_value: float
    eligible: tuple[str, ...]
    expected_bids: float
    no_bid_chance: float
    local_chance: float
    admin_cost: float
    boundary_km: float
    sme_chance: float = 0.0
    """Probability that at least one small or medium-sized enterprise bids."""
    competition_value: float = 0.0
    """Expected price effect of the lot's expected bids over the contract (currency)."""
    exempt: bool = False
    """Awarded under the small-lots exemption (outside the EU procedure)."""

    @property
    def net_cost(self) -> float:
        """Admin cost minus the value of competition (what the objective counts)."""
        return self.admin_cost - self.competition_value

    @property
    def n_eligible(self) -> int:
        return len(self.eligible)


@dataclass
class LotPlan:
    """A plan: lots, plan metrics, objective, rule violations and the solve outcome."""

    scenario: Scenario
    lots: list[Lot]
    metrics: dict
    objective: float
    violations: list[str] = field(default_factory=list)
    outcome: SolveOutcome | None = None

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def assignment(self) -> pd.DataFrame:
        """One row per cell of every lot: ``area_id, product_group_id, lot_id``."""
        rows = [(a, g, lot.id) for lot in self.lots for a in lot.areas for g in lot.groups]
        return pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"])

    def lots_table(self) -> pd.DataFrame:
        s = self.scenario
        names = s.areas["name"]
        rows = []
        for lot in self.lots:
            rows.append({
                "lot_id": lot.id,
                "areas": ";".join(lot.areas),
                "area_names": "; ".join(str(names[a]) for a in lot.areas),
                "product_groups": ";".join(lot.groups),
                "cpv": ";".join(s.groups.loc[g, "cpv"] for g in lot.groups),
                f"annual_value_{s.currency}": round(lot.annual_value, 2),
                f"contract_value_{s.currency}": round(lot.contract_value, 2),
                "eligible_suppliers": ";".join(lot.eligible),
                "n_eligible": lot.n_eligible,
                "expected_bids": round(lot.expected_bids, 4),
                "no_bid_chance": round(lot.no_bid_chance, 6),
                "local_chance": round(lot.local_chance, 6),
                "sme_chance": round(lot.sme_chance, 6),
                f"competition_value_{s.currency}": round(lot.competition_value, 2),
                f"admin_cost_{s.currency}": round(lot.admin_cost, 2),
                "boundary_km": round(lot.boundary_km, 3),
                "small_lot_exemption": lot.exempt,
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario.name,
            "currency": self.scenario.currency,
            "objective_kind": self.scenario.config.objective.kind,
            "objective": self.objective,
            "metrics": self.metrics,
            "violations": list(self.violations),
            "outcome": self.outcome.to_dict() if self.outcome else None,
        }


# --------------------------------------------------------------------------- objective


# --------------------------------------------------------------------------- evaluate

def evaluate(scenario: Scenario, assignment: pd.DataFrame, *, outcome: SolveOutcome | None = None,
             exempt: set[str] | None = None) -> LotPlan:
    """Score a plan given as an assignment table (``area_id, product_group_id, lot_id``).

    Each lot is the rectangle of its areas × its groups.  Violations are listed, not raised:
    cells without a lot, cells in two lots, lots that are not connected, bundles the rules
    forbid, lots without enough eligible suppliers, lot count and value bounds, the
    local-share target and the admin budget.

    ``exempt`` names the lots awarded under the small-lots exemption; by default the
    smallest eligible lots are exempted while they fit in the 20 % cap (which is what the
    optimizer does too: the saving per exempted lot is the same for every lot).
    """
    s = scenario
    rules = s.config.rules
    market = market_of(s)
    names = s.areas["name"]
    gnames = s.groups["name"]
    violations: list[str] = []
    for c in ("area_id", "product_group_id", "lot_id"):
        if c not in assignment.columns:
            raise ValueError(f"the plan needs columns area_id, product_group_id, lot_id (missing {c})")
    rows = list(zip(*([str(x).strip() for x in assignment[c].tolist()]
                      for c in ("area_id", "product_group_id", "lot_id"))))
    area_order = market.area_position
    group_order = {g: i for i, g in enumerate(market.group_ids)}
    unknown_a = sorted({a for a, _, _ in rows} - set(area_order))
    unknown_g = sorted({g for _, g, _ in rows} - set(group_order))
    if unknown_a:
        violations.append(Violation(f"unknown area ids in the plan: {', '.join(unknown_a)}", "unknown_areas",
                                    ids=", ".join(unknown_a)))
    if unknown_g:
        violations.append(Violation(f"unknown product groups in the plan: {', '.join(unknown_g)}", "unknown_groups",
                                    ids=", ".join(unknown_g)))
    members: dict[str, tuple[set, set]] = {}
    for a, g, lot_id in rows:
        if a in area_order and g in group_order:
            areas_, groups_ = members.setdefault(lot_id, (set(), set()))
            areas_.add(a)
            groups_.add(g)
    lots_raw = [(lot_id, tuple(sorted(A, key=area_order.get)), tuple(sorted(G, key=group_order.get)))
                for lot_id, (A, G) in sorted(members.items())]

    # Which lot covers each cell (rectangles), and the cells nobody or several cover.
    cover: dict[tuple[str, str], list[str]] = {}
    for lot_id, areas, groups in lots_raw:
        for a in areas:
            for g in groups:
                cover.setdefault((a, g), []).append(lot_id)
    has_demand = market.demand > 0
    for ai, gi in zip(*np.nonzero(has_demand)):
        a, g = market.area_ids[ai], market.group_ids[gi]
        owners = cover.get((a, g), [])
        if not owners:
            violations.append(Violation(f"{names[a]} × {gnames[g]} is in no lot", "uncovered", area=names[a],
                                        group=gnames[g]))
        elif len(owners) > 1:
            violations.append(Violation(f"{names[a]} × {gnames[g]} is in several lots ({', '.join(owners)})",
                                        "covered_twice", area=names[a], group=gnames[g], lots=", ".join(owners)))
    for (a, g), owners in sorted(cover.items()):
        if len(owners) > 1 and not has_demand[area_order[a], group_order[g]]:
            violations.append(Violation(f"{names[a]} is in the territory of several {gnames[g]} lots "
                                        f"({', '.join(owners)}): the lots of a product group may not overlap",
                                        "territory_overlap", area=names[a], group=gnames[g], lots=", ".join(owners)))

    allowed = {frozenset(b) for b in bundles_of(s)}
    years = s.config.contract_years
    lots: list[Lot] = []
    for lot_id, areas, groups in lots_raw:
        facts = _lot_facts(s, areas, groups)
        if not facts.connected:
            listed = ", ".join(str(names[a]) for a in areas)
            violations.append(Violation(f"lot {lot_id}: its areas are not connected ({listed})", "disconnected",
                                        lot=lot_id, areas=listed))
        if frozenset(groups) not in allowed and facts.value > 0:
            bundle = " + ".join(str(gnames[g]) for g in groups)
            violations.append(Violation(f"lot {lot_id}: the bundle {bundle} is not allowed by the bundling rules",
                                        "bundle", lot=lot_id, bundle=bundle))
        violations += [rule.violation(facts.batch, 0, lot_id) for rule in facts.broken]
        m = facts.batch.metrics
        v = facts.value
        lots.append(Lot(lot_id, areas, groups, v, years * v, facts.eligible, float(m.expected_bids[0]),
                        float(m.no_bid_chance[0]), float(m.local_chance[0]), float(m.admin_cost[0]), facts.boundary,
                        float(m.sme_chance[0]), float(m.competition_value[0])))
    cap = rules.max_lots_per_tenderer
    if cap is not None and lots:
        short = award_shortfall([l.eligible for l in lots], cap)
        if short:
            violations.append(Violation(f"only {len(lots) - short} of the {len(lots)} lots can be awarded when no "
                                        f"tenderer may win more than {cap} (even if every eligible supplier bids)",
                                        "not_awardable", n=len(lots) - short, lots=len(lots), cap=cap))

    lots = _applyexemption_limit(s, lots, exempt)
    n = len(lots)
    if n < rules.min_lots:
        violations.append(Violation(f"{n} lots, the rules need at least {rules.min_lots}", "few_lots", n=n,
                                    need=rules.min_lots))
    if rules.max_lots is not None and n > rules.max_lots:
        violations.append(Violation(f"{n} lots, the rules allow at most {rules.max_lots}", "many_lots", n=n,
                                    limit=rules.max_lots))
    metrics = plan_metrics(s, lots)
    obj = s.config.objective
    share = metrics[access_metric(s)]
    if obj.kind == "min_cost" and share < obj.local_share_target - 1e-9:
        what = "SME" if obj.access == "sme" else "local"
        violations.append(Violation(f"{what}-accessible value share {share:.1%} is below the target "
                                    f"{obj.local_share_target:.1%}", "local_target", share_pct=share,
                                    target_pct=obj.local_share_target))
    if obj.kind == "max_local" and metrics["admin_cost"] > obj.admin_budget + 1e-6:
        violations.append(Violation(f"admin cost {metrics['admin_cost']:,.0f} is above the budget {obj.admin_budget:,.0f}",
                                    "budget", cost_money=metrics["admin_cost"], budget_money=obj.admin_budget))
    terms = lot_objective_terms(s, lot_arrays(lots))
    objective = objective_value(s, float(np.sum(terms)))
    return LotPlan(s, lots, metrics, objective, violations, outcome)


@dataclass(frozen=True)
class _LotFacts:
    """What ``evaluate`` needs of one lot (areas × groups), computed once per scenario."""

    batch: lot_rules.LotBatch
    broken: tuple
    connected: bool
    value: float
    eligible: tuple[str, ...]
    boundary: float


_LOT_FACTS: "weakref.WeakKeyDictionary[Scenario, dict]" = weakref.WeakKeyDictionary()
_LOT_FACTS_PER_SCENARIO = 100_000


def _lot_facts(s: Scenario, areas: tuple, groups: tuple) -> _LotFacts:
    cache = _LOT_FACTS.setdefault(s, {})
    key = (areas, groups)
    facts = cache.get(key)
    if facts is None:
        market = market_of(s)
        mask = market.mask(areas)[None, :]
        m = market.evaluate(mask, groups)
        batch = lot_rules.LotBatch(s, market, groups, mask, m)
        broken = tuple(r for r in lot_rules.RULES if not r.check(batch)[0])
        facts = _LotFacts(batch, broken, nx.is_connected(s.graph.subgraph(areas)), float(m.value[0]),
                          tuple(sid for sid, ok in zip(market.supplier_ids, m.eligible[0]) if ok), _boundary(s, areas))
        if len(cache) < _LOT_FACTS_PER_SCENARIO:
            cache[key] = facts
    return facts


@functools.lru_cache(maxsize=16)
def market_of(s: Scenario) -> Market:
    """The scenario's market arrays, built once per scenario object."""
    return Market(s)


@functools.lru_cache(maxsize=16)
def bundles_of(s: Scenario) -> tuple[tuple[str, ...], ...]:
    return tuple(allowed_bundles(s))


def _boundary(s: Scenario, areas) -> float:
    inside = set(areas)
    return sum(d.get("shared_m", 0.0) for a in areas for b, d in s.graph[a].items() if b not in inside) / 1000.0


def _applyexemption_limit(s: Scenario, lots: list[Lot], exempt: set[str] | None) -> list[Lot]:
    limit = exemption_limit(s)
    if limit is None:
        return lots
    costs = s.config.costs
    delta = (costs.per_lot_exempt if costs.per_lot_exempt is not None else costs.per_lot) - costs.per_lot
    if exempt is None:
        cap = s.defaults.small_lots_max_share.value * s.config.contract_years * s.total_annual_value
        exempt, used = set(), 0.0
        for lot in sorted((l for l in lots if l.contract_value < limit), key=lambda l: (l.contract_value, l.id)):
            if delta < 0 and used + lot.contract_value <= cap + 1e-6:
                exempt.add(lot.id)
                used += lot.contract_value
    out = []
    for lot in lots:
        if lot.id in exempt:
            lot = Lot(**{**lot.__dict__, "exempt": True, "admin_cost": lot.admin_cost + delta})
        out.append(lot)
    return out


def plan_metrics(s: Scenario, lots: list[Lot]) -> dict:
    """Plan-level metrics of DESIGN §2 (all reported for every plan).  Sums are exactly
    rounded (``math.fsum``): the figures do not depend on the order of the lots."""
    years = s.config.contract_years
    total = s.total_annual_value * years
    nature = s.main_nature
    threshold = s.defaults.eu_threshold(nature, s.currency)
    small_limit = s.defaults.small_lot(nature, s.currency)
    at_risk_limit = s.config.rules.max_no_bid_chance if s.config.rules.max_no_bid_chance < 1 else 0.5
    contract = [l.contract_value for l in lots]
    local_value = math.fsum(l.contract_value * l.local_chance for l in lots)
    sme_value = math.fsum(l.contract_value * l.sme_chance for l in lots)
    small = [l for l in lots if small_limit is not None and l.contract_value < small_limit.value]
    capped = _capped_bids(s, lots)
    return {
        "n_lots": len(lots),
        "admin_cost": float(math.fsum(l.admin_cost for l in lots)),
        "local_share": float(local_value / total) if total > 0 else 0.0,
        "sme_share": float(sme_value / total) if total > 0 else 0.0,
        "competition_value": float(math.fsum(l.competition_value for l in lots)),
        "net_cost": float(math.fsum(l.net_cost for l in lots)),
        "expected_bids_mean": math.fsum(l.expected_bids for l in lots) / len(lots) if lots else 0.0,
        "expected_bids_min": float(min((l.expected_bids for l in lots), default=0.0)),
        "min_eligible_bidders": int(min((l.n_eligible for l in lots), default=0)),
        "lots_at_risk": int(sum(l.no_bid_chance > at_risk_limit for l in lots)),
        "at_risk_no_bid_chance": at_risk_limit,
        "lots_without_local_bidder": int(sum(l.local_chance <= 0 for l in lots)),
        "lots_without_sme_bidder": int(sum(l.sme_chance <= 0 for l in lots)),
        "annual_value": float(s.total_annual_value),
        "contract_value": float(total),
        "contract_years": years,
        "eu_threshold": threshold.value if threshold else None,
        "regime": _regime(total, threshold.value if threshold else None),
        "small_lots_share": float(math.fsum(l.contract_value for l in small) / total) if total > 0 else 0.0,
        "exempt_lots": int(sum(l.exempt for l in lots)),
        "exempt_share": float(math.fsum(l.contract_value for l in lots if l.exempt) / total) if total > 0 else 0.0,
        "boundary_km_between_lots": float(math.fsum(l.boundary_km for l in lots) / 2.0),
        "largest_lot_value": float(max(contract, default=0.0)),
        **capped,
    }


def _capped_bids(s: Scenario, lots: list[Lot]) -> dict:
    """What the caps on lots per tenderer do to the bids (DESIGN §2): ``suppliers_over_cap``
    — suppliers eligible for more lots than one tenderer may win; and the least expected
    bids of a lot when each supplier eligible for ``m`` lots spreads its bids over at most
    ``k`` of them (propensity × k / m, with ``k`` the cap on lots one may bid for, else the
    cap on lots one may win: an estimate)."""
    rules = s.config.rules
    k = rules.max_lots_per_bid or rules.max_lots_per_tenderer
    if k is None or not lots:
        return {"suppliers_over_cap": 0,
                "expected_bids_min_under_cap": float(min((l.expected_bids for l in lots), default=0.0))}
    count: dict[str, int] = {}
    for lot in lots:
        for x in lot.eligible:
            count[x] = count.get(x, 0) + 1
    p = s.suppliers["propensity"]
    under = [sum(float(p[x]) * min(1.0, k / count[x]) for x in lot.eligible) for lot in lots]
    cap = rules.max_lots_per_tenderer
    return {"suppliers_over_cap": int(sum(n > cap for n in count.values())) if cap is not None else 0,
            "expected_bids_min_under_cap": float(min(under))}


def _regime(total: float, threshold: float | None) -> str:
    if threshold is None:
        return "unknown (no threshold for this currency)"
    return "EU procedure (above threshold)" if total >= threshold else "national procedure (below EU threshold)"


def lot_ids(n: int) -> list[str]:
    """eForms lot identifiers LOT-0001 …"""
    return [f"LOT-{i:04d}" for i in range(1, n + 1)]


def isclose(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-6)
