"""Every lot rule, once.

A *lot* is a connected set of areas (its territory) × a bundle of product groups.  The rules
below decide whether a candidate lot may be part of a plan.  Each is written once, as a
vectorised check over many area sets of one bundle (:class:`LotBatch`), with its violation
code (``plan.Violation``; the exports word it in the scenario's language, key
``violation_<code>``) and whether it only gets worse as a lot grows (``monotone``: then the
enumeration of area sets may stop growing a set that breaks it, which is exact).  The
enumeration (``model``), pricing (``pricing``), ``evaluate`` (``plan``), the districting
engine and the infeasibility explanations all read this table.

The territory rules (DESIGN §2, revised 2026-12-01):

- ``group_without_demand``: a lot carries a product group only if the lot has demand for
  it;
- ``area_without_demand``: a lot holds an area only if the area has demand in one of the
  lot's groups, or is *needed* to connect the lot: without it, the areas of the lot that
  have demand are not connected (each such area must be needed on its own, which rules out
  two parallel connecting paths; a lot with one of them is allowed).

Without them an optimal plan could add areas or groups without demand to a lot only to
disqualify a bidder that cannot serve them.  The plan-level territory rule (for each group
the territories of the lots that carry it are disjoint) is a row of the master problem and
a check of ``evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:
    from lotsplit.eligibility import LotMetrics, Market
    from lotsplit.scenario import Scenario


class Violation(str):
    """A rule a plan breaks: its English text (it *is* that string) plus a ``code`` and
    the values behind it (``params``), so that exports can word it in the scenario's
    language (``export/texts.py``, keys ``violation_<code>``)."""

    code: str
    params: dict

    def __new__(cls, message: str, code: str, **params):
        obj = super().__new__(cls, message)
        obj.code = code
        obj.params = params
        return obj

    def __getnewargs_ex__(self):          # pickling (sweep workers)
        return (str(self), self.code), dict(self.params)


@dataclass
class LotBatch:
    """Candidate lots of one bundle: ``sets`` (bool, lots × areas in ``market.area_ids``
    order) and their metrics (``market.evaluate``)."""

    scenario: Scenario
    market: Market
    bundle: tuple[str, ...]
    sets: np.ndarray
    metrics: LotMetrics

    @cached_property
    def group_index(self) -> list[int]:
        return self.market.group_index(self.bundle)

    @cached_property
    def has_demand(self) -> np.ndarray:
        """Areas (bool, per area) with demand in some group of the bundle."""
        return self.market.demand[:, self.group_index].sum(axis=1) > 0

    def __len__(self) -> int:
        return len(self.sets)


@dataclass(frozen=True)
class LotRule:
    code: str
    monotone: bool
    """Breaking it is final: every larger area set (same bundle) breaks it too."""
    check: Callable[[LotBatch], np.ndarray]
    """Bool per lot: the rule holds."""
    describe: str
    """What it asks, in English (explanations of infeasibility)."""
    violation: Callable[[LotBatch, int, str], Violation]
    """The violation of lot ``i`` of the batch, labelled ``lot_id`` (``evaluate``)."""


# --------------------------------------------------------------------------- checks

def _groups_have_demand(b: LotBatch) -> np.ndarray:
    per_group = b.sets.astype(np.int32) @ (b.market.demand[:, b.group_index] > 0).astype(np.int32)
    return (per_group > 0).all(axis=1)


def _areas_have_demand_or_connect(b: LotBatch) -> np.ndarray:
    return connectors_needed(b.sets, b.has_demand, b.market.adjacency)


def _together(b: LotBatch) -> np.ndarray:
    ok = np.ones(len(b), dtype=bool)
    for group in b.scenario.config.rules.areas_together:
        k = b.sets[:, [b.market.area_position[a] for a in group]].sum(axis=1)
        ok &= (k == 0) | (k == len(group))
    return ok


def _apart(b: LotBatch) -> np.ndarray:
    ok = np.ones(len(b), dtype=bool)
    for group in b.scenario.config.rules.areas_apart:
        ok &= b.sets[:, [b.market.area_position[a] for a in group]].sum(axis=1) <= 1
    return ok


def _value_low(b: LotBatch) -> np.ndarray:
    return b.metrics.value >= b.scenario.config.rules.min_lot_value - 1e-9


def _value_high(b: LotBatch) -> np.ndarray:
    cap = b.scenario.config.rules.max_lot_value
    return b.metrics.value <= (np.inf if cap is None else cap) + 1e-9


def _few_eligible(b: LotBatch) -> np.ndarray:
    return b.metrics.n_eligible >= b.scenario.config.rules.min_eligible_bidders


def _few_bids(b: LotBatch) -> np.ndarray:
    return b.metrics.expected_bids >= b.scenario.config.rules.min_expected_bids - 1e-9


def _no_bid(b: LotBatch) -> np.ndarray:
    return b.metrics.no_bid_chance <= b.scenario.config.rules.max_no_bid_chance + 1e-12


def _names(b: LotBatch, areas) -> str:
    names = b.scenario.areas["name"]
    return ", ".join(str(names[a]) for a in areas)


def _v_groups(b: LotBatch, i: int, lot: str) -> Violation:
    gnames = b.scenario.groups["name"]
    dem = b.market.demand[b.sets[i]][:, b.group_index].sum(axis=0)
    missing = ", ".join(str(gnames[g]) for g, v in zip(b.bundle, dem) if v <= 0)
    return Violation(f"lot {lot}: no demand for {missing} in its areas (a lot carries a product group only where "
                     "it has demand for it)", "group_without_demand", lot=lot, groups=missing)


def _v_areas(b: LotBatch, i: int, lot: str) -> Violation:
    import networkx as nx

    ids = np.asarray(b.market.area_ids, dtype=object)
    held = set(ids[b.sets[i]])
    with_demand = set(ids[b.sets[i] & b.has_demand])
    unneeded = []
    for a in ids[b.sets[i] & ~b.has_demand]:
        rest = b.scenario.graph.subgraph(held - {a})
        if not with_demand or any(with_demand <= comp for comp in nx.connected_components(rest)):
            unneeded.append(a)
    listed = _names(b, unneeded)
    return Violation(f"lot {lot}: holds areas without demand in its product groups that are not needed to connect "
                     f"it ({listed})", "area_without_demand", lot=lot, areas=listed)


def _v_together(b: LotBatch, i: int, lot: str) -> Violation:
    held = set(np.asarray(b.market.area_ids)[b.sets[i]])
    for together in b.scenario.config.rules.areas_together:
        if 0 < len(set(together) & held) < len(together):
            return Violation(f"lot {lot}: holds only some of the areas that must share a lot ({', '.join(together)})",
                             "together", lot=lot, areas=", ".join(together))
    raise AssertionError("no areas_together group is split")


def _v_apart(b: LotBatch, i: int, lot: str) -> Violation:
    held = set(np.asarray(b.market.area_ids)[b.sets[i]])
    for apart in b.scenario.config.rules.areas_apart:
        if len(set(apart) & held) > 1:
            return Violation(f"lot {lot}: holds areas that must be in different lots ({', '.join(apart)})", "apart",
                             lot=lot, areas=", ".join(apart))
    raise AssertionError("no areas_apart group is in the lot")


def _v_value_low(b: LotBatch, i: int, lot: str) -> Violation:
    v, limit = float(b.metrics.value[i]), b.scenario.config.rules.min_lot_value
    return Violation(f"lot {lot}: annual value {v:,.0f} is below min_lot_value {limit:,.0f}", "value_low", lot=lot,
                     value_money=v, limit_money=limit)


def _v_value_high(b: LotBatch, i: int, lot: str) -> Violation:
    v, limit = float(b.metrics.value[i]), b.scenario.config.rules.max_lot_value
    return Violation(f"lot {lot}: annual value {v:,.0f} is above max_lot_value {limit:,.0f}", "value_high", lot=lot,
                     value_money=v, limit_money=limit)


def _v_few_eligible(b: LotBatch, i: int, lot: str) -> Violation:
    n, need = int(b.metrics.n_eligible[i]), b.scenario.config.rules.min_eligible_bidders
    return Violation(f"lot {lot}: {n} eligible supplier(s), the rules need {need}", "few_eligible", lot=lot, n=n,
                     need=need)


def _v_few_bids(b: LotBatch, i: int, lot: str) -> Violation:
    n, need = float(b.metrics.expected_bids[i]), b.scenario.config.rules.min_expected_bids
    return Violation(f"lot {lot}: {n:.2f} expected bids, the rules need {need}", "few_bids", lot=lot, bids_dec=n,
                     need_dec=need)


def _v_no_bid(b: LotBatch, i: int, lot: str) -> Violation:
    p, limit = float(b.metrics.no_bid_chance[i]), b.scenario.config.rules.max_no_bid_chance
    return Violation(f"lot {lot}: chance of no bid {p:.0%} is above {limit:.0%}", "no_bid", lot=lot, chance_pct=p,
                     limit_pct=limit)


RULES: tuple[LotRule, ...] = (
    LotRule("group_without_demand", False, _groups_have_demand,
            "every product group of a lot has demand in the lot", _v_groups),
    LotRule("area_without_demand", False, _areas_have_demand_or_connect,
            "every area of a lot has demand in the lot's groups or is needed to connect the lot", _v_areas),
    LotRule("together", False, _together, "areas that must share a lot are not split", _v_together),
    LotRule("apart", True, _apart, "areas that must be in different lots are not in one lot", _v_apart),
    LotRule("value_low", False, _value_low, "annual value at least min_lot_value", _v_value_low),
    LotRule("value_high", True, _value_high, "annual value at most max_lot_value", _v_value_high),
    LotRule("few_eligible", True, _few_eligible, "at least min_eligible_bidders eligible suppliers",
            _v_few_eligible),
    LotRule("few_bids", True, _few_bids, "at least min_expected_bids expected bids", _v_few_bids),
    LotRule("no_bid", True, _no_bid, "chance of no bid at most max_no_bid_chance", _v_no_bid),
)
"""The lot rules, in the order their violations are listed."""

BY_CODE = {r.code: r for r in RULES}


def violations(batch: LotBatch, i: int, lot_id: str) -> list[Violation]:
    """The lot rules lot ``i`` of the batch breaks, as violations (``evaluate``)."""
    return [r.violation(batch, i, lot_id) for r in RULES if not r.check(batch)[i]]


def check(batch: LotBatch) -> dict[str, np.ndarray]:
    """Every rule's verdict on every lot of the batch (code → bool per lot)."""
    return {r.code: r.check(batch) for r in RULES}


def verdict(batch: LotBatch) -> tuple[np.ndarray, np.ndarray]:
    """``(valid, alive)`` per lot: it keeps every lot rule; it keeps every monotone rule
    (so it, or a larger lot grown from it, may still keep every rule)."""
    valid = np.ones(len(batch), dtype=bool)
    alive = np.ones(len(batch), dtype=bool)
    for r in RULES:
        ok = r.check(batch)
        valid &= ok
        if r.monotone:
            alive &= ok
    return valid, alive


# --------------------------------------------------------------------------- territory

def connectors_needed(sets: np.ndarray, has_demand: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """Bool per area set: every area of the set without demand is needed to connect it —
    removing that area alone disconnects the set's areas with demand.  A set without any
    area with demand fails.  ``adjacency``: bool areas × areas.

    Vectorised over (set, demand-free area) pairs: a breadth-first search from one area
    with demand, inside the set minus the removed area, by repeated matrix products.

    >>> adj = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], bool)      # 0 - 1 - 2
    >>> sets = np.array([[1, 1, 1], [1, 1, 0]], bool)
    >>> connectors_needed(sets, np.array([True, False, True]), adj).tolist()
    [True, False]
    """
    sets = np.asarray(sets, dtype=bool)
    dem = sets & has_demand[None, :]
    ok = dem.any(axis=1)
    free = sets & ~has_demand[None, :]
    rows, zs = np.nonzero(free & ok[:, None])
    if not len(rows):
        return ok
    allowed = sets[rows].copy()
    allowed[np.arange(len(rows)), zs] = False
    target = dem[rows]
    seed = np.zeros_like(allowed)
    seed[np.arange(len(rows)), np.argmax(target, axis=1)] = True
    adj = adjacency.astype(np.float32)
    reached = seed
    for _ in range(sets.shape[1]):
        grown = reached | (((reached.astype(np.float32) @ adj) > 0.5) & allowed)
        if np.array_equal(grown, reached):
            break
        reached = grown
    # the area is needed when some area with demand is not reached without it
    needed = (target & ~reached).any(axis=1)
    ok[np.unique(rows[~needed])] = False
    return ok


# --------------------------------------------------------------------------- lots per tenderer

def award_cut(eligible: list, cap: int) -> tuple[int, set]:
    """``(shortfall, N)``: how many of the lots cannot be awarded when no tenderer may win
    more than ``cap`` lots even if every eligible supplier bids, and a set ``N`` of
    suppliers that proves it (Hall's condition: more than ``cap × |N|`` lots can only go
    to suppliers in ``N``).  ``eligible``: the eligible supplier ids of each lot.
    ``(0, set())`` when every lot can be awarded.

    >>> short, n = award_cut([("a",), ("a",), ("a", "b")], 1)
    >>> short, sorted(n)
    (1, ['a', 'b'])
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_node("source")
    g.add_node("sink")
    for i, sup in enumerate(eligible):
        g.add_edge("source", ("lot", i), capacity=1)
        for x in sup:
            g.add_edge(("lot", i), ("supplier", x))          # no capacity: infinite
            g.add_edge(("supplier", x), "sink", capacity=cap)
    value, (side, _) = nx.minimum_cut(g, "source", "sink")
    short = len(eligible) - int(round(value))
    if short <= 0:
        return 0, set()
    return short, {x for kind, *rest in (n for n in side if isinstance(n, tuple)) if kind == "supplier"
                   for x in rest}


def award_shortfall(eligible: list, cap: int) -> int:
    """Lots that cannot be awarded under the cap (see :func:`award_cut`)."""
    return award_cut(eligible, cap)[0]
