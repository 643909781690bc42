"""Who can bid for a lot, and what a lot costs: the lot metrics of DESIGN §2.

For a lot ``l = (A, G)`` (areas ``A``, product groups ``G``):

- value ``v = sum D[a, g]`` per year, ``V = Y * v`` over the contract;
- eligible suppliers ``E``: offer every group of ``G``, reach every area of ``A``,
  capacity ``K_s >= v`` and turnover ``T_s >= tau * v``;
- expected bids ``n = sum_E p_s``; chance of no bid ``P0 = prod_E (1 - p_s)``;
- local chance ``L = 1 - prod_{E ∩ local} (1 - p_s)``, SME chance
  ``M = 1 - prod_{E ∩ sme} (1 - p_s)``: the probability that at least one local supplier
  (one small or medium-sized enterprise) bids;
- value of competition ``W = V * spread * (1 - exp(-3 n / saturation))``: the expected
  price effect of ``n`` bids (``[competition]``);
- bids worth evaluating ``n* = saturation / 3 * ln(3 V spread / (saturation c_bid))``
  (at least 0; unbounded when ``c_bid = 0``): up to ``n*`` one more bid is expected to
  save more than it costs to evaluate;
- admin cost ``C = c_lot + c_bid * min(n, n*) + c_year * Y + P0 * c_retender``.  With the
  competition model ``none``, ``W = 0`` and ``n* = inf`` (every bid costs ``c_bid``).

``C - W`` (the lot's net cost) never rises when a supplier becomes eligible: ``n`` grows,
``P0`` falls, and ``c_bid * min(n, n*) - W(n)`` falls with ``n`` (``W`` is concave and its
slope is at least ``c_bid`` below ``n*``).

Everything is vectorised over many area sets at once (a boolean matrix, one row per area
set) because the optimizer evaluates every candidate lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from lotsplit.scenario import Scenario


def reach_matrix(suppliers: pd.DataFrame, distance_km: pd.DataFrame, area_ids: list[str]) -> pd.DataFrame:
    """Which supplier can serve which area (suppliers × areas, bool).

    A supplier serves an area when the area's representative point is within ``reach_km``
    of its base, or the area is listed in ``reach_areas``, or is its base area (given as
    ``area_id`` or found from its lon/lat).  With
    neither a radius nor a list it serves every area.
    """
    reach = pd.DataFrame(False, index=suppliers.index, columns=pd.Index(area_ids, name="area_id"))
    for sid, s in suppliers.iterrows():
        radius, listed = s["reach_km"], s["reach_areas"]
        if (radius is None or np.isnan(radius)) and not listed:
            reach.loc[sid, :] = True
            continue
        row = np.zeros(len(area_ids), dtype=bool)
        if radius is not None and not np.isnan(radius):
            d = distance_km.loc[sid, area_ids].to_numpy(dtype=float)
            row |= np.nan_to_num(d, nan=np.inf) <= radius + 1e-9
        home = [s.get("area_id", ""), s.get("base_area", "")]   # a supplier always serves its own area
        row |= np.isin(np.asarray(area_ids, dtype=object), list(listed) + [h for h in home if h])
        reach.loc[sid, :] = row
    return reach


@dataclass(frozen=True)
class LotMetrics:
    """Metrics of many lots with one bundle of groups (arrays, one entry per lot)."""

    value: np.ndarray          # annual value v
    eligible: np.ndarray       # bool, lots × suppliers
    n_eligible: np.ndarray
    expected_bids: np.ndarray
    no_bid_chance: np.ndarray
    local_chance: np.ndarray
    admin_cost: np.ndarray
    sme_chance: np.ndarray
    competition_value: np.ndarray   # over the whole contract


def competition_terms(contract_value, expected_bids, *, spread: float, saturation: float, per_bid: float):
    """``(W, n*)``: the value of competition of lots with contract value ``V`` and
    ``n`` expected bids, and the number of bids worth evaluating (see the module doc)."""
    V = np.asarray(contract_value, dtype=float)
    n = np.asarray(expected_bids, dtype=float)
    if spread <= 0:
        return np.zeros(np.broadcast(V, n).shape), np.full(np.broadcast(V, n).shape, np.inf)
    rate = 3.0 / saturation
    W = V * spread * (0.0 - np.expm1(-rate * n))
    if per_bid <= 0:
        return W, np.full(W.shape, np.inf)
    slope0 = V * spread * rate                  # W'(0)
    with np.errstate(divide="ignore"):
        n_star = np.where(slope0 > per_bid, np.log(np.maximum(slope0, 1e-300) / per_bid) / rate, 0.0)
    return W, n_star


class Market:
    """The scenario's suppliers and demand as arrays, for fast lot evaluation."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.area_ids = list(scenario.areas.index)
        self.group_ids = list(scenario.groups.index)
        self.supplier_ids = list(scenario.suppliers.index)
        s = scenario.suppliers
        self.demand = scenario.demand.loc[self.area_ids, self.group_ids].to_numpy(dtype=float)
        self.offers = np.array([[g in set(s.loc[sid, "groups"]) for g in self.group_ids] for sid in self.supplier_ids],
                               dtype=bool).reshape(len(self.supplier_ids), len(self.group_ids))
        self.not_reach = (~scenario.reach.loc[self.supplier_ids, self.area_ids].to_numpy(dtype=bool)).T.astype(np.int32)
        self.capacity = s["capacity"].to_numpy(dtype=float)
        self.turnover = s["turnover"].to_numpy(dtype=float)
        p = s["propensity"].to_numpy(dtype=float)
        self.propensity = p
        self.local = s["local"].to_numpy(dtype=bool)
        self.sme = s["sme"].to_numpy(dtype=bool)
        # the suppliers whose chance of bidding the objective weighs (objective.access)
        self.access = self.sme if scenario.config.objective.access == "sme" else self.local
        self.sure = (p >= 1.0).astype(float)                 # suppliers that always bid
        self.log_q = np.log(np.where(p < 1.0, 1.0 - p, 1.0))  # log(1 - p), 0 for sure bidders
        self.tau = scenario.turnover_multiple
        self.years = scenario.config.contract_years
        self.costs = scenario.config.costs
        self.spread, self.saturation = scenario.competition

    def group_index(self, groups) -> list[int]:
        return [self.group_ids.index(g) for g in groups]

    def reaches_all(self, sets: np.ndarray) -> np.ndarray:
        """Bool (sets × suppliers): the supplier reaches every area of the set."""
        # float32 BLAS product: exact for counts below 2**24 areas, and far faster than int
        return (np.asarray(sets, dtype=np.float32) @ self.not_reach_f32) < 0.5

    def evaluate(self, sets: np.ndarray, groups, *, reaches: np.ndarray | None = None,
                 per_lot: float | None = None) -> LotMetrics:
        """Metrics of lots (each row of ``sets`` a bool area mask) with product groups ``groups``."""
        gi = self.group_index(groups)
        sets = np.atleast_2d(sets)
        value = sets.astype(float) @ self.demand[:, gi].sum(axis=1)
        if reaches is None:
            reaches = self.reaches_all(sets)
        offers_all = self.offers[:, gi].all(axis=1)
        eligible = (reaches & offers_all[None, :]
                    & (self.capacity[None, :] >= value[:, None] - 1e-9)
                    & (self.turnover[None, :] >= self.tau * value[:, None] - 1e-9))
        ef = eligible.astype(float)
        n_eligible = eligible.sum(axis=1)
        expected = ef @ self.propensity
        sure = ef @ self.sure
        no_bid = np.where(sure > 0, 0.0, np.exp(ef @ self.log_q))
        local = self._chance(ef, self.local)
        sme = self._chance(ef, self.sme)
        c = self.costs
        W, n_star = competition_terms(self.years * value, expected, spread=self.spread, saturation=self.saturation,
                                      per_bid=c.per_bid)
        lot_cost = c.per_lot if per_lot is None else per_lot
        admin = (lot_cost + c.per_bid * np.minimum(expected, n_star) + c.per_contract_year * self.years
                 + c.retender * no_bid)
        return LotMetrics(value, eligible, n_eligible, expected, no_bid, local, admin, sme, W)

    def competition_rate(self, groups, among: np.ndarray | None = None) -> np.ndarray:
        """Per area: the most value of competition per unit of annual value that any lot of
        these product groups holding the area can have, ``Y · spread · (1 − exp(−3 n_a /
        sat))`` with ``n_a`` the summed propensity of the suppliers that offer the groups,
        reach the area and have the capacity and turnover for the area's own value (a bound:
        a lot's eligible suppliers are among them, and ``W`` grows with ``n``)."""
        n_areas = len(self.area_ids)
        if self.spread <= 0:
            return np.zeros(n_areas)
        gi = self.group_index(groups)
        v = self.demand[:, gi].sum(axis=1)
        can = (~self.not_reach.astype(bool) & self.offers[:, gi].all(axis=1)[None, :]
               & (self.capacity[None, :] >= v[:, None] - 1e-9)
               & (self.turnover[None, :] >= self.tau * v[:, None] - 1e-9))
        if among is not None:
            can &= np.asarray(among, dtype=bool)[None, :]
        n = can.astype(float) @ self.propensity
        return self.years * self.spread * (0.0 - np.expm1(-3.0 * n / self.saturation))

    def _chance(self, ef: np.ndarray, flag: np.ndarray) -> np.ndarray:
        """Probability that at least one eligible supplier with ``flag`` bids."""
        f = ef * flag[None, :]
        return np.where(f @ self.sure > 0, 1.0, 0.0 - np.expm1(f @ self.log_q))     # 0.0 -: no -0

    @cached_property
    def not_reach_f32(self) -> np.ndarray:
        return self.not_reach.astype(np.float32)

    @cached_property
    def adjacency(self) -> np.ndarray:
        """Bool areas × areas: neighbours in the scenario's graph (borders and links)."""
        pos = self.area_position
        adj = np.zeros((len(self.area_ids), len(self.area_ids)), dtype=bool)
        for a, b in self.scenario.graph.edges():
            if a != b:
                adj[pos[a], pos[b]] = adj[pos[b], pos[a]] = True
        return adj

    @cached_property
    def area_position(self) -> dict[str, int]:
        return {a: i for i, a in enumerate(self.area_ids)}

    def mask(self, areas) -> np.ndarray:
        m = np.zeros(len(self.area_ids), dtype=bool)
        m[[self.area_position[a] for a in areas]] = True
        return m


def eligible_suppliers(scenario: Scenario, areas, groups) -> list[str]:
    """Ids of the suppliers eligible for the lot (areas, groups), in input order.

    Examples
    --------
    >>> eligible_suppliers(s, ["2080"], ["bread"])   # doctest: +SKIP
    ['falu-bageri', 'grossist-a']
    """
    market = Market(scenario)
    m = market.evaluate(market.mask(areas)[None, :], groups)
    return [sid for sid, ok in zip(market.supplier_ids, m.eligible[0]) if ok]
