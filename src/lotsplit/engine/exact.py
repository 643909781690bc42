"""The exact MIP over a known set of lots: LP bound, a first plan, reduced-cost fixing, the
MIP — and independent blocks of product groups solved apart.

Solve the LP relaxation; if it is integral it is optimal.  Otherwise find a good plan on
the columns of smallest reduced cost (an LP dive, then a small MIP, each within a work
limit), drop every column whose reduced cost exceeds the gap between that plan and the LP
bound (it cannot be in any better plan), and solve the MIP over the rest.  The result is a
proven optimum, or the best plan with a valid bound when the user's time limit (or a stop
request) ends the MIP.

Product groups that no lot can mix (bundling families, or none) form independent blocks.
Each block is solved on its own; when only the lot count ties them (a ``max_lots`` that
binds), the blocks are combined exactly by dynamic programming over the best plan of
each block with at most ``k`` lots (:func:`solve_blocks`; with a second objective, the
ties broken block by block too).
"""

from __future__ import annotations

import time

import numpy as np

from lotsplit.engine.cbc import solve_pulp
from lotsplit.engine.highs import (PROVEN_GAP, UNLIMITED, Effort, RawResult, Status, Termination, gap_of, highs_lp,
                                   new_highs, run, solve_highs, solve_lp_sifted)
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, build_master, reduced_costs, sub_master

SMALL_MIP_COLUMNS = 2000
"""The first MIP looks for a good plan among this many columns of smallest reduced cost."""
SMALL_MIP_NODES = 500
"""Branch-and-bound nodes of that first MIP (a work limit: it only has to find a plan)."""
DIVE_COLUMNS = 50_000
"""The dive heuristic works on at most this many columns (those of smallest reduced cost)."""
DIVE_LPS = 400
"""LP re-solves the dive may use before it gives up."""
PROBE_SHARE = 0.3
"""Before the MIP over every lot that reduced-cost fixing keeps, a MIP over this share of
them (least reduced cost first): its plan narrows the gap, and proves the optimum when
every lot left out costs more than the gap (Dalarna: the dive's plan was 7 % from a
block's optimum, and the MIP over the 20 000 lots it left took 17 s)."""
DIVE_FIX = 0.99
"""Every free column at least this high in the LP is fixed to 1 at once, else the highest
one; when that dive finds no plan, a second one fixes every column above 0.5 (no two can
share a cell) and so needs far fewer LPs (290 × 8 grid: the first dive ran out of LPs, the
second found a plan within 1.9 % of the LP bound in 5 s)."""


def mip(master: Master, *, solver: str, effort: Effort, mip_gap: float) -> RawResult:
    """The MIP over every column of the master, by HiGHS or (``cbc``) through PuLP."""
    if solver == "highs":
        return solve_highs(master, integer=True, effort=effort, mip_gap=mip_gap, report=True)
    return solve_pulp(master, solver=solver, time_limit=effort.left(), mip_gap=mip_gap, threads=effort.threads)


def lp_relaxation(master: Master, *, effort: Effort) -> RawResult:
    return solve_lp_sifted(master, effort=effort)


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
            return res if res is not None else _stopped(effort, None, master), cols
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


def solve_blocks(master: Master, blocks: list[np.ndarray], n_cells: int, *, effort: Effort, mip_gap: float = 0.0,
                 tight: bool = False, nodes: int | None = None, then: np.ndarray | None = None) -> RawResult | None:
    """The master solved block by block: ``blocks`` are the columns of each independent
    block (no two blocks share a row among the first ``n_cells``, the territory rows).

    Each block on its own.  When the combination keeps every plan-level row it is optimal
    (optimal for a relaxation and feasible).  When only the lot count is broken, the best
    combination with at most ``max_lots`` lots is found by dynamic programming: the blocks'
    best plans with at most ``k_b - d`` lots (``k_b`` the lots of its own best plan,
    ``d = 0 … D``, ``D`` the lots too many), one MIP each, combined so that the deficits add
    up to ``D``.  Otherwise None (the caller solves the whole master).  The result carries
    the blocks' LP (``lp_bound``, ``duals`` over the territory rows: a relaxation without
    the plan-level rows, so valid for every plan).

    ``then``: a second objective (per column) that breaks ties: each block's plan is the
    best for it among the block's best plans (within :func:`tie` of the best objective,
    with the same lot cap), and the lot-count shares are compared on the objective, then on
    the second.  The result's ``objective`` and ``bound`` are still the first objective's;
    it is ``OPTIMAL`` only when both are proven."""
    cover = master.matrix[:n_cells]
    parts = []
    for in_block in blocks:
        sub = cover[:, in_block]
        rows = np.flatnonzero(np.asarray(sub.sum(axis=1)).ravel() > 0)
        part = Master(master.cost[in_block], sub[rows], master.row_lo[rows], master.row_hi[rows])
        res = exact_mip(part, effort=effort, mip_gap=mip_gap, tight=tight, nodes=nodes, report=False)
        if res.x is None:
            if res.status == Status.INFEASIBLE or effort.out_of_time():
                return res                # no plan in this block: none for the whole (or a stop)
            return None
        parts.append((in_block, {0: part}, {0: res}, rows))
    n = len(master.cost)
    x = _combine(n, [(in_block, found[0].x) for in_block, _, found, _ in parts])
    ax = master.matrix @ x
    lot_row = _lot_count_row(master)
    side = np.ones(len(ax), dtype=bool)
    side[:n_cells] = False
    broken = side & ((ax < master.row_lo - 1e-6) | (ax > master.row_hi + 1e-6))
    ties = {}                         # (block, d) -> the tie-break: plan, proven, second objective
    if not broken.any():
        choice = [0] * len(parts)
        how = ""
    else:
        if lot_row is None or broken.sum() > 1 or not broken[lot_row] or ax[lot_row] < master.row_lo[lot_row] - 1e-6:
            return None                     # another plan-level row binds: solve the whole master
        too_many = int(round(ax[lot_row] - master.row_hi[lot_row]))
        # found[d]: the best plan of block b with at most (its own lots - d) lots
        for in_block, capped, found, _ in parts:
            own = int(round(found[0].x.sum()))
            part = capped[0]
            for d in range(too_many + 1):      # d = 0: the block's best plan, its tie-break within its lots
                if own - d < 1:
                    break
                if d == 0 and then is None:
                    continue
                capped[d] = Master(part.cost, _with_row(part.matrix, np.ones(len(part.cost))),
                                   np.r_[part.row_lo, -np.inf], np.r_[part.row_hi, own - d])
                if d == 0:
                    continue
                res = exact_mip(capped[d], effort=effort, mip_gap=mip_gap, tight=tight, nodes=nodes, report=False)
                if res.x is None:
                    del capped[d]
                    if res.status == Status.INFEASIBLE:
                        break
                    if effort.out_of_time():
                        return res
                    return None
                found[d] = res
        if then is not None:
            for b, d in _on_a_best_share([found for _, _, found, _ in parts], too_many):
                in_block, capped, found, _ = parts[b]
                ties[b, d] = _tie_break(capped[d], found[d], then[in_block], effort=effort, tight=tight,
                                           nodes=nodes)
        best = {0: (0.0, 0.0, [])}          # total deficit -> (objective, second objective, choice per block)
        for b, (_, _, found, _) in enumerate(parts):
            step = {}
            for total, (value, second, choice) in best.items():
                for d, res in found.items():
                    if then is not None and (b, d) not in ties:
                        continue            # on no best share of the lots
                    t = min(too_many, total + d)
                    cand = (value + res.objective, second + (ties[b, d][2] if then is not None else 0.0),
                            choice + [d])
                    if t not in step or _better(cand, step[t]):
                        step[t] = cand
            best = step
        if too_many not in best:
            return None
        choice = best[too_many][2]
        how = f", the lot count shared out between them ({too_many} fewer)"
    chosen = [found[d] for (_, _, found, _), d in zip(parts, choice)]
    if then is not None:
        for b, ((in_block, capped, found, _), d) in enumerate(zip(parts, choice)):
            if (b, d) not in ties:
                ties[b, d] = _tie_break(capped[d], found[d], then[in_block], effort=effort, tight=tight,
                                           nodes=nodes)
        picks = [ties[b, d] for b, d in enumerate(choice)]
        x = _combine(n, [(in_block, xb) for (in_block, _, _, _), (xb, _, _) in zip(parts, picks)])
        how += "; among the block's best plans, the best for the second objective"
    else:
        x = _combine(n, [(in_block, res.x) for (in_block, _, _, _), res in zip(parts, chosen)])
    ax = master.matrix @ x
    if np.any(ax < master.row_lo - 1e-6) or np.any(ax > master.row_hi + 1e-6):
        return None
    out = _block_result(x, chosen, len(blocks), how, parts, master)
    if then is not None:
        out.objective = float(master.cost @ x)      # within tie() of the best: the bound stays
        if not all(proven for _, proven, _ in picks):
            out.status, out.termination = Status.FEASIBLE, effort.termination
    return out


def _on_a_best_share(found: list[dict], too_many: int) -> list[tuple[int, int]]:
    """The (block, d) pairs of some best combination (within :func:`tie`), ``found[b][d]``
    the block's best plan with ``d`` lots fewer: the best of the blocks before it (deficit
    t so far) plus its own plus the best of those after it (the rest of the deficit)."""
    B = len(found)
    before = [{0: 0.0}]                  # deficit so far (capped at too_many) -> best objective
    for f in found:
        step: dict[int, float] = {}
        for t, v in before[-1].items():
            for d, res in f.items():
                k = min(too_many, t + d)
                step[k] = min(step.get(k, np.inf), v + res.objective)
        before.append(step)
    best = before[B].get(too_many, np.inf)
    after = [None] * B + [[0.0] + [np.inf] * too_many]   # deficit still needed -> best objective
    for b in range(B - 1, -1, -1):
        after[b] = [min(res.objective + after[b + 1][max(0, need - d)] for d, res in found[b].items())
                    for need in range(too_many + 1)]
    return [(b, d) for b in range(B) for d, res in found[b].items()
            if min(v + res.objective + after[b + 1][max(0, too_many - t - d)] for t, v in before[b].items())
            <= best + tie(best)]


def rc_limit(value: float, lp_bound: float) -> float:
    """The most reduced cost (from an LP of value ``lp_bound``) a lot can have in a plan of
    objective at most ``value``, with a little slack for rounding."""
    return (value - lp_bound) + 1e-7 * max(1.0, abs(value))


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
    import scipy.sparse as sp

    return sp.vstack([matrix, sp.csr_matrix(row)]).tocsc()


def _combine(n: int, parts) -> np.ndarray:
    x = np.zeros(n)
    for in_block, xb in parts:
        x[in_block] = xb
    return x


def _block_result(x: np.ndarray, results: list[RawResult], n_blocks: int, how: str, parts, master: Master) -> RawResult:
    objective = float(sum(r.objective for r in results))
    bounds = [r.bound for r in results]
    proven = all(r.status == Status.OPTIMAL for r in results)
    bound = objective if proven else (float(sum(bounds)) if all(b is not None for b in bounds) else None)
    termination = Termination.OPTIMAL if proven else next(r.termination for r in results if r.status != Status.OPTIMAL)
    out = RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, x, objective, bound, None,
                    sum(r.seconds for r in results),
                    f"{n_blocks} independent blocks{how}; " + "; ".join(sorted({r.message for r in results})),
                    termination=termination)
    if parts is not None and all(found[0].duals is not None for _, _, found, _ in parts):
        # the blocks' LPs together: the LP without plan-level rows, duals on the territory rows
        duals = np.zeros(master.matrix.shape[0])
        for _, _, found, rows in parts:
            duals[rows] = found[0].duals
        out.lp_bound = float(sum(found[0].lp_bound for _, _, found, _ in parts))
        out.duals = duals
    return out


def exact_mip(master: Master, *, effort: Effort = UNLIMITED, mip_gap: float = 0.0, lp: RawResult | None = None,
              incumbent: np.ndarray | None = None, nodes: int | None = None, allowed: np.ndarray | None = None,
              tight: bool = False, report: bool = True) -> RawResult:
    """LP bound, integrality check, a first plan, reduced-cost fixing, then the MIP (at
    most ``nodes`` branch-and-bound nodes when given: a work limit; none with ``nodes=0``,
    which asks for the first plan only).

    ``allowed`` (bool per column) leaves out columns the caller proved to be in no plan
    it wants: the LP (its bound and reduced costs) is over every column, the plan exact
    among those allowed.  ``tight``: row tolerance 1e-9.  The result carries the LP
    relaxation (``lp_bound``, ``duals``) for reduced-cost fixing by the caller."""
    if lp is None and effort.out_of_time():
        return _stopped(effort, incumbent, master)
    lp = lp or lp_relaxation(master, effort=effort)
    res = _exact_mip(master, lp, effort=effort, mip_gap=mip_gap, incumbent=incumbent, nodes=nodes,
                     allowed=allowed, tight=tight, report=report)
    if lp.status == Status.OPTIMAL and lp.duals is not None:
        res.lp_bound, res.duals = lp.objective, lp.duals
    return res


def _exact_mip(master: Master, lp: RawResult, *, effort: Effort, mip_gap: float, incumbent: np.ndarray | None,
               nodes: int | None, allowed: np.ndarray | None, tight: bool, report: bool) -> RawResult:
    n = len(master.cost)
    allowed = np.ones(n, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if incumbent is not None and not allowed[incumbent > 0.5].all():
        incumbent = None
    if lp.status == Status.INFEASIBLE:
        return lp
    if lp.status != Status.OPTIMAL or lp.duals is None:
        # No LP bound (the user's time limit): the plain MIP over the allowed lots reports its own bound.
        idx = np.flatnonzero(allowed)
        r = solve_highs(sub_master(master, idx), integer=True, effort=effort, mip_gap=mip_gap, report=report,
                        nodes=nodes, tight=tight, incumbent=None if incumbent is None else incumbent[idx])
        return _lifted(r, idx, n)
    x = lp.x
    if np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-7) and allowed[x > 0.5].all():
        return RawResult(Status.OPTIMAL, np.round(x), lp.objective, lp.objective, None, lp.seconds,
                         "LP relaxation is integral: optimal")
    lb = lp.objective
    rc = np.where(allowed, np.maximum(reduced_costs(master, lp.duals), 0.0), np.inf)
    # A good plan first: dive on the LP over the columns most likely to be in the optimum.
    order = np.argsort(rc, kind="stable")
    order = order[np.isfinite(rc[order])]
    few = np.sort(order[:min(len(order), DIVE_COLUMNS)])
    first = dive(sub_master(master, few), effort=effort)
    if first.x is None:
        first = dive(sub_master(master, few), effort=effort, fix=0.5)
    if first.x is not None and (incumbent is None or first.objective < float(master.cost @ incumbent)) \
            and _keeps_rows(master, few, first.x):
        incumbent = np.zeros(n)
        incumbent[few] = first.x
    # Then a small MIP over the likeliest columns and the plan so far (so it has a plan).
    small = order[:min(len(order), SMALL_MIP_COLUMNS)]
    if incumbent is not None:
        small = np.union1d(small, np.flatnonzero(incumbent > 0.5))
    small = np.sort(small)
    better = solve_highs(sub_master(master, small), integer=True, effort=effort, nodes=SMALL_MIP_NODES,
                         incumbent=None if incumbent is None else incumbent[small], tight=tight)
    if better.x is not None and (incumbent is None or better.objective < float(master.cost @ incumbent)):
        incumbent = np.zeros(n)
        incumbent[small] = np.round(better.x)
    ub = float(master.cost @ incumbent) if incumbent is not None else np.inf
    if np.isfinite(ub) and gap_of(ub, lb) <= max(mip_gap, PROVEN_GAP):
        proven = gap_of(ub, lb) <= PROVEN_GAP
        return RawResult(Status.OPTIMAL if proven else Status.FEASIBLE, incumbent, ub, lb, None, 0.0,
                         "plan meets the LP bound: optimal" if proven else "plan within the requested gap of the LP bound")
    if nodes == 0:                 # a first plan only: the dive's and the small MIP's
        if incumbent is None:
            return RawResult(Status.NO_PLAN, None, None, lb, None, 0.0, "no first plan from the LP dive",
                             termination=Termination.WORK_LIMIT)
        return RawResult(Status.FEASIBLE, incumbent, ub, lb, None, 0.0, "first plan from the LP dive",
                         termination=Termination.WORK_LIMIT)

    def cut(ub: float) -> float:
        """A lot whose reduced cost is above this is in no plan better than ``ub``."""
        return rc_limit(ub, lb)

    if np.isfinite(ub) and mip_gap == 0.0:
        # A better plan first, over the kept lots of least reduced cost: its plan narrows the
        # gap, and proves the optimum when every lot outside the probe costs more than the
        # gap (it is in no better plan), so that the MIP over every kept lot is not needed.
        wide = order[:int(np.count_nonzero(rc[order] <= cut(ub)))]
        if better.status == Status.OPTIMAL and len(wide) <= len(small) and np.isin(wide, small).all():
            held = small           # the small MIP was over every lot that can be in a better plan
        else:
            held = np.union1d(wide[:int(PROBE_SHARE * len(wide))], np.flatnonzero(incumbent > 0.5))
            if len(held) <= len(small):
                held = None        # no wider than the small MIP
            else:
                r = solve_highs(sub_master(master, held), integer=True, effort=effort, tight=tight, nodes=nodes,
                                incumbent=incumbent[held])
                if r.x is not None and r.objective < ub:
                    incumbent = np.zeros(n)
                    incumbent[held] = np.round(r.x)
                    ub = float(master.cost @ incumbent)
                if r.status != Status.OPTIMAL:
                    held = None
        if held is not None:
            outside = np.setdiff1d(np.flatnonzero(allowed), held)
            if not len(outside) or rc[outside].min() > cut(ub):
                return RawResult(Status.OPTIMAL, incumbent, ub, ub, None, 0.0,
                                 f"HiGHS: Optimal ({len(held)} of {n} lots hold every better plan)")
    # Reduced-cost fixing: a column with rc > ub - lb is in no plan better than ub.
    keep = np.flatnonzero(rc <= cut(ub)) if np.isfinite(ub) else np.flatnonzero(allowed)
    res = solve_highs(sub_master(master, keep), integer=True, effort=effort, mip_gap=mip_gap, report=report,
                      incumbent=None if incumbent is None else incumbent[keep], nodes=nodes, tight=tight)
    if res.x is None or (incumbent is not None and res.objective > ub):
        if incumbent is None:
            return _lifted(res, keep, n)
        # The MIP stopped (a limit), or found no better plan: the first plan stands, with the
        # best bound known (a proven MIP, or its infeasibility, proves the first plan).
        proven = res.status in (Status.OPTIMAL, Status.INFEASIBLE)
        bound = ub if proven else (max(lb, res.bound) if res.bound is not None else lb)
        st = Status.OPTIMAL if gap_of(ub, bound) <= PROVEN_GAP else Status.FEASIBLE
        return RawResult(st, incumbent, ub, min(bound, ub), None, res.seconds, res.message,
                         termination=Termination.OPTIMAL if st == Status.OPTIMAL else res.termination)
    bound = res.bound if res.bound is not None else lb
    if res.status != Status.OPTIMAL:
        bound = max(bound, lb)
    out = _lifted(res, keep, n)
    out.bound = bound
    out.message = f"{res.message} ({len(keep)} of {n} lots left after reduced-cost fixing)"
    return out


def _stopped(effort: Effort, incumbent: np.ndarray | None, master: Master) -> RawResult:
    """What a solve asked to stop before it began has: the incumbent it was given."""
    if incumbent is None:
        return RawResult(Status.NO_PLAN, None, None, None, None, 0.0, "stopped before the solve",
                         termination=effort.termination)
    return RawResult(Status.FEASIBLE, incumbent, float(master.cost @ incumbent), None, None, 0.0,
                     "stopped before the solve: the plan given", termination=effort.termination)


def _lifted(res: RawResult, idx: np.ndarray, n: int) -> RawResult:
    """A result over the columns ``idx`` of a master, as one over all its ``n`` columns."""
    x = None
    if res.x is not None:
        x = np.zeros(n)
        x[idx] = np.round(res.x)
    return RawResult(res.status, x, res.objective, res.bound, None, res.seconds, res.message,
                     termination=res.termination)


def _keeps_rows(master: Master, idx: np.ndarray, x: np.ndarray) -> bool:
    ax = master.matrix[:, idx] @ x
    return bool(np.all(ax >= master.row_lo - 1e-6) and np.all(ax <= master.row_hi + 1e-6))


def dive(master: Master, *, effort: Effort = UNLIMITED, max_backtracks: int = 50, fix: float = DIVE_FIX) -> RawResult:
    """A plan by LP diving: fix every column with an LP value above ``fix`` (else the one
    with the largest) to 1 (and every column sharing a packing row with it to 0), re-solve
    the LP warm, repeat until the LP is integral; a fix that makes the LP infeasible is
    undone and that column forbidden instead.  At most ``DIVE_LPS`` LP solves (a work
    limit)."""
    import highspy

    t0 = time.perf_counter()
    n = len(master.cost)
    A = master.matrix.tocsc()
    rows = np.flatnonzero((master.row_hi == 1) & (master.row_lo >= 0))     # packing rows: at most one lot
    rows_of = A[rows].tocsc()
    by_row = A[rows].tocsr()
    h = new_highs(effort.threads, seed=effort.seed)
    h.passModel(highs_lp(master.cost, A, master.row_lo, master.row_hi))
    upper = np.full(n, np.inf)
    lower = np.zeros(n)
    fixed: list[tuple[int, list[int]]] = []
    backtracks = 0
    for _ in range(DIVE_LPS):
        if effort.out_of_time():
            break
        r = run(h, effort=effort)
        if r.termination == Termination.OPTIMAL:
            x = r.x
            frac = np.minimum(np.abs(x), np.abs(1 - x))
            if frac.max() < 1e-7:
                x = np.round(x)
                return RawResult(Status.FEASIBLE, x, float(master.cost @ x), None, None,
                                 time.perf_counter() - t0, "LP dive")
            free = (lower < 0.5) & (upper > 0.5)
            # every free column at (almost) 1 at once (they cannot overlap), else the largest
            picks = np.flatnonzero(free & (x > fix))
            if not len(picks):
                picks = np.array([int(np.argmax(np.where(free & (x > 1e-9), x, -1.0)))])
            for j in picks:
                if upper[j] < 0.5:
                    continue                     # switched off by an earlier pick of this round
                off = np.setdiff1d(by_row[rows_of[:, j].indices].indices, [j])
                off = off[upper[off] > 0.5]
                fixed.append((int(j), off.tolist()))
                lower[j] = 1.0
                upper[off] = 0.0
                h.changeColBounds(int(j), 1.0, 1.0)
                if len(off):
                    h.changeColsBounds(len(off), off.astype(np.int32), np.zeros(len(off)), np.zeros(len(off)))
            continue
        if r.termination != Termination.INFEASIBLE or not fixed or backtracks >= max_backtracks:
            break
        # Undo the last fix and forbid that column.
        backtracks += 1
        j, off = fixed.pop()
        lower[j] = 0.0
        upper[j] = 0.0
        h.changeColBounds(j, 0.0, 0.0)
        if off:
            off_a = np.asarray(off)
            upper[off_a] = np.inf
            h.changeColsBounds(len(off_a), off_a.astype(np.int32), np.zeros(len(off_a)),
                               np.full(len(off_a), highspy.kHighsInf))
    return RawResult(Status.NO_PLAN, None, None, None, None, time.perf_counter() - t0, "LP dive found no plan",
                     termination=Termination.WORK_LIMIT)
