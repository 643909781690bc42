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
    """z_LP plus a lower bound on the reduced costs of the lots of any plan (both valid).

    The lots of ``master`` are priced as they are.  Every other lot is larger than
    ``space.complete_size`` and lies in one of the :func:`lot_families`: its reduced cost
    is at least its family's ``d`` (admin floor less the lot-count dual) less the prizes
    of its cells (their duals, value of competition and local bonus at the family's
    most).  Two lower bounds on a plan's sum of reduced costs follow:

    * ``K * min(0, rc_lb)``, ``K`` the most lots a plan may have and ``rc_lb`` the least
      reduced cost of any lot;
    * per cell, the least share of a lot's reduced cost it may carry — ``d / n - prize``
      (``n`` the family's cells) when ``d >= 0``, else ``d - prize`` — summed over cells
      where it is negative (the lots of a plan are disjoint), plus ``K * min(0, rc)`` of
      the master's lots.

    ("Local" here: the suppliers whose access the objective weighs, ``objective.access``.)
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
    cell_id = _cell_ids(space)
    # What one unit of local-accessible annual value can lower a reduced cost by.
    per_local_value = lam / total
    if obj.kind == "weighted":
        per_local_value += 100.0 * obj.price_per_local_point / total
    if obj.kind == "max_local":
        per_local_value += 100.0 / total
    admin_weight = (0.0 if obj.kind == "max_local" else 1.0) - beta      # >= 0
    cost_weight = 0.0 if obj.kind == "max_local" else 1.0
    rc = reduced_costs(master, duals)
    rc_pool = min(0.0, float(rc.min())) if len(rc) else 0.0
    rc_lb = rc_pool
    share = np.zeros(n_cells)
    for f in lot_families(space):
        gi = m.group_index(space.bundles[f.b_idx])
        ids = cell_id[np.ix_(f.areas, gi)]
        on = ids >= 0
        prize = cell_dual[np.ix_(f.areas, gi)] + ((cost_weight * f.rate + per_local_value * f.local)[:, None]
                                                  * m.demand[np.ix_(f.areas, gi)])
        d = admin_weight * f.floor - mu
        rc_lb = min(rc_lb, d - float(np.clip(prize[on], 0, None).sum()))
        np.minimum.at(share, ids[on], (d / max(1, int(on.sum())) if d >= 0 else d) - prize[on])
    return float(z_lp + max(k_max * min(0.0, rc_lb), k_max * rc_pool + float(share.sum())))


def _cell_ids(space: LotSpace) -> np.ndarray:
    """Areas × groups: the territory cell's row in the master, -1 where there is none."""
    cell_id = -np.ones(space.market.demand.shape, dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(len(space.cells))
    return cell_id


RELAXED_ITERATIONS = 30_000
"""Simplex iterations the relaxed-lot LP may take over all its rounds (a work budget; past
it the bound is the best Lagrangian bound of the rounds so far)."""
RELAXED_TAIL = 1e-5
"""The relaxed-lot generation ends when its Lagrangian bound is this close (relative) to
the LP's value: the last rounds of column generation gain little."""
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
    :func:`_coarse_families` are used instead.  Computed once per space (they depend on
    the market and ``complete_size`` only, not on the lots the pool gains)."""
    key = (space.complete, space.complete_size)
    cached = getattr(space, "_lot_families", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    families = _families_of(space)
    space._lot_families = (key, families)
    return families


def _families_of(space: LotSpace) -> list[Family]:
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


def relaxed_bound(space: LotSpace, master: Master, *, effort: Effort, k_max: int | None = None,
                  target: float = np.inf) -> float | None:
    """A lower bound over every lot, known or not: the LP of the master in which, besides
    the lots of ``master``, *relaxed lots* may be used.

    Every lot outside the pool is in one of the :func:`lot_families`.  A relaxed lot of a
    family costs its admin floor and covers any fractional part ``w`` of the family's
    cells, each earning its most value of competition and local bonus, with the covered
    value between the family's least and most lot value.  Every plan is a plan of this
    relaxed master with no higher cost, so its LP value bounds the true optimum from below.

    The relaxed lots are generated, not listed (Dantzig–Wolfe): a family's relaxed lots
    form a cone whose edges are the vertices of ``{w in [0, 1]^cells : least <= v·w <=
    most}``, and the best edge against the duals is a fractional knapsack (cells by reduced
    cost per unit of value, :func:`_best_relaxed_lot`).  So the LP keeps the master's rows,
    and the pool's lots and the families' relaxed lots join it by sifting until neither
    prices out.  On the way, each round's Lagrangian bounds are valid too (as in
    :func:`lagrangian_bound`: ``LP + k_max · min(0, rc)``, ``k_max`` the most lots a plan
    may have and ``rc`` the least reduced cost of a relaxed lot, or LP plus the cells'
    least shares; the pool prices out): the generation ends early once it reaches
    ``target`` (the plan to prove) or comes within ``RELAXED_TAIL`` of the LP's value.
    Returns the best of these bounds, or None when the user's time limit passes first
    (``RELAXED_ITERATIONS`` bounds the work).
    """
    import scipy.sparse as sp

    s, m = space.scenario, space.market
    obj = s.config.objective
    n_cells = len(space.cells)
    n_rows = master.matrix.shape[0]
    total = space.total_annual_value or 1.0
    row = {name: n_cells + i for i, name in enumerate(master.names[n_cells:])}
    if effort.out_of_time():
        return None
    families = lot_families(space)
    if not families:
        lp = solve_lp_sifted(master, effort=effort)
        return float(lp.objective) if lp.status == Status.OPTIMAL else None

    cell_id = _cell_ids(space)
    bonus_price = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin_counts = obj.kind != "max_local"
    admin_scale = row_scales(space)["admin budget"]
    local_row = row.get("local share target")
    # Per family: its demand cells, their value, cost and local-share coefficient when covered.
    fam = []
    for f in families:
        gi = m.group_index(space.bundles[f.b_idx])
        ids = cell_id[np.ix_(f.areas, gi)]
        a_pos, g_pos = np.nonzero((ids >= 0) & (ids < space.n_demand))     # relaxed lots cover demand
        v = m.demand[f.areas[a_pos], np.asarray(gi)[g_pos]]
        local = v * f.local[a_pos]
        cost = -bonus_price * local - (f.rate[a_pos] * v if admin_counts else 0.0)
        fam.append((ids[a_pos, g_pos], v, cost, local / total))
    # The z part of every relaxed lot: its cost and its entries outside the cells.
    z_cost = np.array([f.floor if admin_counts else 0.0 for f in families])
    z_rows = [(row[name], coef) for name, coef in (("lot count", lambda f: 1.0),
                                                   ("admin budget", lambda f: f.floor / admin_scale)) if name in row]

    best, early = -np.inf, False
    scale_of_costs = max(1.0, float(np.abs(master.cost).max())) if len(master.cost) else 1.0

    def oracle(y: np.ndarray, value: float):
        """The best relaxed lot of every family whose reduced cost is negative (none once
        the Lagrangian bound is good enough)."""
        nonlocal best, early
        costs, entries, least_rc = [], [], 0.0
        share = np.zeros(n_cells)            # as in lagrangian_bound: per cell, its least share
        for f, z, (cells, v, cost, local) in zip(families, z_cost, fam):
            d = cost - y[cells] - (y[local_row] * local if local_row is not None else 0.0)
            d_z = z - sum(y[r] * coef(f) for r, coef in z_rows)
            np.minimum.at(share, cells, d + (d_z / max(1, len(cells)) if d_z >= 0 else d_z))
            w = _best_relaxed_lot(d, v, f.least, f.most)
            rc = np.inf if w is None else d_z + float(d @ w)
            if rc >= -1e-9 * max(1.0, abs(d_z)):
                continue
            least_rc = min(least_rc, rc)
            on = np.flatnonzero(w > 0)
            col = [(cells[on], w[on])] + [(np.array([r]), np.array([coef(f)])) for r, coef in z_rows]
            if local_row is not None:
                col.append((np.array([local_row]), np.array([float(local[on] @ w[on])])))
            costs.append(z + float(cost[on] @ w[on]))
            entries.append(col)
        if k_max is not None and costs:
            pool = -k_max * 1e-9 * scale_of_costs          # the pool prices out, to sifting's tolerance
            best = max(best, value + k_max * least_rc, value + pool + float(share.sum()))
            if best >= target or value - best <= RELAXED_TAIL * max(1.0, abs(value)):
                early = True
                return np.zeros(0), sp.csc_matrix((n_rows, 0))
        rows = [r for col in entries for r, _ in col]
        vals = [x for col in entries for _, x in col]
        which = [np.full(sum(len(r) for r, _ in col), k) for k, col in enumerate(entries)]
        if not costs:
            return np.zeros(0), sp.csc_matrix((n_rows, 0))
        return np.array(costs), sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(which))),
                                              shape=(n_rows, len(costs)))

    lp = solve_lp_sifted(master, effort=effort, oracle=oracle, iterations=RELAXED_ITERATIONS)
    if lp.status != Status.OPTIMAL:
        return best if np.isfinite(best) else None       # the work budget ran out: the best Lagrangian bound
    return best if early else max(best, float(lp.objective))


def _best_relaxed_lot(d: np.ndarray, v: np.ndarray, least: float, most: float) -> np.ndarray | None:
    """The w in [0, 1]^cells with least <= v·w <= most that minimises d·w (a fractional
    knapsack: cells by d per unit of value, the cheapest first, until the value reaches
    ``least`` and on while they pay, up to ``most``); None when even every cell falls
    short of ``least``."""
    if float(v.sum()) < least - 1e-9:
        return None
    order = np.lexsort((np.arange(len(d)), d / np.maximum(v, 1e-300)))
    w = np.zeros(len(d))
    filled = 0.0
    for k in order:
        if filled >= least - 1e-9 and (d[k] >= 0 or filled >= most - 1e-9):
            break
        take = 1.0 if v[k] <= 0 else min(1.0, (most - filled) / v[k])
        w[k] = take
        filled += take * v[k]
    return w
