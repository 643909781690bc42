"""Lower bounds over every lot, known or not, for the generated path.

The Lagrangian bound ``z_LP + K * min(0, rc_lb)`` (K the most lots an optimal plan can
have, ``rc_lb`` a lower bound on every lot's reduced cost) and the LP with *relaxed lots*
(:func:`relaxed_bound`).  Both are valid for every plan; on large instances the first is
weak, the second strong.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from lotsplit.engine.highs import Effort, Status, solve_lp_sifted
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, row_scales, side_duals


def _bid_floor_weight(space: LotSpace) -> float:
    """1 when every expected bid of a lot costs ``per_bid`` for sure, else 0: with the value
    of competition on, bids beyond the worthwhile number cost nothing, so the bids of the
    suppliers eligible for every lot are no safe floor."""
    return 0.0 if space.market.spread > 0 else 1.0


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


def max_lots_in_plan(space: LotSpace, best_objective: float | None) -> int:
    """An upper bound on the number of lots of an optimal plan."""
    s = space.scenario
    rules, obj = s.config.rules, s.config.objective
    k = space.n_demand
    if rules.max_lots is not None:
        k = min(k, rules.max_lots)
    fixed = fewest_fixed_cost(space)
    if best_objective is not None and obj.kind in ("min_cost", "weighted") and fixed > 0:
        # plan cost >= n * fixed - (most local bonus any plan can earn: 100 points)
        #                        - (most value of competition: spread × the contract value)
        bonus = 100.0 * obj.price_per_local_point if obj.kind == "weighted" else 0.0
        bonus += space.market.spread * s.config.contract_years * space.total_annual_value
        k = min(k, int(np.floor((best_objective + bonus) / fixed + 1e-9)))
    return max(k, rules.min_lots)


def lagrangian_bound(space: LotSpace, master: Master, z_lp: float, duals: np.ndarray, k_max: int) -> float:
    """z_LP + K * min(0, rc_lb), with rc_lb a lower bound on every lot's reduced cost.

    The lots of ``master`` are priced as they are.  Every other lot is larger than
    ``space.complete_size`` and lies in one of the :func:`lot_families`: its reduced cost
    is at least the family's admin floor less the lot-count dual and the positive prizes
    of its areas (their cell duals, value of competition and local bonus at the
    family's most).  ("Local" here: the suppliers whose access the objective weighs,
    ``objective.access``.)
    """
    from lotsplit.model.master import reduced_costs

    s, m = space.scenario, space.market
    obj = s.config.objective
    n_cells = len(space.cells)
    y = side_duals(master, duals, n_cells)
    mu = y.get("lot count", 0.0)
    lam = max(0.0, y.get("local share target", 0.0))
    beta = min(0.0, y.get("admin budget", 0.0)) / row_scales(space)["admin budget"]
    total = space.total_annual_value or 1.0
    cell_dual = np.zeros(m.demand.shape)
    cell_dual[space.cells[:, 0], space.cells[:, 1]] = duals[:n_cells]
    # What one unit of local-accessible annual value can lower a reduced cost by.
    per_local_value = lam / total
    if obj.kind == "weighted":
        per_local_value += 100.0 * obj.price_per_local_point / total
    if obj.kind == "max_local":
        per_local_value += 100.0 / total
    admin_weight = (0.0 if obj.kind == "max_local" else 1.0) - beta      # >= 0
    cost_weight = 0.0 if obj.kind == "max_local" else 1.0
    rc = reduced_costs(master, duals)
    rc_lb = float(rc.min()) if len(rc) else np.inf
    for f in lot_families(space):
        gi = m.group_index(space.bundles[f.b_idx])
        v = m.demand[np.ix_(f.areas, gi)].sum(axis=1)
        prize = cell_dual[np.ix_(f.areas, gi)].sum(axis=1) + (cost_weight * f.rate + per_local_value * f.local) * v
        rc_lb = min(rc_lb, admin_weight * f.floor - mu - float(np.clip(prize, 0, None).sum()))
    return float(z_lp + k_max * min(0.0, rc_lb))


RELAXED_MAX_VARIABLES = 400_000
"""The relaxed-lot bound is skipped (Lagrangian bound only) past this many variables."""
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


def _big(space: LotSpace) -> int:
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
    likely no bid) are left out.  When the lattice is too large, the coarser families of
    :func:`_coarse_families` are used instead."""
    big = _big(space)
    if big > len(space.market.area_ids):
        return []
    regions = reach_regions(space, big)
    if regions is None:
        return _coarse_families(space, big)
    s, m = space.scenario, space.market
    c, rules = s.config.costs, s.config.rules
    fixed = fewest_fixed_cost(space)
    bid_weight = _bid_floor_weight(space)
    unlimited = np.isinf(m.capacity) & np.isinf(m.turnover)
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
            f = _family(m, b_idx, areas, able, area_value, big, fixed, bid_weight, unlimited, c, rules)
            if f is not None:
                out.append(f)
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


def _family(m, b_idx, areas, able, area_value, big, fixed, bid_weight, unlimited, c, rules) -> Family | None:
    v = area_value[areas]
    least, least_at = _least_values(v, big)
    least = max(least, rules.min_lot_value)
    least_at = np.maximum(least_at, rules.min_lot_value)

    def fits(value):                       # suppliers with the capacity and turnover for `value`
        value = np.asarray(value, dtype=float)[..., None]
        return able & (m.capacity >= value - 1e-9) & (m.turnover >= m.tau * value - 1e-9)

    some = fits(least)                     # every eligible supplier of every lot of the family
    n_some, expected = int(some.sum()), float(m.propensity[some].sum())
    q = 0.0 if (some & (m.propensity >= 1.0)).any() else float(np.prod(1.0 - m.propensity[some]))
    if (n_some < rules.min_eligible_bidders or expected < rules.min_expected_bids - 1e-9
            or q > rules.max_no_bid_chance + 1e-12):
        return None
    most = np.inf                          # a lot may have no eligible supplier when the rules allow it
    if rules.min_eligible_bidders >= 1:    # else its value fits the k-th most room of its suppliers
        room = np.sort(np.minimum(m.capacity[some], m.turnover[some] / m.tau if m.tau > 0 else np.inf))[::-1]
        most = float(room[rules.min_eligible_bidders - 1])
    if rules.max_lot_value is not None:
        most = min(most, rules.max_lot_value)
    if most < least - 1e-9:
        return None
    at = fits(least_at)                    # areas × suppliers: eligible for a lot holding the area
    floor = fixed + bid_weight * c.per_bid * float(m.propensity[some & unlimited].sum()) + c.retender * q
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
    bid_weight = _bid_floor_weight(space)
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
        base = fixed + bid_weight * c.per_bid * m.propensity[offers & universal].sum()
        q_nonlocal = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        q_all = np.where(offers, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        most_value = np.inf if rules.max_lot_value is None else rules.max_lot_value
        for comp in components:
            out.append(Family(b_idx, comp, base + c.retender * q_nonlocal, rate_other[comp],
                              np.zeros(len(comp)), rules.min_lot_value, most_value))
        regions: dict[bytes, tuple[float, float]] = {}
        for j in np.flatnonzero(offers & m.access & (reach_count >= big)):
            key = reach[:, j].tobytes()
            extra = 0.0 if universal[j] else bid_weight * c.per_bid * m.propensity[j]
            most = min(m.capacity[j], m.turnover[j] / m.tau if m.tau > 0 else np.inf)    # j must stay eligible
            old_extra, old_most = regions.get(key, (np.inf, -np.inf))
            regions[key] = (min(old_extra, extra), max(old_most, most))
        for key, (extra, most) in regions.items():
            areas = np.flatnonzero(np.frombuffer(key, dtype=bool))
            out.append(Family(b_idx, areas, base + extra + c.retender * q_all, rate[areas], local[areas],
                              rules.min_lot_value, min(most, most_value)))
    return out


def relaxed_bound(space: LotSpace, master: Master, *, effort: Effort) -> float | None:
    """A lower bound over every lot, known or not: the LP of the master in which, besides
    the lots of ``master``, *relaxed lots* may be used.

    Every lot outside the pool is in one of the :func:`lot_families`.  A relaxed lot
    ``z`` of a family costs its admin floor and may cover any part ``w <= z`` of the
    family's cells, each earning its most value of competition and local bonus, with
    the covered value between the family's least and most lot value.  Every plan is a
    plan of this relaxed master with no higher cost, so its LP value bounds the true
    optimum from below.  Returns None when the relaxed master is too large or the user's
    time limit passes.
    """
    import scipy.sparse as sp

    s, m = space.scenario, space.market
    obj = s.config.objective
    n_cells = len(space.cells)
    total = space.total_annual_value or 1.0
    names = master.names[n_cells:]
    row = {name: n_cells + i for i, name in enumerate(names)}
    cell_id = -np.ones(m.demand.shape, dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(n_cells)
    bonus_price = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin_counts = obj.kind != "max_local"
    if effort.out_of_time():
        return None
    families = lot_families(space)
    if not families:
        lp = solve_lp_sifted(master, effort=effort)
        return float(lp.objective) if lp.status == Status.OPTIMAL else None

    # The relaxed cells w of every family, as flat arrays.
    w_cell, w_fam, w_value, w_local, w_rate = [], [], [], [], []
    for i, f in enumerate(families):
        gi = m.group_index(space.bundles[f.b_idx])
        ids = cell_id[np.ix_(f.areas, gi)]
        a_pos, g_pos = np.nonzero((ids >= 0) & (ids < space.n_demand))     # relaxed lots cover demand
        w_cell.append(ids[a_pos, g_pos])
        w_fam.append(np.full(len(a_pos), i))
        w_rate.append(f.rate[a_pos])
        v = m.demand[f.areas[a_pos], np.asarray(gi)[g_pos]]
        w_value.append(v)
        w_local.append(v * f.local[a_pos])
        if sum(len(x) for x in w_cell) + len(families) > RELAXED_MAX_VARIABLES:
            return None
        if effort.out_of_time():
            return None
    w_cell, w_fam = np.concatenate(w_cell).astype(np.int64), np.concatenate(w_fam).astype(np.int64)
    w_value, w_local, w_rate = np.concatenate(w_value), np.concatenate(w_local), np.concatenate(w_rate)
    n_w, n_z = len(w_cell), len(families)
    floor = np.array([f.floor for f in families])
    most = np.array([f.most for f in families])
    least = np.array([f.least for f in families])
    capped, floored = np.flatnonzero(np.isfinite(most)), np.flatnonzero(least > 0)
    n_pool, n_rows = master.matrix.shape[1], master.matrix.shape[0]
    link0 = n_rows                      # rows w_k - z_f(k) <= 0
    value0 = n_rows + n_w               # rows sum v w - most z <= 0, for capped families
    least0 = value0 + len(capped)       # rows least z - sum v w <= 0
    cap_row = -np.ones(n_z, dtype=np.int64)
    cap_row[capped] = value0 + np.arange(len(capped))
    least_row = -np.ones(n_z, dtype=np.int64)
    least_row[floored] = least0 + np.arange(len(floored))
    total_rows = least0 + len(floored)
    # z columns: lot count, admin budget, link rows, value rows
    zr, zc, zv = [np.arange(0)], [np.arange(0)], [np.zeros(0)]
    for name, coef in (("lot count", np.ones(n_z)), ("admin budget", floor / row_scales(space)["admin budget"])):
        if name in row:
            zr.append(np.full(n_z, row[name])); zc.append(np.arange(n_z)); zv.append(coef)
    zr.append(link0 + np.arange(n_w)); zc.append(w_fam); zv.append(-np.ones(n_w))
    zr.append(cap_row[capped]); zc.append(capped); zv.append(-most[capped])
    zr.append(least_row[floored]); zc.append(floored); zv.append(least[floored])
    Z = sp.csc_matrix((np.concatenate(zv), (np.concatenate(zr), np.concatenate(zc))), shape=(total_rows, n_z))
    # w columns: their cell, the local share row, their link row, their family's value rows
    k = np.arange(n_w)
    wr, wc, wv = [w_cell, link0 + k], [k, k], [np.ones(n_w), np.ones(n_w)]
    if "local share target" in row:
        wr.append(np.full(n_w, row["local share target"])); wc.append(k); wv.append(w_local / total)
    has_cap = cap_row[w_fam] >= 0
    wr.append(cap_row[w_fam][has_cap]); wc.append(k[has_cap]); wv.append(w_value[has_cap])
    has_least = least_row[w_fam] >= 0
    wr.append(least_row[w_fam][has_least]); wc.append(k[has_least]); wv.append(-w_value[has_least])
    W = sp.csc_matrix((np.concatenate(wv), (np.concatenate(wr), np.concatenate(wc))), shape=(total_rows, n_w))
    z_cost = floor if admin_counts else np.zeros(n_z)
    w_cost = -bonus_price * w_local - (w_rate * w_value if admin_counts else 0.0)
    pool = sp.vstack([master.matrix, sp.csc_matrix((total_rows - n_rows, n_pool))])
    matrix = sp.hstack([pool, Z, W]).tocsc()
    extra = total_rows - n_rows
    relaxed = Master(np.r_[master.cost, z_cost, w_cost], matrix, np.r_[master.row_lo, np.full(extra, -np.inf)],
                     np.r_[master.row_hi, np.zeros(extra)])
    lp = solve_lp_sifted(relaxed, effort=effort,
                         start=np.arange(n_pool, n_pool + n_z + n_w))
    if lp.status != Status.OPTIMAL:
        return None
    return float(lp.objective)
