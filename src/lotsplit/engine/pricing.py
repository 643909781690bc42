"""Column generation for scenarios with too many connected area sets to enumerate.

The pool starts with every lot of up to the largest size that fits the column budget
(``model.lot_space``).  Each round solves the LP master over the pool (by sifting), reads
the duals and grows new lots greedily from seed areas, for every bundle at once: a lot
takes the neighbouring area that lowers its reduced cost most, keeps growing while it is
below ``min_lot_value``, and every lot met on the way with a negative reduced cost joins
the pool.  When the pool cannot yet cover every cell, the LP's phase I duals guide the
growth towards the uncovered cells.

Pricing by growth is a heuristic; :func:`price_by_enumeration` is exact (it visits every
lot of the enumeration, streamed, within a work budget).  The bounds are in ``bounds``.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from lotsplit.engine.highs import SIFT_ABOVE, Effort, RawResult, Status, solve_lp_sifted
from lotsplit.model import rules as lot_rules
from lotsplit.model.lots import Columns, LotSpace, boundary_km, build_columns, count_area_sets, stream_area_sets
from lotsplit.model.master import build_master, row_scales, side_duals
from lotsplit.model.objective import LotArrays, access_chance, lot_objective_terms


MAX_ROUNDS = 60
"""Rounds of dual-guided pricing at most (a work limit)."""
STALL = 5e-4
"""Pricing stops when a round lowers the pool's LP by less than this share of its value:
the lots it still finds barely move the bound, and the MIP over the pool needs the time
(100 × 12 grid: the LP fell 0.8 % in the second round, 0.05 % in the fifth, 0.01 % in
the tenth, while each round re-solves an LP of 80 000-90 000 lots)."""
NEW_CELLS_PER_ROUND = 300_000
"""Matrix entries (lots × their cells) that may join the pool per round."""
SEEDS_PER_BUNDLE = 64
"""Seed areas per bundle and round (those with the highest dual prize, rotating)."""


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
                                                met.competition_value, boundary_km(s, m, sets)))
    dual = sets.astype(float) @ cell_dual[:, gi].sum(axis=1)
    rc = cost - dual - side.get("lot count", 0.0)
    rc -= side.get("local share target", 0.0) * met.value * access_chance(s, met) / total
    rc -= side.get("admin budget", 0.0) * met.admin_cost / row_scales(space)["admin budget"]
    batch = lot_rules.LotBatch(s, m, tuple(bundle), sets, met)
    ok, alive = lot_rules.verdict(batch)
    return rc, ok, alive, met.value


def grow_lots(space: LotSpace, cell_dual: np.ndarray, side: dict[str, float], seen: set, *,
              phase_one: bool, effort: Effort, round_no: int = 0) -> list[tuple[float, int, np.ndarray]]:
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
        if effort.out_of_time():
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
            if not active.any() or effort.out_of_time():
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


def over_pool(lp: RawResult | None, space: LotSpace) -> bool:
    """``lp`` is a solved LP over every lot of the pool as it is now."""
    return lp is not None and lp.status == Status.OPTIMAL and lp.x is not None and len(lp.x) == len(space.columns)


def generate_columns(space: LotSpace, *, effort: Effort, rounds: int = MAX_ROUNDS,
                     lp: RawResult | None = None) -> RawResult:
    """Grow the pool until pricing finds nothing, or the pool's LP stalls (``STALL``), or
    after ``rounds`` rounds (work limits), or at the user's time limit.  Each round solves
    the pool's LP whole when it fits (``highs.SIFT_ABOVE``: warm sifting from the last
    round's lots re-solved the working set by simplex, 3-10× slower on 100 × 12).  Returns
    the last LP over the pool, with ``.master`` set: when pricing found nothing after it
    or stalled, it is the LP over the final pool and its duals price the whole space in
    ``lagrangian_bound``.  ``lp``: the pool's LP when the caller solved it (the first round's,
    when it is over every lot of the pool)."""

    m = space.market
    seen = pool_keys(space)
    n_cells = len(space.cells)
    add_whole_components(space, seen)
    given = lp
    lp = RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "no LP solved")
    prev = None
    for round_no in range(rounds):
        if effort.out_of_time():
            break
        master = build_master(space)
        start = None
        if prev is not None and prev.x is not None and len(space.columns) > SIFT_ABOVE:
            # warm: last LP's lots, the new lots and the pool's best by the last duals
            old = len(prev.x)
            rc_old = prev.master.cost - prev.master.matrix.T @ prev.duals
            best_old = np.argsort(rc_old, kind="stable")[:max(1000, 2 * n_cells)]
            start = np.union1d(np.union1d(np.flatnonzero(prev.x > 1e-9), best_old), np.arange(old, len(space.columns)))
        if round_no == 0 and over_pool(given, space):
            lp = given
        else:
            lp = solve_lp_sifted(master, effort=effort, elastic_duals=True, start=start)
        lp.master = master
        if lp.duals is None:
            break
        if lp.status == Status.OPTIMAL and prev is not None and \
                prev.objective - lp.objective < STALL * max(1.0, abs(lp.objective)):
            break                                   # stalled
        prev = lp if lp.status == Status.OPTIMAL else None
        phase_one = lp.status == Status.INFEASIBLE
        cell_dual = np.zeros(m.demand.shape)
        cell_dual[space.cells[:, 0], space.cells[:, 1]] = lp.duals[:n_cells]
        new = grow_lots(space, cell_dual, side_duals(master, lp.duals, n_cells), seen, phase_one=phase_one,
                        effort=effort, round_no=round_no)
        if not new:
            break
        new.sort(key=lambda t: t[0])
        # at most ~NEW_CELLS_PER_ROUND matrix entries (lots × their cells) join per round
        cells_each = np.array([mask.sum() * len(space.bundles[b]) for _, b, mask in new])
        cap = max(1, min(max(2000, 10 * n_cells), int(np.searchsorted(np.cumsum(cells_each), NEW_CELLS_PER_ROUND))))
        for _, b, mask in new[cap:]:
            seen.discard((b, mask.tobytes()))      # may be found again in a later round
        add_lots(space, [(b, mask) for _, b, mask in new[:cap]])
    return lp


def add_lots(space: LotSpace, lots: list[tuple[int, np.ndarray]], seen: set | None = None) -> int:
    """Append the lots ``(bundle index, area mask)`` that are valid (the rules, checked by
    ``build_columns``) and, with ``seen`` (:func:`pool_keys`), not in the pool yet;
    returns how many joined."""
    if seen is not None:
        lots = [(b, mask) for b, mask in lots if (b, mask.tobytes()) not in seen]
        seen.update((b, mask.tobytes()) for b, mask in lots)
    parts = []
    for b_idx in sorted({b for b, _ in lots}):
        sets = np.array([mask for b, mask in lots if b == b_idx], dtype=bool)
        cols, _ = build_columns(space.scenario, space.market, [space.bundles[b_idx]], sets)
        cols.bundle_index[:] = b_idx
        cols.set_index = cols.set_index + len(space.area_sets)
        space.area_sets = np.vstack([space.area_sets, sets])
        parts.append(cols)
    if parts:
        space.columns = Columns.concat([space.columns, *parts])
    return sum(len(c) for c in parts)


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


STREAM_LOTS = 4_000_000
"""Lots (area sets × bundles) one pass of exact pricing may visit: a work budget, not a
clock.  When the scenario has more, the search uses greedy pricing and the bounds."""


def streamable(space: LotSpace, budget: int | None = None) -> bool:
    """Whether every lot of the scenario fits one pass of exact pricing (the connected area
    sets counted up to ``budget`` lots, default ``STREAM_LOTS``)."""
    limit = (STREAM_LOTS if budget is None else budget) // max(1, len(space.bundles))
    return count_area_sets(space.scenario, space.market, space.bundles, limit=limit) is not None


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
                         phase_one: bool = False, effort: Effort | None = None,
                         budget: int | None = None) -> Priced | None:
    """Exact pricing: every lot of the scenario (the enumeration of ``model``, streamed, so
    the lots are never all kept), its reduced cost against the master's ``duals``, and the
    lots whose reduced cost is below ``threshold`` (at most ``max_new`` of them, lowest
    first; lots already in the pool are skipped).  ``phase_one``: reduced costs of the
    phase I LP (every lot costs 0).  None when the enumeration passes ``budget`` sets.
    """

    s, m = space.scenario, space.market
    pool = pool_keys(space, exempt=True)
    keep_cols: list[Columns] = []
    keep_sets: list[np.ndarray] = []
    keep_rc: list[np.ndarray] = []
    min_rc, visited, kept, truncated = np.inf, 0, 0, False
    for sets in stream_area_sets(s, m, space.bundles):
        visited += len(sets)
        if visited * len(space.bundles) > (STREAM_LOTS if budget is None else budget) or \
                (effort is not None and effort.out_of_time()):
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
