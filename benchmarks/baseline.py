"""The compact MIP a consultant would write for contiguous partitioning: the baseline.

Labelling model with single-commodity-flow (SCF) contiguity, as in Validi & Buchanan
(2022, "Labeling-SCF"), solved with HiGHS through highspy (the model is passed as a
sparse matrix, so building it costs milliseconds):

    x[i,j] in {0,1}   node i is in part j            (i in V, j = 0..k-1)
    r[i,j] in {0,1}   node i is the root of part j
    y[e]   in {0,1}   edge e is cut
    f[u,v] >= 0       flow on arc (u, v), both directions of every edge

    min  sum_e len_e y_e
    s.t. sum_j x[i,j] = 1                                   every node in one part
         L <= sum_i w_i x[i,j] <= U                         part weight
         sum_i r[i,j] = 1,   r[i,j] <= x[i,j]               one root per part, inside it
         y_e >= x[u,j] - x[v,j],  y_e >= x[v,j] - x[u,j]    cut edges
         in(i) - out(i) >= 1 - n sum_j r[i,j]               every non-root consumes a unit
         in(i) <= (n - k) (1 - sum_j r[i,j])                roots receive nothing
         f[u,v] <= (n - k) (1 - y_e)                        flow only inside a part

Flow reaches a non-root only along uncut edges from a root, and uncut edges stay inside
one part, so every part is connected.  ``symmetry=True`` (default) adds the usual
diagonal fixing x[i,j] = r[i,j] = 0 for j > i (parts ordered by their lowest node),
which any competent modeller adds; it only makes the baseline faster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from benchmarks.instances import PartitionInstance


@dataclass
class BaselineResult:
    status: str                   # optimal / feasible / no_plan / infeasible / error
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float                # build + solve, wall
    build_seconds: float
    plan: dict[str, int] | None
    variables: int
    constraints: int
    message: str = ""
    cpu_seconds: float = 0.0      # build + solve, process CPU time


class _Rows:
    def __init__(self):
        self.r, self.c, self.v, self.lo, self.hi = [], [], [], [], []

    def add(self, cols, vals, lo, hi):
        i = len(self.lo)
        self.r.extend([i] * len(cols))
        self.c.extend(cols)
        self.v.extend(vals)
        self.lo.append(lo)
        self.hi.append(hi)


def solve_compact(inst: PartitionInstance, *, time_limit: float = 120.0, threads: int = 1,
                  symmetry: bool = True) -> BaselineResult:
    import highspy

    t0, c0 = time.perf_counter(), time.process_time()
    nodes = list(inst.graph.nodes)
    pos = {a: i for i, a in enumerate(nodes)}
    n, k = len(nodes), inst.k
    edges = [(pos[a], pos[b], float(d.get("length", 1.0))) for a, b, d in inst.graph.edges(data=True)]
    m = len(edges)
    X = lambda i, j: i * k + j                       # noqa: E731
    R = lambda i, j: n * k + i * k + j               # noqa: E731
    Y = lambda e: 2 * n * k + e                      # noqa: E731
    F = lambda e, d: 2 * n * k + m + 2 * e + d       # noqa: E731  d=0: u->v, d=1: v->u
    n_var = 2 * n * k + 3 * m
    inf = highspy.kHighsInf
    cost = np.zeros(n_var)
    lower = np.zeros(n_var)
    upper = np.ones(n_var)
    integer = np.zeros(n_var, dtype=bool)
    integer[: 2 * n * k + m] = True
    cap = float(n - k)
    upper[2 * n * k + m:] = cap
    for e, (_, _, length) in enumerate(edges):
        cost[Y(e)] = length
    if symmetry:
        for i in range(n):
            for j in range(i + 1, k):
                upper[X(i, j)] = upper[R(i, j)] = 0.0
    rows = _Rows()
    w = np.array([inst.weight[a] for a in nodes], dtype=float)
    for i in range(n):
        rows.add([X(i, j) for j in range(k)], [1.0] * k, 1.0, 1.0)
    for j in range(k):
        rows.add([X(i, j) for i in range(n)], list(w), float(inst.L), float(inst.U))
        rows.add([R(i, j) for i in range(n)], [1.0] * n, 1.0, 1.0)
        for i in range(n):
            rows.add([R(i, j), X(i, j)], [1.0, -1.0], -inf, 0.0)
    for e, (u, v, _) in enumerate(edges):
        for j in range(k):
            rows.add([Y(e), X(u, j), X(v, j)], [1.0, -1.0, 1.0], 0.0, inf)
            rows.add([Y(e), X(u, j), X(v, j)], [1.0, 1.0, -1.0], 0.0, inf)
        rows.add([F(e, 0), Y(e)], [1.0, cap], -inf, cap)
        rows.add([F(e, 1), Y(e)], [1.0, cap], -inf, cap)
    into: list[list[int]] = [[] for _ in range(n)]
    out: list[list[int]] = [[] for _ in range(n)]
    for e, (u, v, _) in enumerate(edges):
        out[u].append(F(e, 0)); into[v].append(F(e, 0))
        out[v].append(F(e, 1)); into[u].append(F(e, 1))
    for i in range(n):
        roots = [R(i, j) for j in range(k)]
        # in - out + n sum_j r >= 1: a non-root consumes one unit, a root may emit
        rows.add(into[i] + out[i] + roots, [1.0] * len(into[i]) + [-1.0] * len(out[i]) + [float(n)] * k, 1.0, inf)
        # in + cap * sum_j r <= cap
        rows.add(into[i] + roots, [1.0] * len(into[i]) + [cap] * k, -inf, cap)
    A = sp.csc_matrix((rows.v, (rows.r, rows.c)), shape=(len(rows.lo), n_var))
    A.sort_indices()

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-6)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_var, A.shape[0]
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(rows.lo, dtype=float)
    lp.row_upper_ = np.array(rows.hi, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_var, A.shape[0]
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in integer]
    h.passModel(lp)
    build = time.perf_counter() - t0
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    ms = h.getModelStatus()
    S = highspy.HighsModelStatus
    has = info.primal_solution_status == 2
    obj = info.objective_function_value if has else None
    bound = info.mip_dual_bound if ms != S.kInfeasible else None
    if bound is not None and not np.isfinite(bound):
        bound = None
    plan = None
    if has:
        x = np.asarray(h.getSolution().col_value)
        plan = {a: int(np.argmax([x[X(i, j)] for j in range(k)])) for i, a in enumerate(nodes)}
    gap = abs(obj - bound) / max(abs(obj), 1.0) if obj is not None and bound is not None else None
    if ms == S.kOptimal and gap is not None and gap <= 1e-6:
        status = "optimal"
    elif ms == S.kInfeasible:
        status = "infeasible"
    elif has:
        status = "feasible"
    elif ms in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit):
        status = "no_plan"
    else:
        status = "error"
    return BaselineResult(status, obj, bound, gap, seconds, build, plan, n_var, A.shape[0],
                          f"HiGHS: {h.modelStatusToString(ms)}", time.process_time() - c0)
