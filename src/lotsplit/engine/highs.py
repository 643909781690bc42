"""HiGHS, run in one place, and every solver status mapped once.

The master problem is handed over as arrays (a sparse column matrix), so building it costs
nothing: HiGHS is called directly through highspy (profiling showed PuLP's modelling layer,
not the solve, dominated for masters of 10^5 columns: see benchmarks/README.md).

:func:`run` is the one HiGHS runner: it gives HiGHS the user's time limit (the only clock,
:class:`Effort`) and the stage's work limit (nodes, iterations: deterministic), stops it on
a stop request (Ctrl-C, the web app's stop button: ``lotsplit.progress``), reports
improving plans as progress events, and maps every HiGHS model status once into a
:class:`Termination`.  Outcomes are truthful: ``optimal`` only when the solver proved it
(relative gap ≤ 1e-6); HiGHS reports "Optimal" once the gap is under ``mip_rel_gap``, so
the gap is read, never assumed; a plan a limit stopped is ``feasible`` with its bound, its
gap and what stopped it.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lotsplit import progress
from lotsplit.model.master import Master

PROVEN_GAP = 1e-6


class Status(str, enum.Enum):
    """What the solve has: a proven optimum, a plan with a gap, no plan."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"             # a plan, not proven optimal: see bound, gap and termination
    INFEASIBLE = "infeasible"
    NO_PLAN = "time_limit_no_plan"    # stopped before any plan was found
    ERROR = "error"


class Termination(str, enum.Enum):
    """Why the search stopped."""

    OPTIMAL = "optimal"               # proven (or within the requested gap)
    TIME_LIMIT = "time_limit"         # the user's time limit
    WORK_LIMIT = "work_limit"         # an internal work budget (nodes, lots, rounds): deterministic
    INTERRUPTED = "interrupted"       # a stop request (Ctrl-C)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"
    UNKNOWN = "unknown"


def _termination_of(ms) -> Termination:
    import highspy

    S = highspy.HighsModelStatus
    table = {
        S.kOptimal: Termination.OPTIMAL, S.kModelEmpty: Termination.OPTIMAL,
        S.kInfeasible: Termination.INFEASIBLE,
        S.kUnbounded: Termination.UNBOUNDED, S.kUnboundedOrInfeasible: Termination.UNBOUNDED,
        S.kTimeLimit: Termination.TIME_LIMIT,
        S.kIterationLimit: Termination.WORK_LIMIT, S.kSolutionLimit: Termination.WORK_LIMIT,
        S.kObjectiveBound: Termination.WORK_LIMIT, S.kObjectiveTarget: Termination.WORK_LIMIT,
        S.kInterrupt: Termination.INTERRUPTED, S.kHighsInterrupt: Termination.INTERRUPTED,
        S.kLoadError: Termination.ERROR, S.kModelError: Termination.ERROR, S.kPresolveError: Termination.ERROR,
        S.kSolveError: Termination.ERROR, S.kPostsolveError: Termination.ERROR, S.kMemoryLimit: Termination.ERROR,
        S.kNotset: Termination.UNKNOWN, S.kUnknown: Termination.UNKNOWN,
    }
    return table.get(ms, Termination.UNKNOWN)


@dataclass
class Effort:
    """The clock and the work of one solve.

    ``deadline`` (a ``time.perf_counter()`` value) comes from the user's time limit and is
    the only clock the engine reads: every internal budget counts work (lots, nodes,
    rounds), so the same inputs give the same plan, status and bound on an idle and on a
    loaded machine unless the user's limit cuts.  ``stops`` records what cut a stage."""

    deadline: float | None = None
    threads: int = 1
    seed: int = 0
    stops: set = field(default_factory=set)

    @classmethod
    def of(cls, time_limit: float | None, *, threads: int = 1, seed: int = 0) -> Effort:
        return cls(None if time_limit is None else time.perf_counter() + time_limit, max(1, int(threads)), int(seed))

    def within(self, seconds: float) -> Effort:
        """The same effort with a user's limit of at most ``seconds`` more (a per-step
        limit the user asked for); its ``stops`` are its own."""
        end = time.perf_counter() + seconds
        return Effort(end if self.deadline is None else min(self.deadline, end), self.threads, self.seed, set())

    def left(self) -> float | None:
        """Seconds to the user's limit (at least 0.01), or None without one."""
        return None if self.deadline is None else max(0.01, self.deadline - time.perf_counter())

    def out_of_time(self) -> bool:
        """The user's limit has passed, or a stop was requested (both are noted)."""
        if progress.stop_requested():
            self.stops.add(Termination.INTERRUPTED)
            return True
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            self.stops.add(Termination.TIME_LIMIT)
            return True
        return False

    def note(self, termination: Termination) -> None:
        if termination in (Termination.TIME_LIMIT, Termination.WORK_LIMIT, Termination.INTERRUPTED):
            self.stops.add(termination)

    @property
    def termination(self) -> Termination:
        """Why a search that did not prove its answer stopped: a stop request, else the
        user's time limit, else a work budget."""
        for t in (Termination.INTERRUPTED, Termination.TIME_LIMIT, Termination.WORK_LIMIT):
            if t in self.stops:
                return t
        return Termination.WORK_LIMIT


UNLIMITED = Effort()
"""No time limit, one thread, seed 0 (tests and notebooks that call a stage directly)."""


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
    termination: Termination = Termination.OPTIMAL
    """Why the search stopped (``optimal`` when it proved its answer)."""

    @property
    def has_plan(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def to_dict(self) -> dict:
        return {"status": self.status.value, "termination": self.termination.value, "objective": self.objective,
                "bound": self.bound, "gap": self.gap, "seconds": round(self.seconds, 3), "solver": self.solver,
                "solver_version": self.version, "message": self.message, "columns": self.columns,
                "all_lots_considered": self.complete}


@dataclass
class RawResult:
    status: Status
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    duals: np.ndarray | None
    seconds: float
    message: str
    master: "Master | None" = None      # the master these values belong to, when it matters
    final: bool = False                 # proven over every lot (not only the pool's)
    termination: Termination = Termination.OPTIMAL
    lp_bound: float | None = None       # the LP relaxation over the same columns (with ``duals``)


def gap_of(objective: float | None, bound: float | None) -> float | None:
    """Relative gap as HiGHS defines it: |obj - bound| / max(|obj|, 1)."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1.0)


def highs_version() -> str:
    import highspy

    h = highspy.Highs()
    return f"HiGHS {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


_scheduler_threads: int | None = None


def new_highs(threads: int = 1, time_limit: float | None = None, *, presolve: bool = True, seed: int = 0):
    """A quiet, seeded ``highspy.Highs`` using ``threads`` threads.

    HiGHS fixes its thread pool when the first model runs; a later model asking for another
    number fails with status "Not Set".  The pool is reset here whenever the number changes.
    """
    import highspy

    global _scheduler_threads
    threads = max(1, int(threads))
    if _scheduler_threads is not None and _scheduler_threads != threads:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads = threads
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", int(seed))
    if not presolve:
        h.setOptionValue("presolve", "off")
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    return h


@dataclass
class Run:
    """One HiGHS run: why it stopped, the solution (when there is one) and the work done."""

    termination: Termination
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    duals: np.ndarray | None
    nodes: int
    iterations: int
    seconds: float
    message: str


def run(h, *, effort: Effort | None = None, mip: bool = False, nodes: int | None = None,
        iterations: int | None = None, report: bool = False) -> Run:
    """Run HiGHS on the model loaded in ``h``, the one place that does.

    ``effort``: the user's time limit (HiGHS's clock runs across the runs of one model, so
    the limit is set relative to it) and the stop flag, polled from HiGHS's interrupt
    callbacks.  ``nodes`` / ``iterations``: the stage's work limit (deterministic).
    ``report``: send improving plans to the progress listeners (``incumbent`` events).
    Repeated runs of one ``h`` (warm starts) are fine."""
    import highspy

    effort = effort or UNLIMITED
    left = effort.left()
    h.setOptionValue("time_limit", float(h.getRunTime() + left) if left is not None else highspy.kHighsInf)
    if nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max(1, nodes)))
    if iterations is not None:
        h.setOptionValue("simplex_iteration_limit", int(max(1, iterations)))
    if not getattr(h, "_lotsplit_callbacks", False):
        # HiGHS may call back from its own threads: the run's stop flag and listeners are
        # bound here, in the thread that runs the solve.
        stopped, send = progress.stop_check(), progress.reporter()

        def interrupt(e):
            if stopped():
                e.interrupt()
        h.cbSimplexInterrupt.subscribe(interrupt)
        h.cbIpmInterrupt.subscribe(interrupt)
        h.cbMipInterrupt.subscribe(interrupt)
        if report:
            def improved(e):
                out = e.data_out
                send("incumbent", objective=float(out.objective_function_value),
                     bound=float(out.mip_dual_bound) if math.isfinite(out.mip_dual_bound) else None,
                     gap=float(out.mip_gap) if math.isfinite(out.mip_gap) else None)
            h.cbMipImprovingSolution.subscribe(improved)
        h._lotsplit_callbacks = True
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    termination = _termination_of(ms)
    if termination == Termination.INTERRUPTED and not progress.stop_requested():
        termination = Termination.UNKNOWN
    effort.note(termination)
    has_solution = info.primal_solution_status == 2          # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value) if has_solution else None
    obj = float(info.objective_function_value) if has_solution else None
    if mip:
        bound = info.mip_dual_bound if termination != Termination.INFEASIBLE else None
    else:
        bound = obj if termination == Termination.OPTIMAL else None
    if bound is not None and not math.isfinite(bound):
        bound = None
    duals = np.asarray(h.getSolution().row_dual) if (not mip and termination == Termination.OPTIMAL) else None
    return Run(termination, x, obj, bound, duals, int(info.mip_node_count) if mip else 0,
               int(info.simplex_iteration_count), seconds, f"HiGHS: {h.modelStatusToString(ms)}")


_STATUS_OF = {Termination.INFEASIBLE: Status.INFEASIBLE, Termination.UNBOUNDED: Status.ERROR,
              Termination.ERROR: Status.ERROR, Termination.UNKNOWN: Status.ERROR}


TIGHT_TOLERANCE = 1e-9
"""Row feasibility tolerance of ``tight`` solves (the frontier's local-share rows)."""


def solve_highs(master: Master, *, integer: bool, effort: Effort | None = None, time_limit: float | None = None,
                mip_gap: float = 0.0, threads: int | None = None, presolve: bool = True,
                incumbent: np.ndarray | None = None, nodes: int | None = None, report: bool = False,
                tight: bool = False) -> RawResult:
    """Solve the master with HiGHS (``time_limit``: a stage's own limit, within the
    effort's); ``incumbent`` (a 0/1 plan) is handed to the MIP as its first solution, so
    the search prunes against it from the start.  ``tight``: feasibility tolerance
    ``TIGHT_TOLERANCE`` (rows such as a local-share target then hold to 1e-9)."""
    import highspy

    effort = effort or UNLIMITED
    if time_limit is not None:
        effort = Effort(min(x for x in (effort.deadline, time.perf_counter() + time_limit) if x is not None),
                        effort.threads, effort.seed, effort.stops)
    if effort.out_of_time():                      # do not even build the model
        return RawResult(Status.NO_PLAN if incumbent is None else Status.FEASIBLE, incumbent,
                         None if incumbent is None else float(master.cost @ incumbent), None, None, 0.0,
                         "stopped before the solve", termination=effort.termination)
    h = new_highs(threads or effort.threads, presolve=presolve, seed=effort.seed)
    if integer:
        h.setOptionValue("mip_rel_gap", float(max(mip_gap, 1e-9)))
        h.setOptionValue("mip_abs_gap", 1e-9)
    if tight:
        h.setOptionValue("primal_feasibility_tolerance", TIGHT_TOLERANCE)
        if integer:
            h.setOptionValue("mip_feasibility_tolerance", TIGHT_TOLERANCE)
    h.passModel(highs_lp(master.cost, master.matrix, master.row_lo, master.row_hi,
                         upper=1.0 if integer else math.inf, integer=integer))
    if integer and incumbent is not None:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(incumbent, dtype=float)
        sol.value_valid = True
        h.setSolution(sol)
    r = run(h, effort=effort, mip=integer, nodes=nodes, report=report)
    if r.termination == Termination.ERROR and presolve and "Solve error" in r.message:
        # HiGHS 1.15 sometimes ends an infeasible MIP's presolve with "Solve error".
        return solve_highs(master, integer=integer, effort=effort, mip_gap=mip_gap, threads=threads,
                           presolve=False, incumbent=incumbent, nodes=nodes, report=report, tight=tight)
    if r.termination == Termination.UNBOUNDED:
        return RawResult(Status.ERROR, None, None, None, None, r.seconds,
                         f"{r.message} (the master problem cannot be unbounded: a bug)", termination=r.termination)
    if r.termination in _STATUS_OF:
        return RawResult(_STATUS_OF[r.termination], r.x, r.objective, r.bound, None, r.seconds, r.message,
                         termination=r.termination)
    if r.termination == Termination.OPTIMAL:
        gap = gap_of(r.objective, r.bound) if integer else 0.0
        status = Status.OPTIMAL if (gap is not None and gap <= PROVEN_GAP) else Status.FEASIBLE
        return RawResult(status, r.x, r.objective, r.bound, r.duals, r.seconds, r.message, termination=r.termination)
    status = Status.FEASIBLE if r.x is not None else Status.NO_PLAN
    return RawResult(status, r.x, r.objective, r.bound, None, r.seconds, r.message, termination=r.termination)


def highs_lp(cost, A: sp.csc_matrix, lo, hi, *, lower=0.0, upper=math.inf, integer=False):
    """A ``highspy.HighsLp``: min cost·x, lo <= A x <= hi, lower <= x <= upper.

    ``lower``/``upper``: a number for every column or an array; ``integer``: True for every
    column or a boolean array.  Infinite bounds mean no bound."""
    import highspy

    inf = highspy.kHighsInf
    A = A.tocsc()
    A.sort_indices()
    lp = highspy.HighsLp()
    n_rows, n_cols = A.shape
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.broadcast_to(np.asarray(lower, dtype=float), (n_cols,)).copy()
    up = np.broadcast_to(np.asarray(upper, dtype=float), (n_cols,))
    lp.col_upper_ = np.where(np.isfinite(up), up, inf)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -inf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, inf).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    mask = np.broadcast_to(np.asarray(integer, dtype=bool), (n_cols,))
    if mask.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous for b in mask]
    return lp


def dual_bound(cost: np.ndarray, A: sp.csc_matrix, lo: np.ndarray, hi: np.ndarray, upper: np.ndarray,
               y: np.ndarray) -> float:
    """A lower bound on ``min cost·x, lo <= A x <= hi, 0 <= x <= upper`` from any row duals
    ``y`` (the Lagrangian: each row's dual at the bound it pushes against, each column at
    the bound its reduced cost prefers), so it holds even when the solver stopped short of
    the optimum or its tolerances left the duals slightly infeasible.  ``upper`` must be
    finite."""
    y = np.where(((y > 0) & ~np.isfinite(lo)) | ((y < 0) & ~np.isfinite(hi)), 0.0, y)
    rows = np.where(y > 0, y * np.where(np.isfinite(lo), lo, 0.0), y * np.where(np.isfinite(hi), hi, 0.0))
    rc = cost - A.T @ y
    return float(rows.sum() + (np.minimum(rc, 0.0) * upper).sum())


def lp_bound(master: Master, upper: np.ndarray, *, effort: Effort, iterations: int, interior: bool,
             cuts=None, rounds: int = 0, stall: float = 0.0, cut_work: float = 1.0,
             target: float | None = None) -> tuple[float | None, Run]:
    """A lower bound on the LP ``master`` with ``0 <= x <= upper`` (:func:`dual_bound` of the
    duals HiGHS ends with), by the dual simplex or, when ``interior``, the interior point
    method without crossover (on large degenerate LPs many times faster; its duals need
    not be exactly feasible, and need not be).  ``iterations`` is the work budget (simplex
    or interior point iterations); past it, or past the user's time limit, the bound is
    that of the duals so far.  None when HiGHS has no duals at all.

    ``cuts``: a separation routine, ``x -> [(columns, coefficients), ...]`` of rows
    ``a·x <= 0`` valid for every point the LP stands for and violated by ``x``; up to
    ``rounds`` times they are added and the LP solved again from its last basis (the dual
    simplex), until none is found, a round raises the bound by less than ``stall`` of the
    gap to ``target`` (a plan's objective; without one, of the bound's size), or the rounds
    have taken ``cut_work`` times the simplex iterations of the first solve.  Each round's
    bound is valid, the best is returned."""
    import highspy

    scale = max(1.0, float(np.abs(master.cost).max())) if len(master.cost) else 1.0
    cost = np.asarray(master.cost, dtype=float) / scale
    h = new_highs(effort.threads, seed=effort.seed)
    if interior:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
        h.setOptionValue("ipm_iteration_limit", int(iterations))
    h.passModel(highs_lp(cost, master.matrix, master.row_lo, master.row_hi, upper=upper))
    A, lo, hi = master.matrix.tocsc(), master.row_lo, master.row_hi

    def bound_now() -> float | None:
        sol = h.getSolution()
        return scale * dual_bound(cost, A, lo, hi, upper, np.asarray(sol.row_dual)) if sol.dual_valid else None

    r = run(h, effort=effort, iterations=None if interior else iterations)
    best = bound_now()
    work = int(cut_work * r.iterations)
    for _ in range(rounds if cuts is not None and not interior else 0):
        if (best is None or r.x is None or r.termination != Termination.OPTIMAL or work <= 0
                or (target is not None and best >= target) or effort.out_of_time()):
            break
        new = cuts(r.x)
        if not new:
            break
        indptr = np.cumsum([0] + [len(c) for c, _ in new])
        index = np.concatenate([c for c, _ in new]).astype(np.int32)
        value = np.concatenate([v for _, v in new]).astype(float)
        h.addRows(len(new), np.full(len(new), -highspy.kHighsInf), np.zeros(len(new)), len(index),
                  indptr[:-1].astype(np.int32), index, value)
        A = sp.vstack([A, sp.csr_matrix((value, index, indptr), shape=(len(new), A.shape[1]))]).tocsc()
        lo, hi = np.r_[lo, np.full(len(new), -np.inf)], np.r_[hi, np.zeros(len(new))]
        r = run(h, effort=effort, iterations=min(iterations, work))
        work -= r.iterations
        now = bound_now()
        if now is None:
            break
        gain, best = now - best, max(best, now)
        if gain < stall * (max(1.0, abs(best)) if target is None else target - best):
            break
    return best, r


SIFT_ABOVE = 200_000
"""Masters with more columns than this are sifted; smaller ones are solved whole."""


IPM_ROWS = 1000
"""Sifting LPs with more rows than this use the interior point method (with crossover):
on the L instance (2,900 rows) it is 4-5× faster than the dual simplex, even warm."""


def solve_lp_sifted(master: Master, *, effort: Effort | None = None, start: np.ndarray | None = None,
                    batch: int | None = None, penalty: float | None = None, elastic_duals: bool = False,
                    oracle=None, iterations: int | None = None) -> RawResult:
    """The LP relaxation of a large master by sifting (column generation over a known pool).

    A working set of columns (``start``, or the cheapest per covered cell) is solved with an
    elastic slack on every row (cost ``P`` per unit), the whole pool is priced with the
    duals in one sparse product, and the most negative reduced-cost columns join the
    working set, warm-started, until no column prices out.  The result is the LP optimum
    over the whole pool: ``x`` and reduced costs are full length.  A slack still in use at
    the end means the LP over the pool is infeasible (checked by a pure phase I, so a small
    ``P`` can never turn a feasible master into an infeasible one).  With ``elastic_duals``
    an infeasible result carries the phase I duals (they say which cells lack columns).

    ``oracle(duals, value) -> (cost, columns)`` adds columns the pool does not hold (column
    generation proper): called with the row duals and the working LP's value (slack
    penalties included) whenever the pool prices out, it returns candidate columns (costs
    and a sparse rows × k matrix, possibly empty); those with a negative reduced cost
    join, and the LP is optimal when neither prices out (an oracle may also offer none to
    end early, and then knows what its bound is worth).  ``x`` then
    covers the pool and, after it, the oracle's columns in the order they joined.
    """
    import highspy

    effort = effort or UNLIMITED
    t0 = time.perf_counter()
    A = master.matrix.tocsc()
    n_rows, n = A.shape
    # Costs scaled to at most 1 in magnitude: HiGHS's dual simplex fails on huge duals.
    scale = max(1.0, float(np.abs(master.cost).max())) if len(master.cost) else 1.0
    A = A if n else sp.csc_matrix((n_rows, 0))
    cost = np.asarray(master.cost, dtype=float) / scale
    lo, hi = master.row_lo, master.row_hi
    batch = batch or max(2000, 5 * n_rows)
    in_work = np.zeros(n, dtype=bool)
    if start is None and n <= SIFT_ABOVE and oracle is None:
        start = np.arange(n)                    # small enough to solve whole (one round)
    if start is None:
        size = np.maximum(np.diff(A.indptr), 1)
        start = np.argsort(cost / size, kind="stable")[:batch] if n else np.zeros(0, dtype=np.int64)
    in_work[start] = True
    work = list(np.flatnonzero(in_work))
    # Elastic slacks: +1 on rows with a finite lower bound, -1 on rows with a finite upper bound.
    up = np.flatnonzero(np.isfinite(lo))
    down = np.flatnonzero(np.isfinite(hi))
    n_slack = len(up) + len(down)
    slack = sp.csc_matrix((np.r_[np.ones(len(up)), -np.ones(len(down))], (np.r_[up, down], np.arange(n_slack))),
                          shape=(n_rows, n_slack))
    penalty = penalty or 100.0

    tol = 1e-9
    true_cost = np.asarray(master.cost, dtype=float)
    left = [iterations]                      # simplex iterations left, when budgeted

    def _grow(offer, y) -> bool:
        """Append the oracle's columns that price out to the pool; True if any did."""
        nonlocal A, cost, true_cost, in_work, n
        c_new, cols = offer
        if not len(c_new):
            return False
        c_new = np.asarray(c_new, dtype=float)
        cols = sp.csc_matrix(cols)
        good = np.flatnonzero(c_new / scale - cols.T @ y < -tol)
        if not len(good):
            return False
        A = sp.hstack([A, cols[:, good]]).tocsc()
        cost, true_cost = np.r_[cost, c_new[good] / scale], np.r_[true_cost, c_new[good]]
        in_work = np.r_[in_work, np.zeros(len(good), dtype=bool)]
        n += len(good)
        return True

    def sift(phase_one: bool):
        tightened = [False]
        h = new_highs(effort.threads, seed=effort.seed)
        if n_rows > IPM_ROWS:
            h.setOptionValue("solver", "ipm")     # then crossover: a basis and exact duals
        c_work = np.zeros(len(work)) if phase_one else cost[work]
        c_slack = np.ones(n_slack) if phase_one else np.full(n_slack, penalty)
        h.passModel(highs_lp(np.r_[c_slack, c_work], sp.hstack([slack, A[:, work]]).tocsc(), lo, hi))
        rounds = 0
        while True:
            if effort.out_of_time() or (left[0] is not None and left[0] <= 0):
                return None, rounds
            r = run(h, effort=effort, iterations=left[0])
            if left[0] is not None:
                left[0] -= max(1, r.iterations)
            if r.termination not in (Termination.OPTIMAL, Termination.TIME_LIMIT, Termination.INTERRUPTED) \
                    and n_rows > IPM_ROWS:
                h.setOptionValue("solver", "simplex")       # the interior point method gave up
                r = run(h, effort=effort)
            if r.termination != Termination.OPTIMAL:
                return None, rounds
            rounds += 1
            h.setOptionValue("solver", "simplex")   # later rounds go on from this basis (the interior
            #                                         point method would start over, and crawls on them)
            y = np.asarray(h.getSolution().row_dual)
            rc = (np.zeros(n) if phase_one else cost) - A.T @ y
            # Trust, but check: a working column HiGHS left with a negative reduced cost
            # means its tolerances stopped short of the optimum; solve again, tighter.
            x_work = np.asarray(h.getSolution().col_value)[n_slack:]
            at_zero = np.zeros(n, dtype=bool)
            at_zero[np.asarray(work, dtype=np.int64)] = x_work < 1e-9
            if not tightened[0] and np.any(in_work & at_zero & (rc < -1e-7)):
                tightened[0] = True
                h.setOptionValue("dual_feasibility_tolerance", 1e-10)
                h.setOptionValue("primal_feasibility_tolerance", 1e-10)
                continue
            rc[in_work] = np.inf
            neg = np.flatnonzero(rc < -tol)
            if not len(neg) and oracle is not None and not phase_one \
                    and _grow(oracle(y * scale, h.getInfo().objective_function_value * scale), y):
                rc = np.r_[rc, cost[len(rc):] - A[:, len(rc):].T @ y]
                neg = np.flatnonzero(rc < -tol)
            if not len(neg):
                return h, rounds
            add = neg[np.argsort(rc[neg], kind="stable")[:batch]]
            in_work[add] = True
            work.extend(add.tolist())
            sub = A[:, add].tocsc()
            sub.sort_indices()
            c_add = np.zeros(len(add)) if phase_one else cost[add]
            h.addCols(len(add), c_add, np.zeros(len(add)), np.full(len(add), highspy.kHighsInf), sub.nnz,
                      sub.indptr[:-1].astype(np.int32), sub.indices.astype(np.int32), sub.data.astype(float))

    h, rounds = sift(phase_one=False)
    seconds = time.perf_counter() - t0
    if h is None:
        return RawResult(Status.NO_PLAN, None, None, None, None, seconds, "LP: stopped during sifting",
                         termination=effort.termination)
    sol = h.getSolution()
    values = np.asarray(sol.col_value)
    if values[:n_slack].sum() > 1e-7:
        # Slacks in use: infeasible, or the penalty was too small.  A pure phase I decides.
        h1, _ = sift(phase_one=True)
        seconds = time.perf_counter() - t0
        if h1 is None:
            return RawResult(Status.NO_PLAN, None, None, None, None, seconds, "LP: stopped during phase I",
                             termination=effort.termination)
        if h1.getInfo().objective_function_value > 1e-7:
            y1 = np.asarray(h1.getSolution().row_dual) if elastic_duals else None
            return RawResult(Status.INFEASIBLE, None, None, None, y1, seconds, "LP relaxation infeasible")
        grown = Master(true_cost, A, master.row_lo, master.row_hi, master.names)
        return solve_lp_sifted(grown, effort=effort,
                               start=np.flatnonzero(in_work), batch=batch, penalty=penalty * 1e3,
                               elastic_duals=elastic_duals, oracle=oracle) \
            if penalty < 1e6 else RawResult(Status.ERROR, None, None, None, None, seconds, "LP: penalty too large")
    x = np.zeros(n)
    x[np.asarray(work)] = values[n_slack:]
    y = np.asarray(sol.row_dual) * scale
    obj = float(true_cost @ x)
    return RawResult(Status.OPTIMAL, x, obj, obj, y, seconds,
                     f"LP by sifting: {rounds} rounds, {len(work)} of {n} columns")
