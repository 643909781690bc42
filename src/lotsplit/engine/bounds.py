"""Lower bounds over every lot, known or not, for the generated path.

The Lagrangian bound ``z_LP + K * min(0, rc_lb)`` (K the most lots an optimal plan can
have, ``rc_lb`` a lower bound on every lot's reduced cost) and the LP with *relaxed lots*
(:func:`relaxed_bound`), tightened by cuts that keep a relaxed lot connected.  Both price
the lots outside the pool through their :mod:`~lotsplit.engine.families` and are valid for
every plan; on large instances the first is weak, the second strong.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lotsplit.engine.families import Family, fewest_fixed_cost, lot_families, outside_size
from lotsplit.engine.highs import Effort, lp_bound
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, row_scales, side_duals


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


RELAXED_ITERATIONS = 200_000
"""Simplex iterations (or, for large LPs, a hundredth as many interior point iterations)
the LP with relaxed lots may take: a work budget; past it the bound is that of the duals
so far."""
RELAXED_INTERIOR_ROWS = 60_000
"""LPs with relaxed lots with more rows than this are solved by the interior point method
(grids, one thread, undominated families: 290 × 8 (48 586 rows) by the dual simplex with
cuts; 290 × 12 (84 311) interior point 24 s, the dual simplex with its cuts not done after
15 minutes; before
the dominated families were left out, 290 × 12 had 136 020 rows and took 62 s)."""


def relaxed_bound(space: LotSpace, master: Master, *, effort: Effort, k_max: int | None = None,
                  best: float | None = None) -> tuple[float | None, list[tuple[int, np.ndarray]]]:
    """A lower bound over every lot, known or not: the LP of the master in which, besides
    the lots of ``master``, *relaxed lots* may be used (:func:`relaxed_master`).  Every
    plan is a plan of the relaxed master with no higher cost, so the LP's value bounds the
    optimum.  Separator cuts (:func:`separator_cuts`) then keep each relaxed lot in one
    piece, within ``CUT_ROUNDS`` and ``CUT_WORK``.  The bound returned is the Lagrangian
    value of the duals HiGHS ends with (``highs.dual_bound``), valid however the LP solve
    ended.  ``k_max``: the most lots of an optimal plan (:func:`max_lots_in_plan`);
    ``best``: the best plan's objective (the cuts stop when they close too little of the
    gap to it).  The bound is None when the user's time limit passed before HiGHS had
    duals (``RELAXED_ITERATIONS`` bounds the work).

    Also returns the lots the LP's relaxed lots suggest, as ``(bundle index, area mask)``:
    per family in use, the connected pieces of the areas it holds most of (the pricing of
    the pool's lots never grows lots that large)."""
    if effort.out_of_time():
        return None, []
    relaxed, upper, layout = relaxed_master(space, master, k_max=k_max)
    interior = relaxed.matrix.shape[0] > RELAXED_INTERIOR_ROWS
    bound, r = lp_bound(relaxed, upper, effort=effort, interior=interior,
                        iterations=max(1, RELAXED_ITERATIONS // 100) if interior else RELAXED_ITERATIONS,
                        cuts=lambda x: separator_cuts(space, layout, x), rounds=CUT_ROUNDS, stall=CUT_STALL,
                        cut_work=CUT_WORK, target=best)
    return bound, ([] if r.x is None else _suggested_lots(space, layout, r.x))


CUT_ROUNDS = 40
"""Rounds of separator cuts (:func:`separator_cuts`) the LP with relaxed lots may take, each
solved again from the last basis (on 40 × 4, 12 rounds in 1 s took the gap to the plan
from 0.64 % to 0.15 %).  Not after the interior point method: without a basis each round
would be a solve from scratch."""
CUT_STALL = 0.05
"""The cuts stop when a round closes less than this share of the gap between the bound and
the best plan (on 100 × 12 a round took 10-13 s of the 120 s and closed 1-2 % of it; on
40 × 4 a round takes 0.1 s and closes 5-15 %.  Waiting for two small rounds in a row took
40 × 12 from 26 s to 97 s for 1.51 % → 1.49 %)."""
CUT_WORK = 1.0
"""The rounds of cuts together take at most this many times the simplex iterations of the
first solve (a work budget: on 100 × 8 unbounded rounds took 40 × 2.5 s after a 4.7 s
solve; within the budget 7 rounds raise the bound by 0.47 % of the plan)."""


def separator_cuts(space: LotSpace, layout, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows that keep a relaxed lot connected, violated by the LP's ``x``.

    A relaxed lot may hold two pieces that do not touch, and pay one admin floor for both.
    For areas ``a`` and ``b`` of a family and a set ``S`` of its areas that every path
    between them inside the family crosses, every connected lot holding ``a`` and ``b``
    holds an area of ``S``, so ``u_a + u_b - z <= Σ_S u`` (homogeneous: it holds for the
    sum of a family's lots too).  Per relaxed lot in use, per two pieces of the areas it
    holds (``P`` and ``Q``), ``a`` and ``b`` the most held areas of each and ``S`` the
    areas with demand next to ``P`` or to the areas without demand reachable from ``P``
    through areas without demand (every path leaving ``P`` enters ``S`` first)."""
    m = space.market
    adjacency = sp.csr_matrix(m.adjacency)
    near = m.adjacency.astype(bool)
    out = []
    for f, z, u, held in layout:
        if x[z] <= 1e-9:
            continue
        share = x[u] / x[z]
        slot = -np.ones(len(m.area_ids), dtype=np.int64)
        slot[f.areas[held]] = np.arange(len(held))
        in_family = np.zeros(len(m.area_ids), dtype=bool)
        in_family[f.areas] = True
        connector = in_family & (slot < 0)
        mask = np.zeros(len(m.area_ids), dtype=bool)
        mask[f.areas[held[share > 1e-6]]] = True
        pieces = _pieces(adjacency, mask)
        if len(pieces) < 2:
            continue
        for i, p in enumerate(pieces):
            reach = p.copy()
            while True:                      # P and the connectors it reaches through connectors
                grown = reach | (near[reach].any(axis=0) & connector)
                if (grown == reach).all():
                    break
                reach = grown
            sep = slot[np.flatnonzero(near[reach].any(axis=0) & in_family & ~p & (slot >= 0))]
            a = max(slot[p], key=lambda k: x[u[k]])
            for q in pieces[i + 1:]:
                b = max(slot[q], key=lambda k: x[u[k]])
                if b in sep or x[u[a]] + x[u[b]] - x[z] - x[u[sep]].sum() <= 1e-6 * x[z]:
                    continue
                out.append((np.r_[u[a], u[b], z, u[sep]], np.r_[1.0, 1.0, -1.0, -np.ones(len(sep))]))
    return out


def _pieces(adjacency: sp.csr_matrix, mask: np.ndarray) -> list[np.ndarray]:
    """The connected pieces of the areas of ``mask``, as masks."""
    from scipy.sparse.csgraph import connected_components

    inside = np.flatnonzero(mask)
    if not len(inside):
        return []
    _, label = connected_components(adjacency[inside][:, inside], directed=False)
    out = []
    for k in range(label.max() + 1):
        piece = np.zeros(len(mask), dtype=bool)
        piece[inside[label == k]] = True
        out.append(piece)
    return out


SUGGEST_SHARES = (0.9, 0.6, 0.3)
"""Shares of a relaxed lot's count at which its areas are read as a lot (more lots to try
at the lower ones)."""


def _suggested_lots(space: LotSpace, layout, x: np.ndarray) -> list[tuple[int, np.ndarray]]:
    m = space.market
    big = outside_size(space)
    adjacency = sp.csr_matrix(m.adjacency)
    out, seen = [], set()
    for f, z, u, held in layout:
        if x[z] <= 1e-6:
            continue
        share = x[u] / x[z]
        for t in SUGGEST_SHARES:
            chosen = f.areas[held[share >= t]]
            mask = np.zeros(len(m.area_ids), dtype=bool)
            mask[chosen] = True
            for piece in _pieces(adjacency, mask):
                key = (f.b_idx, piece.tobytes())
                if piece.sum() >= big and key not in seen:
                    seen.add(key)
                    out.append((f.b_idx, piece))
    return out


def relaxed_master(space: LotSpace, master: Master, *, k_max: int | None = None) -> tuple[Master, np.ndarray, list]:
    """The master with the relaxed lots of every family, every column's upper bound, and
    per family its columns: ``(family, z column, u columns, area positions in the family)``.

    A relaxed lot of a family costs the family's admin floor and may hold any fractional
    part of each of the family's areas (all its bundle's cells of that area at once), each
    earning its most value of competition and local bonus, with the value held between the
    family's least and most lot value.  Written compactly (the cone of the relaxed lots,
    no column generation): per family a count ``z`` (at most the lots of the family a plan
    can hold) and per area a share ``u <= z``, with ``least·z <= Σ v·u <= most·z``, at
    least the fewest areas a lot has (``Σ u >= fewest·z``) and next to each area's share as
    much of its neighbours' (``u_a <= Σ_{b next to a} u_b``: a lot is connected); ``u``
    covers the area's cells, ``z`` enters the lot count and the admin budget at the floor.
    Rows a relaxed lot would only loosen (the small-lots exemption, lots per tenderer) get
    nothing.
    """
    s, m = space.scenario, space.market
    obj = s.config.objective
    n_cells, n_rows = len(space.cells), master.matrix.shape[0]
    total = space.total_annual_value or 1.0
    row = {name: n_cells + i for i, name in enumerate(master.names[n_cells:])}
    cell_id = _cell_ids(space)
    bonus_price = {"weighted": 100.0 * obj.price_per_local_point / total, "max_local": 100.0 / total}.get(obj.kind, 0.0)
    admin_counts = obj.kind != "max_local"
    admin_scale = row_scales(space)["admin budget"]
    big = outside_size(space)
    r_idx, c_idx, vals, cost, upper, lo, hi = [], [], [], [], [], [], []
    col, extra = len(master.cost), n_rows
    layout = []

    def put(rows, cols, values):
        r_idx.append(np.broadcast_to(rows, np.shape(values)).ravel())
        c_idx.append(np.broadcast_to(cols, np.shape(values)).ravel())
        vals.append(np.ravel(values))

    for f in lot_families(space):
        gi = m.group_index(space.bundles[f.b_idx])
        ids = cell_id[np.ix_(f.areas, gi)]
        a_pos, g_pos = np.nonzero((ids >= 0) & (ids < space.n_demand))     # relaxed lots cover demand
        if not len(a_pos):
            continue
        held, slot = np.unique(a_pos, return_inverse=True)     # the family's areas with demand
        k = len(held)
        v = m.demand[f.areas[a_pos], np.asarray(gi)[g_pos]]
        area_v = np.bincount(slot, v, minlength=k)
        most_lots = _most_lots(f, k, area_v, big, k_max)
        if most_lots < 1:
            continue
        z, u = col, col + 1 + np.arange(k)
        layout.append((f, z, u, held))
        col += 1 + k
        local = np.bincount(slot, v * f.local[a_pos], minlength=k)
        cost += [f.floor if admin_counts else 0.0]
        cost += list(-bonus_price * local - (np.bincount(slot, f.rate[a_pos] * v, minlength=k) if admin_counts else 0.0))
        upper += [most_lots] + [1.0] * k
        put(ids[a_pos, g_pos], u[slot], np.ones(len(slot)))
        if "lot count" in row:
            put(row["lot count"], z, [1.0])
        if "admin budget" in row:
            put(row["admin budget"], z, [f.floor / admin_scale])
        if "local share target" in row:
            put(row["local share target"], u, local / total)
        put(extra + np.arange(k), u, np.ones(k))                 # u - z <= 0
        put(extra + np.arange(k), z, -np.ones(k))
        lo += [-np.inf] * k
        hi += [0.0] * k
        extra += k
        # A connected lot of at least `big` areas holds at least `big` less the family's areas
        # without demand of its areas with demand, and next to each of them another one
        # (unless a connector without demand is next to it).
        fewest = big - (len(f.areas) - k)
        if fewest >= 2:
            put(extra, u, np.ones(k))
            put(extra, z, [-float(fewest)])
            lo.append(0.0)
            hi.append(np.inf)
            extra += 1
        adj = m.adjacency[np.ix_(f.areas[held], f.areas)].astype(bool)
        connector = adj[:, np.setdiff1d(np.arange(len(f.areas)), held)].any(axis=1)
        near = adj[:, held]
        for i in np.flatnonzero(~connector):
            put(extra, u[[i]], [1.0])
            put(extra, u[near[i]], -np.ones(int(near[i].sum())))
            lo.append(-np.inf)
            hi.append(0.0)
            extra += 1
        unit = 1.0 / max(1.0, float(area_v.max()), f.least)     # value rows scaled to about 1
        for bound, sign in ((f.least, 1.0), (f.most, -1.0)):    # least·z <= v·u <= most·z
            if np.isfinite(bound) and (sign < 0 or bound > 0):
                put(extra, u, sign * unit * area_v)
                put(extra, z, [-sign * unit * bound])
                lo.append(0.0)
                hi.append(np.inf)
                extra += 1
    n_new = col - len(master.cost)
    if not n_new:
        return master, np.ones(len(master.cost)), layout
    side = sp.csc_matrix((np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx) - len(master.cost))),
                         shape=(extra, n_new))
    grown = sp.vstack([master.matrix, sp.csc_matrix((extra - n_rows, master.matrix.shape[1]))]).tocsc()
    relaxed = Master(np.r_[master.cost, cost], sp.hstack([grown, side]).tocsc(), np.r_[master.row_lo, lo],
                     np.r_[master.row_hi, hi], master.names + [f"relaxed {i}" for i in range(extra - n_rows)])
    return relaxed, np.r_[np.ones(len(master.cost)), upper], layout


def _most_lots(f: Family, k: int, area_v: np.ndarray, big: int, k_max: int | None) -> float:
    """The most lots of family ``f`` a plan can hold: they are disjoint in the bundle's cells,
    so in the ``k`` areas with demand (each lot has at least ``big`` areas, all with demand
    but the family's areas without), and each is worth at least the family's least value."""
    most = k // max(1, big - (len(f.areas) - k))
    if f.least > 0:
        most = min(most, int(np.floor(float(area_v.sum()) / f.least + 1e-9)))
    return float(most if k_max is None else min(most, k_max))
