"""CBC through PuLP, for cross-checks (``--solver cbc``).

Only API that PuLP 3.3 and 4.x share is used (``add_variable``, ``lpSum``); the real
outcome of a PuLP solve is read in one place (:func:`_pulp_status`).
"""

from __future__ import annotations

import math
import time

import numpy as np

from lotsplit.engine.highs import RawResult, Status
from lotsplit.model.master import Master


def solve_pulp(master: Master, *, solver: str = "cbc", time_limit: float | None = None, mip_gap: float = 0.0,
               threads: int = 1) -> RawResult:
    """Solve the master as a MIP through PuLP (CBC by default)."""
    import pulp

    start = time.perf_counter()
    prob = pulp.LpProblem("lot_plan", pulp.LpMinimize)
    A = master.matrix.tocsc()
    xs = [prob.add_variable(f"x{j}", lowBound=0, upBound=1, cat="Binary") for j in range(A.shape[1])]
    # lpSum of products: the expression form PuLP 3.3 and 4.x both accept (CBC is for
    # cross-checks on small masters, so the slower path is fine).
    prob += pulp.lpSum(float(master.cost[j]) * xs[j] for j in range(A.shape[1]))
    rows: list[list] = [[] for _ in range(A.shape[0])]
    for j in range(A.shape[1]):
        for k in range(A.indptr[j], A.indptr[j + 1]):
            rows[A.indices[k]].append((xs[j], float(A.data[k])))
    for i, terms in enumerate(rows):
        expr = pulp.lpSum(c * x for x, c in terms)
        lo, hi = master.row_lo[i], master.row_hi[i]
        if math.isfinite(lo) and math.isfinite(hi) and lo == hi:
            prob += expr == lo
        else:
            if math.isfinite(lo):
                prob += expr >= lo
            if math.isfinite(hi):
                prob += expr <= hi
    if solver != "cbc":
        raise ValueError(f"unknown PuLP solver {solver!r}")
    # PuLP 3 bundles CBC as PULP_CBC_CMD; PuLP 4 drops it for COIN_CMD (pip install pulp[cbc]).
    cbc = pulp.COIN_CMD if int(pulp.__version__.split(".")[0]) >= 4 else pulp.PULP_CBC_CMD
    cmd = cbc(msg=False, timeLimit=time_limit, gapRel=mip_gap or None, threads=threads)
    answer = prob.solve(cmd)
    seconds = time.perf_counter() - start
    sol, bound = _pulp_status(prob, answer)
    x = np.array([v.value() or 0.0 for v in xs]) if sol in (1, 2) else None
    obj = float(pulp.value(prob.objective)) if x is not None else None
    if sol == 1:
        return RawResult(Status.OPTIMAL, x, obj, obj, None, seconds, "CBC: optimal")
    if sol == 2:
        return RawResult(Status.FEASIBLE, x, obj, bound, None, seconds,
                         "CBC: stopped with a plan" + ("" if bound is not None else " (bound not reported)"))
    if sol == -1:
        return RawResult(Status.INFEASIBLE, None, None, None, None, seconds, "CBC: infeasible")
    if sol == 0:
        return RawResult(Status.NO_PLAN, None, None, None, None, seconds, "CBC: no plan found in the time limit")
    return RawResult(Status.ERROR, None, None, None, None, seconds, f"CBC: status {sol}")


def _pulp_status(prob, answer) -> tuple[int, float | None]:
    """The real outcome of a PuLP solve, as PuLP 3's solution status (1 proven optimal,
    2 a plan without proof, 0 no plan, -1 infeasible, -3 other) and the bound if known.

    PuLP 3 says "Optimal" for a time-limited incumbent; its ``sol_status`` tells them
    apart.  PuLP 4 returns an ``LpSolveStats`` with the stop reason and whether a plan came
    back."""
    if not hasattr(answer, "has_solution"):                       # PuLP 3: an int status
        sol = prob.sol_status
        return (-1 if prob.status == -1 and sol not in (1, 2) else sol), None
    reason = int(answer.status)
    bound = answer.best_bound if answer.best_bound is not None and math.isfinite(answer.best_bound) else None
    if answer.has_solution:
        return (1 if reason == 1 else 2), bound
    if reason == -1:
        return -1, None
    return (0 if reason in (0, -4, -6, -8, -9, -10, -11) else -3), None


def pulp_version() -> str:
    import pulp

    return f"CBC via PuLP {pulp.__version__}"
