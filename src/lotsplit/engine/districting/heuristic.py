"""The primal heuristic: recursive spanning-tree bisection for a first plan, then annealed
ReCom moves (merge two adjacent lots, cut a random spanning tree of the union at a
balanced edge), scored with the plan objective.  Its plans are upper bounds only; they
give the exact stages an incumbent and their lots.

Every budget counts work (tree tries, ReCom iterations); the seed (``solver.seed``)
reaches the random generator, so a seed gives the same plan on an idle and on a loaded
machine.
"""

from __future__ import annotations

import math

import numpy as np

from lotsplit.engine.districting.problem import Problem
from lotsplit.engine.highs import Effort

HEUR_SEED = 20261125
"""Added to ``solver.seed``: the heuristic's random stream for seed 0."""


class _Graph:
    """The edge arrays of a Problem without self-loops (they are never cut)."""

    def __init__(self, prob: Problem):
        e = prob.edges
        keep = e[:, 0] != e[:, 1]
        self.eu = e[keep, 0].copy()
        self.ev = e[keep, 1].copy()
        self.ew = prob.w[keep].copy()
        self.n = prob.n


def _tree_split_data(nodes: np.ndarray, eu: np.ndarray, ev: np.ndarray, rng, weight: np.ndarray):
    """A random spanning tree of the subgraph (``nodes``, local edges ``eu``-``ev``): random
    edge weights, Kruskal.  Returns (order, parent, sub, tin, tout) in local indices, or None
    when the subgraph is not connected.  ``sub[c]`` is the weight of c's subtree, which is
    the DFS-order range ``tin[c] <= tin[x] < tout[c]``."""
    nl = len(nodes)
    parent_uf = list(range(nl))

    def find(x):
        while parent_uf[x] != x:
            parent_uf[x] = parent_uf[parent_uf[x]]
            x = parent_uf[x]
        return x

    tadj: list[list[int]] = [[] for _ in range(nl)]
    got = 0
    for e in rng.permutation(len(eu)).tolist():
        a, b = int(eu[e]), int(ev[e])
        ra, rb = find(a), find(b)
        if ra != rb:
            parent_uf[ra] = rb
            tadj[a].append(b)
            tadj[b].append(a)
            got += 1
            if got == nl - 1:
                break
    if got != nl - 1:
        return None
    root = int(rng.integers(nl))
    parent = [-1] * nl
    order = []
    tin = np.zeros(nl, dtype=np.int64)
    tout = np.zeros(nl, dtype=np.int64)
    # iterative DFS with entry/exit times over the order
    stack = [(root, 0)]
    parent[root] = root
    while stack:
        u, i = stack.pop()
        if i == 0:
            tin[u] = len(order)
            order.append(u)
        if i < len(tadj[u]):
            stack.append((u, i + 1))
            v = tadj[u][i]
            if parent[v] == -1:
                parent[v] = u
                stack.append((v, 0))
        else:
            tout[u] = len(order)
    sub = weight[nodes].astype(float).copy()
    for u in reversed(order[1:]):
        sub[parent[u]] += sub[u]
    parent[root] = -1
    return order, parent, sub, tin, tout


def _cut_of_candidates(cands: np.ndarray, tin, tout, eu, ev, ew) -> np.ndarray:
    """Cost of the edges (local ``eu``-``ev``, costs ``ew``) between each candidate's subtree
    and the rest."""
    tu, tv = tin[eu], tin[ev]
    lo, hi = tin[cands][:, None], tout[cands][:, None]
    in_u = (tu[None, :] >= lo) & (tu[None, :] < hi)
    in_v = (tv[None, :] >= lo) & (tv[None, :] < hi)
    return (in_u != in_v).astype(float) @ ew


def _bisect_plan(prob: Problem, g: _Graph, k: int, rng, *, effort: Effort, tries_per_level: int = 60,
                 restarts: int = 200):
    """Recursive spanning-tree bisection: a label per node (parts 0..k-1, each connected with
    weight in [L, U]) or None."""
    L, U = prob.L, prob.U
    wt = prob.weight
    for _ in range(restarts):
        lab = np.full(prob.n, -1, dtype=np.int64)
        rest = np.arange(prob.n)
        ok = True
        for part in range(k - 1):
            r = k - part                         # parts still to place in ``rest``
            loc = np.full(prob.n, -1, dtype=np.int64)
            loc[rest] = np.arange(len(rest))
            inside = (loc[g.eu] >= 0) & (loc[g.ev] >= 0)
            eu, ev, ew = loc[g.eu[inside]], loc[g.ev[inside]], g.ew[inside]
            total = float(wt[rest].sum())
            done_level = False
            for _t in range(tries_per_level):
                if effort.out_of_time():
                    return None
                td = _tree_split_data(rest, eu, ev, rng, wt)
                if td is None:
                    return None
                order, parent, sub, tin, tout = td
                other = total - sub
                lo_r, hi_r = (r - 1) * L - 1e-9, (r - 1) * U + 1e-9
                a_ok = (sub >= L - 1e-9) & (sub <= U + 1e-9) & (other >= lo_r) & (other <= hi_r)
                b_ok = (other >= L - 1e-9) & (other <= U + 1e-9) & (sub >= lo_r) & (sub <= hi_r)
                a_ok[order[0]] = b_ok[order[0]] = False       # the root has no parent edge
                cands = np.flatnonzero(a_ok | b_ok)
                if not len(cands):
                    continue
                cuts = _cut_of_candidates(cands, tin, tout, eu, ev, ew)
                best = cands[np.flatnonzero(cuts <= cuts.min() + 1e-12)]
                c = int(best[rng.integers(len(best))])
                in_sub = (tin >= tin[c]) & (tin < tout[c])
                piece = in_sub if a_ok[c] else ~in_sub
                lab[rest[piece]] = part
                rest = rest[~piece]
                done_level = True
                break
            if not done_level:
                ok = False
                break
        if not ok:
            continue
        if not L - 1e-9 <= float(wt[rest].sum()) <= U + 1e-9:
            continue
        lab[rest] = k - 1
        return lab
    return None


def _recom(prob: Problem, g: _Graph, lab: np.ndarray, rng, *, effort: Effort, max_iter: int,
           trees: int = 8, t0: float = 3.0, patience: int | None = None):
    """ReCom local search from a feasible labelling: merge two adjacent parts, draw random
    spanning trees of the union, take the balanced tree edge whose split has the least cut
    between the two new parts; accept it if it does not raise the cut, else with the
    simulated-annealing probability (the temperature starts at ``t0`` times the median edge
    cost and falls quadratically to 0 over ``max_iter`` iterations: work, not time);
    stops early after ``patience`` iterations without a new best, and at the user's
    deadline (``effort``).  Returns the best labelling seen and its cut."""
    L, U = prob.L, prob.U
    wt = prob.weight
    lab = lab.copy()
    cut_mask = lab[g.eu] != lab[g.ev]
    cur = float(g.ew[cut_mask].sum())
    best_lab, best_cut = lab.copy(), cur
    typical = float(np.median(g.ew[g.ew > 0])) if np.any(g.ew > 0) else 1.0
    it = last_best = 0
    while it < max_iter:
        if effort.out_of_time():
            break
        if patience is not None and it - last_best > patience:
            break
        it += 1
        frac = it / max_iter
        temp = t0 * typical * max(1.0 - frac, 0.0) ** 2
        cut_edges = np.flatnonzero(lab[g.eu] != lab[g.ev])
        if not len(cut_edges):
            break
        e = int(cut_edges[rng.integers(len(cut_edges))])
        p, q = int(lab[g.eu[e]]), int(lab[g.ev[e]])
        nodes = np.flatnonzero((lab == p) | (lab == q))
        loc = np.full(prob.n, -1, dtype=np.int64)
        loc[nodes] = np.arange(len(nodes))
        inside = (loc[g.eu] >= 0) & (loc[g.ev] >= 0)
        eu, ev, ew = loc[g.eu[inside]], loc[g.ev[inside]], g.ew[inside]
        old_inner = float(ew[lab[nodes[eu]] != lab[nodes[ev]]].sum())
        total = float(wt[nodes].sum())
        best_c, best_split = np.inf, None
        for _ in range(trees):
            td = _tree_split_data(nodes, eu, ev, rng, wt)
            if td is None:
                break
            order, parent, sub, tin, tout = td
            other = total - sub
            okc = (sub >= L - 1e-9) & (sub <= U + 1e-9) & (other >= L - 1e-9) & (other <= U + 1e-9)
            okc[order[0]] = False
            cands = np.flatnonzero(okc)
            if not len(cands):
                continue
            cuts = _cut_of_candidates(cands, tin, tout, eu, ev, ew)
            j = int(np.argmin(cuts))
            if cuts[j] < best_c - 1e-12:
                best_c, best_split = float(cuts[j]), (tin >= tin[cands[j]]) & (tin < tout[cands[j]])
        if best_split is None:
            continue
        delta = best_c - old_inner
        if delta <= 1e-12 or (temp > 0 and rng.random() < math.exp(-delta / temp)):
            lab[nodes[best_split]] = p
            lab[nodes[~best_split]] = q
            cur += delta
            if cur < best_cut - 1e-9:
                best_lab, best_cut, last_best = lab.copy(), cur, it
    return best_lab, best_cut


def recom_plan(prob: Problem, *, effort: Effort | None = None, seed: int = 0,
               max_iter: int = 50_000, trees: int | None = None, round_iter: int | None = None,
               max_stale: int = 2):
    """A primal heuristic: a feasible plan (list of bool masks) with a small objective, or
    None when none was found.  Recursive spanning-tree bisection gives a first plan for each
    allowed number of lots; rounds of annealed ReCom (:func:`_recom`, ``round_iter``
    iterations each, default ``30 n``; ``trees`` spanning trees per move, default
    ``clip(n / 8, 2, 8)``) improve it, each round restarting from the best plan,
    until ``max_stale`` rounds in a row bring nothing or ``max_iter`` iterations are spent
    (work budgets: the same ``seed`` gives the same plan on any machine), or the user's
    deadline in ``effort`` passes.  The plan is only an upper bound; every plan returned
    passes ``prob.check_plan``.

    >>> from lotsplit.engine.districting.problem import Problem
    >>> p = Problem(4, [(0, 1), (1, 2), (2, 3)], [0.5] * 3, [1, 1, 1, 1], 2, 2, 2, 2)
    >>> sorted(m.tolist() for m in recom_plan(p, seed=1))
    [[False, False, True, True], [True, True, False, False]]
    """
    effort = effort or Effort()     # a fresh one: its stops are this solve's own
    total = float(prob.weight.sum())
    if prob.n == 0 or np.any(prob.weight > prob.U + 1e-9):
        return None
    g = _Graph(prob)
    rng = np.random.default_rng(HEUR_SEED + int(seed))
    trees = trees or int(min(max(prob.n // 8, 2), 8))
    ks = [k for k in range(max(prob.tmin, 1), prob.tmax + 1)
          if k * prob.L <= total + 1e-9 and total <= k * prob.U + 1e-9 and k <= prob.n]
    if not ks:
        return None
    if len(ks) > 4:         # the extremes and two in between
        ks = sorted({ks[0], ks[len(ks) // 3], ks[(2 * len(ks)) // 3], ks[-1]})
    best_parts, best_val = None, np.inf
    for k in ks:
        if k == 1:
            parts = [np.ones(prob.n, dtype=bool)]
        else:
            lab = _bisect_plan(prob, g, k, rng, effort=effort)
            if lab is None:
                continue
            r_it = round_iter or max(30 * prob.n, 100)
            cut = float(g.ew[lab[g.eu] != lab[g.ev]].sum())
            stale, spent = 0, 0
            while stale < max_stale and spent < max_iter // len(ks):
                if effort.out_of_time():
                    break
                lab2, c2 = _recom(prob, g, lab, rng, effort=effort, max_iter=r_it, trees=trees)
                spent += r_it
                if c2 < cut - 1e-9:
                    lab, cut, stale = lab2, c2, 0
                else:
                    stale += 1
            parts = [lab == j for j in range(k)]
        if prob.check_plan(parts):
            continue
        val = prob.plan_cost(parts)
        if val < best_val - 1e-9:
            best_parts, best_val = parts, val
    return best_parts


