"""Column generation for scenarios with too many connected area sets to enumerate.

The pool starts with every lot of up to the largest size that fits the column budget
(``model.lot_space``).  Each round solves the LP master over the pool (by sifting), reads
the duals and grows new lots greedily from seed areas, for every bundle at once: a lot
takes the neighbouring area that lowers its reduced cost most, keeps growing while it is
below ``min_lot_value``, and every lot met on the way with a negative reduced cost joins
the pool.  When the pool cannot yet cover every cell, the LP's phase I duals guide the
growth towards the uncovered cells.

Pricing is a heuristic, so the LP value over the pool is not a bound by itself; the bound
reported is the Lagrangian bound

    z_LP + K * min(0, a lower bound on the least reduced cost of any lot)

with K the most lots an optimal plan can have (from the lot-count rule and from the best
plan's cost: every lot costs at least its fixed admin cost) and the reduced-cost lower
bound relaxing a lot's cost to its fixed part and its local bonus to the sum, over its
areas, of what the area would bring as a lot of its own (a lot's local chance never
exceeds that of any of its single areas: growing a lot only removes eligible suppliers).
It is valid and honest about how much is unknown; on large instances it is weak.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import networkx as nx
import numpy as np

from lotsplit import rules as lot_rules
from lotsplit.model import Columns, LotSpace, _boundary_km, build_columns
from lotsplit.plan import LotArrays, access_chance, lot_objective_terms
from lotsplit.solvers import Master, RawResult, Status, solve_lp_sifted

MAX_ROUNDS = 60
NEW_CELLS_PER_ROUND = 300_000
GROW_SECONDS = 30.0
"""Time box of one pricing round without a time limit (with one: 15 % of the time left)."""
SEEDS_PER_BUNDLE = 64
"""Seed areas per bundle and round (those with the highest dual prize, rotating)."""


def _side_duals(master: Master, duals: np.ndarray, n_cells: int) -> dict[str, float]:
    return dict(zip(master.names[n_cells:], duals[n_cells:]))


def lot_reduced_costs(space: LotSpace, b_idx: int, sets: np.ndarray, cell_dual: np.ndarray, side: dict[str, float],
                      *, phase_one: bool = False, reaches: np.ndarray | None = None):
    """Reduced cost of each area set × bundle ``b_idx`` (non-exempt lot) and whether it is
    a valid lot (``ok``) and whether it can still become one by growing (``alive``)."""
    s, m = space.scenario, space.market
    bundle = space.bundles[b_idx]
    gi = m.group_index(bundle)
    met = m.evaluate(sets, bundle, reaches=reaches)
    total = space.total_annual_value or 1.0
    if phase_one:
        cost = np.zeros(len(sets))
    else:
        cost = lot_objective_terms(s, LotArrays(met.value, met.local_chance, met.sme_chance, met.admin_cost,
                                                met.competition_value, _boundary_km(s, m, sets)))
    dual = sets.astype(float) @ cell_dual[:, gi].sum(axis=1)
    rc = cost - dual - side.get("lot count", 0.0)
    rc -= side.get("local share target", 0.0) * met.value * access_chance(s, met) / total
    rc -= side.get("admin budget", 0.0) * met.admin_cost
    batch = lot_rules.LotBatch(s, m, tuple(bundle), sets, met)
    ok, alive = lot_rules.verdict(batch)
    return rc, ok, alive, met.value


def grow_lots(space: LotSpace, cell_dual: np.ndarray, side: dict[str, float], seen: set, *,
              phase_one: bool, deadline: float | None, round_no: int = 0) -> list[tuple[float, int, np.ndarray]]:
    """Greedy dual-guided growth from seed areas, every bundle: the new lots met on the
    way with a negative reduced cost, as (reduced cost, bundle index, area mask)."""
    s, m = space.scenario, space.market
    n = len(m.area_ids)
    adj = np.zeros((n, n), dtype=np.float32)
    for a, b in s.graph.edges():
        adj[m.area_position[a], m.area_position[b]] = adj[m.area_position[b], m.area_position[a]] = 1.0
    reach_area = ~m.not_reach.astype(bool)                 # areas × suppliers
    min_value = s.config.rules.min_lot_value
    found: list[tuple[float, int, np.ndarray]] = []
    n_b = len(space.bundles)
    for b_idx in np.roll(np.arange(n_b), -round_no * max(1, n_b // 4)):       # a time box leaves others for later
        b_idx = int(b_idx)
        bundle = space.bundles[b_idx]
        if deadline is not None and time.perf_counter() > deadline:
            break
        gi = m.group_index(bundle)
        prize = cell_dual[:, gi].sum(axis=1)
        candidates = np.flatnonzero(m.demand[:, gi].sum(axis=1) > 0)
        if not len(candidates):
            continue
        ranked = candidates[np.argsort(-prize[candidates], kind="stable")]
        k = min(len(ranked), SEEDS_PER_BUNDLE)
        start = (round_no * k) % len(ranked) if len(ranked) > k else 0
        seeds = np.roll(ranked, -start)[:k] if round_no % 2 else ranked[:k]
        cur = np.zeros((len(seeds), n), dtype=bool)
        cur[np.arange(len(seeds)), seeds] = True
        reach = reach_area[seeds].copy()
        rc, ok, alive, value = lot_reduced_costs(space, b_idx, cur, cell_dual, side, phase_one=phase_one,
                                                 reaches=reach)
        active = alive.copy()
        best = rc.copy()
        _collect(b_idx, cur, rc, ok, seen, found)
        for _ in range(n - 1):
            if not active.any() or (deadline is not None and time.perf_counter() > deadline):
                break
            nbr = ((cur.astype(np.float32) @ adj) > 0.5) & ~cur & active[:, None]
            rows, cols = np.nonzero(nbr)
            if not len(rows):
                break
            cand = cur[rows]
            cand[np.arange(len(rows)), cols] = True
            c_reach = reach[rows] & reach_area[cols]
            c_rc, c_ok, c_alive, c_value = lot_reduced_costs(space, b_idx, cand, cell_dual, side,
                                                             phase_one=phase_one, reaches=c_reach)
            _collect(b_idx, cand, c_rc, c_ok, seen, found)
            score = np.where(c_alive, c_rc, np.inf)
            best_before = best.copy()
            # the best extension of each seed
            order = np.lexsort((score, rows))
            pick = order[np.r_[0, np.flatnonzero(np.diff(rows[order])) + 1]]
            seed_of = rows[pick]
            grow = np.isfinite(score[pick]) & ((score[pick] < best[seed_of] - 1e-9) | (value[seed_of] < min_value))
            new_active = np.zeros(len(cur), dtype=bool)
            new_active[seed_of[grow]] = True
            take = pick[grow]
            cur[seed_of[grow]] = cand[take]
            reach[seed_of[grow]] = c_reach[take]
            best[seed_of[grow]] = score[take]
            value[seed_of[grow]] = c_value[take]
            active &= new_active
            # Big lots grow faster: every area whose own addition improved the lot joins at
            # once, when the union is better still (one step instead of one per area).
            improving = np.isfinite(score) & (score < best_before[rows] - 1e-9)
            if improving.sum() > len(np.unique(rows[improving])):
                union = cur.copy()
                union[rows[improving], cols[improving]] = True
                more = np.flatnonzero((union != cur).any(axis=1) & active)
                if len(more):
                    u_reach = m.reaches_all(union[more])
                    u_rc, u_ok, u_alive, u_value = lot_reduced_costs(space, b_idx, union[more], cell_dual, side,
                                                                     phase_one=phase_one, reaches=u_reach)
                    _collect(b_idx, union[more], u_rc, u_ok, seen, found)
                    better = u_alive & (u_rc < best[more] - 1e-9)
                    sel = more[better]
                    cur[sel] = union[sel]
                    reach[sel] = u_reach[better]
                    best[sel] = u_rc[better]
                    value[sel] = u_value[better]
    return found


def _collect(b_idx: int, sets: np.ndarray, rc: np.ndarray, ok: np.ndarray, seen: set, found: list) -> None:
    for i in np.flatnonzero(ok & (rc < -1e-7)):
        key = (b_idx, sets[i].tobytes())
        if key not in seen:
            seen.add(key)
            found.append((float(rc[i]), b_idx, sets[i].copy()))


def pool_keys(space: LotSpace, *, exempt: bool = False) -> set:
    """Keys of the pool's lots: (bundle, area set bytes), with ``exempt`` also whether it
    is the small-lots-exemption variant."""
    cols = space.columns
    if exempt:
        return {(int(b), bool(e), space.area_sets[i].tobytes())
                for i, b, e in zip(cols.set_index, cols.bundle_index, cols.exempt)}
    return {(int(b), space.area_sets[i].tobytes()) for i, b in zip(cols.set_index, cols.bundle_index)}


def generate_columns(space: LotSpace, *, deadline: float | None, threads: int = 1) -> RawResult:
    """Grow the pool until pricing finds nothing (or the deadline).  Returns the last LP
    over the pool, with ``.master`` set: when pricing found nothing after it, it is the LP
    over the final pool and its duals price the whole space in ``lagrangian_bound``."""
    from lotsplit.solve import build_master

    s, m = space.scenario, space.market
    seen = pool_keys(space)
    n_cells = len(space.cells)
    add_whole_components(space, seen)
    lp = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "no LP solved")
    prev = None
    for round_no in range(MAX_ROUNDS):
        if deadline is not None and time.perf_counter() > deadline:
            break
        master = build_master(space)
        start = None
        if prev is not None and prev.x is not None:
            # warm: last LP's lots, the new lots and the pool's best by the last duals
            old = len(prev.x)
            rc_old = prev.master.cost - prev.master.matrix.T @ prev.duals
            best_old = np.argsort(rc_old, kind="stable")[:max(1000, 2 * n_cells)]
            start = np.union1d(np.union1d(np.flatnonzero(prev.x > 1e-9), best_old), np.arange(old, len(space.columns)))
        lp = solve_lp_sifted(master, deadline=deadline, threads=threads, elastic_duals=True, start=start)
        lp.master = master
        prev = lp if lp.status == Status.OPTIMAL else None
        if lp.duals is None:
            break
        phase_one = lp.status == Status.INFEASIBLE
        cell_dual = np.zeros(m.demand.shape)
        cell_dual[space.cells[:, 0], space.cells[:, 1]] = lp.duals[:n_cells]
        now = time.perf_counter()
        box = now + GROW_SECONDS if deadline is None else min(deadline, now + max(2.0, 0.15 * (deadline - now)))
        new = grow_lots(space, cell_dual, _side_duals(master, lp.duals, n_cells), seen, phase_one=phase_one,
                        deadline=box, round_no=round_no)
        if not new:
            lp.final = True       # pricing finds nothing more (in phase I: cells stay uncovered)
            break
        new.sort(key=lambda t: t[0])
        # at most ~NEW_CELLS_PER_ROUND matrix entries (lots × their cells) join per round
        cells_each = np.array([mask.sum() * len(space.bundles[b]) for _, b, mask in new])
        cap = max(1, min(max(2000, 10 * n_cells), int(np.searchsorted(np.cumsum(cells_each), NEW_CELLS_PER_ROUND))))
        for _, b, mask in new[cap:]:
            seen.discard((b, mask.tobytes()))      # may be found again in a later round
        new = new[:cap]
        parts = []
        for b_idx in sorted({b for _, b, _ in new}):
            sets = np.array([mask for _, b, mask in new if b == b_idx], dtype=bool)
            cols, _ = build_columns(s, m, [space.bundles[b_idx]], sets)
            cols.bundle_index[:] = b_idx
            cols.set_index = cols.set_index + len(space.area_sets)
            space.area_sets = np.vstack([space.area_sets, sets])
            parts.append(cols)
        space.columns = Columns.concat([space.columns, *parts])
    return lp


def add_whole_components(space: LotSpace, seen: set) -> None:
    """Every bundle over every whole connected component joins the pool (when it is a
    valid lot): the few large lots the enumeration of small ones never reaches, and the
    simple plans (one lot per group, one lot) a planner would compare against."""
    s, m = space.scenario, space.market
    comps = [m.mask(comp) for comp in nx.connected_components(s.graph)]
    sets = np.array(comps, dtype=bool)
    parts = []
    for b_idx, bundle in enumerate(space.bundles):
        fresh = [i for i in range(len(sets)) if (b_idx, sets[i].tobytes()) not in seen]
        if not fresh:
            continue
        cols, _ = build_columns(s, m, [bundle], sets[fresh])
        if not len(cols):
            continue
        for i in np.asarray(fresh)[np.unique(cols.set_index)]:
            seen.add((b_idx, sets[i].tobytes()))
        cols.bundle_index[:] = b_idx
        cols.set_index = np.asarray(fresh)[cols.set_index] + len(space.area_sets)
        parts.append(cols)
    if parts:
        space.area_sets = np.vstack([space.area_sets, sets])
        space.columns = Columns.concat([space.columns, *parts])


def _bid_floor_weight(space: LotSpace) -> float:
    """1 when every expected bid of a lot costs ``per_bid`` for sure, else 0: with the value
    of competition on, bids beyond the worthwhile number cost nothing, so the bids of the
    suppliers eligible for every lot are no safe floor."""
    return 0.0 if space.market.spread > 0 else 1.0


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
    cfg, obj, c = s.config, s.config.objective, s.config.costs
    n_cells = len(space.cells)
    y = _side_duals(master, duals, n_cells)
    mu = y.get("lot count", 0.0)
    lam = max(0.0, y.get("local share target", 0.0))
    beta = min(0.0, y.get("admin budget", 0.0))
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
        dual = cell_dual[:, gi].sum(axis=1) + cost_weight * m.competition_rate(offers) * area_value
        # lots without a local bidder
        q = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        floor = admin_weight * (fixed + base_bids + c.retender * q)
        best = max(np.clip(dual[comp], 0, None).sum() for comp in components)
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


def relaxed_bound(space: LotSpace, master: Master, *, deadline: float | None, threads: int = 1) -> float | None:
    """A lower bound over every lot, known or not: the LP of the master in which, besides
    the generated lots, *relaxed lots* may be used.

    A relaxed lot ``z`` stands for every lot of one bundle inside one region, at the least
    cost such a lot can have; it may cover any part ``w <= z`` of the region's cells.  Per
    bundle the regions are each connected component (lots no local supplier can bid for:
    no local bonus, admin cost at least the fixed part, the bids of the suppliers eligible
    for every lot, and the retender risk if every non-local supplier bid) and each local
    supplier's reach (lots it can bid for lie inside it; each area's local bonus is at
    most what it earns as a lot of its own).  Every plan is a plan of this relaxed master
    with no higher cost, so its LP value bounds the true optimum from below.  Returns None
    when the relaxed master is too large or its LP does not finish in time.
    """
    import scipy.sparse as sp

    s, m = space.scenario, space.market
    cfg, obj, c = s.config, s.config.objective, s.config.costs
    n_cells = len(space.cells)
    total = space.total_annual_value or 1.0
    names = master.names[n_cells:]
    row = {name: n_cells + i for i, name in enumerate(names)}
    cell_id = -np.ones(m.demand.shape, dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(n_cells)
    reach = ~m.not_reach.astype(bool)
    universal = reach.all(axis=0) & np.isinf(m.capacity) & np.isinf(m.turnover)
    fixed = fewest_fixed_cost(space)
    singles = np.eye(len(m.area_ids), dtype=bool)
    components = [np.array(sorted(m.area_position[a] for a in comp)) for comp in nx.connected_components(s.graph)]
    bonus_price = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin_counts = obj.kind != "max_local"

    families = []    # (admin floor, areas, bundle index, local chance per area or None, most value)
    if deadline is not None and time.perf_counter() > deadline:
        return None
    bid_weight = _bid_floor_weight(space)
    rate = np.zeros(len(space.bundles))      # most value of competition per unit of annual value
    for b_idx, bundle in enumerate(space.bundles):
        gi = m.group_index(bundle)
        offers = m.offers[:, gi].all(axis=1)
        rate[b_idx] = m.competition_rate(offers)
        base = fixed + bid_weight * c.per_bid * m.propensity[offers & universal].sum()
        q_nonlocal = np.where(offers & ~m.access, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        q_all = np.where(offers, 1.0 - np.minimum(m.propensity, 1.0), 1.0).prod()
        for comp in components:
            families.append((base + c.retender * q_nonlocal, comp, b_idx, None, np.inf))
        local_single = access_chance(s, m.evaluate(singles, bundle))
        regions: dict[bytes, tuple[float, float]] = {}
        for j in np.flatnonzero(offers & m.access):
            key = reach[:, j].tobytes()
            extra = 0.0 if universal[j] else bid_weight * c.per_bid * m.propensity[j]
            most = min(m.capacity[j], m.turnover[j] / m.tau if m.tau > 0 else np.inf)    # j must stay eligible
            old_extra, old_most = regions.get(key, (np.inf, -np.inf))
            regions[key] = (min(old_extra, extra), max(old_most, most))
        for key, (extra, most) in regions.items():
            areas = np.flatnonzero(np.frombuffer(key, dtype=bool))
            families.append((base + extra + c.retender * q_all, areas, b_idx, local_single, most))

    # The relaxed cells w of every family, as flat arrays.
    w_cell, w_fam, w_value, w_local, w_rate = [], [], [], [], []
    for f, (_, areas, b_idx, local_single, _) in enumerate(families):
        gi = m.group_index(space.bundles[b_idx])
        ids = cell_id[np.ix_(areas, gi)]
        a_pos, g_pos = np.nonzero((ids >= 0) & (ids < space.n_demand))     # relaxed lots cover demand
        w_cell.append(ids[a_pos, g_pos])
        w_fam.append(np.full(len(a_pos), f))
        w_rate.append(np.full(len(a_pos), rate[b_idx]))
        v = m.demand[areas[a_pos], np.asarray(gi)[g_pos]]
        w_value.append(v)
        w_local.append(np.zeros(len(a_pos)) if local_single is None else v * local_single[areas[a_pos]])
        if sum(len(x) for x in w_cell) + len(families) > RELAXED_MAX_VARIABLES:
            return None
        if deadline is not None and time.perf_counter() > deadline:
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
    for name, coef in (("lot count", np.ones(n_z)), ("admin budget", floor)):
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
    lp = solve_lp_sifted(relaxed, deadline=deadline, threads=threads,
                         start=np.arange(n_pool, n_pool + n_z + n_w))
    if lp.status != Status.OPTIMAL:
        return None
    return float(lp.objective)


# --------------------------------------------------------------------------- exact pricing

STREAM_SETS = 3_000_000
"""Area sets one pass of exact pricing may visit (a work budget, not a clock): past it the
search falls back to greedy pricing and the bounds."""


@dataclass
class Priced:
    """What one pass over every lot found: the lots below the reduced-cost threshold (as
    columns over ``sets``), the least reduced cost of any lot, and the lots visited."""

    columns: Columns
    sets: np.ndarray
    min_rc: float
    visited: int
    truncated: bool
    """More lots were below the threshold than ``max_new``: only the lowest were kept."""


def price_by_enumeration(space: LotSpace, duals: np.ndarray, *, threshold: float = -1e-7, max_new: int = 20_000,
                         phase_one: bool = False, budget: int = STREAM_SETS) -> Priced | None:
    """Exact pricing: every lot of the scenario (the enumeration of ``model``, streamed, so
    the lots are never all kept), its reduced cost against the master's ``duals``, and the
    lots whose reduced cost is below ``threshold`` (at most ``max_new`` of them, lowest
    first; lots already in the pool are skipped).  ``phase_one``: reduced costs of the
    phase I LP (every lot costs 0).  None when the enumeration passes ``budget`` sets.
    """
    from lotsplit.model import stream_area_sets
    from lotsplit.solve import build_master

    s, m = space.scenario, space.market
    pool = pool_keys(space, exempt=True)
    keep_cols: list[Columns] = []
    keep_sets: list[np.ndarray] = []
    keep_rc: list[np.ndarray] = []
    min_rc, visited, kept, truncated = np.inf, 0, 0, False
    for sets in stream_area_sets(s, m, space.bundles):
        visited += len(sets)
        if visited > budget:
            return None
        cols, _ = build_columns(s, m, space.bundles, sets)
        if not len(cols):
            continue
        mm = build_master(space, cols, area_sets=sets)
        cost = np.zeros(len(cols)) if phase_one else mm.cost
        rc = cost - mm.matrix.T @ duals
        min_rc = min(min_rc, float(rc.min()))
        below = np.flatnonzero(rc < threshold)
        if len(below):
            fresh = [i for i in below if (int(cols.bundle_index[i]), bool(cols.exempt[i]),
                                          sets[cols.set_index[i]].tobytes()) not in pool]
            if fresh:
                fresh = np.asarray(fresh)
                sel = cols.take(fresh)
                keep_sets.append(sets[sel.set_index])       # one row per column kept
                sel.set_index = np.arange(len(sel))
                keep_cols.append(sel)
                keep_rc.append(rc[fresh])
                kept += len(fresh)
        if kept > 2 * max_new:          # trim as it goes, so memory stays bounded
            keep_cols, keep_sets, keep_rc, kept = _lowest(keep_cols, keep_sets, keep_rc, max_new)
            truncated = True
    if kept > max_new:
        truncated = True
    keep_cols, keep_sets, keep_rc, kept = _lowest(keep_cols, keep_sets, keep_rc, max_new)
    n_a = len(m.area_ids)
    if not keep_cols:
        return Priced(build_columns(s, m, space.bundles, np.zeros((0, n_a), bool))[0], np.zeros((0, n_a), bool),
                      min_rc, visited, truncated)
    cols, sets = keep_cols[0], keep_sets[0]
    return Priced(cols, sets, min_rc, visited, truncated)


def _lowest(cols_parts, sets_parts, rc_parts, k: int):
    """The ``k`` lowest reduced-cost columns of the parts, as one part whose columns
    point into their own (deduplicated) sets."""
    if not cols_parts:
        return [], [], [], 0
    rc = np.concatenate(rc_parts)
    sets = np.vstack(sets_parts)                       # row i is the set of column i
    cols = Columns.concat(cols_parts)
    order = np.sort(np.argsort(rc, kind="stable")[:k])
    cols, sets, rc = cols.take(order), sets[order], rc[order]
    cols.set_index = np.arange(len(cols))
    return [cols], [sets], [rc], len(cols)


def add_columns(space: LotSpace, priced: Priced) -> int:
    """Append the priced lots to the pool; returns how many."""
    if not len(priced.columns):
        return 0
    cols = priced.columns.take(np.arange(len(priced.columns)))
    cols.set_index = cols.set_index + len(space.area_sets)
    space.area_sets = np.vstack([space.area_sets, priced.sets])
    space.columns = Columns.concat([space.columns, cols])
    return len(cols)
