"""Lower bounds over every lot, known or not, for the generated path.

The Lagrangian bound ``z_LP + K * min(0, rc_lb)`` (K the most lots an optimal plan can
have, ``rc_lb`` a lower bound on every lot's reduced cost) and the LP with *relaxed lots*
(:func:`relaxed_bound`).  Both are valid for every plan; on large instances the first is
weak, the second strong.
"""

from __future__ import annotations


import networkx as nx
import numpy as np

from lotsplit.engine.highs import Effort, Status, solve_lp_sifted
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, row_scales, side_duals
from lotsplit.model.objective import access_chance


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

    Per bundle, lots split in two kinds.  A lot no local supplier can bid for earns no
    local bonus, and its admin cost is at least the fixed part plus the bids of the
    suppliers eligible for every lot (they reach every area, unlimited capacity) and the
    retender risk if every non-local supplier bid; its dual prize is at most the positive
    duals of one connected component.  A lot local supplier ``j`` can bid for lies inside
    ``j``'s reach, so its prize and local bonus are at most the positive terms there.
    ("Local" here: the suppliers whose access the objective weighs, ``objective.access``.)
    Every lot's value of competition is at most ``competition_rate`` × its annual value,
    counted as a bonus per area.
    """
    s, m = space.scenario, space.market
    obj, c = s.config.objective, s.config.costs
    n_cells = len(space.cells)
    y = side_duals(master, duals, n_cells)
    mu = y.get("lot count", 0.0)
    lam = max(0.0, y.get("local share target", 0.0))
    beta = min(0.0, y.get("admin budget", 0.0)) / row_scales(space)["admin budget"]
    total = space.total_annual_value or 1.0
    fixed = fewest_fixed_cost(space)
    cell_dual = np.zeros(m.demand.shape)
    cell_dual[space.cells[:, 0], space.cells[:, 1]] = duals[:n_cells]
    # What one unit of local-accessible annual value can lower a reduced cost by.
    per_local_value = lam / total
    if obj.kind == "weighted":
        per_local_value += 100.0 * obj.price_per_local_point / total
    if obj.kind == "max_local":
        per_local_value += 100.0 / total
    admin_weight = (0.0 if obj.kind == "max_local" else 1.0) - beta      # >= 0
    components = [np.array([m.area_position[a] for a in comp]) for comp in nx.connected_components(s.graph)]
    reach = ~m.not_reach.astype(bool)                  # areas × suppliers
    universal = reach.all(axis=0) & np.isinf(m.capacity) & np.isinf(m.turnover)
    singles = np.eye(len(m.area_ids), dtype=bool)
    rc_lb = np.inf
    bid_weight = _bid_floor_weight(space)
    cost_weight = 0.0 if obj.kind == "max_local" else 1.0
    for bundle in space.bundles:
        gi = m.group_index(bundle)
        offers = m.offers[:, gi].all(axis=1)
        base_bids = bid_weight * c.per_bid * m.propensity[offers & universal].sum()
        area_value = m.demand[:, gi].sum(axis=1)
        dual = cell_dual[:, gi].sum(axis=1) + cost_weight * m.competition_rate(bundle) * area_value
        # lots without a local bidder
        q = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        floor = admin_weight * (fixed + base_bids + c.retender * q)
        dual_non_local = cell_dual[:, gi].sum(axis=1) + cost_weight * m.competition_rate(
            bundle, among=~m.access) * area_value
        best = max(np.clip(dual_non_local[comp], 0, None).sum() for comp in components)
        rc_lb = min(rc_lb, floor - mu - best)
        # lots local supplier j can bid for
        local_single = access_chance(s, m.evaluate(singles, bundle))
        bonus = per_local_value * area_value * local_single
        for j in np.flatnonzero(offers & m.access):
            inside = reach[:, j]
            extra = 0.0 if universal[j] else bid_weight * c.per_bid * m.propensity[j]
            prize = np.clip(dual[inside] + bonus[inside], 0, None).sum()
            rc_lb = min(rc_lb, admin_weight * (fixed + base_bids + extra) - mu - prize)
    return float(z_lp + k_max * min(0.0, rc_lb))


RELAXED_MAX_VARIABLES = 400_000
"""The relaxed-lot bound is skipped (Lagrangian bound only) past this many variables."""


def relaxed_bound(space: LotSpace, master: Master, *, effort: Effort) -> float | None:
    """A lower bound over every lot, known or not: the LP of the master in which, besides
    the lots of ``master``, *relaxed lots* may be used.

    A relaxed lot ``z`` stands for every lot of one bundle inside one region with more
    areas than ``space.complete_size`` (the smaller lots are all columns already), at the
    least cost such a lot can have; it may cover any part ``w <= z`` of the region's cells.
    Per bundle the regions are each connected component (lots no local supplier can bid
    for: no local bonus, admin cost at least the fixed part, the bids of the suppliers
    eligible for every lot, and the retender risk if every non-local supplier bid) and
    each local supplier's reach (lots it can bid for lie inside it).  Each cell earns at
    most the local bonus and the value of competition of the suppliers that could be
    eligible for a lot that large holding its area (they reach enough areas, and have
    the capacity and turnover for the least value such a lot can have).  Every plan is a
    plan of this relaxed master with no higher cost, so its LP value bounds the true
    optimum from below.  Returns None when the relaxed master is too large or the user's
    time limit passes.
    """
    import scipy.sparse as sp

    s, m = space.scenario, space.market
    cfg, obj, c = s.config, s.config.objective, s.config.costs
    n_cells = len(space.cells)
    n_areas = len(m.area_ids)
    total = space.total_annual_value or 1.0
    names = master.names[n_cells:]
    row = {name: n_cells + i for i, name in enumerate(names)}
    cell_id = -np.ones(m.demand.shape, dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(n_cells)
    reach = ~m.not_reach.astype(bool)
    universal = reach.all(axis=0) & np.isinf(m.capacity) & np.isinf(m.turnover)
    fixed = fewest_fixed_cost(space)
    big = max(1, space.complete_size + 1 if not space.complete else n_areas + 1)
    components = [np.array(sorted(m.area_position[a] for a in comp)) for comp in nx.connected_components(s.graph)]
    components = [comp for comp in components if len(comp) >= big]
    bonus_price = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin_counts = obj.kind != "max_local"
    reach_count = reach.sum(axis=0)

    families = []    # (admin floor, areas, bundle index, local chance per area or None, most value, rate per area)
    if effort.out_of_time():
        return None
    bid_weight = _bid_floor_weight(space)
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        offers = m.offers[:, gi].all(axis=1)
        v = m.demand[:, gi].sum(axis=1)
        # the least value a lot of `big` areas holding area a can have
        smallest = np.sort(v)
        least = v + np.array([np.sort(np.delete(v, a))[:big - 1].sum() for a in range(n_areas)]) \
            if big > 1 else v
        if len(smallest) < big:
            continue
        able = (reach & offers[None, :] & (reach_count >= big)[None, :]
                & (m.capacity[None, :] >= least[:, None] - 1e-9)
                & (m.turnover[None, :] >= m.tau * least[:, None] - 1e-9))         # areas × suppliers
        rate = _rate(m, able)
        rate_other = _rate(m, able & ~m.access[None, :])
        local_able = (able & m.access[None, :]).astype(float)
        access_chance_big = np.where(local_able @ m.sure > 0, 1.0, 0.0 - np.expm1(local_able @ m.log_q))
        base = fixed + bid_weight * c.per_bid * m.propensity[offers & universal].sum()
        q_nonlocal = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        q_all = np.where(offers, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        for comp in components:
            families.append((base + c.retender * q_nonlocal, comp, b_idx, None, np.inf, rate_other))
        regions: dict[bytes, tuple[float, float]] = {}
        for j in np.flatnonzero(offers & m.access & (reach_count >= big)):
            key = reach[:, j].tobytes()
            extra = 0.0 if universal[j] else bid_weight * c.per_bid * m.propensity[j]
            most = min(m.capacity[j], m.turnover[j] / m.tau if m.tau > 0 else np.inf)    # j must stay eligible
            old_extra, old_most = regions.get(key, (np.inf, -np.inf))
            regions[key] = (min(old_extra, extra), max(old_most, most))
        for key, (extra, most) in regions.items():
            areas = np.flatnonzero(np.frombuffer(key, dtype=bool))
            families.append((base + extra + c.retender * q_all, areas, b_idx, access_chance_big, most, rate))
    if not families:
        lp = solve_lp_sifted(master, effort=effort)
        return float(lp.objective) if lp.status == Status.OPTIMAL else None

    # The relaxed cells w of every family, as flat arrays.
    w_cell, w_fam, w_value, w_local, w_rate = [], [], [], [], []
    for f, (_, areas, b_idx, local_single, _, rate) in enumerate(families):
        gi = m.group_index(space.bundles[b_idx])
        ids = cell_id[np.ix_(areas, gi)]
        a_pos, g_pos = np.nonzero((ids >= 0) & (ids < space.n_demand))     # relaxed lots cover demand
        w_cell.append(ids[a_pos, g_pos])
        w_fam.append(np.full(len(a_pos), f))
        w_rate.append(rate[areas[a_pos]])
        v = m.demand[areas[a_pos], np.asarray(gi)[g_pos]]
        w_value.append(v)
        w_local.append(np.zeros(len(a_pos)) if local_single is None else v * local_single[areas[a_pos]])
        if sum(len(x) for x in w_cell) + len(families) > RELAXED_MAX_VARIABLES:
            return None
        if effort.out_of_time():
            return None
    w_cell, w_fam = np.concatenate(w_cell).astype(np.int64), np.concatenate(w_fam).astype(np.int64)
    w_value, w_local, w_rate = np.concatenate(w_value), np.concatenate(w_local), np.concatenate(w_rate)
    n_w, n_z = len(w_cell), len(families)
    rules = cfg.rules
    floor = np.array([f[0] for f in families])
    most = np.array([min(f[4], rules.max_lot_value if rules.max_lot_value is not None else np.inf) for f in families])
    capped = np.flatnonzero(np.isfinite(most))
    n_pool, n_rows = master.matrix.shape[1], master.matrix.shape[0]
    link0 = n_rows                      # rows w_k - z_f(k) <= 0
    value0 = n_rows + n_w               # rows sum v w - most z <= 0, for capped families
    cap_row = -np.ones(n_z, dtype=np.int64)
    cap_row[capped] = value0 + np.arange(len(capped))
    total_rows = value0 + len(capped)
    # z columns: lot count, admin budget, link rows, value rows
    zr, zc, zv = [np.arange(0)], [np.arange(0)], [np.zeros(0)]
    for name, coef in (("lot count", np.ones(n_z)), ("admin budget", floor / row_scales(space)["admin budget"])):
        if name in row:
            zr.append(np.full(n_z, row[name])); zc.append(np.arange(n_z)); zv.append(coef)
    zr.append(link0 + np.arange(n_w)); zc.append(w_fam); zv.append(-np.ones(n_w))
    zr.append(cap_row[capped]); zc.append(capped); zv.append(-most[capped])
    Z = sp.csc_matrix((np.concatenate(zv), (np.concatenate(zr), np.concatenate(zc))), shape=(total_rows, n_z))
    # w columns: their cell, the local share row, their link row, their family's value row
    k = np.arange(n_w)
    wr, wc, wv = [w_cell, link0 + k], [k, k], [np.ones(n_w), np.ones(n_w)]
    if "local share target" in row:
        wr.append(np.full(n_w, row["local share target"])); wc.append(k); wv.append(w_local / total)
    has_cap = cap_row[w_fam] >= 0
    wr.append(cap_row[w_fam][has_cap]); wc.append(k[has_cap]); wv.append(w_value[has_cap])
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
