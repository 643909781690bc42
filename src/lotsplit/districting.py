"""Exact engine for linear-cost partition scenarios (districting).

WORK IN PROGRESS
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lotsplit.solvers import Status

EPS = 1e-9


# --------------------------------------------------------------------------- problem

@dataclass
class Problem:
    """Partition the nodes 0..n-1 into connected parts ("lots") with weight in [L, U], between
    ``tmin`` and ``tmax`` parts, minimising the sum over parts S of

        c(S) = c0 + sum_{i in S} a_i + sum_{e in delta(S)} w_e

    (``delta(S)``: edges with exactly one end in S)."""

    n: int
    edges: np.ndarray          # (m, 2) int
    w: np.ndarray              # (m,) cost per lot whose boundary holds the edge (>= 0)
    weight: np.ndarray         # (n,) >= 0
    L: float
    U: float
    tmin: int
    tmax: int
    c0: float = 0.0
    a: np.ndarray | None = None

    def __post_init__(self):
        self.edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        self.w = np.asarray(self.w, dtype=float)
        self.weight = np.asarray(self.weight, dtype=float)
        if self.a is None:
            self.a = np.zeros(self.n)
        self.a = np.asarray(self.a, dtype=float)
        self.adj = [[] for _ in range(self.n)]      # (neighbour, edge index)
        for e, (u, v) in enumerate(self.edges):
            self.adj[u].append((int(v), e))
            self.adj[v].append((int(u), e))

    @property
    def m(self) -> int:
        return len(self.edges)

    def cost(self, mask: np.ndarray) -> float:
        mask = np.asarray(mask, dtype=bool)
        cut = mask[self.edges[:, 0]] != mask[self.edges[:, 1]]
        return float(self.c0 + self.a[mask].sum() + self.w[cut].sum())

    def plan_cost(self, parts) -> float:
        return float(sum(self.cost(p) for p in parts))

    def is_connected(self, mask: np.ndarray) -> bool:
        nodes = np.flatnonzero(mask)
        if len(nodes) == 0:
            return False
        seen = {int(nodes[0])}
        stack = [int(nodes[0])]
        while stack:
            u = stack.pop()
            for v, _ in self.adj[u]:
                if mask[v] and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(nodes)

    def feasible_lot(self, mask: np.ndarray) -> bool:
        wgt = float(self.weight[mask].sum())
        return self.L - 1e-9 <= wgt <= self.U + 1e-9 and self.is_connected(mask)

    def check_plan(self, parts) -> list[str]:
        problems = []
        count = np.zeros(self.n, dtype=int)
        for j, p in enumerate(parts):
            p = np.asarray(p, dtype=bool)
            count += p
            if not self.is_connected(p):
                problems.append(f"part {j} is not connected")
            wgt = float(self.weight[p].sum())
            if not self.L - 1e-9 <= wgt <= self.U + 1e-9:
                problems.append(f"part {j} weight {wgt} outside [{self.L}, {self.U}]")
        if np.any(count != 1):
            problems.append("not a partition")
        if not self.tmin <= len(parts) <= self.tmax:
            problems.append(f"{len(parts)} parts outside [{self.tmin}, {self.tmax}]")
        return problems


# --------------------------------------------------------------------------- highs helpers

def _highs(threads: int = 1):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    return h


def _lp(cost, A, row_lo, row_hi, col_lo, col_hi, integer=None):
    import highspy

    A = sp.csc_matrix(A)
    A.sort_indices()
    lp = highspy.HighsLp()
    n_rows, n_cols = A.shape
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lo, dtype=float)
    lp.col_upper_ = np.asarray(col_hi, dtype=float)
    lp.row_lower_ = np.asarray(row_lo, dtype=float)
    lp.row_upper_ = np.asarray(row_hi, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integer is not None:
        lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                           for b in integer]
    return lp


class _Rows:
    def __init__(self):
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []

    def add(self, cols, vals, lo, hi):
        i = len(self.lo)
        self.r.extend([i] * len(cols))
        self.c.extend(int(c) for c in cols)
        self.v.extend(float(v) for v in vals)
        self.lo.append(float(lo))
        self.hi.append(float(hi))

    def matrix(self, n_cols):
        return sp.csc_matrix((self.v, (self.r, self.c)), shape=(len(self.lo), n_cols))


# --------------------------------------------------------------------------- pricing

class Pricer:
    """The pricing problem as a MIP: the connected node set S with weight in [L, U] of least

        c(S) - sum_{i in S} pi_i  =  c0 + sum_i (a_i - pi_i) x_i + sum_e w_e z_e

    Connectivity by a single-commodity flow from a root, the root being the first node of S
    in a fixed order (heaviest first), which removes the choice of root.  ``together`` and
    ``apart`` are node pairs that must be in S together / may not both be in S (branching).
    """

    def __init__(self, prob: Problem, *, together=(), apart=(), threads: int = 1):
        import highspy

        self.prob = prob
        n, m = prob.n, prob.m
        self.n, self.m = n, m
        inf = highspy.kHighsInf
        order = np.lexsort((np.arange(n), -prob.weight))       # heaviest first
        pos = np.empty(n, dtype=int)
        pos[order] = np.arange(n)
        self.order, self.pos = order, pos
        srt = np.sort(prob.weight)
        nmax = int(np.searchsorted(np.cumsum(srt), prob.U + 1e-9, side="right"))
        nmax = max(nmax, 1)
        M = max(nmax - 1, 1)
        # Which nodes can be the first node of a lot: the component of i among the nodes
        # not before it must reach L.
        can_root = np.zeros(n, dtype=bool)
        for i in range(n):
            seen = {i}
            stack = [i]
            tot = prob.weight[i]
            while stack and tot < prob.L - 1e-9:
                u = stack.pop()
                for v, _ in prob.adj[u]:
                    if v not in seen and pos[v] > pos[i]:
                        seen.add(v)
                        stack.append(v)
                        tot += prob.weight[v]
            can_root[i] = tot >= prob.L - 1e-9
        self.can_root = can_root
        X = lambda i: i                              # noqa: E731
        R = lambda i: n + i                          # noqa: E731
        Z = lambda e: 2 * n + e                      # noqa: E731
        F = lambda e, d: 2 * n + m + 2 * e + d       # noqa: E731
        nv = 2 * n + 3 * m
        rows = _Rows()
        for e, (u, v) in enumerate(prob.edges):
            rows.add([Z(e), X(u), X(v)], [1, -1, 1], 0, inf)
            rows.add([Z(e), X(u), X(v)], [1, 1, -1], 0, inf)
        rows.add([X(i) for i in range(n)], prob.weight, prob.L, prob.U)
        rows.add([R(i) for i in range(n)], [1] * n, 1, 1)
        for i in range(n):
            rows.add([R(i), X(i)], [1, -1], -inf, 0)
            before = [R(j) for j in order[: pos[i] + 1]]
            rows.add([X(i)] + before, [1] + [-1] * len(before), -inf, 0)
        for e, (u, v) in enumerate(prob.edges):
            rows.add([F(e, 0), F(e, 1), X(u)], [1, 1, -M], -inf, 0)
            rows.add([F(e, 0), F(e, 1), X(v)], [1, 1, -M], -inf, 0)
        into = [[] for _ in range(n)]
        out = [[] for _ in range(n)]
        for e, (u, v) in enumerate(prob.edges):
            out[u].append(F(e, 0)); into[v].append(F(e, 0))     # noqa: E702
            out[v].append(F(e, 1)); into[u].append(F(e, 1))     # noqa: E702
        for i in range(n):
            rows.add(into[i] + out[i] + [X(i), R(i)],
                     [1] * len(into[i]) + [-1] * len(out[i]) + [-1, nmax], 0, inf)
        for u, v in together:
            rows.add([X(u), X(v)], [1, -1], 0, 0)
        for u, v in apart:
            rows.add([X(u), X(v)], [1, 1], -inf, 1)
        A = rows.matrix(nv)
        cost = np.zeros(nv)
        cost[2 * n: 2 * n + m] = prob.w
        col_lo = np.zeros(nv)
        col_hi = np.ones(nv)
        col_hi[2 * n + m:] = M
        col_hi[n: 2 * n][~can_root] = 0.0
        integer = np.zeros(nv, dtype=bool)
        integer[: 2 * n] = True
        h = _highs(threads)
        h.setOptionValue("mip_rel_gap", 1e-6)
        h.setOptionValue("mip_abs_gap", 1e-7)
        h.passModel(_lp(cost, A, rows.lo, rows.hi, col_lo, col_hi, integer))
        self.h = h
        self._found: list[np.ndarray] = []
        self._hits = 0
        self._stop_after = 0
        self._stop_below = -np.inf
        h.cbMipSolution.subscribe(self._on_solution)
        h.cbMipInterrupt.subscribe(self._on_interrupt)
        self._cost_x = None

    def _on_solution(self, e):
        x = np.asarray(e.data_out.mip_solution)[: self.n] > 0.5
        self._found.append(x)
        if self._stop_after and e.data_out.objective_function_value < self._stop_below:
            self._hits += 1

    def _on_interrupt(self, e):
        # The flag persists between runs: set it both ways.
        e.interrupt(bool(self._stop_after and self._hits >= self._stop_after))

    def price(self, pi: np.ndarray, *, time_limit: float | None = None, stop_after: int = 0,
              stop_below: float = -1e-6):
        """Solve with node prizes ``pi``.  Returns (sets found as bool masks, lower bound on
        min_S c(S) - pi(S), whether that bound is the proven minimum).  With ``stop_after``
        the search stops once that many sets with value below ``stop_below`` were found."""
        prob = self.prob
        cx = prob.a - np.asarray(pi, dtype=float)
        self.h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), cx)
        self.h.setOptionValue("time_limit", float(max(time_limit, 0.01)) if time_limit is not None else np.inf)
        self._found = []
        self._hits = 0
        self._stop_after = stop_after
        self._stop_below = stop_below - prob.c0
        self.h.run()
        import highspy

        info = self.h.getInfo()
        ms = self.h.getModelStatus()
        S = highspy.HighsModelStatus
        if ms == S.kInfeasible:
            return [], np.inf, True
        found = list(self._found)
        if info.primal_solution_status == 2:
            found.append(np.asarray(self.h.getSolution().col_value)[: self.n] > 0.5)
        bound = info.mip_dual_bound
        if not np.isfinite(bound):
            bound = -np.inf
        proven = ms == S.kOptimal
        return found, float(bound) + prob.c0, proven


# --------------------------------------------------------------------------- master

class RMP:
    """Restricted master LP: min sum c_S l_S, sum_{S ∋ i} l_S = 1, tmin <= sum l_S <= tmax,
    plus artificial columns (cost ``big``) so it is always feasible."""

    def __init__(self, prob: Problem, big: float, threads: int = 1):
        import highspy

        self.prob = prob
        n = prob.n
        self.n = n
        inf = highspy.kHighsInf
        A = sp.lil_matrix((n + 1, n + 2))
        for i in range(n):
            A[i, i] = 1.0
        A[n, n] = 1.0
        A[n, n + 1] = -1.0
        self.h = _highs(threads)
        self.h.passModel(_lp(np.full(n + 2, big), A.tocsc(), np.r_[np.ones(n), prob.tmin],
                             np.r_[np.ones(n), prob.tmax], np.zeros(n + 2), np.full(n + 2, inf)))
        self.n_art = n + 2
        self.masks: list[np.ndarray] = []
        self.costs: list[float] = []
        self.keys: dict[bytes, int] = {}

    def add(self, mask: np.ndarray, cost: float) -> bool:
        import highspy

        key = np.packbits(mask).tobytes()
        if key in self.keys:
            return False
        self.keys[key] = len(self.masks)
        self.masks.append(mask.copy())
        self.costs.append(cost)
        idx = np.r_[np.flatnonzero(mask), self.n].astype(np.int32)
        self.h.addCols(1, np.array([cost]), np.array([0.0]), np.array([highspy.kHighsInf]), len(idx),
                       np.array([0], dtype=np.int32), idx, np.ones(len(idx)))
        return True

    def solve(self):
        self.h.run()
        sol = self.h.getSolution()
        y = np.asarray(sol.row_dual)
        x = np.asarray(sol.col_value)
        return self.h.getInfo().objective_function_value, y[: self.n], float(y[self.n]), x[self.n_art:], \
            float(x[: self.n_art].sum())


# --------------------------------------------------------------------------- local search pricing

def _articulation(prob: Problem, mask: np.ndarray) -> set[int]:
    """Articulation points of the subgraph induced by ``mask`` (iterative Tarjan)."""
    nodes = np.flatnonzero(mask)
    if len(nodes) <= 2:
        return set() if len(nodes) <= 1 else set()
    disc = {}
    low = {}
    out = set()
    adj = prob.adj
    root = int(nodes[0])
    counter = 0
    disc[root] = low[root] = 0
    children_root = 0
    stack = [(root, -1, iter(adj[root]))]
    while stack:
        u, parent, it = stack[-1]
        advanced = False
        for v, _ in it:
            if not mask[v] or v == parent:
                continue
            if v in disc:
                low[u] = min(low[u], disc[v])
            else:
                counter += 1
                disc[v] = low[v] = counter
                stack.append((v, u, iter(adj[v])))
                if u == root:
                    children_root += 1
                advanced = True
                break
        if not advanced:
            stack.pop()
            if stack:
                p = stack[-1][0]
                low[p] = min(low[p], low[u])
                if p != root and low[u] >= disc[p]:
                    out.add(p)
    if children_root > 1:
        out.add(root)
    return out


def improve(prob: Problem, mask: np.ndarray, value: np.ndarray, *, max_steps: int = 50,
            forbid_pairs=None) -> list[np.ndarray]:
    """Local search from a feasible lot ``mask`` for a lot of larger ``value(S) - boundary(S)``
    (``value`` per node): best improving add / remove / swap move, keeping the lot connected
    and its weight within [L, U].  Returns every improved lot met (best last)."""
    mask = mask.copy()
    wt = prob.weight
    L, U = prob.L - 1e-9, prob.U + 1e-9
    edges, w = prob.edges, prob.w
    n = prob.n
    # t[u]: total boundary weight at u; s[u]: weight of u's edges into S
    t = np.zeros(n)
    np.add.at(t, edges[:, 0], w)
    np.add.at(t, edges[:, 1], w)
    out = []
    p = float(wt[mask].sum())
    for _ in range(max_steps):
        s = np.zeros(n)
        inS = mask
        np.add.at(s, edges[:, 0], w * inS[edges[:, 1]])
        np.add.at(s, edges[:, 1], w * inS[edges[:, 0]])
        d_add = value - (t - 2 * s)             # for u outside S
        d_rem = -value - (2 * s - t)            # for u inside S
        frontier = (~mask) & (s > 0) | (~mask) & _touches(prob, mask)
        art = _articulation(prob, mask)
        removable = mask.copy()
        if art:
            removable[list(art)] = False
        if mask.sum() <= 1:
            removable[:] = False
        best, move = 1e-9, None
        # single adds
        for u in np.flatnonzero(frontier):
            if p + wt[u] <= U and d_add[u] > best:
                best, move = d_add[u], (None, int(u))
        for u in np.flatnonzero(removable):
            if p - wt[u] >= L and d_rem[u] > best:
                best, move = d_rem[u], (int(u), None)
        # swaps: remove r (non-articulation), add a (adjacent to S \ {r})
        rem = np.flatnonzero(removable)
        fr = np.flatnonzero(frontier)
        if len(rem) and len(fr):
            pw = p - wt[rem][:, None] + wt[fr][None, :]
            ok = (pw >= L) & (pw <= U)
            if ok.any():
                gain = d_rem[rem][:, None] + d_add[fr][None, :]
                # correction for an edge between r and a: adding a after removing r
                adjw = _pair_weights(prob, rem, fr)
                gain = gain - 2 * adjw
                gain = np.where(ok, gain, -np.inf)
                order = np.argsort(-gain, axis=None)
                for flat in order[:20]:
                    i, j = np.unravel_index(flat, gain.shape)
                    g = gain[i, j]
                    if g <= best:
                        break
                    r, a = int(rem[i]), int(fr[j])
                    # a must still touch S \ {r}
                    if any(mask[v] and v != r for v, _ in prob.adj[a]):
                        best, move = g, (r, a)
                        break
        if move is None:
            break
        r, a = move
        if r is not None:
            mask[r] = False
            p -= wt[r]
        if a is not None:
            mask[a] = True
            p += wt[a]
        out.append(mask.copy())
    return out


def _touches(prob: Problem, mask: np.ndarray) -> np.ndarray:
    e = prob.edges
    out = np.zeros(prob.n, dtype=bool)
    out[e[:, 0][mask[e[:, 1]]]] = True
    out[e[:, 1][mask[e[:, 0]]]] = True
    return out


def _pair_weights(prob: Problem, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """w of the edge between rows[i] and cols[j] (0 if none)."""
    ri = {int(u): i for i, u in enumerate(rows)}
    cj = {int(v): j for j, v in enumerate(cols)}
    out = np.zeros((len(rows), len(cols)))
    for e, (u, v) in enumerate(prob.edges):
        u, v = int(u), int(v)
        if u in ri and v in cj:
            out[ri[u], cj[v]] += prob.w[e]
        if v in ri and u in cj:
            out[ri[v], cj[u]] += prob.w[e]
    return out
