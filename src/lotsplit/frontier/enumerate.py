"""Every non-dominated plan inside a proven hull edge, by enumeration of the plans whose
reduced costs fit under the edge (step 3 of the frontier's method)."""

from __future__ import annotations

import sys

import numpy as np

from lotsplit.frontier.master import FrontierMaster


def enumerate_edge(m: FrontierMaster, a, b, mu: float, lp_w: float, rc: np.ndarray,
                   node_budget: int) -> list[np.ndarray] | None:
    """Every non-dominated plan strictly inside the hull edge (a, b), by enumeration.

    A plan x strictly inside the edge and not dominated by the points found so far lies in
    a box  cost < C_{i+1}, local > L_i  of two consecutive points, so its weighted value
    cost - mu*local is below  C_{i+1} - mu*L_i;  it is at least the weighted LP bound plus
    the sum of its lots' reduced costs (all >= 0).  Depth-first search over exact covers
    of the cells (branching on the cell with the fewest candidate lots) prunes a partial
    plan when no box can hold it: the rest of the cells add at least, per cell, the least
    reduced cost / cost per cell and at most the most local value per cell of any lot over
    it.  Of two partial plans over the same cells, the one with higher cost and lower
    local share (and no less room under the plan-level rules) is dropped.  Returns the
    plans (sorted by local share), or None when the search exceeds ``node_budget`` steps
    (a work limit: nodes and candidate lots looked at) or the user's time limit passes.
    """
    n_cells = m.n_cells
    front = [(a.cost, a.local), (b.cost, b.local)]
    tol_c = 1e-9 * max(1.0, abs(b.cost)) + 1e-6

    def boxes():
        return [(front[i + 1][0], front[i][1], front[i + 1][0] - mu * front[i][1] - lp_w)
                for i in range(len(front) - 1)]

    bx = boxes()
    budget = max(z for _, _, z in bx) + tol_c
    cand = np.flatnonzero(rc <= budget)
    if len(cand) == 0:
        return []
    sub = m.A[:, cand].tocsc()
    cell_part = [sub.indices[sub.indptr[k]:sub.indptr[k + 1]] for k in range(len(cand))]
    territory = [c[c < n_cells] for c in cell_part]            # no two lots may share one
    # the cells with demand are the ones to cover; bounds are spread over them alone
    cell_part = [c[m.cover_lo[c] > 0.5] for c in territory]
    size = np.array([max(1, len(c)) for c in cell_part], dtype=float)
    rc_c, cost_c, local_c = rc[cand], m.cost[cand], m.local[cand]
    # Plan-level rows (lot count, small-lots cap): activity only grows with more lots.
    n_side = m.n_side
    side = m.A[n_cells:m.local_row][:, cand].toarray() if n_side else np.zeros((0, len(cand)))
    side_lo, side_hi = m.lo[n_cells:m.local_row], m.hi[n_cells:m.local_row]
    exact_rows = np.isfinite(side_lo) & (side_lo > 0)
    # Per-cell bounds on what covering a cell can add.
    rc_cell = np.full(n_cells, np.inf)
    cost_cell = np.full(n_cells, np.inf)
    local_cell = np.zeros(n_cells)
    must = m.cover_lo > 0.5
    rc_cell[~must] = cost_cell[~must] = 0.0
    for k, cells in enumerate(cell_part):
        rc_cell[cells] = np.minimum(rc_cell[cells], rc_c[k] / size[k])
        cost_cell[cells] = np.minimum(cost_cell[cells], cost_c[k] / size[k])
        local_cell[cells] = np.maximum(local_cell[cells], local_c[k] / size[k])
    if not np.isfinite(rc_cell).all():
        return []                     # some cell has no candidate lot: no plan inside the edge
    s_rc = [float(rc_cell[c].sum()) for c in cell_part]
    s_cost = [float(cost_cell[c].sum()) for c in cell_part]
    s_local = [float(local_cell[c].sum()) for c in cell_part]
    by_cell: list[list[int]] = [[] for _ in range(n_cells)]
    for k in np.argsort(rc_c, kind="stable"):
        for i in cell_part[k]:
            by_cell[i].append(int(k))
    # Branch on the cell with the fewest candidate lots: bit r of a mask is the cell of
    # rank r in that order (cells with demand first), so the next cell to cover is the
    # lowest bit not yet set; the other territory cells only block overlaps.
    cell_order = sorted(range(n_cells), key=lambda i: (not must[i], len(by_cell[i])))
    rank = {cell: r for r, cell in enumerate(cell_order)}
    masks = [sum(1 << rank[int(i)] for i in cells) for cells in territory]
    by_rank = [by_cell[cell] for cell in cell_order]
    RC, COST, LOCAL = rc_c.tolist(), cost_c.tolist(), local_c.tolist()
    SIDE = [tuple(side[:, k]) for k in range(len(cand))]
    full = (1 << int(must.sum())) - 1
    memo: dict = {}
    found: dict[tuple, list[int]] = {}
    state = {"nodes": 0, "bx": bx, "budget": budget}
    chosen: list[int] = []

    def accept(c: float, l: float, act) -> None:
        if not (a.local + 1e-9 < l < b.local - 1e-9 and c < b.cost - tol_c):
            return
        if any(act[r] < side_lo[r] - 1e-9 for r in range(n_side)):
            return
        for fc, fl in front:
            if fc <= c + tol_c and fl >= l - 1e-12:
                return
        keep = [(fc, fl) for fc, fl in front if not (c <= fc + tol_c and l >= fl - 1e-12)]
        front[:] = sorted(keep + [(c, l)], key=lambda x: x[1])
        for key in [k for k in found if not any(abs(k[0] - fc) <= tol_c and abs(k[1] - fl) <= 1e-12
                                                for fc, fl in front)]:
            del found[key]
        found[(c, l)] = list(chosen)
        state["bx"] = boxes()
        state["budget"] = max(z for _, _, z in state["bx"]) + tol_c

    class _Stop(Exception):
        pass

    def dfs(covered: int, r: float, c: float, l: float, rest_rc: float, rest_c: float, rest_l: float, act) -> None:
        state["nodes"] += 1
        if state["nodes"] > node_budget:
            raise _Stop
        if state["nodes"] % 20000 == 0 and m.out_of_time():
            raise _Stop
        if covered & full == full:
            accept(c, l, act)
            return
        for cb, lb_, zb in state["bx"]:
            if c + rest_c < cb - tol_c and l + rest_l > lb_ + 1e-12 and r + rest_rc < zb + tol_c:
                break
        else:
            return                     # no box can hold a completion of this partial plan
        key = (covered, tuple(act[r_] for r_ in range(n_side) if exact_rows[r_])) if n_side else covered
        seen = memo.get(key)
        if seen is not None:
            for mc, ml, ma in seen:
                if mc <= c + 1e-9 and ml >= l - 1e-12 and all(ma[r_] <= act[r_] + 1e-9 for r_ in range(n_side)):
                    return
            if len(seen) < 64:
                seen.append((c, l, act))
        elif len(memo) < 2_000_000:
            memo[key] = [(c, l, act)]
        budget_now = state["budget"]
        for k in by_rank[(~covered & (covered + 1)).bit_length() - 1]:
            state["nodes"] += 1        # each lot looked at is work too (Dalarna: 1 100 per node)
            rk = RC[k]
            if r + rk > budget_now:
                break
            if masks[k] & covered or r + rk + rest_rc - s_rc[k] > budget_now:
                continue
            act2 = act
            if n_side:
                act2 = tuple(act[r_] + SIDE[k][r_] for r_ in range(n_side))
                if any(act2[r_] > side_hi[r_] + 1e-9 for r_ in range(n_side)):
                    continue
            chosen.append(int(cand[k]))
            dfs(covered | masks[k], r + rk, c + COST[k], l + LOCAL[k], rest_rc - s_rc[k], rest_c - s_cost[k],
                rest_l - s_local[k], act2)
            chosen.pop()

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 4 * n_cells + 1000))
    try:
        dfs(0, 0.0, 0.0, 0.0, float(rc_cell.sum()), float(cost_cell.sum()), float(local_cell.sum()),
            tuple([0.0] * n_side))
    except _Stop:
        return None
    finally:
        sys.setrecursionlimit(old_limit)
    return [np.array(sorted(found[k]), dtype=np.int64) for k in sorted(found, key=lambda k: k[1])]
