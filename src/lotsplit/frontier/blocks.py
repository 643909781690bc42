"""Product groups that no lot can mix form independent blocks: each block's frontier is
computed on its own and the frontiers combined (a combination is non-dominated only if
each part is non-dominated in its block).  When the lot count ties the blocks
(``shared_lots_frontier``), a block's part of a frontier plan is on the block's frontier
under a cap on its lots, and the caps add up to at most the lot count."""

from __future__ import annotations

import numpy as np

from lotsplit.frontier.master import FrontierMaster
from lotsplit.frontier.plans import Infeasible, OutOfTime, Plan, non_dominated
from lotsplit.frontier.result import Note


def independent_blocks(m: FrontierMaster, *, tied: bool = False) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Columns and cells of each block of product groups that no lot can mix (different
    bundling families, or bundling "none"), when no plan-level row (lot count, small-lots
    cap) ties them together (``tied``: even then); None otherwise or when there is one block."""
    space = m.space
    if (m.n_side and not tied) or not space.complete:
        return None
    parent: dict[str, str] = {}

    def find(g: str) -> str:
        while parent.setdefault(g, g) != g:
            g = parent[g]
        return g

    for bundle in space.bundles:
        for g in bundle[1:]:
            parent[find(g)] = find(bundle[0])
    groups = sorted({g for b in space.bundles for g in b})
    roots = sorted({find(g) for g in groups})
    if len(roots) < 2:
        return None
    market = space.market
    out = []
    for root in roots:
        members = {g for g in groups if find(g) == root}
        b_idx = [i for i, b in enumerate(space.bundles) if set(b) <= members]
        cols = np.flatnonzero(np.isin(space.columns.bundle_index, b_idx))
        gi = set(market.group_index(sorted(members)))
        cells = np.flatnonzero([g in gi for _, g in space.cells])
        out.append((cols, cells))
    return out


def block_frontier(m: FrontierMaster, blocks, **search) -> tuple[list[Plan], bool]:
    """Each block's frontier, combined: a plan is one plan per block, its cost and local
    share the sums.  A combination is non-dominated only if each part is non-dominated in
    its block, so the combined frontier is exact when every block's frontier is."""
    combined = [(0.0, 0.0, (), True)]
    complete = True
    for cols, cells in blocks:
        sub = m.block(cols, cells)
        from lotsplit.frontier.search import Explorer      # the search runs on each block

        explorer = Explorer(sub, **search)
        complete &= explorer.run()
        parts = [(sub.col_map[p.cols], p.cost, p.local, p.proven) for p in explorer.frontier()]
        sums = [(c + pc, l + pl, chosen + (pcols,), ok and pok)
                for c, l, chosen, ok in combined for pcols, pc, pl, pok in parts]
        combined = non_dominated_sums(sums)
    how = Note("fb_blocks", (("n", len(blocks)),))
    out = []
    for _, _, chosen, ok in combined:
        cols = np.concatenate(chosen)
        c, l = m.point(cols)            # the exact sums (same columns, one addition order)
        proven = ok and complete
        out.append(Plan(cols, c, l, proven, c if proven else None, how))
    return non_dominated(out), complete


def non_dominated_sums(items: list[tuple]) -> list[tuple]:
    """Non-dominated (cost, local, …) tuples, sorted by local share."""
    items = sorted(items, key=lambda t: (-t[1], t[0]))
    out: list[tuple] = []
    for t in items:
        if out and abs(out[-1][1] - t[1]) <= 1e-9:
            if t[0] < out[-1][0] - 1e-9 * max(1.0, abs(out[-1][0])):
                out[-1] = t
            continue
        if not out or t[0] < out[-1][0] - 1e-9 * max(1.0, abs(out[-1][0])):
            out.append(t)
    return out[::-1]


# --------------------------------------------------------------------------- blocks tied by the lot count

MAX_STATES = 200_000
"""Partial sums kept by the lot-sharing combination before it gives up (a work limit;
the frontier then searches the whole master)."""


class _Capped:
    """One block of a frontier whose blocks share a lot count: its frontier under each cap
    on its lots that was searched, and bounds for the caps that were not."""

    def __init__(self, m: FrontierMaster, cols: np.ndarray, cells: np.ndarray, search: dict):
        self.m, self.cols, self.cells, self.search = m, cols, cells, search
        self.plans: dict[bytes, tuple[int, float, float, np.ndarray, bool]] = {}
        """Every plan of the block's searched frontiers: (lots, cost, local, columns of m, proven)."""
        self.stairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        """cap -> the proven frontier (costs, local shares) of the plans with at most cap lots."""
        self.lp: dict[int, tuple[float, float]] = {}
        """cap -> the LP's least cost and most local share under that cap."""
        self.most = 0
        """The lots of the largest plan on the block's own frontier (no cap): a larger cap
        changes nothing."""
        self.complete = True
        self.tried: set[int | None] = set()
        """Caps searched (a search a limit stopped leaves no frontier for its cap)."""

    def explore(self, cap: int | None) -> None:
        """The block's frontier with at most ``cap`` lots (None: no cap)."""
        from lotsplit.frontier.search import Explorer      # the search runs on each block

        self.tried.add(cap)
        sub = self.m.block(self.cols, self.cells, most_lots=cap)
        explorer = Explorer(sub, **self.search)
        try:
            done = explorer.run()
        except (Infeasible, OutOfTime) as exc:
            if cap is None:
                raise
            if isinstance(exc, Infeasible):
                self.stairs[cap] = (np.empty(0), np.empty(0))  # no plan with so few lots
            else:
                self.complete = False
            return
        self.complete &= done
        found = explorer.frontier()
        for p in found:
            cols = np.sort(sub.col_map[p.cols])
            self.plans.setdefault(cols.tobytes(), (len(cols), p.cost, p.local, cols, p.proven))
        if cap is None:
            self.most = max(len(p.cols) for p in found)
        if done:
            self.stairs[self.most if cap is None else cap] = (np.array([p.cost for p in found]),
                                                               np.array([p.local for p in found]))

    def bound_caps(self, effort) -> None:
        """The LP bounds under every cap below ``most``, each LP warm-started from the one
        with one lot more: one model for the least cost, one for the most local share."""
        import highspy

        from lotsplit.engine.highs import Termination, highs_lp, new_highs, run

        sub = self.m.block(self.cols, self.cells, most_lots=self.most)
        values: dict[int, list[float]] = {}
        for sign, obj in ((1.0, sub.cost), (-1.0, -sub.local)):
            scale = max(1.0, float(np.abs(obj).max()))     # HiGHS: duals near 1
            h = new_highs(effort.threads, seed=effort.seed)
            h.passModel(highs_lp(obj / scale, sub.A[:sub.local_row], sub.lo[:sub.local_row],
                                 sub.hi[:sub.local_row], upper=1.0))
            for cap in range(self.most - 1, 0, -1):
                h.changeRowBounds(sub.n_cells, -highspy.kHighsInf, float(cap))
                r = run(h, effort=effort)
                if r.termination == Termination.INFEASIBLE:
                    values.setdefault(cap, []).append(sign * np.inf)
                    break
                if r.termination != Termination.OPTIMAL:
                    return
                values.setdefault(cap, []).append(sign * r.objective * scale)
        self.lp = {cap: (v[0], v[1]) for cap, v in values.items() if len(v) == 2}

    def bound(self, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """Points that match or beat every plan of the block with at most ``cap`` lots:
        the frontier of the nearest searched cap above (a plan with fewer lots is one with
        at most that many), each point no cheaper and no more local than the LP under
        ``cap`` allows."""
        if cap in self.stairs:
            return self.stairs[cap]
        above = min((k for k in self.stairs if k > cap), default=None)
        if above is None:
            return np.array([-np.inf]), np.array([np.inf])
        c, l_ = self.stairs[above]
        lc, ll = self.lp.get(cap, (-np.inf, np.inf))
        if lc == np.inf:
            return np.empty(0), np.empty(0)                    # the LP says: no plan with so few lots
        c, l_ = np.maximum(c, lc - 1e-9 * max(1.0, abs(lc))), np.minimum(l_, ll + 1e-9)
        keep = _pareto(c, l_)
        return c[keep], l_[keep]

    def options(self, *, bounds: bool):
        """(lots, cost, local) of every plan found; ``bounds``: also the bound points of
        each cap not searched."""
        out = [(k, c, l_) for k, c, l_, _, _ in self.plans.values()]
        if bounds:
            for k in range(1, self.most):
                if k not in self.stairs:
                    out += [(k, c, l_) for c, l_ in zip(*self.bound(k))]
        return out


def shared_lots_frontier(m: FrontierMaster, blocks, **search) -> tuple[list[Plan], bool] | None:
    """The frontier of blocks tied only by the lot count (at most ``max_lots`` in all).

    A plan whose part in block ``b`` has ``k`` lots is matched or beaten by a plan whose
    part is on the block's frontier under the cap ``k``.  So the frontier is a combination
    of the blocks' frontiers under caps whose sum keeps the lot count, found by dynamic
    programming over the blocks.  A cap of a block is searched only while some
    combination through it could be on the frontier: with the others at their searched
    plans or their bounds, a point that no combination found matches (a cap's bound: the
    frontier of the nearest searched cap above it, no cheaper and no more local than the
    cap's LP allows).
    Returns None when the lot count has a floor above the blocks' number or the
    combination grows past ``MAX_STATES``."""
    row = m.n_cells
    most, least = m.hi[row], m.lo[row]
    if least > len(blocks) or not np.isfinite(most):
        return None
    parts = [_Capped(m, cols, cells, search) for cols, cells in blocks]
    for part in parts:
        part.explore(None)
    if sum(part.most for part in parts) > most:
        for part in parts:
            part.bound_caps(m.effort)
    most = int(min(most, sum(part.most for part in parts)))
    while True:
        found = _combine([part.options(bounds=False) for part in parts], most, tags=True)
        if found is None:
            return None
        costs, locals_, choice = found
        todo = _caps_to_search(parts, most, costs, locals_)
        if todo is None:
            return None
        if not todo or m.out_of_time():
            break
        b, cap = todo[0]
        parts[b].explore(cap)
    complete = not todo and all(part.complete for part in parts)
    if len(choice) == 0:
        if complete:
            raise Infeasible                   # no combination keeps the lot count
        raise OutOfTime("a plan that keeps the lot count")
    plans = [list(part.plans.values()) for part in parts]
    # every plan is matched or beaten by a combination of plans found and bounds
    bounds = None if complete else _combine([part.options(bounds=True) for part in parts], most, tags=False)
    out = []
    for row_choice in choice:
        chosen = [plans[b][i] for b, i in enumerate(row_choice)]
        cols = np.concatenate([p[3] for p in chosen])
        c, l_ = m.point(cols)
        proven = complete and all(p[4] for p in chosen)
        bound = c
        if not proven:
            bc, bl = bounds[most] if bounds is not None else (np.empty(0), np.empty(0))
            reach = bc[bl >= l_ - 1e-9]
            bound = min(c, float(reach.min())) if len(reach) and np.isfinite(reach.min()) else None
        out.append(Plan(cols, c, l_, proven, bound,
                        Note("fb_shared_lots", (("n", len(blocks)),))))
    return non_dominated(out), complete


def _caps_to_search(parts: list[_Capped], most: int, costs, locals_) -> list[tuple[int, int]] | None:
    """The (block, cap) pairs not searched through which a combination might reach a point
    that no found combination matches; the most promising first (the cheapest and the most
    local combinations through them, in turn)."""
    todo = []
    for b, part in enumerate(parts):
        caps = [k for k in range(1, min(part.most, most + 1)) if k not in part.tried]
        if not caps:
            continue
        others = _combine([p.options(bounds=True) for i, p in enumerate(parts) if i != b], most, tags=False)
        if others is None:
            return None
        for cap in caps:
            c, l_ = part.bound(cap)
            oc, ol = others[most - cap]
            if len(c) and len(oc):
                c, l_ = (c[:, None] + oc).ravel(), (l_[:, None] + ol).ravel()
                if not (len(costs) and _matched(c, l_, costs, locals_).all()):
                    todo.append((float(c.min()), -float(l_.max()), b, cap))
    by_cost = {t[2:]: i for i, t in enumerate(sorted(todo))}
    by_local = {t[2:]: i for i, t in enumerate(sorted(todo, key=lambda t: (t[1], t[0], t[2], t[3])))}
    return sorted(by_cost, key=lambda k: (min(by_cost[k], by_local[k]), by_cost[k], k))


def _combine(options: list[list[tuple[int, float, float]]], most: int, *, tags: bool):
    """Non-dominated sums of one option per block, with at most ``most`` lots in all.

    ``tags``: the frontier of the sums (costs and local shares sorted by local share, and
    the option chosen in each block); else, for every lot count ``L`` up to ``most``, the
    non-dominated sums with at most ``L`` lots.  None past ``MAX_STATES`` sums."""
    nb = len(options)
    # by exact lot count: arrays of cost, local, choice; a sum beaten by one with fewer lots is dropped
    state = {0: (np.zeros(1), np.zeros(1), np.zeros((1, 0), dtype=np.int64))}
    for b, opts in enumerate(options):
        new: dict[int, list] = {}
        for lots, (c, l_, ch) in state.items():
            for i, (k, oc, ol) in enumerate(opts):
                if lots + k <= most:
                    new.setdefault(lots + k, []).append((c + oc, l_ + ol, np.c_[ch, np.full(len(c), i)]))
        state, below = {}, (np.empty(0), np.empty(0))
        for lots in sorted(new):
            c = np.concatenate([x[0] for x in new[lots]])
            l_ = np.concatenate([x[1] for x in new[lots]])
            ch = np.concatenate([x[2] for x in new[lots]])
            keep = _pareto(c, l_)
            c, l_, ch = c[keep], l_[keep], ch[keep]
            if len(below[0]):
                fresh = ~_matched(c, l_, *below)
                c, l_, ch = c[fresh], l_[fresh], ch[fresh]
            if len(c):
                state[lots] = (c, l_, ch)
                bc, bl = np.r_[below[0], c], np.r_[below[1], l_]
                keep = _pareto(bc, bl)
                o = np.argsort(bl[keep], kind="stable")
                below = (bc[keep][o], bl[keep][o])
        if sum(len(v[0]) for v in state.values()) > MAX_STATES:
            return None
    if tags:
        c = np.concatenate([v[0] for v in state.values()]) if state else np.empty(0)
        l_ = np.concatenate([v[1] for v in state.values()]) if state else np.empty(0)
        ch = np.concatenate([v[2] for v in state.values()]) if state else np.zeros((0, nb), dtype=np.int64)
        keep = _pareto(c, l_)
        o = np.argsort(l_[keep], kind="stable")
        return c[keep][o], l_[keep][o], ch[keep][o]
    out = []
    acc_c, acc_l = np.empty(0), np.empty(0)
    for lots in range(most + 1):
        if lots in state:
            acc_c, acc_l = np.r_[acc_c, state[lots][0]], np.r_[acc_l, state[lots][1]]
            keep = _pareto(acc_c, acc_l)
            acc_c, acc_l = acc_c[keep], acc_l[keep]
        out.append((acc_c, acc_l))
    return out


def _pareto(c: np.ndarray, l_: np.ndarray) -> np.ndarray:
    """Indices of the points no other point matches or beats (one of equal points)."""
    if len(c) == 0:
        return np.zeros(0, dtype=np.int64)
    o = np.lexsort((c, -l_))               # most local first, the cheapest first among equals
    prev = np.r_[np.inf, np.minimum.accumulate(c[o])[:-1]]
    with np.errstate(invalid="ignore"):
        limit = np.where(np.isfinite(prev), prev - 1e-9 * np.maximum(1.0, np.abs(prev)), prev)
    return np.sort(o[c[o] < limit])


def _matched(c, l_, bc, bl) -> np.ndarray:
    """Which points (c, l) a point of (bc, bl) (sorted by local share) matches or beats."""
    suffix_min = np.minimum.accumulate(bc[::-1])[::-1]
    i = np.searchsorted(bl, l_ - 1e-12, side="left")
    out = i < len(bc)
    out[out] = suffix_min[i[out]] <= c[out] + 1e-9 * np.maximum(1.0, np.abs(c[out]))
    return out
