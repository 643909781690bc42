"""Solver calls and every solver status, in one place.

The master problem is handed over as arrays (a sparse column matrix), so building it costs
nothing: HiGHS is called directly through highspy (profiling showed PuLP's modelling layer,
not the solve, dominated for masters of 10^5 columns: see benchmarks/README.md).  CBC is
reached through PuLP, using only API that PuLP 3.3 and 4.x share (``add_variable``).

Outcomes are truthful: ``optimal`` only when the solver proved it (relative gap ≤ 1e-6);
a plan stopped by the time limit is ``feasible`` with its bound and gap; HiGHS reports
"Optimal" once the gap is under ``mip_rel_gap``, so the gap is read, never assumed.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

PROVEN_GAP = 1e-6


class Status(str, enum.Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"             # a plan, not proven optimal: see bound and gap
    INFEASIBLE = "infeasible"
    NO_PLAN = "time_limit_no_plan"    # stopped before any plan was found
    ERROR = "error"


@dataclass(frozen=True)
class SolveOutcome:
    """What the solver achieved, stated honestly."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    version: str
    message: str = ""
    columns: int = 0
    complete: bool = True
    """All candidate lots were considered (exact); False after column generation."""

    @property
    def has_plan(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def to_dict(self) -> dict:
        return {"status": self.status.value, "objective": self.objective, "bound": self.bound, "gap": self.gap,
                "seconds": round(self.seconds, 3), "solver": self.solver, "solver_version": self.version,
                "message": self.message, "columns": self.columns, "all_lots_considered": self.complete}


@dataclass
class Master:
    """min c x  s.t.  row_lo <= A x <= row_hi,  x >= 0 (binary for a MIP)."""

    cost: np.ndarray
    matrix: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    names: list[str] = field(default_factory=list)


@dataclass
class RawResult:
    status: Status
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    duals: np.ndarray | None
    seconds: float
    message: str


def gap_of(objective: float | None, bound: float | None) -> float | None:
    """Relative gap as HiGHS defines it: |obj - bound| / max(|obj|, 1)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1.0)


def highs_version() -> str:
    import highspy

    h = highspy.Highs()
    return f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def solve_highs(master: Master, *, integer: bool, time_limit: float | None = None, mip_gap: float = 0.0,
                threads: int = 1, presolve: bool = True) -> RawResult:
    import highspy

    start = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    if integer:
        h.setOptionValue("mip_rel_gap", float(max(mip_gap, 1e-9)))
        h.setOptionValue("mip_abs_gap", 1e-9)
    A = master.matrix.tocsc()
    A.sort_indices()
    lp = highspy.HighsLp()
    n_rows, n_cols = A.shape
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.asarray(master.cost, dtype=float)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.ones(n_cols) if integer else np.full(n_cols, highspy.kHighsInf)
    lp.row_lower_ = np.where(np.isfinite(master.row_lo), master.row_lo, -highspy.kHighsInf)
    lp.row_upper_ = np.where(np.isfinite(master.row_hi), master.row_hi, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols
    h.passModel(lp)
    h.run()
    seconds = time.perf_counter() - start
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value) if has_solution else None
    obj = info.objective_function_value if has_solution else None
    bound = (info.mip_dual_bound if integer else obj) if ms != S.kInfeasible else None
    duals = np.asarray(h.getSolution().row_dual) if (not integer and ms == S.kOptimal) else None
    if bound is not None and not math.isfinite(bound):
        bound = None
    if ms == S.kOptimal:
        gap = gap_of(obj, bound) if integer else 0.0
        status = Status.OPTIMAL if (gap is not None and gap <= PROVEN_GAP) else Status.FEASIBLE
        return RawResult(status, x, obj, bound, duals, seconds, f"HiGHS: {h.modelStatusToString(ms)}")
    if ms in (S.kInfeasible,):
        return RawResult(Status.INFEASIBLE, None, None, None, None, seconds, "HiGHS: infeasible")
    if ms in (S.kTimeLimit, S.kIterationLimit, S.kInterrupt, S.kSolutionLimit, S.kObjectiveBound,
              S.kObjectiveTarget):
        status = Status.FEASIBLE if x is not None else Status.NO_PLAN
        return RawResult(status, x, obj, bound, None, seconds, f"HiGHS: {h.modelStatusToString(ms)}")
    if ms == S.kUnboundedOrInfeasible or ms == S.kUnbounded:
        return RawResult(Status.ERROR, None, None, None, None, seconds,
                         f"HiGHS: {h.modelStatusToString(ms)} (the master problem cannot be unbounded: a bug)")
    return RawResult(Status.ERROR, x, obj, bound, None, seconds, f"HiGHS: {h.modelStatusToString(ms)}")


def solve_pulp(master: Master, *, solver: str = "cbc", time_limit: float | None = None, mip_gap: float = 0.0,
               threads: int = 1) -> RawResult:
    """Solve the master as a MIP through PuLP (CBC by default)."""
    import pulp

    start = time.perf_counter()
    prob = pulp.LpProblem("lot_plan", pulp.LpMinimize)
    A = master.matrix.tocsc()
    xs = [prob.add_variable(f"x{j}", lowBound=0, upBound=1, cat="Binary") for j in range(A.shape[1])]
    prob += pulp.LpAffineExpression([(xs[j], float(master.cost[j])) for j in range(A.shape[1])])
    rows: list[list] = [[] for _ in range(A.shape[0])]
    for j in range(A.shape[1]):
        for k in range(A.indptr[j], A.indptr[j + 1]):
            rows[A.indices[k]].append((xs[j], float(A.data[k])))
    for i, terms in enumerate(rows):
        expr = pulp.LpAffineExpression(terms)
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
    prob.solve(cmd)
    seconds = time.perf_counter() - start
    # PuLP's status says "Optimal" for a time-limited incumbent; sol_status tells them apart.
    sol = prob.sol_status
    x = np.array([v.value() or 0.0 for v in xs]) if sol in (1, 2) else None
    obj = float(pulp.value(prob.objective)) if x is not None else None
    if sol == 1:
        return RawResult(Status.OPTIMAL, x, obj, obj, None, seconds, "CBC: optimal")
    if sol == 2:
        return RawResult(Status.FEASIBLE, x, obj, None, None, seconds, "CBC: stopped with a plan (bound not reported)")
    if sol == -1 or prob.status == -1:
        return RawResult(Status.INFEASIBLE, None, None, None, None, seconds, "CBC: infeasible")
    if sol == 0:
        return RawResult(Status.NO_PLAN, None, None, None, None, seconds, "CBC: no plan found in the time limit")
    return RawResult(Status.ERROR, None, None, None, None, seconds, f"CBC: {pulp.LpStatus.get(prob.status)}")


def pulp_version() -> str:
    import pulp

    return f"CBC via PuLP {pulp.__version__}"
