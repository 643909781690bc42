"""The Pareto frontier of admin cost vs local-accessible value share.

``frontier(scenario)`` returns every lot plan that no other plan beats on both counts: no
plan is cheaper to administer *and* gives local suppliers at least as much access.  Moving
along the frontier answers the policy question "what does each extra point of local
access cost us in administration?" (``marginal_cost_per_point`` in the table).

Definitions (DESIGN.md §2).  For a plan ``x`` (a set of lots that covers every demand cell
once and keeps every rule of the scenario):

    cost(x)  = sum of the lots' admin costs C_l                (currency, minimised)
    local(x) = sum_l V_l L_l / sum_l V_l                       (0..1, maximised)

A plan is *non-dominated* when no plan has cost <= cost(x) and local >= local(x) with one of
them strictly better.  The frontier ignores the scenario's objective (its local-share
target, admin budget, price per point and compactness weight); every other rule applies.

Method (exact bi-objective integer programming on the set-partitioning master):

1. The candidate lots are enumerated **once** (``model.lot_space``) and every solve below
   reuses them; one LP model stays in memory and is re-solved warm.
2. The two ends, lexicographically: the cheapest plan and, among the cheapest, the one with
   the most local share; the most local plan and, among those, the cheapest.
3. *Supported points* by dichotomy: between two known points P1, P2 minimise
   ``cost - mu * local`` with ``mu`` the slope of the segment; a plan strictly below the
   segment is a new point (Aneja & Nair 1979).
4. *Every other non-dominated point*, between two neighbouring supported points, by the
   epsilon-constraint walk: minimise cost subject to ``local >= local(previous) + delta``
   (delta = 1e-6 in share units); each step is one MIP and finds the next point or proves
   there is none before the next supported point.
5. Each MIP is solved exactly by LP bound + reduced-cost fixing: a lot whose reduced cost
   exceeds the gap between the best known plan (any plan already found that meets the
   constraint, or a quick MIP over the lots of smallest reduced cost) and the LP bound
   cannot be in any better plan, so the MIP only needs the remaining lots.

Steps 3-4 stop when more than ``points`` non-dominated plans exist; the frontier is then
*sampled*: an even grid of ``points`` local-share targets between the two ends, each point
the cheapest plan that reaches its target (what was found before serves as bounds).  A
point whose MIP hit the time limit is reported with its bound and gap, never as optimal.

Exactness: with ``exact == True`` every non-dominated plan was found and proven, up to the
step delta (two plans whose local shares differ by less than 1e-6 count as one) and the
solver's tolerances (relative gap 1e-9, row feasibility 1e-9).
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lotsplit.errors import InfeasibleError, NoPlanFoundError, SolverError
from lotsplit.model import Columns, LotSpace, lot_space
from lotsplit.plan import LotPlan, evaluate, lot_ids
from lotsplit.scenario import Scenario
from lotsplit.solvers import PROVEN_GAP, SolveOutcome, Status, gap_of, highs_version

DELTA = 1e-6
"""Step of the epsilon-constraint walk, in local-share units (0..1)."""
FEAS_TOL = 1e-9
"""Row feasibility tolerance of the MIPs (local-share row in share units)."""
CHEAP_SECONDS = 10.0
"""The exact search goes on past ``points`` non-dominated plans while it has run less than
this; after that it stops and the frontier is sampled."""

HEADLINE = ["n_lots", "admin_cost", "local_share", "expected_bids_mean", "expected_bids_min", "min_eligible_bidders",
            "lots_at_risk", "lots_without_local_bidder", "exempt_lots", "largest_lot_value",
            "boundary_km_between_lots"]


# --------------------------------------------------------------------------- results

@dataclass
class FrontierPoint:
    """One non-dominated plan (or, for a sampled frontier, the cheapest plan reaching a
    local-share target)."""

    plan: LotPlan
    status: Status
    """``optimal``: proven the cheapest plan with at least this local share; ``feasible``:
    a time limit stopped the proof (see ``bound`` and ``gap``)."""
    bound: float | None
    """Lower bound on the admin cost of any plan with at least this local share."""
    gap: float | None
    found_by: str
    """How the point was found (end point, weighted sum, epsilon step, grid target)."""
    target: float | None = None
    """The local-share constraint the point answers, when it answers one."""
    seconds: float = 0.0

    @property
    def admin_cost(self) -> float:
        return float(self.plan.metrics["admin_cost"])

    @property
    def local_share(self) -> float:
        return float(self.plan.metrics["local_share"])

    @property
    def n_lots(self) -> int:
        return int(self.plan.metrics["n_lots"])


@dataclass
class Frontier:
    """The frontier: points sorted by local share (cost rises with it), the baselines and
    how the computation went."""

    scenario: Scenario
    points: list[FrontierPoint]
    baselines: list = field(default_factory=list)
    exact: bool = False
    """Every non-dominated plan was found and proven optimal."""
    sampled: bool = False
    """The frontier has more points than were asked for: ``points`` is an even grid."""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    mips: int = 0
    columns: int = 0
    found: int = 0
    """Non-dominated plans found while searching (more than ``len(points)`` when sampled)."""
    staircase: list[tuple[float, float]] = field(default_factory=list)
    """(admin cost, local share) of every non-dominated plan found, shown or not."""

    @property
    def plans(self) -> list[LotPlan]:
        return [p.plan for p in self.points]

    # staircase: the cheapest frontier plan reaching a local share, and the reverse
    def _stairs(self) -> list[tuple[float, float]]:
        return self.staircase or [(p.admin_cost, p.local_share) for p in self.points]

    def cost_at(self, local_share: float) -> float | None:
        """Admin cost of the cheapest frontier plan with at least this local share."""
        c = [cost for cost, loc in self._stairs() if loc >= local_share - 1e-9]
        return min(c) if c else None

    def local_at(self, admin_cost: float) -> float | None:
        """Highest local share of a frontier plan costing at most this."""
        v = [loc for cost, loc in self._stairs() if cost <= admin_cost * (1 + 1e-9) + 1e-6]
        return max(v) if v else None

    def table(self) -> pd.DataFrame:
        """One row per plan: the frontier points (``kind = frontier``) then the baselines."""
        rows = []
        prev = None
        for i, p in enumerate(self.points, 1):
            m = p.plan.metrics
            marginal = None
            if prev is not None and p.local_share > prev.local_share:
                marginal = (p.admin_cost - prev.admin_cost) / (100.0 * (p.local_share - prev.local_share))
            rows.append({"kind": "frontier", "label": f"F{i:02d}", "name": f"frontier point {i}",
                         **{k: m[k] for k in HEADLINE}, "marginal_cost_per_point": marginal,
                         "status": p.status.value, "gap": p.gap, "cost_bound": p.bound,
                         "target_local_share": p.target, "found_by": p.found_by, "seconds": round(p.seconds, 3),
                         "follows_rules": p.plan.feasible, "violations": "; ".join(p.plan.violations),
                         "vs_frontier": "on the frontier" if p.status == Status.OPTIMAL else
                         "best plan found for its target (not proven optimal)",
                         "plan": f"plans/F{i:02d}/assignment.csv"})
            prev = p
        for b in self.baselines:
            m = b.plan.metrics
            rows.append({"kind": "baseline", "label": b.key, "name": b.name, **{k: m[k] for k in HEADLINE},
                         "marginal_cost_per_point": None, "status": "evaluated", "gap": None, "cost_bound": None,
                         "target_local_share": None, "found_by": b.source, "seconds": None,
                         "follows_rules": b.plan.feasible, "violations": "; ".join(b.plan.violations),
                         "vs_frontier": b.verdict, "plan": f"plans/{b.key}/assignment.csv"})
        return pd.DataFrame(rows)

    def describe(self) -> str:
        """A few lines in words: the ends, the price of local access, the baselines."""
        from lotsplit.report import money

        s = self.scenario
        cur = s.currency
        pts = self.points
        if not pts:
            return "No frontier point was found."
        lo, hi = pts[0], pts[-1]
        head = ("Exact Pareto frontier" if self.exact else
                "Sampled Pareto frontier" if self.sampled else "Pareto frontier (not proven complete)")
        of = ""
        if self.sampled:
            of = (f" shown of {self.found} non-dominated plans" if self.exact else
                  f" shown (at least {self.found} non-dominated plans exist)")
        lines = [f"{head} of {s.name}: {len(pts)} point(s){of}"
                 + f"; {self.mips} MIPs over {self.columns} candidate lots in {self.seconds:.1f} s."]
        lines.append(f"  cheapest: {money(lo.admin_cost, cur)} admin cost, {lo.local_share:.1%} local share, "
                     f"{lo.n_lots} lot(s)")
        lines.append(f"  most local: {money(hi.admin_cost, cur)} admin cost, {hi.local_share:.1%} local share, "
                     f"{hi.n_lots} lot(s)")
        if hi.local_share > lo.local_share:
            avg = (hi.admin_cost - lo.admin_cost) / (100 * (hi.local_share - lo.local_share))
            lines.append(f"  one point of local share costs {money(avg, cur)} of admin cost on average over the "
                         "whole frontier; see marginal_cost_per_point for each step")
        unproven = [i for i, p in enumerate(pts, 1) if p.status != Status.OPTIMAL]
        if unproven:
            lines.append(f"  not proven optimal (time limit): {', '.join(f'F{i:02d}' for i in unproven)}")
        for b in self.baselines:
            lines.append(f"  {b.name}: {money(b.plan.metrics['admin_cost'], cur)}, "
                         f"{b.plan.metrics['local_share']:.1%} local, {b.plan.metrics['n_lots']} lot(s) — {b.verdict}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(self, ax=None, *, title: str | None = None):
        """The frontier (local share → admin cost), each point labelled with its number of
        lots, the baselines marked (hollow red when they break rules).  Returns the figure."""
        from lotsplit.baselines import plot_frontier

        return plot_frontier(self, ax=ax, title=title)

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``frontier.csv``, ``frontier.png``, ``frontier.json``, ``summary.txt`` and
        each plan's files under ``plans/<label>/`` (assignment.csv, lots.csv, plan.json),
        atomically."""
        import json

        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from lotsplit.export import output_directory, write_plan_files

        out = Path(out)
        with output_directory(out, overwrite=overwrite) as tmp:
            table = self.table()
            table.to_csv(tmp / "frontier.csv", index=False, lineterminator="\n")
            fig = self.plot()
            fig.savefig(tmp / "frontier.png", dpi=150, bbox_inches="tight")
            plt.close(fig)
            for label, plan in zip(table["label"], self.plans + [b.plan for b in self.baselines]):
                d = tmp / "plans" / label
                d.mkdir(parents=True)
                write_plan_files(plan, d)
            meta = {"scenario": self.scenario.name, "exact": self.exact, "sampled": self.sampled,
                    "points": len(self.points), "non_dominated_plans_found": self.found, "mips": self.mips,
                    "candidate_lots": self.columns, "seconds": round(self.seconds, 3), "delta": DELTA,
                    "solver": highs_version(), "notes": self.notes}
            (tmp / "frontier.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")
            (tmp / "summary.txt").write_text(self.describe() + "\n", "utf-8")
        return out


# --------------------------------------------------------------------------- HiGHS

def _highs_model(cost, A: sp.csc_matrix, lo, hi, integer: bool):
    import highspy

    inf = highspy.kHighsInf
    A = A.tocsc()
    A.sort_indices()
    n_rows, n_cols = A.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.ones(n_cols)
    lp.row_lower_ = np.where(np.isfinite(lo), lo, -inf)
    lp.row_upper_ = np.where(np.isfinite(hi), hi, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_cols
    return lp


def _new_highs(threads: int, time_limit: float | None, *, mip: bool, presolve: bool = True):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    if not presolve:
        h.setOptionValue("presolve", "off")
    if mip:
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", FEAS_TOL)
        h.setOptionValue("primal_feasibility_tolerance", FEAS_TOL)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    return h


@dataclass
class _Found:
    """A MIP answer: chosen columns (or None), its objective, a valid lower bound."""

    status: Status
    cols: np.ndarray | None
    value: float | None
    bound: float | None
    message: str = ""
    lp_bound: float | None = None
    """The LP relaxation's value (a lower bound) and the reduced costs behind it."""
    rc: np.ndarray | None = None


class _Search:
    """Candidate lots as arrays (cost, local share, the master's rows) and one warm LP,
    shared by every solve of one frontier.  Rows: the demand cells (= 1), the plan-level
    rows (lot count, small-lots cap), the local-share row and the cost row (free unless a
    solve bounds them)."""

    def __init__(self, space: LotSpace, cost, local, cover, side, side_lo, side_hi, col_map, *, threads: int,
                 deadline: float | None, point_limit: float | None, stats: dict | None = None):
        self.space = space
        self.col_map = np.asarray(col_map, dtype=np.int64)
        """Index of each column in ``space.columns``."""
        self.threads = threads
        self.deadline = deadline
        self.point_limit = point_limit
        self.stats = stats if stats is not None else {"mips": 0}
        self.cost = np.asarray(cost, dtype=float)
        self.local = np.asarray(local, dtype=float)
        self.n = len(self.cost)
        self.n_cells = cover.shape[0]
        self.A = sp.vstack([sp.csr_matrix(cover), sp.csr_matrix(side), sp.csr_matrix(self.local),
                            sp.csr_matrix(self.cost)]).tocsc()
        self.AT = self.A.T.tocsr()
        self.lo = np.r_[np.ones(self.n_cells), np.asarray(side_lo, dtype=float), -np.inf, -np.inf]
        self.hi = np.r_[np.ones(self.n_cells), np.asarray(side_hi, dtype=float), np.inf, np.inf]
        self.local_row, self.cost_row = len(self.lo) - 2, len(self.lo) - 1
        self._all = np.arange(self.n, dtype=np.int32)
        self._lp_obj = None
        self.lp = _new_highs(threads, None, mip=False)
        if self.n:
            self.lp.passModel(_highs_model(self.cost, self.A, self.lo, self.hi, integer=False))

    @classmethod
    def of_scenario(cls, scenario: Scenario, *, threads: int, deadline: float | None,
                    point_limit: float | None) -> _Search:
        from lotsplit.solve import build_master

        from lotsplit.baselines import neutral

        space = lot_space(neutral(scenario))
        cols = space.columns
        n_cells = len(space.cells)
        local = cols.value * cols.local_chance / (space.total_annual_value or 1.0)
        if len(cols) == 0:
            empty = sp.csr_matrix((n_cells, 0))
            return cls(space, [], [], empty, sp.csr_matrix((0, 0)), [], [], [], threads=threads, deadline=deadline,
                       point_limit=point_limit)
        base = build_master(space)
        return cls(space, cols.admin_cost, local, base.matrix[:n_cells], base.matrix[n_cells:],
                   base.row_lo[n_cells:], base.row_hi[n_cells:], np.arange(len(cols)), threads=threads,
                   deadline=deadline, point_limit=point_limit)

    def block(self, cols: np.ndarray, cells: np.ndarray, *, count: int | None = None) -> _Search:
        """The sub-problem of some columns and the cells they cover, without the plan-level
        rows; with ``count``, exactly that many lots."""
        cover = self.A[:self.n_cells][:, cols][cells]
        side = sp.csr_matrix(np.ones((1, len(cols)))) if count is not None else sp.csr_matrix((0, len(cols)))
        bounds = [count] if count is not None else []
        return _Search(self.space, self.cost[cols], self.local[cols], cover, side, bounds, bounds, self.col_map[cols],
                       threads=self.threads, deadline=self.deadline, point_limit=self.point_limit, stats=self.stats)

    @property
    def mips(self) -> int:
        return self.stats["mips"]

    # ---- time
    def remaining(self) -> float | None:
        limits = [x for x in (self.point_limit,
                              None if self.deadline is None else self.deadline - time.perf_counter()) if x is not None]
        return max(0.01, min(limits)) if limits else None

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    # ---- solves
    def _lp(self, obj, local_min, cost_max, time_limit):
        import highspy

        h = self.lp
        inf = highspy.kHighsInf
        h.setOptionValue("time_limit", float(time_limit) if time_limit is not None else inf)
        obj = np.asarray(obj, dtype=float)
        if self._lp_obj is None or not np.array_equal(obj, self._lp_obj):
            # A new objective: a cold start is faster than a warm one far from its optimum.
            h.clearSolver()
            self._lp_obj = obj.copy()
        h.changeColsCost(self.n, self._all, obj)
        h.changeRowBounds(self.local_row, local_min if np.isfinite(local_min) else -inf, inf)
        h.changeRowBounds(self.cost_row, -inf, cost_max if np.isfinite(cost_max) else inf)
        h.run()
        ms = h.getModelStatus()
        S = highspy.HighsModelStatus
        if ms == S.kInfeasible:
            return "infeasible", None
        if ms != S.kOptimal:
            # A warm start can occasionally fail; retry once from scratch.
            h.clearSolver()
            h.run()
            ms = h.getModelStatus()
            if ms == S.kInfeasible:
                return "infeasible", None
            if ms != S.kOptimal:
                return "unknown", None
        sol = h.getSolution()
        return "optimal", (h.getInfo().objective_function_value, np.asarray(sol.col_value), np.asarray(sol.row_dual))

    def _mip(self, obj, idx, local_min, cost_max, start, time_limit) -> _Found:
        import highspy

        self.stats["mips"] += 1
        lo, hi = self.lo.copy(), self.hi.copy()
        lo[self.local_row], hi[self.cost_row] = local_min, cost_max
        h = _new_highs(self.threads, time_limit, mip=True, presolve=1500 < len(idx) <= 10000)
        h.passModel(_highs_model(np.asarray(obj)[idx], self.A[:, idx], lo, hi, integer=True))
        if start is not None:
            x0 = np.isin(idx, start).astype(float)
            s = highspy.HighsSolution()
            s.col_value = x0.tolist()
            s.value_valid = True
            h.setSolution(s)
        h.run()
        ms = h.getModelStatus()
        S = highspy.HighsModelStatus
        info = h.getInfo()
        if ms == S.kInfeasible:
            return _Found(Status.INFEASIBLE, None, None, None, "infeasible")
        has = info.primal_solution_status == 2
        chosen = idx[np.flatnonzero(np.asarray(h.getSolution().col_value) > 0.5)] if has else None
        bound = info.mip_dual_bound
        bound = bound if bound is not None and math.isfinite(bound) else None
        if chosen is None:
            return _Found(Status.NO_PLAN, None, None, bound, h.modelStatusToString(ms))
        value = float(np.asarray(obj)[chosen].sum())
        if ms == S.kOptimal and gap_of(value, bound) is not None and gap_of(value, bound) <= PROVEN_GAP:
            return _Found(Status.OPTIMAL, chosen, value, min(bound, value), "optimal")
        return _Found(Status.FEASIBLE, chosen, value, bound, h.modelStatusToString(ms))

    def _check(self, cols: np.ndarray, local_min: float, cost_max: float) -> None:
        cover = np.asarray(self.A[: self.n_cells][:, cols].sum(axis=1)).ravel()
        if not np.allclose(cover, 1.0):
            raise SolverError("internal check failed: a frontier plan does not cover every cell exactly once")
        if self.local[cols].sum() < local_min - 1e-7 or self.cost[cols].sum() > cost_max + 1e-6 * max(1, cost_max):
            raise SolverError("internal check failed: a frontier plan breaks its local-share or cost constraint")

    def minimise(self, obj, *, local_min: float = -np.inf, cost_max: float = np.inf, known=(),
                 allowed: np.ndarray | None = None) -> _Found:
        """Exact min ``obj . x`` over plans with local >= local_min and cost <= cost_max.

        LP bound, best upper bound (known plans, then a small MIP over the lots of least
        reduced cost when needed), reduced-cost fixing, MIP over the lots that remain.
        ``allowed`` (bool mask) may exclude lots already proven to be in no plan that the
        caller wants; the answer is then exact among the plans of allowed lots."""
        obj = np.asarray(obj, dtype=float)
        if self.n == 0:
            return _Found(Status.INFEASIBLE, None, None, None, "no candidate lot")
        left = None if self.deadline is None else max(0.01, self.deadline - time.perf_counter())
        status, lp = self._lp(obj, local_min, cost_max, left)
        if status == "infeasible":
            return _Found(Status.INFEASIBLE, None, None, None, "LP relaxation infeasible")
        best, ub = None, np.inf
        for plan in known:
            if self.local[plan].sum() >= local_min - FEAS_TOL and self.cost[plan].sum() <= cost_max + 1e-6:
                v = float(obj[plan].sum())
                if v < ub:
                    best, ub = plan, v
        if lp is None:     # no LP bound in time: plain MIP over every lot
            r = self._mip(obj, self._all, local_min, cost_max, best, self.remaining())
            return self._finish(r, best, ub, None, local_min, cost_max)
        lb, x, y = lp
        rc = np.maximum(obj - self.AT @ y, 0.0)
        integral = np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-7)
        if integral and (allowed is None or allowed[x > 0.5].all()):
            cols = np.flatnonzero(x > 0.5)
            v = float(obj[cols].sum())
            if ub < v - 1e-9 * max(1.0, abs(v)):   # cannot happen, but never report worse than known
                cols, v = best, ub
            self._check(cols, local_min, cost_max)
            return _Found(Status.OPTIMAL, cols, v, lb, "LP relaxation integral", lb, rc)
        rcs = rc if allowed is None else np.where(allowed, rc, np.inf)
        order = np.argsort(rcs, kind="stable")
        tol = lambda u: 1e-7 * max(1.0, abs(u))  # noqa: E731
        few = None
        if not np.isfinite(ub) or np.count_nonzero(rcs <= ub - lb + tol(ub)) > 3000:
            n_allowed = self.n if allowed is None else int(allowed.sum())
            k = min(n_allowed, max(300, 4 * self.A.shape[0]))
            while True:
                few = np.union1d(order[:k], best if best is not None else np.zeros(0, dtype=np.int64)).astype(np.int64)
                limit = self.remaining()
                r = self._mip(obj, few, local_min, cost_max, best, None if limit is None else max(0.05, 0.25 * limit))
                if r.cols is not None and r.value < ub:
                    best, ub = r.cols, r.value
                if r.cols is not None or k >= n_allowed or self.out_of_time():
                    break
                k *= 4
            proven_restricted = r.status == Status.OPTIMAL
        else:
            proven_restricted = False
        if best is None and self.out_of_time():
            return _Found(Status.NO_PLAN, None, None, lb, "time limit before any plan")
        keep = np.flatnonzero(rcs <= (ub - lb + tol(ub) if np.isfinite(ub) else np.inf))
        if proven_restricted and few is not None and np.isin(keep, few).all():
            self._check(best, local_min, cost_max)
            return _Found(Status.OPTIMAL, best, ub, lb, "restricted MIP holds every lot that can improve", lb, rc)
        r = self._mip(obj, keep.astype(np.int32), local_min, cost_max, best, self.remaining())
        r = self._finish(r, best, ub, lb, local_min, cost_max)
        r.lp_bound, r.rc = lb, rc
        return r

    def _finish(self, r: _Found, best, ub, lb, local_min, cost_max) -> _Found:
        if r.status == Status.INFEASIBLE and best is None:
            return r
        if r.cols is None or (best is not None and r.value > ub):
            if best is None:
                return _Found(Status.NO_PLAN, None, None, lb, r.message)
            r = _Found(Status.FEASIBLE, best, ub, r.bound, r.message)
        bound = r.bound
        if r.status != Status.OPTIMAL:
            # The MIP over the kept lots bounds every plan that could beat the best known one.
            cands = [b for b in (bound, lb) if b is not None]
            bound = min(max(cands), r.value) if cands else None
        self._check(r.cols, local_min, cost_max)
        return _Found(r.status, r.cols, r.value, bound, r.message)

    # ---- metrics of a column set
    def point(self, cols) -> tuple[float, float]:
        return float(self.cost[cols].sum()), float(self.local[cols].sum())


# --------------------------------------------------------------------------- frontier

class _OutOfTime(Exception):
    """The time limit ran out before a MIP found any plan."""


@dataclass
class _Pt:
    cols: np.ndarray
    cost: float
    local: float
    status: Status
    raw_bound: float | None
    """Lower bound on the objective of the MIP that found the point."""
    found_by: str
    target: float | None = None
    seconds: float = 0.0
    bound: float | None = None
    """Lower bound on the admin cost of any plan with at least this local share."""

    @property
    def key(self) -> bytes:
        return np.sort(self.cols).tobytes()


def _same_cost(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)) + 1e-6


class _Walker:
    """The search state: every plan found (each one an upper bound for later MIPs) and the
    proven epsilon steps ``z(local(p) + delta) = q``."""

    def __init__(self, S: _Search):
        self.S = S
        self.found: dict[bytes, _Pt] = {}
        self.steps: dict[bytes, _Pt | None] = {}     # p.key -> next point (None: p is the most local)
        self.proven = True
        self.last: _Found | None = None

    def solve(self, obj, found_by, *, local_min=-np.inf, cost_max=np.inf, target=None, allowed=None) -> _Pt | None:
        """One exact MIP; None when infeasible (proven); _OutOfTime when no plan in time."""
        S = self.S
        t0 = time.perf_counter()
        r = S.minimise(obj, local_min=local_min, cost_max=cost_max, known=[p.cols for p in self.found.values()],
                       allowed=allowed)
        self.last = r
        if r.status == Status.INFEASIBLE:
            return None
        if r.cols is None:
            self.proven = False
            raise _OutOfTime(found_by)
        if r.status != Status.OPTIMAL:
            self.proven = False
        c, l = S.point(r.cols)
        return _Pt(r.cols, c, l, r.status, r.bound, found_by, target, time.perf_counter() - t0)

    def remember(self, p: _Pt, bound: float | None) -> _Pt:
        p.bound = bound
        old = self.found.get(p.key)
        if old is None or (old.status != Status.OPTIMAL and p.status == Status.OPTIMAL):
            self.found[p.key] = p
            return p
        return old

    def frontier_points(self) -> list[_Pt]:
        return _non_dominated(list(self.found.values()))

    def step(self, p: _Pt, *, allowed=None) -> _Pt | None:
        """The cheapest plan with local share >= local(p) + delta (cached when proven)."""
        if p.key in self.steps:
            return self.steps[p.key]
        t = p.local + DELTA
        q = self.solve(self.S.cost, "epsilon step (the cheapest plan with more local share than the previous "
                                    "point)", local_min=t, target=t, allowed=allowed)
        if q is not None:
            q = self.remember(q, _bound(q))
        if q is None or (q.status == Status.OPTIMAL and allowed is None):
            self.steps[p.key] = q
        return q

    def answer(self, t: float) -> _Pt | None:
        """The cheapest plan reaching local share t, when a proven step already says so."""
        best = None
        for key, q in self.steps.items():
            p = self.found.get(key)
            if p is not None and q is not None and p.local < t <= q.local + FEAS_TOL:
                if best is None or q.cost < best.cost:
                    best = q
        return best

    def lexicographic(self, q: _Pt) -> _Pt:
        """Among the plans as cheap as q (and at least as local), the most local one: step
        from q until the cost rises.  Only needed for points found by an epsilon MIP."""
        while True:
            r = self.step(q)
            if r is None or not _same_cost(r.cost, q.cost):
                return q
            q = r


def frontier(scenario: Scenario, *, points: int | None = 25, legacy=(), baselines: bool = True,
             time_limit: float | None = None, point_time_limit: float | None = None,
             threads: int | None = None, node_budget: int = 3_000_000) -> Frontier:
    """The Pareto frontier of admin cost vs local-accessible value share.

    Parameters
    ----------
    points
        At most this many frontier points.  If the frontier has more non-dominated plans,
        an even grid of ``points`` local-share targets is solved instead and the result is
        marked ``sampled``.  ``None``: no cap (may take long on large scenarios).
    legacy
        Legacy plans to compare: CSV paths or assignment tables (``area_id,
        product_group_id, lot_id``), or ``(name, table)`` pairs.
    baselines
        Also evaluate the standard baselines (single lot, one lot per product group, one
        lot per area × group).
    time_limit
        Seconds for the whole frontier; when it runs out the points found so far are
        returned (marked not exact).  Default: no limit.
    point_time_limit
        Seconds per MIP; a point stopped by it is reported with its bound and gap.  Default:
        the scenario's ``solver.time_limit``.
    node_budget
        Search nodes allowed for enumerating the points inside one hull edge before that
        edge falls back to one MIP per point.

    Returns a :class:`Frontier` (``.table()``, ``.plans``, ``.plot()``, ``.write(dir)``).
    Raises :class:`~lotsplit.errors.InfeasibleError` when no plan satisfies the rules and
    :class:`~lotsplit.errors.NoPlanFoundError` when the time limit ran out before the two
    ends of the frontier were found.

    Examples
    --------
    >>> f = frontier(load_scenario("scenarios/malung-salen-winter/scenario.toml"))  # doctest: +SKIP
    >>> f.table()[["label", "n_lots", "admin_cost", "local_share"]]                   # doctest: +SKIP
    """
    start = time.perf_counter()
    if points is not None and points < 2:
        raise ValueError("points must be at least 2")
    cfg = scenario.config.solver
    threads = threads or cfg.threads
    point_time_limit = cfg.time_limit if point_time_limit is None else point_time_limit
    deadline = None if time_limit is None else start + time_limit
    S = _Search.of_scenario(scenario, threads=threads, deadline=deadline, point_limit=point_time_limit)
    notes: list[str] = []
    if S.n == 0:
        raise InfeasibleError(_reasons(scenario))
    if not S.space.complete:
        notes.append("the scenario has more candidate lots than solver.column_budget: the frontier is computed over "
                     "the lots that were enumerated (every lot up to a size), so it is not proven")
    cap = points if points is not None else math.inf
    blocks = _independent_blocks(scenario, S)
    if blocks is not None:
        # Product groups that never share a lot: each block's frontier on its own, then combined.
        try:
            all_pts, complete, proven = _block_frontier(scenario, S, blocks, node_budget)
        except _OutOfTime as exc:
            raise NoPlanFoundError(f"the time limit ran out before the frontier of every independent block of "
                                   f"product groups was found ({exc}); raise --time-limit") from None
        notes.append(f"the product groups form {len(blocks)} independent blocks (no lot can hold groups of two "
                     "blocks): each block's frontier was computed on its own and the frontiers combined"
                     + (" under the lot-count rules" if _count_coupled(scenario) else ""))
        chosen = all_pts
        lo_pt = hi_pt = None
        W = None
    else:
        try:
            W, lo_pt, hi_pt, complete = _search(S, cap, node_budget)
        except _Infeasible:
            raise InfeasibleError(_reasons(scenario)) from None
        except _OutOfTime as exc:
            raise NoPlanFoundError(f"the time limit ran out before the frontier's end points were found ({exc}); "
                                   "raise --time-limit") from None
        proven = W.proven
        chosen = W.frontier_points()
    all_found = list(chosen)
    n_found = len(chosen)
    sampled = False
    if complete and len(chosen) > cap:
        sampled = True
        chosen = _sample(chosen, int(cap))
        notes.append(f"the frontier has {n_found} non-dominated plans; shown: the cheapest plan for each of "
                     f"{int(cap)} evenly spaced local-share targets (raise --points to see all)")
    elif not complete and W is not None and not S.out_of_time() and len(chosen) > cap:
        sampled = True
        chosen = _grid(W, lo_pt, hi_pt, int(cap))
        all_found = W.frontier_points()
        notes.append(f"the frontier has more than {int(cap)} non-dominated plans; shown: the cheapest plan for "
                     f"each of {int(cap)} evenly spaced local-share targets (raise --points for more)")
        if S.out_of_time():
            notes.append("the time limit ran out before every grid target was solved")
    elif not complete:
        notes.append("the time limit ran out before every non-dominated plan was found; the points shown are "
                     "non-dominated among the plans found")
    if not S.space.complete:
        for p in chosen:
            p.status = Status.FEASIBLE
    exact = complete and proven and S.space.complete
    fr_points = [_to_point(scenario, S, p) for p in chosen]
    result = Frontier(scenario, fr_points, exact=exact, sampled=sampled, notes=notes, mips=S.mips, columns=S.n,
                      found=max(n_found, len(fr_points)), staircase=[(p.cost, p.local) for p in all_found])
    if baselines or legacy:
        from lotsplit.baselines import baseline_plans

        result.baselines = baseline_plans(scenario, legacy=legacy, standard=baselines, frontier=result)
    result.seconds = time.perf_counter() - start
    return result


class _Infeasible(Exception):
    """No plan satisfies the rules (proven)."""


def _search(S: _Search, cap, node_budget: int) -> tuple[_Walker, _Pt, _Pt, bool]:
    """The frontier of one search space: the two ends, then the exact search.  Returns the
    walker (every plan found), the ends and whether the search finished."""
    W = _Walker(S)
    first = W.solve(S.cost, "cheapest plan")
    if first is None:
        raise _Infeasible
    c_min = first.cost
    c_tol = 1e-9 * max(1.0, c_min) + 1e-6
    # Second stages run only over the lots that can be in a plan as good as the first
    # stage's (reduced-cost fixing with the first stage's LP).
    lo_pt = W.solve(-S.local, "cheapest plan", cost_max=c_min + c_tol,
                    allowed=_as_good(W.last, c_min + c_tol)) or first
    lo_pt.found_by = "cheapest plan (the most local of the cheapest)"
    lo_pt.status = _both(first, lo_pt)
    lo_pt = W.remember(lo_pt, first.cost if first.status == Status.OPTIMAL else first.raw_bound)
    top = W.solve(-S.local, "most local plan")
    hi_pt = W.solve(S.cost, "most local plan", local_min=top.local - FEAS_TOL,
                    allowed=_as_good(W.last, -top.local + FEAS_TOL)) or top
    hi_pt.found_by = "most local plan (the cheapest of the most local)"
    hi_pt.status = _both(top, hi_pt)
    hi_pt = W.remember(hi_pt, _bound(hi_pt))
    if hi_pt.key == lo_pt.key or hi_pt.local <= lo_pt.local + DELTA:
        return W, lo_pt, hi_pt, True
    try:
        complete = _exact_search(W, lo_pt, hi_pt, cap, node_budget)
    except _OutOfTime:
        complete = False
    return W, lo_pt, hi_pt, complete


def _as_good(r: _Found | None, value: float) -> np.ndarray | None:
    """Lots that can be in a plan with objective <= value (by the solve's LP reduced costs)."""
    if r is None or r.rc is None or r.lp_bound is None:
        return None
    return r.rc <= value - r.lp_bound + 1e-7 * max(1.0, abs(value))


# --------------------------------------------------------------------------- independent blocks

def _count_coupled(scenario: Scenario) -> bool:
    rules = scenario.config.rules
    return rules.min_lots > 1 or rules.max_lots is not None


def _independent_blocks(scenario: Scenario, S: _Search) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Columns and cells of each block of product groups that no lot can mix (different
    bundling families, or bundling "none"); None when there is one block, or when the
    small-lots cap ties the blocks together."""
    from lotsplit.model import _exemption

    space = S.space
    if _exemption(space.scenario) is not None or not space.complete:
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
    m = space.market
    out = []
    for r in roots:
        members = {g for g in groups if find(g) == r}
        b_idx = [i for i, b in enumerate(space.bundles) if set(b) <= members]
        cols = np.flatnonzero(np.isin(space.columns.bundle_index, b_idx))
        gi = set(m.group_index(sorted(members)))
        cells = np.flatnonzero([g in gi for _, g in space.cells])
        out.append((cols, cells))
    return out


def _block_frontier(scenario: Scenario, S: _Search, blocks, node_budget: int) -> tuple[list[_Pt], bool, bool]:
    """Each block's frontier (for every lot count, when lot-count rules tie the blocks
    together), combined: a plan is one plan per block, its cost and local share the sums.
    Exact: a combination is non-dominated only if each part is non-dominated among the
    block's plans with the same number of lots."""
    rules = scenario.config.rules
    coupled = _count_coupled(scenario)
    max_lots = rules.max_lots if rules.max_lots is not None else None
    complete = proven = True
    # Lot counts in rounds (1 lot in every block, then 2, …) so that a time limit leaves every
    # block with its cheapest options and the combination still covers the cheap end.
    tops = []
    for cols, cells in blocks:
        tops.append([None] if not coupled else
                    list(range(1, (len(cells) if max_lots is None else
                                   min(len(cells), max_lots - (len(blocks) - 1))) + 1)))
    parts: list[list[tuple[int | None, list[_Pt]]]] = [[] for _ in blocks]
    for r in range(max(len(t) for t in tops)):
        for b, (cols, cells) in enumerate(blocks):
            if r >= len(tops[b]):
                continue
            if S.out_of_time():
                complete = False
                break
            k = tops[b][r]
            sub = S.block(cols, cells, count=k)
            try:
                W, _, _, done = _search(sub, math.inf, node_budget)
            except _Infeasible:
                continue
            except _OutOfTime:
                complete = False
                break
            complete &= done
            proven &= W.proven
            pts = [_Pt(sub.col_map[p.cols], p.cost, p.local, p.status, p.raw_bound, p.found_by)
                   for p in W.frontier_points()]
            parts[b].append((k, pts))
        if not complete:
            break
    if any(not options for options in parts):
        if not complete:
            raise _OutOfTime("an independent block has no plan yet")
        raise InfeasibleError(_reasons(scenario))
    # Combine block by block, keeping for each total lot count the non-dominated sums.
    state: dict[int, list[tuple[float, float, tuple, bool]]] = {0: [(0.0, 0.0, (), True)]}
    for options in parts:
        new: dict[int, list] = {}
        for kt, lst in state.items():
            for k, pts in options:
                k2 = kt + (k or 0)
                if max_lots is not None and coupled and k2 > max_lots:
                    continue
                bucket = new.setdefault(k2, [])
                for c, l, cols, ok in lst:
                    for p in pts:
                        bucket.append((c + p.cost, l + p.local, cols + (p.cols,), ok and p.status == Status.OPTIMAL))
        state = {k: _nd_tuples(v) for k, v in new.items()}
        if coupled and rules.min_lots <= 1:
            state = _prune_by_fewer_lots(state)
    finals = [t for k, v in state.items() if (not coupled or k >= rules.min_lots) for t in v]
    if not finals:
        raise InfeasibleError(_reasons(scenario))
    how = f"combination of {len(blocks)} independent block frontiers"
    pts = [_Pt(np.concatenate(cols), c, l, Status.OPTIMAL if ok else Status.FEASIBLE, c if ok else None, how)
           for c, l, cols, ok in _nd_tuples(finals)]
    for p in pts:
        p.cost, p.local = S.point(p.cols)        # exact sums (same columns, one addition order)
        p.bound = p.cost if p.status == Status.OPTIMAL else None
    return _non_dominated(pts), complete, proven


def _nd_tuples(items: list[tuple]) -> list[tuple]:
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


def _prune_by_fewer_lots(state: dict[int, list[tuple]]) -> dict[int, list[tuple]]:
    """Drop a partial plan when one with no more lots is at least as good on both counts
    (with only an upper bound on lots, fewer lots never hurts)."""
    import bisect

    out: dict[int, list[tuple]] = {}
    seen: list[tuple] = []                   # non-dominated, local share ascending (so cost ascending)
    for k in sorted(state):
        shares = [t[1] for t in seen]
        keep = []
        for t in state[k]:
            i = bisect.bisect_left(shares, t[1] - 1e-9)      # cheapest earlier plan reaching t's share
            if i < len(seen) and seen[i][0] <= t[0] + 1e-9 * max(1.0, abs(t[0])):
                continue
            keep.append(t)
        if keep:
            out[k] = keep
        seen = _nd_tuples(seen + keep)
    return out


def _bound(p: _Pt) -> float | None:
    """Cost bound of a point found by a cost-minimising MIP."""
    return p.cost if p.status == Status.OPTIMAL else p.raw_bound


def _both(a: _Pt, b: _Pt) -> Status:
    return Status.OPTIMAL if a.status == Status.OPTIMAL and b.status == Status.OPTIMAL else Status.FEASIBLE


def _exact_search(W: _Walker, lo_pt: _Pt, hi_pt: _Pt, cap, node_budget: int) -> bool:
    """Supported points by dichotomy, then every other non-dominated point inside each
    hull edge (enumeration, or the epsilon walk where enumeration is too big).  Returns
    True when every non-dominated point was found."""
    S = W.S
    t_start = time.perf_counter()

    def enough() -> bool:
        # More points than asked for, and no longer cheap: stop and sample instead.
        return len(W.frontier_points()) > cap and time.perf_counter() - t_start > CHEAP_SECONDS

    c_span = max(hi_pt.cost - lo_pt.cost, 1e-9)
    l_span = max(hi_pt.local - lo_pt.local, 1e-12)

    def size(a: _Pt, b: _Pt) -> float:
        return -((b.cost - a.cost) / c_span) * ((b.local - a.local) / l_span)

    heap = [(size(lo_pt, hi_pt), 0, lo_pt, hi_pt)]
    tick = 1
    edges = []
    while heap:
        if S.out_of_time():
            return False
        _, _, a, b = heapq.heappop(heap)
        mu = (b.cost - a.cost) / (b.local - a.local)
        w_star = a.cost - mu * a.local
        p = W.solve(S.cost - mu * S.local, f"weighted sum (admin cost − {mu / 100:,.0f} per point of local share)")
        r = W.last
        w = p.cost - mu * p.local
        if w < w_star - 1e-7 * max(1.0, abs(w_star)):
            # Any plan with local >= p.local costs at least bound(W) + mu * p.local.
            bound = p.cost if p.status == Status.OPTIMAL else (
                None if p.raw_bound is None else p.raw_bound + mu * p.local)
            p = W.remember(p, bound)
            if a.local + DELTA / 2 < p.local < b.local - DELTA / 2:
                heapq.heappush(heap, (size(a, p), tick, a, p))
                heapq.heappush(heap, (size(p, b), tick + 1, p, b))
                tick += 2
            if enough():
                return False
        else:
            edges.append((a, b, mu, r.lp_bound, r.rc))
    # Non-supported points inside each hull edge, small edges first.
    edges.sort(key=lambda e: -size(e[0], e[1]))
    hard = []
    for a, b, mu, lp_w, rc_w in edges:
        if S.out_of_time():
            return False
        inside = None
        if lp_w is not None and rc_w is not None and a.status == Status.OPTIMAL and b.status == Status.OPTIMAL:
            inside = _edge_enumerate(S, a, b, mu, lp_w, rc_w, node_budget)
        if inside is None:
            hard.append((a, b, mu, lp_w, rc_w))
            continue
        chain = [a]
        for cols in inside:
            c, l = S.point(cols)
            chain.append(W.remember(_Pt(cols, c, l, Status.OPTIMAL, c, "enumeration inside a hull edge"), c))
        chain.append(b)
        for x, y in zip(chain, chain[1:]):
            W.steps[x.key] = y
    # Edges too big to enumerate: the epsilon walk, one MIP per step.  A plan Q with
    # local(Q) >= t and cost(Q) <= cost(b) has  cost - mu*local <= cost(b) - mu*t, so it
    # only uses lots whose reduced cost in the edge's weighted LP is at most
    # cost(b) - mu*t - LP bound: the step's MIP leaves the other lots out.
    for a, b, mu, lp_w, rc_w in hard:
        prev = a
        while True:
            if S.out_of_time():
                return False
            allowed = None
            if lp_w is not None and rc_w is not None:
                allowed = rc_w <= b.cost - mu * (prev.local + DELTA) - lp_w + 1e-7 * max(1.0, abs(b.cost))
                allowed[b.cols] = True
            q = W.step(prev, allowed=allowed)
            if q is None or q.cost >= b.cost - 1e-9 * max(1.0, b.cost) or q.local >= b.local - DELTA / 2:
                # No plan between prev and b: the answer is b (cheapest plan with more local).
                if q is None or q.status == Status.OPTIMAL:
                    W.steps[prev.key] = b if (q is None or q.local <= b.local + DELTA / 2) else q
                break
            if q.status == Status.OPTIMAL:
                W.steps[prev.key] = q
            prev = q
            if enough():
                return False
    return True


def _edge_enumerate(S: _Search, a: _Pt, b: _Pt, mu: float, lp_w: float, rc: np.ndarray,
                    node_budget: int) -> list[np.ndarray] | None:
    """Every non-dominated plan strictly inside the hull edge (a, b), by enumeration.

    A plan x strictly inside the edge and not dominated by the points found so far lies in
    a box  cost < C_{i+1}, local > L_i  of two consecutive points, so its weighted value
    cost - mu*local is below  C_{i+1} - mu*L_i;  it is at least the weighted LP bound plus
    the sum of its lots' reduced costs (all >= 0).  Depth-first search over exact covers
    of the cells (branching on the cell with the fewest candidate lots) prunes a partial
    plan when no box can hold it: the rest of the cells add at least, per cell, the least
    reduced cost / cost per cell and at most the most local value per cell of any lot over
    it.  Two partial plans over the same cells: the one with higher cost and lower local
    share (and no less room under the plan-level rules) is dropped.  Returns the plans
    (sorted by local share), or None when the search exceeds ``node_budget`` nodes or the
    time limit.
    """
    n_cells = S.n_cells
    front = [(a.cost, a.local), (b.cost, b.local)]
    tol_c = 1e-9 * max(1.0, abs(b.cost)) + 1e-6

    def boxes():
        return [(front[i + 1][0], front[i][1], front[i + 1][0] - mu * front[i][1] - lp_w)
                for i in range(len(front) - 1)]

    bx = boxes()
    budget = max(z for _, _, z in bx) + tol_c
    cand = np.flatnonzero(rc <= budget)
    if len(cand) == 0:
        return []
    sub = S.A[:, cand].tocsc()
    cells_of = [sub.indices[sub.indptr[k]:sub.indptr[k + 1]] for k in range(len(cand))]
    cell_part = [c[c < n_cells] for c in cells_of]
    size = np.array([max(1, len(c)) for c in cell_part], dtype=float)
    rc_c, cost_c, local_c = rc[cand], S.cost[cand], S.local[cand]
    # Plan-level rows (lot count, small-lots cap): activity only grows with more lots.
    side = S.A[n_cells:S.local_row][:, cand].toarray() if S.local_row > n_cells else np.zeros((0, len(cand)))
    side_lo, side_hi = S.lo[n_cells:S.local_row], S.hi[n_cells:S.local_row]
    exact_rows = np.isfinite(side_lo) & (side_lo > 0)
    # Per-cell bounds on what covering a cell can add.
    rc_cell = np.full(n_cells, np.inf)
    cost_cell = np.full(n_cells, np.inf)
    local_cell = np.zeros(n_cells)
    for k, cells in enumerate(cell_part):
        rc_cell[cells] = np.minimum(rc_cell[cells], rc_c[k] / size[k])
        cost_cell[cells] = np.minimum(cost_cell[cells], cost_c[k] / size[k])
        local_cell[cells] = np.maximum(local_cell[cells], local_c[k] / size[k])
    if not np.isfinite(rc_cell).all():
        return []                     # some cell has no candidate lot: no plan inside the edge
    masks = [sum(1 << int(i) for i in cells) for cells in cell_part]
    s_rc = [float(rc_cell[c].sum()) for c in cell_part]
    s_cost = [float(cost_cell[c].sum()) for c in cell_part]
    s_local = [float(local_cell[c].sum()) for c in cell_part]
    order = np.argsort(rc_c, kind="stable")
    by_cell: list[list[int]] = [[] for _ in range(n_cells)]
    for k in order:
        for i in cell_part[k]:
            by_cell[i].append(int(k))
    cell_order = sorted(range(n_cells), key=lambda i: len(by_cell[i]))
    RC, COST, LOCAL = rc_c.tolist(), cost_c.tolist(), local_c.tolist()
    SIDE = [tuple(side[:, k]) for k in range(len(cand))]
    n_side = side.shape[0]
    full = (1 << n_cells) - 1
    memo: dict = {}
    found: dict[tuple, list[int]] = {}
    state = {"nodes": 0, "bx": bx, "budget": budget}
    deadline = S.deadline
    chosen: list[int] = []

    def accept(c: float, l: float, act) -> None:
        if not (a.local + 1e-9 < l < b.local - 1e-9 and c < b.cost - tol_c):
            return
        if any(act[r] < side_lo[r] - 1e-9 for r in range(n_side)):
            return
        for fc, fl in front:
            if fc <= c + tol_c and fl >= l - 1e-12:
                return
        keep = [(fc, fl) for fc, fl in front if not (c <= fc + tol_c and l >= fl - 1e-12)]
        front[:] = sorted(keep + [(c, l)], key=lambda x: x[1])
        for key in [k for k in found if not any(abs(k[0] - fc) <= tol_c and abs(k[1] - fl) <= 1e-12
                                                for fc, fl in front)]:
            del found[key]
        found[(c, l)] = list(chosen)
        state["bx"] = boxes()
        state["budget"] = max(z for _, _, z in state["bx"]) + tol_c

    class _Stop(Exception):
        pass

    def dfs(covered: int, r: float, c: float, l: float, rest_rc: float, rest_c: float, rest_l: float, act) -> None:
        state["nodes"] += 1
        if state["nodes"] > node_budget:
            raise _Stop
        if state["nodes"] % 20000 == 0 and deadline is not None and time.perf_counter() > deadline:
            raise _Stop
        if covered == full:
            accept(c, l, act)
            return
        for cb, lb_, zb in state["bx"]:
            if c + rest_c < cb - tol_c and l + rest_l > lb_ + 1e-12 and r + rest_rc < zb + tol_c:
                break
        else:
            return
        key = (covered, tuple(act[r_] for r_ in range(n_side) if exact_rows[r_])) if n_side else covered
        seen = memo.get(key)
        if seen is not None:
            for mc, ml, ma in seen:
                if mc <= c + 1e-9 and ml >= l - 1e-12 and all(ma[r_] <= act[r_] + 1e-9 for r_ in range(n_side)):
                    return
            if len(seen) < 64:
                seen.append((c, l, act))
        elif len(memo) < 2_000_000:
            memo[key] = [(c, l, act)]
        for i in cell_order:
            if not (covered >> i) & 1:
                break
        budget_now = state["budget"]
        for k in by_cell[i]:
            rk = RC[k]
            if r + rk > budget_now:
                break
            if masks[k] & covered or r + rk + rest_rc - s_rc[k] > budget_now:
                continue
            act2 = act
            if n_side:
                act2 = tuple(act[r_] + SIDE[k][r_] for r_ in range(n_side))
                if any(act2[r_] > side_hi[r_] + 1e-9 for r_ in range(n_side)):
                    continue
            chosen.append(int(cand[k]))
            dfs(covered | masks[k], r + rk, c + COST[k], l + LOCAL[k], rest_rc - s_rc[k], rest_c - s_cost[k],
                rest_l - s_local[k], act2)
            chosen.pop()

    import sys

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 4 * n_cells + 1000))
    try:
        dfs(0, 0.0, 0.0, 0.0, float(rc_cell.sum()), float(cost_cell.sum()), float(local_cell.sum()),
            tuple([0.0] * n_side))
    except _Stop:
        return None
    finally:
        sys.setrecursionlimit(old_limit)
    return [np.array(sorted(found[k]), dtype=np.int64) for k in sorted(found, key=lambda k: k[1])]


def _sample(pts: list[_Pt], n: int) -> list[_Pt]:
    """From the complete frontier: the cheapest point for each of n evenly spaced
    local-share targets."""
    targets = np.linspace(pts[0].local, pts[-1].local, n)
    out: list[_Pt] = []
    for t in targets:
        p = next((q for q in pts if q.local >= t - FEAS_TOL), pts[-1])
        if not out or out[-1].key != p.key:
            p.target = float(t) if p.target is None else p.target
            out.append(p)
    return out


def _grid(W: _Walker, lo_pt: _Pt, hi_pt: _Pt, n: int) -> list[_Pt]:
    """The cheapest plan for each of ``n`` evenly spaced local-share targets (the most
    local of the cheapest, so every point is non-dominated)."""
    S = W.S
    targets = np.linspace(lo_pt.local, hi_pt.local, n)
    answers: list[_Pt] = [lo_pt]
    for t in targets[1:-1]:
        if answers[-1].local >= t - FEAS_TOL:
            continue                       # the previous answer reaches this target too
        if S.out_of_time():
            break
        try:
            q = W.answer(t)
            if q is None:
                q = W.solve(S.cost, f"grid target: the cheapest plan with local share ≥ {t:.2%}", local_min=t,
                            target=float(t))
                if q is None:
                    break
                q = W.remember(q, _bound(q))
            q.target = q.target if q.target is not None else float(t)
            if q.key != hi_pt.key:
                q = W.lexicographic(q)
        except _OutOfTime:
            break
        answers.append(q)
    answers.append(hi_pt)
    return _non_dominated(answers)


def _non_dominated(pts: list[_Pt]) -> list[_Pt]:
    """Sort by local share and drop every point that another is at least as good as on
    both objectives (costs within 1e-9 relative and shares within 1e-9 count as equal)."""
    pts = sorted(pts, key=lambda p: (-p.local, p.cost))
    out: list[_Pt] = []
    for p in pts:
        if out and abs(out[-1].local - p.local) <= 1e-9:
            if p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
                out[-1] = p                # the same share (up to rounding) for less
            continue
        if not out or p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
            out.append(p)
    return sorted(out, key=lambda p: p.local)


def _to_point(scenario: Scenario, S: _Search, p: _Pt) -> FrontierPoint:
    from lotsplit.solve import with_overrides

    target = max(0.0, min(1.0, math.floor(p.local * 1e9) / 1e9))
    s_pt = with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": target,
                                               "compactness_weight": 0.0})
    gap = 0.0 if p.status == Status.OPTIMAL else gap_of(p.cost, p.bound)
    outcome = SolveOutcome(status=p.status, objective=p.cost, bound=p.bound if p.bound is not None else None, gap=gap,
                           seconds=p.seconds, solver="highs", version=highs_version(), message=p.found_by,
                           columns=S.n, complete=S.space.complete)
    plan = _plan_from_columns(S.space, s_pt, p.cols, outcome)
    if not math.isclose(plan.metrics["admin_cost"], p.cost, rel_tol=1e-7, abs_tol=1e-4) or \
            not math.isclose(plan.metrics["local_share"], p.local, rel_tol=1e-7, abs_tol=1e-9):
        raise SolverError(f"internal check failed: a frontier plan evaluates to admin cost "
                          f"{plan.metrics['admin_cost']} / local share {plan.metrics['local_share']}, the optimizer "
                          f"said {p.cost} / {p.local}")
    return FrontierPoint(plan, p.status, p.bound, gap, p.found_by, p.target, p.seconds)


def _plan_from_columns(space: LotSpace, scenario: Scenario, chosen: np.ndarray, outcome: SolveOutcome) -> LotPlan:
    """Chosen columns → LotPlan through ``evaluate`` (lots ordered and numbered as by ``optimize``)."""
    m = space.market
    lots: Columns = space.columns.take(np.asarray(chosen))
    order = sorted(range(len(lots)), key=lambda k: (
        min(m.group_index(space.bundles[lots.bundle_index[k]])),
        int(np.flatnonzero(space.area_sets[lots.set_index[k]])[0]),
        len(space.bundles[lots.bundle_index[k]])))
    rows, exempt = [], set()
    for lot_id, k in zip(lot_ids(len(order)), order):
        for a in (m.area_ids[i] for i in np.flatnonzero(space.area_sets[lots.set_index[k]])):
            for g in space.bundles[lots.bundle_index[k]]:
                rows.append((a, g, lot_id))
        if lots.exempt[k]:
            exempt.add(lot_id)
    assignment = pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"])
    return evaluate(scenario, assignment, outcome=outcome, exempt=exempt if space.columns.exempt.any() else None)


def _reasons(scenario: Scenario) -> list[str]:
    """Why no plan exists, from the optimizer's explanations."""
    from lotsplit.solve import optimize, with_overrides

    try:
        optimize(with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": 0.0}))
    except InfeasibleError as exc:
        return list(getattr(exc, "reasons", None) or [str(exc)])
    return ["no plan satisfies the rules"]
