"""Independent blocks of product groups, solved apart and combined exactly.

Product groups that no lot can mix (bundling families, or none) form independent blocks:
no lot holds cells of two of them.  Each block is solved on its own by the exact MIP
(:mod:`lotsplit.engine.exact`).  When only the lot count ties them (a ``max_lots`` that
the blocks' own best plans break together), the lots are shared out between the blocks:
``f_b(d)``, block ``b``'s best plan with ``d`` lots fewer than its own, is combined so that
the deficits add up to the lots too many (dynamic programming over the blocks).

Only the ``(b, d)`` that can be in a best combination are solved as MIPs: every ``f_b(d)``
has a lower bound (the LP of the block under that cap, from one warm-started model per
block, and no lower than ``f_b`` with fewer lots cut), and a pair is solved only while the
best combination through it, counted with those bounds, could beat (or, with a second
objective, tie) the best combination of plans found.  The answer is optimal when no such
pair is left; otherwise (a node limit, the user's time limit) it comes with the best
combination of bounds as its bound.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lotsplit.engine.exact import exact_mip, mip, rc_limit, stopped_before
from lotsplit.engine.highs import Effort, RawResult, Status, Termination, highs_lp, new_highs, run
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, build_master, reduced_costs


def solve_exact(space: LotSpace, *, solver: str, effort: Effort, mip_gap: float):
    """Proven optimum over every candidate lot (``space.columns``): the blocks of product
    groups apart when they are independent, else the whole master."""
    cols = space.columns
    if len(cols) == 0:
        return RawResult(Status.INFEASIBLE, None, None, None, None, 0.0, "no feasible lot",
                         termination=Termination.INFEASIBLE), cols
    master = build_master(space)
    if solver != "highs":
        return mip(master, solver=solver, effort=effort, mip_gap=mip_gap), cols
    blocks = independent_blocks(space)
    if len(blocks) > 1:
        parts = [np.flatnonzero(np.isin(cols.bundle_index, block)) for block in blocks]
        res = solve_blocks(master, parts, len(space.cells), effort=effort, mip_gap=mip_gap)
        if res is not None or effort.out_of_time():
            return res if res is not None else stopped_before(effort, None, master), cols
    return exact_mip(master, effort=effort, mip_gap=mip_gap), cols


def independent_blocks(space: LotSpace) -> list[list[int]]:
    """Bundle indices grouped into independent blocks (bundles sharing a group are joined)."""
    import networkx as nx

    g = nx.Graph()
    for b_idx, bundle in enumerate(space.bundles):
        g.add_node(("b", b_idx))
        for grp in bundle:
            g.add_edge(("b", b_idx), ("g", grp))
    blocks = []
    for comp in nx.connected_components(g):
        blocks.append(sorted(i for kind, i in comp if kind == "b"))
    return sorted(blocks)


class _Block:
    """One block of the master: its columns, its sub-master (territory rows only), and per
    deficit ``d`` (lots fewer than its own best plan) the capped master, the LP bound and
    the MIP's answer once solved."""

    def __init__(self, master: Master, cols: np.ndarray, n_cells: int):
        cover = master.matrix[:n_cells][:, cols]
        self.cols = cols
        self.rows = np.flatnonzero(np.asarray(cover.sum(axis=1)).ravel() > 0)
        self.part = Master(master.cost[cols], cover[self.rows], master.row_lo[self.rows], master.row_hi[self.rows])
        self.found: dict[int, RawResult] = {}
        """d -> the MIP's answer (d = 0: the block's own best plan)."""
        self.lps: dict[int, RawResult] = {}
        """d -> the LP with at most ``own - d`` lots (for every d a plan may have)."""
        self.low: dict[int, float] = {}
        """d -> a lower bound on the block's best objective with ``own - d`` lots."""
        self.capped: dict[int, Master] = {}
        self.tried: set[int] = {0}
        """Deficits whose MIP was run (d = 0: the block's own, by the caller)."""
        self.known: list[np.ndarray] = []
        """Plans of the block known to the caller (0/1 per column): first incumbents."""

    def learn(self, plans) -> None:
        """Keep the block's part of each known plan (column indices of the master)."""
        seen = set()
        for cols in plans:
            mine = np.intersect1d(np.asarray(cols, dtype=np.int64), self.cols)
            key = mine.tobytes()
            if len(mine) and key not in seen:
                seen.add(key)
                x = np.zeros(len(self.cols))
                x[np.searchsorted(self.cols, mine)] = 1.0
                ax = self.part.matrix @ x
                if np.all(ax >= self.part.row_lo - 1e-9) and np.all(ax <= self.part.row_hi + 1e-9):
                    self.known.append(x)

    def best_known(self, most_lots: float = np.inf) -> np.ndarray | None:
        """The cheapest known plan of the block with at most ``most_lots`` lots."""
        fits = [x for x in self.known if x.sum() <= most_lots + 0.5]
        fits += [r.x for r in self.found.values() if r.x is not None and r.x.sum() <= most_lots + 0.5]
        return min(fits, key=lambda x: float(self.part.cost @ x)) if fits else None

    @property
    def own(self) -> int:
        return int(round(self.found[0].x.sum()))

    def cap(self, d: int) -> Master:
        """The block with at most ``own - d`` lots."""
        if d not in self.capped:
            p = self.part
            self.capped[d] = Master(p.cost, _with_row(p.matrix, np.ones(len(p.cost))), np.r_[p.row_lo, -np.inf],
                                    np.r_[p.row_hi, self.own - d])
        return self.capped[d]

    def bound_deficits(self, most: int, effort: Effort) -> bool:
        """The LP bound for d = 1 … ``most`` (while a plan with ``own - d`` lots can
        exist), each LP warm-started from the one with one lot more.  False when the
        user's time limit stopped it."""
        import highspy

        p = self.part
        scale = max(1.0, float(np.abs(p.cost).max())) if len(p.cost) else 1.0   # HiGHS: duals near 1
        capped = self.cap(0)
        h = new_highs(effort.threads, seed=effort.seed)
        h.passModel(highs_lp(p.cost / scale, capped.matrix, capped.row_lo, capped.row_hi, upper=1.0))
        low = self.low[0]                  # the own best plan's bound: fewer lots never cost less
        for d in range(1, most + 1):
            if self.own - d < 1:
                break
            h.changeRowBounds(capped.matrix.shape[0] - 1, -highspy.kHighsInf, float(self.own - d))
            r = run(h, effort=effort)
            if r.termination == Termination.INFEASIBLE:
                break                      # no plan with so few lots: none with fewer
            if r.termination != Termination.OPTIMAL:
                return False
            value = r.objective * scale
            self.lps[d] = RawResult(Status.OPTIMAL, r.x, value, value, r.duals * scale, r.seconds, r.message)
            low = max(low, value - tie(value))     # fewer lots never cost less
            self.low[d] = low
        return True

    def solve(self, d: int, *, effort: Effort, mip_gap: float, tight: bool, nodes: int | None) -> None:
        """The block's best plan with at most ``own - d`` lots, from the LP bound and the
        best plan known with fewer lots (it keeps the cap)."""
        res = exact_mip(self.cap(d), effort=effort, mip_gap=mip_gap, lp=self.lps[d],
                        incumbent=self.best_known(self.own - d),
                        tight=tight, nodes=nodes, report=False)
        if res.x is not None:
            self.found[d] = res
        if res.status == Status.INFEASIBLE:
            for k in [k for k in self.low if k >= d]:
                del self.low[k]
        elif res.status == Status.OPTIMAL:
            self.low[d] = res.objective
        elif res.bound is not None:
            self.low[d] = max(self.low[d], res.bound)
        for k in sorted(self.low):         # fewer lots never cost less
            if k - 1 in self.low:
                self.low[k] = max(self.low[k], self.low[k - 1])


def solve_blocks(master: Master, blocks: list[np.ndarray], n_cells: int, *, effort: Effort, mip_gap: float = 0.0,
                 tight: bool = False, nodes: int | None = None, then: np.ndarray | None = None,
                 known=()) -> RawResult | None:
    """The master solved block by block: ``blocks`` are the columns of each independent
    block (no two blocks share a row among the first ``n_cells``, the territory rows).

    Each block on its own.  When the combination keeps every plan-level row it is optimal
    (optimal for a relaxation and feasible).  When only the lot count is broken, the lots
    are shared out (module docstring): the best combination of the blocks' best plans with
    ``d`` lots fewer, the deficits adding up to the lots too many.  Otherwise None (the
    caller solves the whole master), also when the user's time limit stops it before a
    combination is known.  The result carries the blocks' LP (``lp_bound``, ``duals`` over
    the territory rows: a relaxation without the plan-level rows, so valid for every plan).

    ``then``: a second objective (per column) that breaks ties: each block's plan is the
    best for it among the block's best plans (within :func:`tie` of the best objective,
    with the same lot cap), and the lot-count shares are compared on the objective, then on
    the second.  The result's ``objective`` and ``bound`` are still the first objective's;
    it is ``OPTIMAL`` only when both are proven.

    ``known``: plans (column indices) the caller knows; their parts in each block are the
    block's first incumbents."""
    parts = []
    for in_block in blocks:
        blk = _Block(master, in_block, n_cells)
        blk.learn(known)
        res = exact_mip(blk.part, effort=effort, mip_gap=mip_gap, tight=tight, nodes=nodes, report=False,
                        incumbent=blk.best_known())
        if res.x is None:
            if res.status == Status.INFEASIBLE or effort.out_of_time():
                return res                # no plan in this block: none for the whole (or a stop)
            return None
        blk.found[0] = res
        blk.low[0] = res.objective if res.status == Status.OPTIMAL else (res.bound if res.bound is not None
                                                                          else -np.inf)
        parts.append(blk)
    n = len(master.cost)
    x = _combine(n, [(blk.cols, blk.found[0].x) for blk in parts])
    ax = master.matrix @ x
    lot_row = _lot_count_row(master)
    side = np.ones(len(ax), dtype=bool)
    side[:n_cells] = False
    broken = side & ((ax < master.row_lo - 1e-6) | (ax > master.row_hi + 1e-6))
    if not broken.any():
        choice, too_many, bound = [0] * len(parts), 0, None
    else:
        if lot_row is None or broken.sum() > 1 or not broken[lot_row] or ax[lot_row] < master.row_lo[lot_row] - 1e-6:
            return None                     # another plan-level row binds: solve the whole master
        too_many = int(round(ax[lot_row] - master.row_hi[lot_row]))
        for blk in parts:
            if not blk.bound_deficits(too_many, effort):
                return None
        bound = _share_out(parts, too_many, then=then, effort=effort, mip_gap=mip_gap, tight=tight, nodes=nodes)
        if bound is None:
            return None
        choice = None
    plans = [{d: r for d, r in blk.found.items() if r.x is not None} for blk in parts]
    ties = {}                         # (block, d) -> the tie-break: plan, proven, second objective
    if then is not None:
        on_best = _on_a_best_share(plans, too_many) if choice is None else [(b, 0) for b in range(len(parts))]
        for b, d in on_best:
            ties[b, d] = _tie_break(parts[b].cap(d), plans[b][d], then[parts[b].cols], effort=effort, tight=tight,
                                    nodes=nodes)
    if choice is None:
        best = {0: (0.0, 0.0, [])}          # total deficit -> (objective, second objective, choice per block)
        for b, found in enumerate(plans):
            step = {}
            for total, (value, second, picked) in best.items():
                for d, res in found.items():
                    if then is not None and (b, d) not in ties:
                        continue            # on no best share of the lots
                    t = min(too_many, total + d)
                    cand = (value + res.objective, second + (ties[b, d][2] if then is not None else 0.0),
                            picked + [d])
                    if t not in step or _better(cand, step[t]):
                        step[t] = cand
            best = step
        if too_many not in best:
            return None
        choice = best[too_many][2]
    chosen = [plans[b][d] for b, d in enumerate(choice)]
    how = f", the lot count shared out between them ({too_many} fewer)" if too_many else ""
    if then is not None:
        picks = [ties[b, d] for b, d in enumerate(choice)]
        x = _combine(n, [(blk.cols, xb) for blk, (xb, _, _) in zip(parts, picks)])
        how += "; among the block's best plans, the best for the second objective"
    else:
        x = _combine(n, [(blk.cols, res.x) for blk, res in zip(parts, chosen)])
    ax = master.matrix @ x
    if np.any(ax < master.row_lo - 1e-6) or np.any(ax > master.row_hi + 1e-6):
        return None
    out = _block_result(x, chosen, len(blocks), how, parts, master)
    if bound is not None:              # shared out: the best combination of the bounds
        out.bound = min(bound, out.objective)
        proven = out.bound >= out.objective - tie(out.objective)
        out.status = Status.OPTIMAL if proven else Status.FEASIBLE
        out.termination = Termination.OPTIMAL if proven else effort.termination
    if then is not None:
        out.objective = float(master.cost @ x)      # within tie() of the best: the bound stays
        if not all(proven for _, proven, _ in picks):
            out.status, out.termination = Status.FEASIBLE, effort.termination
    return out


def _share_out(parts: list[_Block], too_many: int, *, then, effort: Effort, mip_gap: float, tight: bool,
               nodes: int | None) -> float | None:
    """Solve the ``(b, d)`` that can be in a best combination (module docstring), most
    promising first, until none is left or the user's time limit.  Returns the best
    combination of the lower bounds (a bound on every plan), or None when no combination
    of plans is known."""
    while True:
        plans = [{d: r.objective for d, r in blk.found.items() if r.x is not None} for blk in parts]
        best, _ = _through(plans, too_many)
        lowest, through = _through([blk.low for blk in parts], too_many)
        # a pair counts while it could beat the best combination (or tie it: with a second objective)
        limit = best + (tie(best) if then is not None else -tie(best)) if np.isfinite(best) else np.inf
        todo = [(v, b, d) for (b, d), v in through.items()
                if d not in parts[b].tried and v <= limit]
        if not todo or effort.out_of_time():
            return lowest if np.isfinite(best) else None
        _, b, d = min(todo)
        parts[b].tried.add(d)
        parts[b].solve(d, effort=effort, mip_gap=mip_gap, tight=tight, nodes=nodes)


def _through(values: list[dict[int, float]], too_many: int) -> tuple[float, dict[tuple[int, int], float]]:
    """``values[b][d]``: block b's objective with d lots fewer.  Returns the best total over
    the choices whose deficits add up to ``too_many`` (more count as ``too_many``), and per
    ``(b, d)`` the best total of a choice that takes it: the best of the blocks before it
    (deficit t so far), its own, the best of those after it (the rest of the deficit)."""
    B = len(values)
    before = [{0: 0.0}]                  # deficit so far (capped at too_many) -> best objective
    for f in values:
        step: dict[int, float] = {}
        for t, v in before[-1].items():
            for d, value in f.items():
                k = min(too_many, t + d)
                step[k] = min(step.get(k, np.inf), v + value)
        before.append(step)
    best = before[B].get(too_many, np.inf)
    after = [None] * B + [[0.0] + [np.inf] * too_many]   # deficit still needed -> best objective
    for b in range(B - 1, -1, -1):
        after[b] = [min([value + after[b + 1][max(0, need - d)] for d, value in values[b].items()], default=np.inf)
                    for need in range(too_many + 1)]
    through = {(b, d): min([v + value + after[b + 1][max(0, too_many - t - d)] for t, v in before[b].items()],
                           default=np.inf)
               for b in range(B) for d, value in values[b].items()}
    return best, through


def _on_a_best_share(plans: list[dict[int, RawResult]], too_many: int) -> list[tuple[int, int]]:
    """The (block, d) pairs of some best combination of the plans found (within
    :func:`tie`), ``plans[b][d]`` the block's best plan with ``d`` lots fewer."""
    best, through = _through([{d: r.objective for d, r in f.items()} for f in plans], too_many)
    return [(b, d) for (b, d), v in through.items() if v <= best + tie(best)]


def tie(value: float) -> float:
    """How far above the best objective a plan still counts as one of the best (ties)."""
    return 1e-9 * max(1.0, abs(value))


def _better(a: tuple, b: tuple) -> bool:
    """(objective, second objective, ...): a less objective, or a tie and less second."""
    if a[0] < b[0] - tie(b[0]):
        return True
    return a[0] <= b[0] + tie(b[0]) and a[1] < b[1] - tie(b[1])


def _tie_break(part: Master, res: RawResult, then: np.ndarray, *, effort: Effort, tight: bool,
               nodes: int | None) -> tuple[np.ndarray, bool, float]:
    """The best plan for ``then`` among the block's plans within :func:`tie` of ``res``
    (its objective as a row), over the lots the block's LP leaves for such plans (reduced
    cost within the gap): (plan, proven, its ``then`` value).  The block's own plan when
    the solve finds no better one."""
    limit = res.objective + tie(res.objective)
    tied = Master(np.asarray(then, dtype=float), _with_row(part.matrix, part.cost), np.r_[part.row_lo, -np.inf],
                  np.r_[part.row_hi, limit])
    allowed = None
    if res.duals is not None and res.lp_bound is not None:
        # an LP without the lot cap row is a relaxation too: its dual there is 0
        duals = np.r_[res.duals, np.zeros(part.matrix.shape[0] - len(res.duals))]
        allowed = reduced_costs(part, duals) <= rc_limit(limit, res.lp_bound)
        allowed |= res.x > 0.5
    r = exact_mip(tied, effort=effort, incumbent=res.x, allowed=allowed, tight=tight, nodes=nodes, report=False)
    own = float(then @ res.x)
    if r.x is None or r.objective > own:
        return res.x, r.status in (Status.OPTIMAL, Status.INFEASIBLE), own
    return r.x, r.status == Status.OPTIMAL, float(then @ r.x)


def _lot_count_row(master: Master) -> int | None:
    return master.names.index("lot count") if "lot count" in master.names else None


def _with_row(matrix, row: np.ndarray):
    return sp.vstack([matrix, sp.csr_matrix(row)]).tocsc()


def _combine(n: int, parts) -> np.ndarray:
    x = np.zeros(n)
    for in_block, xb in parts:
        x[in_block] = xb
    return x


def _block_result(x: np.ndarray, results: list[RawResult], n_blocks: int, how: str, parts: list[_Block], master: Master) -> RawResult:
    objective = float(sum(r.objective for r in results))
    bounds = [r.bound for r in results]
    proven = all(r.status == Status.OPTIMAL for r in results)
    bound = objective if proven else (float(sum(bounds)) if all(b is not None for b in bounds) else None)
    termination = Termination.OPTIMAL if proven else next(r.termination for r in results if r.status != Status.OPTIMAL)
    out = RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, x, objective, bound, None,
                    sum(r.seconds for r in results),
                    f"{n_blocks} independent blocks{how}; " + "; ".join(sorted({r.message for r in results})),
                    termination=termination)
    if all(blk.found[0].duals is not None for blk in parts):
        # the blocks' LPs together: the LP without plan-level rows, duals on the territory rows
        duals = np.zeros(master.matrix.shape[0])
        for blk in parts:
            duals[blk.rows] = blk.found[0].duals
        out.lp_bound = float(sum(blk.found[0].lp_bound for blk in parts))
        out.duals = duals
    return out


