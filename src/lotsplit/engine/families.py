"""Lot families: every lot outside the pool, grouped so that a bound can price them all.

A family holds the lots of one bundle, inside one region the same suppliers reach, within
one class of lot value.  Its lots share a floor on their admin cost and, per area, a most
value of competition and a most chance of a local bid, so a bound
(:mod:`lotsplit.engine.bounds`) prices the families instead of the lots, which are too
many to list.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from lotsplit.eligibility import competition_terms
from lotsplit.model.lots import LotSpace


def _bid_floor(m, sure_bids: float, least: float) -> float:
    """The least bid cost ``per_bid · min(n, n*)`` a lot worth at least ``least`` a year can
    have when ``sure_bids`` of its expected bids come from suppliers eligible for every
    such lot: ``n >= sure_bids``, and the bids worth evaluating ``n*`` grow with the lot's
    value, so ``n* >= n*(least)`` (on 40 × 12 the plan's bids cost 1.2 M of its 13.8 M
    admin cost)."""
    per_bid = m.costs.per_bid
    if per_bid <= 0 or sure_bids <= 0:
        return 0.0
    _, n_star = competition_terms(m.years * least, sure_bids, spread=m.spread, saturation=m.saturation,
                                  per_bid=per_bid)
    return per_bid * float(min(sure_bids, n_star))


def _rate(m, able: np.ndarray) -> np.ndarray:
    """Per area: the most value of competition per unit of annual value (``Y · spread ·
    (1 − exp(−3 n / sat))``) when the eligible suppliers are among ``able`` (areas ×
    suppliers)."""
    if m.spread <= 0:
        return np.zeros(able.shape[0])
    n = able.astype(float) @ m.propensity
    return m.years * m.spread * (0.0 - np.expm1(-3.0 * n / m.saturation))


def fewest_fixed_cost(space: LotSpace) -> float:
    """The least master cost any lot can have, ignoring its local bonus and its value of
    competition (>= 0 parts only)."""
    s = space.scenario
    cfg, c = s.config, s.config.costs
    per_lot = min(c.per_lot, c.per_lot_exempt if c.per_lot_exempt is not None else c.per_lot)
    return per_lot + c.per_contract_year * cfg.contract_years


VALUE_CLASSES = 6
"""Classes of lot value each family is split into (at the room of its suppliers: past it a
supplier is no longer eligible).  More classes, a tighter bound and more families."""
CUT_STEP = 1e-3
"""How far (in money) above a supplier's room a value class starts: past the tolerance of the
eligibility test (``capacity >= value - 1e-9``), so the supplier is out of that class."""
FAMILY_REGIONS = 20_000
"""Regions of the reach lattice (:func:`reach_regions`) visited before the families fall
back to one per component and one per access supplier's reach."""


@dataclass
class Family:
    """Every lot of bundle ``b_idx`` with more than ``space.complete_size`` areas, inside
    ``areas`` (area positions), whose eligible suppliers are among one set: the least
    admin cost such a lot can have (``floor``); per area of ``areas`` the most value of
    competition per unit of annual value (``rate``) and the most chance that a supplier
    the objective weighs bids (``local``) of a lot holding it; the least and most annual
    value such a lot can have."""

    b_idx: int
    areas: np.ndarray
    floor: float
    rate: np.ndarray
    local: np.ndarray
    least: float
    most: float


def outside_size(space: LotSpace) -> int:
    """The fewest areas a lot outside the pool can have."""
    return len(space.market.area_ids) + 1 if space.complete else space.complete_size + 1


def reach_regions(space: LotSpace, big: int, budget: int = FAMILY_REGIONS) -> np.ndarray | None:
    """The regions of the reach lattice as bool masks (regions × areas): connected area
    sets of at least ``big`` areas, each a piece of an intersection of suppliers' reaches.

    Every connected lot ``L`` of at least ``big`` areas lies in a region ``W`` that the
    same suppliers reach: start from its component; while some supplier reaches ``L`` but
    not ``W``, ``L`` lies in one piece of ``W`` ∩ that reach, itself a region.  Returns
    None past ``budget`` regions (the count is the work; no clock)."""
    m = space.market
    n = len(m.area_ids)
    nbr = [sum(1 << int(j) for j in np.flatnonzero(row)) for row in m.adjacency]
    reach = ~m.not_reach.astype(bool)
    reaches = sorted({sum(1 << int(a) for a in np.flatnonzero(reach[:, k])) for k in range(reach.shape[1])})

    def pieces(x: int) -> list[int]:
        out, rest = [], x
        while rest:
            comp = frontier = rest & -rest
            while frontier:
                grown, f = 0, frontier
                while f:
                    low = f & -f
                    grown |= nbr[low.bit_length() - 1]
                    f ^= low
                frontier = grown & x & ~comp
                comp |= frontier
            rest &= ~comp
            if comp.bit_count() >= big:
                out.append(comp)
        return out

    order = pieces((1 << n) - 1)
    seen = set(order)
    i = 0
    while i < len(order):
        y = order[i]
        i += 1
        for r in reaches:
            z = y & r
            if z == y or z.bit_count() < big:
                continue
            for w in pieces(z):
                if w not in seen:
                    seen.add(w)
                    order.append(w)
                    if len(order) > budget:
                        return None
    masks = np.zeros((len(order), n), dtype=bool)
    for i, w in enumerate(order):
        masks[i] = [(w >> a) & 1 for a in range(n)]
    return masks


def lot_families(space: LotSpace) -> list[Family]:
    """The families covering every lot outside the pool (more than
    ``space.complete_size`` areas), for the relaxed-lot and the Lagrangian bounds.

    Per bundle, the regions of :func:`reach_regions` with the same suppliers able to bid
    (reach, offer the bundle) merge into one family: a lot in it has exactly those
    suppliers reaching it, so its eligible suppliers are among them, less those without
    the capacity or turnover for the least value the lot can have.  Families whose
    suppliers cannot make a valid lot (too few eligible, too few expected bids, too
    likely no bid) are left out, and so are those another family dominates
    (:func:`undominated`).  When the lattice is too large, the coarser families of
    :func:`_coarse_families` are used instead.  Computed once per space (they depend on
    the market and ``complete_size`` only, not on the lots the pool gains)."""
    key = (space.complete, space.complete_size)
    cached = getattr(space, "_lot_families", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    families = undominated(_families_of(space), len(space.market.area_ids))
    space._lot_families = (key, families)
    return families


def undominated(families: list[Family], n_areas: int) -> list[Family]:
    """The families no other family of the same bundle dominates (of identical ones, the
    first).  ``g`` dominates ``f`` when it holds every area of ``f``, its admin floor is no
    higher, its rate and local chance no lower on each of them, and its value range holds
    ``f``'s: every lot of ``f`` is then a lot of ``g`` that a bound prices no higher, and
    the lots of a plan in both fit in ``g`` (on 290 × 12, 2 713 of 4 705 families, and the
    LP with relaxed lots from 136 020 rows to 84 311)."""
    keep = []
    by_bundle: dict[int, list[int]] = {}
    for i, f in enumerate(families):
        by_bundle.setdefault(f.b_idx, []).append(i)
    for idx in by_bundle.values():
        rate = np.full((len(idx), n_areas), -np.inf)
        local = np.full((len(idx), n_areas), -np.inf)
        for k, i in enumerate(idx):
            rate[k, families[i].areas] = families[i].rate
            local[k, families[i].areas] = families[i].local
        floor, least, most = (np.array([getattr(families[i], a) for i in idx], dtype=float)
                              for a in ("floor", "least", "most"))
        size = np.array([len(families[i].areas) for i in idx])
        for k, i in enumerate(idx):
            f = families[i]
            r, q = rate[:, f.areas], local[:, f.areas]
            over = ((floor <= f.floor) & (least <= f.least) & (most >= f.most)
                    & (r >= f.rate).all(axis=1) & (q >= f.local).all(axis=1))
            same = ((floor == f.floor) & (least == f.least) & (most == f.most) & (size == len(f.areas))
                    & (r == f.rate).all(axis=1) & (q == f.local).all(axis=1))
            if not (over & ~same).any() and not (same[:k]).any():
                keep.append(i)
    return [families[i] for i in sorted(keep)]


def _families_of(space: LotSpace) -> list[Family]:
    big = outside_size(space)
    if big > len(space.market.area_ids):
        return []
    regions = reach_regions(space, big)
    if regions is None:
        return _coarse_families(space, big)
    s, m = space.scenario, space.market
    c, rules = s.config.costs, s.config.rules
    fixed = fewest_fixed_cost(space)
    reaching = m.reaches_all(regions)                          # regions × suppliers
    out = []
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        offers = m.offers[:, gi].all(axis=1)
        area_value = m.demand[:, gi].sum(axis=1)
        merged: dict[bytes, np.ndarray] = {}
        for region, able in zip(regions, reaching & offers[None, :]):
            key = np.packbits(able).tobytes()
            merged[key] = merged[key] | region if key in merged else region.copy()
        for key, region in merged.items():
            able = np.unpackbits(np.frombuffer(key, dtype=np.uint8))[:len(m.supplier_ids)].astype(bool)
            areas = np.flatnonzero(region)
            out += _family(m, b_idx, areas, able, area_value, big, fixed, c, rules)
    return out


def _least_values(v: np.ndarray, big: int) -> tuple[float, np.ndarray]:
    """The least sum of ``big`` of the values ``v``, and per entry the least such sum
    holding that entry."""
    order = np.argsort(v, kind="stable")
    rank = np.empty(len(v), dtype=np.int64)
    rank[order] = np.arange(len(v))
    s = np.sort(v)
    head = s[:big - 1].sum()
    others = np.where(rank < big - 1, head - v + s[big - 1], head)
    return float(s[:big].sum()), v + others


def _family(m, b_idx, areas, able, area_value, big, fixed, c, rules) -> list[Family]:
    """The family of the lots of bundle ``b_idx`` inside ``areas`` reached by the suppliers
    ``able``, split by lot value into classes (:data:`VALUE_CLASSES`): a lot worth more than
    a supplier's room (its capacity, its turnover over τ) has that supplier no longer
    eligible, so a class's lots have at most the suppliers with room for the class's least
    value — fewer bidders, less value of competition and a higher retender risk than the
    family's smallest lots."""
    v = area_value[areas]
    least, least_at = _least_values(v, big)
    least = max(least, rules.min_lot_value)
    least_at = np.maximum(least_at, rules.min_lot_value)
    most = np.inf if rules.max_lot_value is None else rules.max_lot_value
    room = np.minimum(m.capacity, m.turnover / m.tau if m.tau > 0 else np.inf)
    cuts = np.unique(room[able & (room > least) & (room < min(most, float(v.sum())))])
    if len(cuts) > VALUE_CLASSES - 1:           # fewer classes: merging two only widens one
        cuts = cuts[np.linspace(0, len(cuts) - 1, VALUE_CLASSES - 1).round().astype(int)]
    # a class above a cut holds the lots worth more than the cut's room (by more than the
    # eligibility test's tolerance): the supplier with that room is not eligible for them
    edges = np.r_[least, cuts + CUT_STEP, most]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        f = _value_class(m, b_idx, areas, able, np.maximum(least_at, lo), lo, hi, fixed, c, rules)
        if f is not None:
            out.append(f)
    return out


def _value_class(m, b_idx, areas, able, least_at, least, most, fixed, c, rules) -> Family | None:
    """The lots of a family worth between ``least`` and ``most`` (``least_at``: per area, the
    least value such a lot holding it can have); None when no such lot can be valid."""

    def fits(value):                       # suppliers with the capacity and turnover for `value`
        value = np.asarray(value, dtype=float)[..., None]
        return able & (m.capacity >= value - 1e-9) & (m.turnover >= m.tau * value - 1e-9)

    some = fits(least)                     # every eligible supplier of every lot of the class
    n_some, expected = int(some.sum()), float(m.propensity[some].sum())
    q = 0.0 if (some & (m.propensity >= 1.0)).any() else float(np.prod(1.0 - m.propensity[some]))
    if (n_some < rules.min_eligible_bidders or expected < rules.min_expected_bids - 1e-9
            or q > rules.max_no_bid_chance + 1e-12):
        return None
    if rules.min_eligible_bidders >= 1:    # a lot's value fits the k-th most room of its suppliers
        room = np.sort(np.minimum(m.capacity[some], m.turnover[some] / m.tau if m.tau > 0 else np.inf))[::-1]
        most = min(most, float(room[rules.min_eligible_bidders - 1]))
    if most < least - 1e-9:
        return None
    at = fits(least_at)                    # areas × suppliers: eligible for a lot holding the area
    # eligible for every lot of the class: room for its most value (not only for its least)
    sure = able & (m.capacity >= most) & (m.turnover >= (m.tau * most if m.tau > 0 else 0.0))
    floor = fixed + _bid_floor(m, float(m.propensity[sure].sum()), least) + c.retender * q
    local_at = (at & m.access[None, :]).astype(float)
    local = np.where(local_at @ m.sure > 0, 1.0, 0.0 - np.expm1(local_at @ m.log_q))
    return Family(b_idx, areas, floor, _rate(m, at), local, least, most)


def _coarse_families(space: LotSpace, big: int) -> list[Family]:
    """Families when the reach lattice is too large: per bundle, each connected component
    (lots no access supplier can bid for: the non-access suppliers' competition, the
    retender risk if every non-access supplier bid) and each access supplier's reach
    (lots it can bid for lie inside it).  Per area, the suppliers counted are those that
    reach it, reach enough areas, and have the capacity and turnover for the least value
    a lot that large holding it can have."""
    s, m = space.scenario, space.market
    c, rules = s.config.costs, s.config.rules
    reach = ~m.not_reach.astype(bool)
    universal = reach.all(axis=0) & np.isinf(m.capacity) & np.isinf(m.turnover)
    fixed = fewest_fixed_cost(space)
    components = [np.array(sorted(m.area_position[a] for a in comp)) for comp in nx.connected_components(s.graph)]
    components = [comp for comp in components if len(comp) >= big]
    reach_count = reach.sum(axis=0)
    out = []
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        offers = m.offers[:, gi].all(axis=1)
        _, least = _least_values(m.demand[:, gi].sum(axis=1), big)
        least = np.maximum(least, rules.min_lot_value)
        able = (reach & offers[None, :] & (reach_count >= big)[None, :]
                & (m.capacity[None, :] >= least[:, None] - 1e-9)
                & (m.turnover[None, :] >= m.tau * least[:, None] - 1e-9))         # areas × suppliers
        local_able = (able & m.access[None, :]).astype(float)
        local = np.where(local_able @ m.sure > 0, 1.0, 0.0 - np.expm1(local_able @ m.log_q))
        rate, rate_other = _rate(m, able), _rate(m, able & ~m.access[None, :])
        fewest = max(_least_values(m.demand[:, gi].sum(axis=1), big)[0], rules.min_lot_value)
        universal_bids = float(m.propensity[offers & universal].sum())
        base = fixed + _bid_floor(m, universal_bids, fewest)
        q_nonlocal = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        q_all = np.where(offers, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        most_value = np.inf if rules.max_lot_value is None else rules.max_lot_value
        for comp in components:
            out.append(Family(b_idx, comp, base + c.retender * q_nonlocal, rate_other[comp],
                              np.zeros(len(comp)), rules.min_lot_value, most_value))
        regions: dict[bytes, tuple[float, float]] = {}
        for j in np.flatnonzero(offers & m.access & (reach_count >= big)):
            key = reach[:, j].tobytes()
            extra = 0.0 if universal[j] else (_bid_floor(m, universal_bids + m.propensity[j], fewest)
                                              - _bid_floor(m, universal_bids, fewest))
            most = min(m.capacity[j], m.turnover[j] / m.tau if m.tau > 0 else np.inf)    # j must stay eligible
            old_extra, old_most = regions.get(key, (np.inf, -np.inf))
            regions[key] = (min(old_extra, extra), max(old_most, most))
        for key, (extra, most) in regions.items():
            areas = np.flatnonzero(np.frombuffer(key, dtype=bool))
            out.append(Family(b_idx, areas, base + extra + c.retender * q_all, rate[areas], local[areas],
                              rules.min_lot_value, min(most, most_value)))
    return out


