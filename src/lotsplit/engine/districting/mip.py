"""The MIPs of the districting engine, each run through
:func:`lotsplit.engine.highs.run` (the user's deadline, the stop flag, node limits):

- :func:`pool_mip`: set partitioning over a pool of lots (each node in one lot, the lot
  count within ``[tmin, tmax]``);
- :func:`hybrid_mip`: the pool columns plus ``q`` compact "slots", each a model of one
  lot of boundary cost in ``[b_plus, b_max]`` (labelling variables, cut-edge variables,
  single-commodity-flow contiguity from a root that is the lot's first node in a fixed
  order, root reach fixing, slots ordered by root): exact for every plan with at most
  ``q`` lots outside the pool (:func:`q_max` counts how many a better plan can hold).

>>> from lotsplit.engine.districting.problem import Problem, Objective
>>> from lotsplit.engine.highs import UNLIMITED
>>> p = Problem(3, [(0, 1), (1, 2)], [0.5, 0.5], [1, 1, 1], 1, 2, 2, 2)
>>> m = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 1]], dtype=bool)
>>> chosen, value, bound, why = pool_mip(p, m, np.array([p.cost(x) for x in m]), Objective(p), effort=UNLIMITED)
>>> value, why.value
(1.0, 'optimal')
"""

from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp

from lotsplit.engine.districting.problem import Objective, Problem
from lotsplit.engine.highs import Effort, Termination, highs_lp, new_highs, run


# --------------------------------------------------------------------------- rows

class Rows:
    def __init__(self):
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, cols, vals, lo, hi):
        i = len(self.lo)
        cols = list(cols)
        self.r.extend([i] * len(cols))
        self.c.extend(cols)
        self.v.extend(float(x) for x in vals)
        self.lo.append(float(lo))
        self.hi.append(float(hi))

    def matrix(self, n_cols: int) -> sp.csc_matrix:
        A = sp.csc_matrix((self.v, (self.r, self.c)), shape=(len(self.lo), n_cols))
        A.sum_duplicates()
        A.sort_indices()
        return A


PROBING = 1 << 15
"""HiGHS's presolve rule "probing" (bit 15 of ``presolve_rule_off``).  On the hybrid MIP it
is switched off: its thousands of binaries linked by flow rows made probing the whole cost
(LA, two slots: probing alone ran past 120 s; without it the MIP is proven in 53 s)."""


def run_mip(cost, A, lo, hi, *, ob: Objective, mip_gap: float, effort: Effort, lower=0.0, upper=1.0,
            integer=True, nodes: int | None = None, start_cols=None, probing: bool = True):
    """Solve a MIP through :func:`lotsplit.engine.highs.run` (the user's deadline, the stop
    flag, a node limit), with the objective's gap options and, when ``start_cols`` is given,
    the plan of those columns at 1 as its first solution: (x or None, objective or None,
    dual bound or None, termination).  ``probing``: HiGHS's presolve probing (:data:`PROBING`)."""
    import highspy

    h = new_highs(effort.threads, seed=effort.seed)
    if not probing:
        h.setOptionValue("presolve_rule_off", PROBING)
    h.setOptionValue("mip_rel_gap", float(max(mip_gap, 1e-9)))
    # With a lattice objective a gap below one step is closed by rounding the bound.
    h.setOptionValue("mip_abs_gap", float(0.999 * ob.granule) if ob.granule > 0 else 1e-9)
    h.passModel(highs_lp(cost, A, lo, hi, lower=lower, upper=upper, integer=integer))
    if start_cols is not None:
        start = np.zeros(len(cost))
        start[np.asarray(start_cols, dtype=int)] = 1.0
        sol = highspy.HighsSolution()
        sol.col_value = [float(v) for v in start]
        sol.value_valid = True
        h.setSolution(sol)
    r = run(h, effort=effort, mip=True, nodes=nodes)
    if r.termination == Termination.INFEASIBLE:
        return None, None, None, r.termination
    return r.x, r.objective, r.bound, r.termination


# --------------------------------------------------------------------------- pool MIP

def pool_mip(prob: Problem, masks: np.ndarray, costs: np.ndarray, ob: Objective, *, effort: Effort,
             mip_gap: float = 0.0, nodes: int | None = None, start_cols=None):
    """Set partitioning over the pool: (chosen column indices or None, value, bound,
    termination)."""
    k = len(masks)
    if k == 0:
        return None, None, None, Termination.INFEASIBLE
    A = sp.vstack([sp.csr_matrix(masks.T.astype(float)), sp.csr_matrix(np.ones((1, k)))]).tocsc()
    A.sort_indices()
    lo = np.r_[np.ones(prob.n), prob.tmin]
    hi = np.r_[np.ones(prob.n), prob.tmax]
    x, obj, bound, word = run_mip(costs, A, lo, hi, ob=ob, mip_gap=mip_gap, effort=effort, nodes=nodes,
                                  start_cols=start_cols)
    if x is None:
        return None, None, bound, word
    return np.flatnonzero(x > 0.5), obj, bound, word


# --------------------------------------------------------------------------- hybrid MIP

def root_data(prob: Problem):
    """Order (heaviest first), positions, which nodes can be the first node of a lot, the
    roots each node can share a lot with (a path of weight <= U through nodes not before
    the root), and the largest number of nodes in a lot."""
    n = prob.n
    order = np.lexsort((np.arange(n), -prob.weight))
    pos = np.empty(n, dtype=int)
    pos[order] = np.arange(n)
    wt = prob.weight
    U, L = prob.U + 1e-9, prob.L - 1e-9
    reach: list[list[int]] = [[] for _ in range(n)]
    can_root = np.zeros(n, dtype=bool)
    for r in range(n):
        # component of r among nodes not before it: can it reach L?
        seen = {r}
        stack = [r]
        tot = wt[r]
        while stack and tot < L:
            u = stack.pop()
            for v, _ in prob.adj[u]:
                if v not in seen and pos[v] > pos[r]:
                    seen.add(v)
                    stack.append(v)
                    tot += wt[v]
        if tot < L or wt[r] > U:
            continue
        can_root[r] = True
        dist = {r: wt[r]}
        heap = [(wt[r], r)]
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist.get(u, np.inf):
                continue
            reach[u].append(r)
            for v, _ in prob.adj[u]:
                if pos[v] <= pos[r]:
                    continue
                nd = d + wt[v]
                if nd <= U and nd < dist.get(v, np.inf):
                    dist[v] = nd
                    heapq.heappush(heap, (nd, v))
    srt = np.sort(wt)
    nmax = max(1, int(np.searchsorted(np.cumsum(srt), U, side="right")))
    return order, pos, can_root, reach, nmax


def hybrid_mip(prob: Problem, masks: np.ndarray, costs: np.ndarray, q: int, b_plus: float, b_max: float,
               ob: Objective, *, effort: Effort, mip_gap: float, nodes: int | None = None, start_cols=None):
    """The pool columns plus ``q`` slots, each a compact model of one lot with boundary
    cost in [b_plus, b_max] (see the module docstring).  Returns (parts or None, value,
    bound, termination)."""
    n, m = prob.n, prob.m
    k = len(masks)
    order, pos, can_root, reach, nmax = root_data(prob)
    M = max(nmax - 1, 1)
    per = 1 + 2 * n + 3 * m
    TH = lambda j: k + j * per                                   # noqa: E731
    X = lambda j, i: k + j * per + 1 + i                         # noqa: E731
    R = lambda j, i: k + j * per + 1 + n + i                     # noqa: E731
    Z = lambda j, e: k + j * per + 1 + 2 * n + e                 # noqa: E731
    F = lambda j, e, d: k + j * per + 1 + 2 * n + m + 2 * e + d  # noqa: E731
    nv = k + q * per
    rows = Rows()
    cover: list[list[int]] = [[] for _ in range(n)]
    if k:
        ci, ri = np.nonzero(masks)
        for c, i in zip(ci.tolist(), ri.tolist()):
            cover[i].append(c)
    for i in range(n):
        cs = cover[i] + [X(j, i) for j in range(q)]
        rows.add(cs, [1.0] * len(cs), 1, 1)
    cs = list(range(k)) + [TH(j) for j in range(q)]
    rows.add(cs, [1.0] * len(cs), prob.tmin, prob.tmax)
    into: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    outo: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for e, (u, v) in enumerate(prob.edges.tolist()):
        outo[u].append((e, 0)); into[v].append((e, 0))      # noqa: E702
        outo[v].append((e, 1)); into[u].append((e, 1))      # noqa: E702
    for j in range(q):
        xs = [X(j, i) for i in range(n)]
        rows.add(xs + [TH(j)], list(prob.weight) + [-prob.L], 0, np.inf)
        rows.add(xs + [TH(j)], list(prob.weight) + [-prob.U], -np.inf, 0)
        rows.add([R(j, i) for i in range(n)] + [TH(j)], [1.0] * n + [-1.0], 0, 0)
        for i in range(n):
            rows.add([R(j, i), X(j, i)], [1, -1], -np.inf, 0)
            rr = [R(j, r) for r in reach[i]]
            rows.add([X(j, i)] + rr, [1.0] + [-1.0] * len(rr), -np.inf, 0)
        for e, (u, v) in enumerate(prob.edges.tolist()):
            rows.add([Z(j, e), X(j, u), X(j, v)], [1, -1, 1], 0, np.inf)
            rows.add([Z(j, e), X(j, u), X(j, v)], [1, 1, -1], 0, np.inf)
            rows.add([F(j, e, 0), F(j, e, 1), X(j, u)], [1, 1, -M], -np.inf, 0)
            rows.add([F(j, e, 0), F(j, e, 1), X(j, v)], [1, 1, -M], -np.inf, 0)
        for i in range(n):
            cs = [F(j, e, d) for e, d in into[i]] + [F(j, e, d) for e, d in outo[i]] + [X(j, i), R(j, i)]
            vs = [1.0] * len(into[i]) + [-1.0] * len(outo[i]) + [-1.0, float(nmax)]
            rows.add(cs, vs, 0, np.inf)
        zs = [Z(j, e) for e in range(m)]
        rows.add(zs + [TH(j)], list(prob.w) + [-b_plus], -1e-9, np.inf)
        if np.isfinite(b_max):
            rows.add(zs, list(prob.w), -np.inf, b_max + 1e-9)
        if j > 0:
            rows.add([TH(j), TH(j - 1)], [1, -1], -np.inf, 0)
            # slots ordered by the position of their root
            cs = [R(j - 1, i) for i in range(n)] + [R(j, i) for i in range(n)] + [TH(j)]
            vs = [float(pos[i]) for i in range(n)] + [-float(pos[i]) for i in range(n)] + [float(n + 1)]
            rows.add(cs, vs, -np.inf, n)
    A = rows.matrix(nv)
    cost = np.zeros(nv)
    cost[:k] = costs
    lo = np.zeros(nv)
    hi = np.ones(nv)
    integer = np.zeros(nv, dtype=bool)
    integer[:k] = True
    for j in range(q):
        cost[TH(j)] = prob.c0
        integer[TH(j)] = True
        for i in range(n):
            cost[X(j, i)] = prob.a[i]
            integer[X(j, i)] = integer[R(j, i)] = True
            if not can_root[i]:
                hi[R(j, i)] = 0.0
        for e in range(m):
            cost[Z(j, e)] = prob.w[e]
            hi[F(j, e, 0)] = hi[F(j, e, 1)] = M
    x, obj, bound, word = run_mip(cost, A, rows.lo, rows.hi, ob=ob, mip_gap=mip_gap, effort=effort, lower=lo,
                                  upper=hi, integer=integer, nodes=nodes, start_cols=start_cols, probing=False)
    if x is None:
        return None, None, bound, word
    parts = [masks[c] for c in np.flatnonzero(x[:k] > 0.5)]
    for j in range(q):
        if x[TH(j)] > 0.5:
            parts.append(np.array([x[X(j, i)] > 0.5 for i in range(n)]))
    return parts, obj, bound, word




def q_max(prob: Problem, b: float, step: float, b_min: float, K: float) -> int:
    """Most lots of boundary cost above ``b`` that a plan of total boundary cost <= K can
    hold (each lot's boundary cost is at most K / 2 and at least ``b_min``)."""
    if not np.isfinite(K):
        return prob.tmax
    b_plus = b + (step if step > 0 else 1e-9)
    if b_plus > K / 2 + 1e-9:
        return 0
    best = 0
    for q in range(1, prob.tmax + 1):
        if q * b_plus + max(prob.tmin - q, 0) * b_min <= K + 1e-9:
            best = q
    return best




def start_columns(parts, masks):
    if parts is None:
        return None
    keys = {mk.tobytes(): c for c, mk in enumerate(masks)}
    cols = [keys.get(np.asarray(p, dtype=bool).tobytes()) for p in parts]
    return None if any(c is None for c in cols) else cols
