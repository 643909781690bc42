"""The Pareto frontier of net cost vs local-accessible value share.

``frontier(scenario)`` returns the lot plans that no other plan beats on both counts: no
plan is cheaper to administer *and* gives local suppliers at least as much access.  Moving
along the frontier answers the policy question "what does each extra point of local
access cost us in administration?" (``marginal_cost_per_point`` in the table).

Definitions (DESIGN.md §2).  For a plan ``x`` (a set of lots that covers every demand cell
once and keeps every rule of the scenario):

    cost(x)  = sum of the lots' net costs C_l - W_l            (currency, minimised)
               (admin cost minus the value of competition, DESIGN §2)
    local(x) = sum_l V_l L_l / sum_l V_l                       (0..1, maximised)

A plan is *non-dominated* when no plan has cost <= cost(x) and local >= local(x) with one of
them strictly better.  The frontier ignores the scenario's objective (its local-share
target, admin budget, price per point and compactness weight); every other rule applies.

Method (bi-objective integer programming on the set-partitioning master; the candidate
lots are enumerated once and every solve reuses them):

1. **The two ends**, lexicographically: the cheapest plan (and, among the cheapest, the
   most local); the most local plan (and, among those, the cheapest).
2. **Supported points** (the lower convex hull) by dichotomy, widest edge first: between
   two hull points minimise ``cost - mu * local`` with ``mu`` the edge's slope; a plan
   below the edge is a new hull point, otherwise the edge is proven (Aneja & Nair 1979).
   Each such solve also proves a bound ``cost >= w + mu * local`` for every plan.
3. **Every other non-dominated plan** inside each proven hull edge: by enumeration of the
   plans whose reduced costs fit under the edge (``_enumerate_edge``), or, when that is
   too big, by the epsilon-constraint walk: the cheapest plan with
   ``local >= local(previous) + DELTA``, one MIP per point.
4. When the frontier has more than ``points`` plans and finding them all is no longer
   cheap, the search **samples** instead: it keeps working on the widest open gap between
   the plans found (a hull split, or the cheapest plan above the gap's middle local share,
   under ``point_time_limit``) until no open gap is wider than the spacing of ``points``
   evenly spread points, then shows ``points`` plans spread along the curve.

Every MIP is exact by LP bound + reduced-cost fixing (``_Master.minimise``).  A point a
time limit stopped is reported with a lower bound on the net cost of any plan reaching
its local share (the better of the MIP's bound and the hull bounds of step 2) and the
gap, never as optimal.

Exactness: ``exact == True`` means every non-dominated plan was found and proven, up to
the step ``DELTA`` (local shares closer than 1e-6 count as one) and the solver's
tolerances (relative gap 1e-9, row feasibility 1e-9).
"""

from __future__ import annotations

import bisect
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lotsplit.errors import InfeasibleError, NoPlanFoundError, SolverError
from lotsplit.model.lots import Columns, LotSpace, lot_space
from lotsplit.plan import LotPlan, evaluate, lot_ids
from lotsplit.scenario import Scenario
from lotsplit.engine.highs import PROVEN_GAP, SolveOutcome, Status, gap_of, highs_lp, highs_version, new_highs

DELTA = 1e-6
"""Step of the epsilon-constraint walk, in local-share units (0..1)."""
FEAS_TOL = 1e-9
"""Row feasibility tolerance of the MIPs (local-share row in share units)."""
HULL_SECONDS = 10.0
"""The search for every supported plan (step 2) goes on past ``points`` plans while it has
run less than this; after that it samples."""
EXACT_SECONDS = 30.0
"""Once every supported plan is known, the search for the others (step 3) goes on past
``points`` plans (or, without a time limit, at all) while it has run less than this;
after that it samples."""
END_SHARE = 0.25
"""Share of the time left that each solve of a frontier end may take (with a time limit):
on large scenarios the most local plan is the hardest MIP, and the curve between the
ends matters more than proving its last point."""
END_SECONDS = 60.0
"""And at most this, when ``points`` is set (not when every plan is asked for)."""
SAMPLE_SECONDS = 3.0
"""Default time limit of one sampled point's MIP (``point_time_limit``)."""
SAMPLE_TRIES = 2
"""Sampled targets tried in one gap before giving up on it."""
SAMPLE_SECONDS_PER_POINT = 0.75
"""Without ``time_limit``, sampling stops after this many seconds per point asked for."""
NODE_BUDGET = 3_000_000
"""Search nodes allowed for enumerating the plans inside one hull edge."""

HEADLINE = ["n_lots", "net_cost", "admin_cost", "competition_value", "local_share", "sme_share", "expected_bids_mean", "expected_bids_min", "min_eligible_bidders",
            "lots_at_risk", "lots_without_local_bidder", "exempt_lots", "largest_lot_value",
            "boundary_km_between_lots"]


# --------------------------------------------------------------------------- results

@dataclass
class FrontierPoint:
    """One plan of the frontier."""

    plan: LotPlan
    status: Status
    """``optimal``: proven the cheapest plan with at least this local share (or ``target``);
    ``feasible``: a time limit stopped the proof (see ``bound`` and ``gap``)."""
    bound: float | None
    """Lower bound on the net cost of any plan with at least this local share (or ``target``)."""
    gap: float | None
    found_by: str
    """How the point was found (end point, weighted sum, enumeration, epsilon step, sampled target)."""
    target: float | None = None
    """The local-share constraint the point answers, when it was sampled for one."""
    seconds: float = 0.0

    @property
    def cost(self) -> float:
        """Net cost: admin cost minus the value of competition (the frontier's cost axis)."""
        return float(self.plan.metrics["net_cost"])

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
    """Every non-dominated plan was found and proven (some may be left out of ``points``)."""
    sampled: bool = False
    """``points`` shows some of the non-dominated plans found, spread along the curve."""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    mips: int = 0
    columns: int = 0
    found: int = 0
    """Non-dominated plans found (more than ``len(points)`` when sampled)."""
    staircase: list[tuple[float, float]] = field(default_factory=list)
    """(net cost, local share) of every non-dominated plan found, shown or not."""

    @property
    def plans(self) -> list[LotPlan]:
        return [p.plan for p in self.points]

    def _stairs(self) -> list[tuple[float, float]]:
        return self.staircase or [(p.cost, p.local_share) for p in self.points]

    def cost_at(self, local_share: float) -> float | None:
        """Net cost of the cheapest frontier plan with at least this local share."""
        c = [cost for cost, loc in self._stairs() if loc >= local_share - 1e-9]
        return min(c) if c else None

    def local_at(self, net_cost: float) -> float | None:
        """Highest local share of a frontier plan whose net cost is at most this."""
        v = [loc for cost, loc in self._stairs() if cost <= net_cost + 1e-9 * abs(net_cost) + 1e-6]
        return max(v) if v else None

    def table(self) -> pd.DataFrame:
        """One row per plan: the frontier points (``kind = frontier``) then the baselines."""
        rows = []
        prev = None
        for i, p in enumerate(self.points, 1):
            m = p.plan.metrics
            marginal = None
            if prev is not None and p.local_share > prev.local_share:
                marginal = (p.cost - prev.cost) / (100.0 * (p.local_share - prev.local_share))
            proven = p.status == Status.OPTIMAL
            rows.append({"kind": "frontier", "label": f"F{i:02d}", "name": f"frontier point {i}",
                         **{k: m[k] for k in HEADLINE}, "marginal_cost_per_point": marginal,
                         "status": p.status.value, "gap": p.gap, "cost_bound": p.bound,
                         "target_local_share": p.target, "found_by": p.found_by, "seconds": round(p.seconds, 3),
                         "follows_rules": p.plan.feasible, "violations": "; ".join(p.plan.violations),
                         "vs_frontier": "on the frontier" if proven else
                         f"best plan found for its local share (not proven; gap {_percent(p.gap)})",
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

    def headline(self) -> str:
        """``Exact Pareto frontier`` / ``Sampled …`` / ``… (not proven complete)``."""
        if self.exact:
            return "Exact Pareto frontier" + (" (sampled for display)" if self.sampled else "")
        if all(p.status == Status.OPTIMAL for p in self.points):
            return "Sampled Pareto frontier (every point shown proven)"
        return "Sampled Pareto frontier (some points not proven)"

    def describe(self) -> str:
        """A few lines in words, in the scenario's language: the ends, the price of local
        access, the baselines (``summary.txt``)."""
        from lotsplit.export.frontier_report import describe

        return describe(self)

    def plot(self, ax=None, *, title: str | None = None):
        """The frontier (local share → net cost), each point labelled with its number of
        lots, the baselines marked.  Returns the figure."""
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


def _percent(gap: float | None) -> str:
    return "unknown" if gap is None else f"{gap:.1%}"


# --------------------------------------------------------------------------- the frontier

def frontier(scenario: Scenario, *, points: int | None = 25, legacy=(), baselines: bool = True,
             time_limit: float | None = None, point_time_limit: float | None = None,
             threads: int | None = None, node_budget: int = NODE_BUDGET) -> Frontier:
    """The Pareto frontier of net cost vs local-accessible value share.

    Parameters
    ----------
    points
        At most this many frontier points.  When the frontier has more non-dominated
        plans and finding them all is not cheap, it is sampled: ``points`` plans spread
        along the curve (``sampled``).  ``None``: find and show every non-dominated plan
        (may take long on large scenarios).
    legacy
        Legacy plans to compare besides those the scenario lists under
        ``[[baselines.legacy]]``: CSV paths or assignment tables (``area_id,
        product_group_id, lot_id``), or ``(name, path_or_table)`` pairs.
    baselines
        Also evaluate the standard baselines (single lot, one lot per product group, one
        lot per area × group).
    time_limit
        Seconds for the whole frontier; when it runs out the points found so far are
        returned (marked not exact).  Default: no limit.
    point_time_limit
        Seconds for one MIP of the walk or of a sampled point; a point stopped by it is
        reported with its bound and gap.  Default: the scenario's ``solver.time_limit``,
        else 3 s when ``points`` is set and no limit when it is ``None``.
    node_budget
        Search nodes allowed for enumerating the plans inside one hull edge before that
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
    if point_time_limit is None:
        point_time_limit = cfg.time_limit if cfg.time_limit is not None else (None if points is None
                                                                                else SAMPLE_SECONDS)
    deadline = None if time_limit is None else start + time_limit
    from lotsplit.baselines import neutral

    space = lot_space(neutral(scenario))
    cap = math.inf if points is None else points
    search = dict(cap=cap, point_time_limit=point_time_limit, node_budget=node_budget)
    stats = {"mips": 0}
    while True:
        master = _Master.of_space(space, threads=threads or cfg.threads, deadline=deadline, stats=stats)
        if master.n == 0:
            raise InfeasibleError(_reasons(scenario))
        notes: list[str] = []
        if not master.space.complete:
            notes.append("the scenario has more candidate lots than solver.column_budget: the frontier is computed "
                         "over the lots that were enumerated (every lot up to a size), so it is not proven")
        blocks = _independent_blocks(master)
        try:
            if blocks is not None:
                found, complete = _block_frontier(master, blocks, **search)
                notes.append(f"the product groups form {len(blocks)} independent blocks (no lot can hold groups of "
                             "two blocks): each block's frontier was computed on its own and the frontiers combined")
            else:
                explorer = _Explorer(master, **search)
                complete = explorer.run()
                found = explorer.frontier()
                if explorer.local_bound is not None:
                    notes.append(f"the most local plan was not proven: no plan reaches more than "
                                 f"{explorer.local_bound:.1%} local share (the plan found reaches "
                                 f"{found[-1].local:.1%})")
        except _Infeasible:
            raise InfeasibleError(_reasons(scenario)) from None
        except _OutOfTime as exc:
            raise NoPlanFoundError(f"the time limit ran out before the frontier's end points were found ({exc}); "
                                   "raise --time-limit") from None
        # Every plan must be awardable under the lots-per-tenderer cap: a plan that is not
        # adds the supplier set that proves it to the master, and the frontier is found again.
        from lotsplit.model.master import add_award_cut

        cut = False
        for p in found:
            x = np.zeros(len(space.columns))
            x[master.col_map[p.cols]] = 1.0
            cut |= add_award_cut(space, space.columns, x)
        if not cut:
            break
    if not master.space.complete:
        for p in found:
            p.proven = False
    exact = complete and master.space.complete and all(p.proven for p in found)
    shown = _spread(found, cap)
    if exact and len(shown) < len(found):
        notes.append(f"the frontier has {len(found)} non-dominated plans; shown: {len(shown)} spread along the curve "
                     "(raise --points to see more)")
    elif not exact:
        why = ("the time limit ran out" if master.out_of_time() else
               f"more than {cap} exist and finding them all was not quick"
               if len(found) > cap else "some MIPs hit their time limit")
        notes.append(f"not every non-dominated plan was searched for ({why}): the points are spread along the curve, "
                     "each proven the cheapest plan for its local share or shown with its gap; between them there may "
                     "be plans not shown")
    result = Frontier(scenario, [_to_point(scenario, master, p) for p in shown], exact=exact,
                      sampled=len(shown) < len(found) or not exact, notes=notes, mips=master.mips,
                      columns=master.n, found=len(found), staircase=[(p.cost, p.local) for p in found])
    from lotsplit.baselines import baseline_plans

    result.baselines = baseline_plans(scenario, legacy=legacy, standard=baselines, frontier=result)
    result.seconds = time.perf_counter() - start
    return result


# --------------------------------------------------------------------------- exact solves

class _Master:
    """The candidate lots of one frontier as arrays, and exact solves over them.

    Rows of ``A``: the demand cells (each covered once), the plan-level rows (lot count,
    small-lots cap), the local-share row and the admin-cost row (free unless a solve
    bounds them)."""

    def __init__(self, space: LotSpace, cost, local, cover, side, side_lo, side_hi, col_map, *, threads: int,
                 deadline: float | None, stats: dict | None = None, cover_lo=None):
        self.space = space
        self.col_map = np.asarray(col_map, dtype=np.int64)
        """Index of each column in ``space.columns``."""
        self.threads = threads
        self.deadline = deadline
        self.stats = stats if stats is not None else {"mips": 0}
        self.cost = np.asarray(cost, dtype=float)
        self.local = np.asarray(local, dtype=float)
        self.n = len(self.cost)
        self.n_cells = cover.shape[0]
        self.A = sp.vstack([sp.csr_matrix(cover), sp.csr_matrix(side), sp.csr_matrix(self.local),
                            sp.csr_matrix(self.cost)]).tocsc()
        self.AT = self.A.T.tocsr()
        # cells with demand: exactly one lot; other territory cells: at most one
        self.cover_lo = np.ones(self.n_cells) if cover_lo is None else np.asarray(cover_lo, dtype=float)
        self.n_demand = int(np.count_nonzero(self.cover_lo > 0.5))
        self.lo = np.r_[self.cover_lo, np.asarray(side_lo, dtype=float), -np.inf, -np.inf]
        self.hi = np.r_[np.ones(self.n_cells), np.asarray(side_hi, dtype=float), np.inf, np.inf]
        self.local_row, self.cost_row = len(self.lo) - 2, len(self.lo) - 1
        self.n_side = self.local_row - self.n_cells
        self._all = np.arange(self.n, dtype=np.int32)
        self._weighted = None
        self._blocks: list | None = None

    @classmethod
    def of_scenario(cls, scenario: Scenario, *, threads: int, deadline: float | None) -> _Master:
        from lotsplit.baselines import neutral

        return cls.of_space(lot_space(neutral(scenario)), threads=threads, deadline=deadline)

    @classmethod
    def of_space(cls, space: LotSpace, *, threads: int, deadline: float | None, stats: dict | None = None) -> _Master:
        from lotsplit.model.master import build_master

        cols = space.columns
        n_cells = len(space.cells)
        if len(cols) == 0:
            return cls(space, [], [], sp.csr_matrix((n_cells, 0)), sp.csr_matrix((0, 0)), [], [], [],
                       threads=threads, deadline=deadline, cover_lo=space.cover_lo)
        local = cols.value * cols.local_chance / (space.total_annual_value or 1.0)
        base = build_master(space)
        return cls(space, cols.admin_cost - cols.competition_value, local, base.matrix[:n_cells], base.matrix[n_cells:],
                   base.row_lo[n_cells:], base.row_hi[n_cells:], np.arange(len(cols)), threads=threads,
                   deadline=deadline, cover_lo=space.cover_lo, stats=stats)

    def block(self, cols: np.ndarray, cells: np.ndarray) -> _Master:
        """The sub-problem of some columns and the cells they cover (no plan-level rows)."""
        cover = self.A[:self.n_cells][:, cols][cells]
        return _Master(self.space, self.cost[cols], self.local[cols], cover, sp.csr_matrix((0, len(cols))), [], [],
                       self.col_map[cols], threads=self.threads, deadline=self.deadline, stats=self.stats,
                       cover_lo=self.cover_lo[cells])

    @property
    def mips(self) -> int:
        return self.stats["mips"]

    def point(self, cols) -> tuple[float, float]:
        """(net cost, local share) of a set of columns."""
        return float(self.cost[cols].sum()), float(self.local[cols].sum())

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def minimise(self, obj, *, local_min: float = -np.inf, cost_max: float = np.inf, known=(),
                 allowed: np.ndarray | None = None, time_limit: float | None = None, warm: bool = False) -> _Found:
        """Exact min ``obj . x`` over plans with local >= local_min and cost <= cost_max.

        LP bound; an upper bound from the known plans and from MIPs over few lots (those of
        the known plans and those of least reduced cost); reduced-cost fixing (a lot whose
        reduced cost exceeds upper bound − LP bound is in no better plan); the MIP over the
        lots that remain.  ``allowed`` (bool mask) leaves out lots the caller proved to be
        in no plan it wants: the answer is then exact among the plans of allowed lots.
        ``warm``: start the LP from the last warm LP's basis (weighted sums)."""
        q = _Query(np.asarray(obj, dtype=float), local_min, cost_max, _until(self.deadline, time_limit))
        if self.n_side and local_min == -np.inf and cost_max == np.inf and allowed is None:
            r = self._by_blocks(q, warm=warm)
            if r is not None:
                return r
        status, lp = self._lp(q, warm=warm)
        if status == "infeasible":
            return _Found(Status.INFEASIBLE, None, None, None, "LP relaxation infeasible")
        best, ub = self._best_known(q, known)
        if lp is None:     # no LP bound in time: the MIP over every (allowed) lot
            idx = self._all if allowed is None else np.flatnonzero(allowed).astype(np.int32)
            return self._finish(q, self._mip(q, idx, best, q.left()), best, ub, None)
        lb, x, y = lp
        rc = np.maximum(q.obj - self.AT @ y, 0.0)
        if np.all(np.minimum(np.abs(x), np.abs(1 - x)) < 1e-7) and (allowed is None or allowed[x > 0.5].all()):
            cols = np.flatnonzero(x > 0.5)
            self._check(q, cols)
            return _Found(Status.OPTIMAL, cols, float(q.obj[cols].sum()), lb, "LP relaxation integral", lb, rc)
        rcs = rc if allowed is None else np.where(allowed, rc, np.inf)
        proven_over = None
        if not np.isfinite(ub) or np.count_nonzero(rcs <= ub - lb + _tol(ub)) > 3000:
            best, ub, proven_over = self._upper_bound(q, rcs, lb, best, ub, known)
        if best is None and q.out_of_time():
            return _Found(Status.NO_PLAN, None, None, lb, "time limit before any plan")
        keep = np.flatnonzero(np.isfinite(rcs) & (rcs <= ub - lb + _tol(ub)))
        if proven_over is not None and np.isin(keep, proven_over).all():
            self._check(q, best)
            return _Found(Status.OPTIMAL, best, ub, lb, "restricted MIP holds every lot that can improve", lb, rc)
        r = self._finish(q, self._mip(q, keep.astype(np.int32), best, q.left()), best, ub, lb)
        r.lp_bound, r.rc = lb, rc
        return r

    def _by_blocks(self, q: _Query, *, warm: bool) -> _Found | None:
        """An objective without local-share or cost row, when the product groups form
        independent blocks tied only by plan-level rows (lot count, small-lots cap): each
        block solved on its own (much smaller MIPs), as ``solve.optimize`` does.  If the
        combined plan keeps the plan-level rows it is optimal (optimal for a relaxation and
        feasible); otherwise None, and the caller solves the whole master.

        The bound and the reduced costs come from the relaxation without plan-level rows,
        so they stay valid for every plan."""
        if self._blocks is None:
            self._blocks = [(cols, self.block(cols, cells)) for cols, cells in (_independent_blocks(self, tied=True)
                                                                               or [])]
        if len(self._blocks) < 2:
            return None
        x = np.zeros(self.n)
        rc = np.zeros(self.n)
        value = bound = lp_bound = 0.0
        proven = True
        for cols, sub in self._blocks:
            r = sub.minimise(q.obj[cols], time_limit=q.left(), warm=warm)
            if r.cols is None:
                return None
            x[cols[r.cols]] = 1.0
            value += r.value
            bound = None if bound is None or r.bound is None else bound + r.bound
            lp_bound = None if lp_bound is None or r.lp_bound is None else lp_bound + r.lp_bound
            if r.rc is not None:
                rc[cols] = r.rc
            else:
                lp_bound = None
            proven &= r.status == Status.OPTIMAL
        side = self.A[self.n_cells:self.local_row] @ x
        if np.any(side < self.lo[self.n_cells:self.local_row] - 1e-6) or \
                np.any(side > self.hi[self.n_cells:self.local_row] + 1e-6):
            return None
        cols = np.flatnonzero(x > 0.5)
        return _Found(Status.OPTIMAL if proven else Status.FEASIBLE, cols, value, value if proven else bound,
                      f"{len(self._blocks)} independent blocks solved apart, plan-level rows hold", lp_bound,
                      rc if lp_bound is not None else None)

    def _best_known(self, q: _Query, known) -> tuple[np.ndarray | None, float]:
        """The best of the known plans that meet the query's rows, and its objective."""
        best, ub = None, np.inf
        for plan in known:
            if self.local[plan].sum() >= q.local_min - FEAS_TOL and self.cost[plan].sum() <= q.cost_max + 1e-6:
                v = float(q.obj[plan].sum())
                if v < ub:
                    best, ub = plan, v
        return best, ub

    def _upper_bound(self, q: _Query, rcs, lb: float, best, ub: float, known):
        """MIPs over the lots of the known plans and the k lots of least reduced cost, k
        growing while none is found, or (under a time limit, where a good plan is worth
        more than an early start on the proof) while they solve quickly.  Returns the best
        plan, its objective and the lots of the last MIP when it was proven (else None)."""
        pool = np.concatenate([np.asarray(p, dtype=np.int64) for p in known] or [np.zeros(0, np.int64)])
        pool = pool[np.isfinite(rcs[pool])]
        order = np.argsort(rcs, kind="stable")
        n_allowed = int(np.isfinite(rcs).sum())
        k = min(n_allowed, max(300, 4 * self.A.shape[0]))
        started = time.perf_counter()
        while True:
            few = np.union1d(order[:k], pool).astype(np.int32)
            left = q.left()
            r = self._mip(q, few, best, None if left is None else max(0.05, 0.25 * left))
            if r.cols is not None and r.value < ub:
                best, ub = r.cols, r.value
            grow = (q.until is not None and r.status == Status.OPTIMAL
                    and time.perf_counter() - started < 0.5 * (q.until - started)
                    and np.count_nonzero(rcs <= ub - lb + _tol(ub)) > len(few))
            if (r.cols is not None and not grow) or k >= n_allowed or q.out_of_time():
                return best, ub, (few if r.status == Status.OPTIMAL else None)
            k *= 4

    def _lp(self, q: _Query, *, warm: bool = False):
        """The LP relaxation: its value, solution and row duals."""
        import highspy

        if not warm:
            h = _new_highs(self.threads, q.left(), mip=False)
            h.passModel(highs_lp(q.obj, self.A, *self._row_bounds(q), upper=1.0))
        else:
            # Weighted sums: one model, warm-started from the last one's basis.  (A warm
            # start far from the optimum, e.g. max local after min cost, was slower than cold.)
            if self._weighted is None:
                self._weighted = _new_highs(self.threads, None, mip=False)
                self._weighted.passModel(highs_lp(q.obj, self.A, self.lo, self.hi, upper=1.0))
            h = self._weighted
            h.changeColsCost(self.n, self._all, q.obj)
            # HiGHS measures the time limit on a clock that runs across the solves of a model.
            left = q.left()
            h.setOptionValue("time_limit", h.getRunTime() + left if left is not None else highspy.kHighsInf)
        h.run()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None
        if ms != highspy.HighsModelStatus.kOptimal:
            return "unknown", None
        sol = h.getSolution()
        return "optimal", (h.getInfo().objective_function_value, np.asarray(sol.col_value), np.asarray(sol.row_dual))

    def _row_bounds(self, q: _Query) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.lo.copy(), self.hi.copy()
        lo[self.local_row], hi[self.cost_row] = q.local_min, q.cost_max
        return lo, hi

    def _mip(self, q: _Query, idx, start, time_limit) -> _Found:
        import highspy

        self.stats["mips"] += 1
        h = _new_highs(self.threads, time_limit, mip=True, presolve=len(idx) <= 10000)
        h.passModel(highs_lp(q.obj[idx], self.A[:, idx], *self._row_bounds(q), upper=1.0, integer=True))
        if start is not None and np.isin(start, idx).all():
            s = highspy.HighsSolution()
            s.col_value = np.isin(idx, start).astype(float).tolist()
            s.value_valid = True
            h.setSolution(s)
        h.run()
        ms = h.getModelStatus()
        info = h.getInfo()
        if ms == highspy.HighsModelStatus.kInfeasible:
            return _Found(Status.INFEASIBLE, None, None, None, "infeasible")
        bound = info.mip_dual_bound if info.mip_dual_bound is not None and math.isfinite(info.mip_dual_bound) \
            else None
        if info.primal_solution_status != 2:
            return _Found(Status.NO_PLAN, None, None, bound, h.modelStatusToString(ms))
        chosen = idx[np.flatnonzero(np.asarray(h.getSolution().col_value) > 0.5)]
        value = float(q.obj[chosen].sum())
        gap = gap_of(value, bound)
        if ms == highspy.HighsModelStatus.kOptimal and gap is not None and gap <= PROVEN_GAP:
            return _Found(Status.OPTIMAL, chosen, value, min(bound, value), "optimal")
        return _Found(Status.FEASIBLE, chosen, value, bound, h.modelStatusToString(ms))

    def _finish(self, q: _Query, r: _Found, best, ub, lb) -> _Found:
        """The MIP over the kept lots, or the best known plan when that is as good."""
        if r.status == Status.INFEASIBLE and best is None:
            return r
        if r.cols is None or (best is not None and r.value >= ub):
            if best is None:
                return _Found(Status.NO_PLAN, None, None, lb, r.message)
            # Every plan better than the best known one uses only kept lots, so a proven
            # MIP over them (or its infeasibility) proves the best known plan.
            proven = r.status in (Status.OPTIMAL, Status.INFEASIBLE)
            r = _Found(Status.OPTIMAL if proven else Status.FEASIBLE, best, ub, ub if proven else r.bound, r.message)
        bound = r.bound
        if r.status != Status.OPTIMAL:
            cands = [b for b in (bound, lb) if b is not None]
            bound = min(max(cands), r.value) if cands else None
        self._check(q, r.cols)
        return _Found(r.status, r.cols, r.value, bound, r.message)

    def _check(self, q: _Query, cols: np.ndarray) -> None:
        cover = np.asarray(self.A[: self.n_cells][:, cols].sum(axis=1)).ravel()
        if np.any(cover < self.cover_lo - 1e-9) or np.any(cover > 1.0 + 1e-9):
            raise SolverError("internal check failed: a frontier plan does not cover every cell with demand exactly "
                              "once, or puts an area into two lots of one product group")
        if self.local[cols].sum() < q.local_min - 1e-7 or \
                self.cost[cols].sum() > q.cost_max + 1e-6 * max(1, q.cost_max):
            raise SolverError("internal check failed: a frontier plan breaks its local-share or cost constraint")


@dataclass
class _Query:
    """One solve: min ``obj . x`` with local share >= ``local_min``, net cost <= ``cost_max``,
    stopping at ``until`` (perf_counter time, or None)."""

    obj: np.ndarray
    local_min: float
    cost_max: float
    until: float | None

    def left(self) -> float | None:
        return None if self.until is None else max(0.01, self.until - time.perf_counter())

    def out_of_time(self) -> bool:
        return self.until is not None and time.perf_counter() >= self.until


def _until(deadline: float | None, time_limit: float | None) -> float | None:
    ends = [t for t in (deadline, None if time_limit is None else time.perf_counter() + time_limit) if t is not None]
    return min(ends) if ends else None


def _tol(value: float) -> float:
    """Slack for comparing objective values (an infinite value stays infinite)."""
    return 1e-7 * max(1.0, abs(value)) if np.isfinite(value) else 0.0


@dataclass
class _Found:
    """A solve's answer: chosen columns (or None), objective, a valid lower bound."""

    status: Status
    cols: np.ndarray | None
    value: float | None
    bound: float | None
    message: str = ""
    lp_bound: float | None = None
    """The LP relaxation's value and the reduced costs behind it (for reduced-cost fixing)."""
    rc: np.ndarray | None = None


def _new_highs(threads: int, time_limit: float | None, *, mip: bool, presolve: bool = True):
    """``solvers.new_highs`` with the frontier's tight MIP tolerances."""
    h = new_highs(threads, time_limit, presolve=presolve)
    if mip:
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", FEAS_TOL)
        h.setOptionValue("primal_feasibility_tolerance", FEAS_TOL)
    return h


# --------------------------------------------------------------------------- the search

class _Infeasible(Exception):
    """No plan satisfies the rules (proven)."""


class _OutOfTime(Exception):
    """The time limit ran out before the two ends of the frontier were found."""


@dataclass(eq=False)
class _Plan:
    """A plan found by the search (columns of the master) and what is proven about it."""

    cols: np.ndarray
    cost: float
    local: float
    proven: bool
    """Proven the cheapest plan with local share >= ``target`` (or its own share)."""
    bound: float | None
    """Lower bound on the net cost of any plan with local share >= ``target`` (or its own)."""
    found_by: str
    target: float | None = None
    seconds: float = 0.0

    @property
    def key(self) -> bytes:
        return np.sort(self.cols).tobytes()


@dataclass
class _HullEdge:
    """A proven edge of the lower convex hull: no plan lies below the segment, and the
    weighted solve's LP (bound and reduced costs) for fixing lots inside it."""

    mu: float
    lp_bound: float | None
    rc: np.ndarray | None


class _Explorer:
    """The search over one master: every plan found, what is proven between them, and the
    rules for what to solve next (module docstring, steps 1-4)."""

    def __init__(self, master: _Master, *, cap: float, point_time_limit: float | None, node_budget: int):
        self.m = master
        self.cap = cap
        self.point_time_limit = point_time_limit
        self.node_budget = node_budget
        self.started = time.perf_counter()
        self.plans: dict[bytes, _Plan] = {}
        self.hull: list[_Plan] = []
        """Vertices of the lower convex hull found so far, by local share."""
        self.edges: dict[tuple[bytes, bytes], _HullEdge] = {}
        """Proven hull edges, by their end points."""
        self.cuts: list[tuple[float, float]] = []
        """(mu, w): every plan has cost - mu * local >= w (proven)."""
        self.empty_from: dict[bytes, float] = {}
        """plan key -> t: every plan with local share >= t costs at least as much as this
        plan, so no frontier plan has a local share in [t, local(plan))."""
        self.stuck: set[tuple[bytes, bytes]] = set()
        """Gaps a time-limited solve could not close: not tried again."""
        self.tries: dict[tuple[bytes, bytes], int] = {}
        """Sampled targets in a gap that found no plan cheaper than its right end in time."""
        self.proven = True
        """No solve was stopped by a time limit."""
        self.local_bound: float | None = None
        """When the most local plan is not proven: no plan has a higher local share than this."""

    # ---- bookkeeping
    def add(self, p: _Plan) -> _Plan:
        old = self.plans.get(p.key)
        if old is None or (p.proven and not old.proven):
            self.plans[p.key] = p
            return p
        return old

    def frontier(self) -> list[_Plan]:
        return _non_dominated(list(self.plans.values()))

    def lower_bound(self, t: float) -> float | None:
        """The best proven lower bound on the cost of a plan with local share >= t."""
        vals = [w + mu * t for mu, w in self.cuts]
        return max(vals) if vals else None

    def too_many(self, seconds: float, *, or_slow: bool = False) -> bool:
        """After ``seconds``, sample instead of finding every plan: when more plans than
        asked for are known, or (``or_slow``, without a time limit) whenever ``points`` is
        set, so that a frontier whose every point is a hard MIP still ends in minutes."""
        if not math.isfinite(self.cap) or time.perf_counter() - self.started <= seconds:
            return False
        return len(self.frontier()) > self.cap or (or_slow and self.m.deadline is None)

    def _plan(self, r: _Found, found_by: str, t0: float, *, target: float | None = None) -> _Plan:
        c, l = self.m.point(r.cols)
        return _Plan(r.cols, c, l, r.status == Status.OPTIMAL, None, found_by, target, time.perf_counter() - t0)

    # ---- gaps between neighbouring frontier plans
    def _open_until(self, a: _Plan, b: _Plan) -> float:
        """The gap (a, b) is open on (local(a), this)."""
        return min(b.local, self.empty_from.get(b.key, b.local))

    def is_open(self, a: _Plan, b: _Plan) -> bool:
        return (self._open_until(a, b) > a.local + 1.5 * DELTA and (a.key, b.key) not in self.stuck
                and b.cost > a.cost + _cost_tol(b.cost))

    def close(self, a: _Plan, b: _Plan) -> None:
        self.empty_from[b.key] = min(self.empty_from.get(b.key, b.local), a.local + DELTA)

    def complete(self) -> bool:
        pts = self.frontier()
        hull_done = all((a.key, b.key) in self.edges for a, b in zip(self.hull, self.hull[1:]))
        return self.proven and hull_done and not any(self.is_open(a, b) for a, b in zip(pts, pts[1:]))

    def edge_around(self, a: _Plan, b: _Plan) -> _HullEdge | None:
        """The proven hull edge the gap (a, b) lies in, if any."""
        i = bisect.bisect_right([h.local for h in self.hull], a.local + DELTA / 2) - 1
        if 0 <= i < len(self.hull) - 1 and self.hull[i + 1].local >= b.local - DELTA / 2:
            return self.edges.get((self.hull[i].key, self.hull[i + 1].key))
        return None

    def _chord(self, a: _Plan, b: _Plan) -> float:
        """Distance from a to b on the curve scaled to the unit square."""
        lo, hi = self.hull[0], self.hull[-1]
        dc = (b.cost - a.cost) / max(hi.cost - lo.cost, 1e-9)
        dl = (b.local - a.local) / max(hi.local - lo.local, 1e-12)
        return math.hypot(dc, dl)

    def _open_size(self, a: _Plan, b: _Plan) -> float:
        """The chord of the gap (a, b) times the share of it still open."""
        return self._chord(a, b) * (self._open_until(a, b) - a.local) / max(b.local - a.local, 1e-12)

    # ---- solves
    def _end_limit(self) -> float | None:
        """Seconds for one solve of a frontier end (``END_SHARE``, ``END_SECONDS``)."""
        limits = [END_SECONDS] if math.isfinite(self.cap) else []
        if self.m.deadline is not None:
            limits.append(max(END_SHARE * (self.m.deadline - time.perf_counter()), 0.01))
        return min(limits) if limits else None

    def ends(self) -> None:
        """The cheapest plan (the most local among them) and the most local (the cheapest),
        each solve within ``_end_limit``: an end it stops is kept with its bound."""
        m = self.m
        t0 = time.perf_counter()
        r = m.minimise(m.cost, time_limit=self._end_limit())
        self._must_have_plan(r, "cheapest plan")
        if r.bound is not None:
            self.cuts.append((0.0, r.bound))
        first = self._plan(r, "cheapest plan", t0)
        c_max = first.cost + _cost_tol(first.cost)
        r2 = m.minimise(-m.local, cost_max=c_max, allowed=_as_good(r, c_max), time_limit=self._end_limit())
        lo = self._plan(r2, "cheapest plan (the most local of the cheapest)", t0) if r2.cols is not None else first
        lo.proven = first.proven and r2.status == Status.OPTIMAL
        lo.bound = r.bound

        t0 = time.perf_counter()
        r = m.minimise(-m.local, time_limit=self._end_limit())
        self._must_have_plan(r, "most local plan")
        top = self._plan(r, "most local plan", t0)
        if not top.proven and r.bound is not None:
            self.local_bound = -r.bound
        r2 = m.minimise(m.cost, local_min=top.local - FEAS_TOL, allowed=_as_good(r, -top.local + FEAS_TOL),
                        time_limit=self._end_limit())
        hi = self._plan(r2, "most local plan (the cheapest of the most local)", t0) if r2.cols is not None else top
        hi.proven = top.proven and r2.status == Status.OPTIMAL
        hi.bound = r2.bound if r2.cols is not None else None
        self.proven &= lo.proven and hi.proven
        lo, hi = self.add(lo), self.add(hi)
        self.hull = [lo] if lo.key == hi.key or hi.local <= lo.local + DELTA else [lo, hi]

    def _must_have_plan(self, r: _Found, what: str) -> None:
        if r.status == Status.INFEASIBLE:
            raise _Infeasible
        if r.cols is None:
            raise _OutOfTime(what)

    def split(self, a: _Plan, b: _Plan) -> None:
        """Weighted sum with the slope of hull edge (a, b): a new hull point, or the edge proven."""
        m = self.m
        mu = (b.cost - a.cost) / (b.local - a.local)
        t0 = time.perf_counter()
        r = m.minimise(m.cost - mu * m.local, warm=True)
        if r.cols is None:
            self.stuck.add((a.key, b.key))
            self.proven = False
            return
        if r.bound is not None:
            self.cuts.append((mu, r.bound))
        p = self._plan(r, f"weighted sum (net cost − {mu / 100:,.0f} per point of local share)", t0)
        w_edge = a.cost - mu * a.local
        if p.cost - mu * p.local < w_edge - 1e-7 * max(1.0, abs(w_edge)):
            p.bound = p.cost if p.proven else (None if r.bound is None else r.bound + mu * p.local)
            self.proven &= p.proven
            p = self.add(p)
            k = next(k for k, h in enumerate(self.hull) if h is b)
            if a.local < p.local < b.local:
                self.hull.insert(k, p)
            elif p.local >= b.local and p.cost <= b.cost + _cost_tol(b.cost) and k == len(self.hull) - 1:
                self.hull[k] = p       # an unproven most-local end beaten: p is the end now
            elif p.local <= a.local and p.cost <= a.cost + _cost_tol(a.cost) and k == 1:
                self.hull[0] = p       # an unproven cheap end beaten
            else:                      # only possible when a or b is not proven
                self.stuck.add((a.key, b.key))
        elif r.status == Status.OPTIMAL:
            self.edges[(a.key, b.key)] = _HullEdge(mu, r.lp_bound, r.rc)
        else:
            self.stuck.add((a.key, b.key))
            self.proven = False

    def fill(self, a: _Plan, b: _Plan, t: float, found_by: str, time_limit: float | None) -> bool:
        """The cheapest plan with local share >= t, for t inside the gap (a, b).  Returns
        False when that made no progress (no new plan, the gap no narrower)."""
        m = self.m
        allowed = None
        edge = self.edge_around(a, b)
        if edge is not None and edge.rc is not None:
            # A plan with local >= t and cost <= cost(b) has cost - mu*local <= cost(b) - mu*t,
            # so it only uses lots whose reduced cost in the edge's weighted LP fits under that.
            allowed = edge.rc <= b.cost - edge.mu * t - edge.lp_bound + 1e-7 * max(1.0, abs(b.cost))
            allowed[b.cols] = True
        t0 = time.perf_counter()
        r = m.minimise(m.cost, local_min=t, known=[p.cols for p in self.plans.values()], allowed=allowed,
                       time_limit=time_limit)
        if r.cols is None:
            self.proven = False
            return False
        q = self._plan(r, found_by, t0, target=t)
        bounds = [x for x in (None if r.bound is None else min(r.bound, b.cost), self.lower_bound(t)) if x is not None]
        q.bound = q.cost if q.proven else (max(bounds) if bounds else None)
        before = (len(self.plans), self._open_until(a, b))
        if q.proven:
            q = self.add(q)
            # Every plan with local share >= t costs at least cost(q): below any plan that
            # costs no more than q, down to t, there is no frontier plan.
            for p in [q, *self.plans.values()]:
                if p.local >= t - FEAS_TOL and p.cost <= q.cost + _cost_tol(q.cost):
                    self.empty_from[p.key] = min(self.empty_from.get(p.key, p.local), t)
        else:
            self.proven = False
            if q.cost < b.cost - _cost_tol(b.cost) and q.key not in self.plans:
                self.add(q)
        return (len(self.plans), self._open_until(a, b)) != before

    def enumerate_edge(self, a: _Plan, b: _Plan, edge: _HullEdge) -> bool:
        """Every non-dominated plan inside the proven hull edge (a, b), when the enumeration
        fits the node budget."""
        if edge.rc is None or edge.lp_bound is None or not (a.proven and b.proven):
            return False
        t0 = time.perf_counter()
        deadline = self.m.deadline
        if math.isfinite(self.cap):
            deadline = min(x for x in (deadline, self.started + EXACT_SECONDS) if x is not None)
        inside = _enumerate_edge(self.m, a, b, edge.mu, edge.lp_bound, edge.rc, self.node_budget, deadline)
        if inside is None:
            return False
        chain = [a]
        for cols in inside:
            c, l = self.m.point(cols)
            chain.append(self.add(_Plan(cols, c, l, True, c, "enumeration inside a hull edge", None,
                                        time.perf_counter() - t0)))
        chain.append(b)
        for x, y in zip(chain, chain[1:]):
            self.close(x, y)
        return True

    # ---- the steps
    def run(self) -> bool:
        """Steps 1-4 of the module docstring.  Returns True when every non-dominated plan
        was found and proven."""
        self.ends()
        if len(self.hull) == 1:
            return self.proven
        self._supported_points()
        if all((a.key, b.key) in self.edges for a, b in zip(self.hull, self.hull[1:])):
            self._complete_edges()
        if not self.complete():
            self._sample()
        return self.complete()

    def _supported_points(self) -> None:
        while not (self.m.out_of_time() or self.too_many(HULL_SECONDS)):
            todo = [(a, b) for a, b in zip(self.hull, self.hull[1:])
                    if (a.key, b.key) not in self.edges and (a.key, b.key) not in self.stuck]
            if not todo:
                return
            self.split(*max(todo, key=lambda e: self._chord(*e)))

    def _complete_edges(self) -> None:
        """Every plan inside each proven hull edge, widest edge first: by enumeration, or by
        the epsilon walk (the cheapest plan with more local share than the previous one)."""
        for a, b in sorted(zip(self.hull, self.hull[1:]), key=lambda e: -self._chord(*e)):
            edge = self.edges.get((a.key, b.key))
            if edge is None:
                continue
            if self.m.out_of_time() or self.too_many(EXACT_SECONDS, or_slow=True):
                return
            if self.enumerate_edge(a, b, edge):
                continue
            while not (self.m.out_of_time() or self.too_many(EXACT_SECONDS, or_slow=True)):
                inside = [p for p in self.frontier() if a.local - DELTA / 2 <= p.local <= b.local + DELTA / 2]
                gap = next(((x, y) for x, y in zip(inside, inside[1:]) if self.is_open(x, y)), None)
                if gap is None:
                    break
                x, y = gap
                if not self.fill(x, y, x.local + DELTA,
                                 "epsilon step (the cheapest plan with more local share than the previous point)",
                                 self.point_time_limit):
                    self.stuck.add((x.key, y.key))

    def _sample(self) -> None:
        """Work on the widest open gap until every open gap is narrower than the spacing of
        ``cap`` points spread along the curve: a hull split where the gap is an unproven
        hull edge, else the cheapest plan above the middle of the gap's open part."""
        stop = None
        if self.m.deadline is None and math.isfinite(self.cap):
            stop = time.perf_counter() + SAMPLE_SECONDS_PER_POINT * self.cap
        while not self.m.out_of_time() and (stop is None or time.perf_counter() < stop):
            pts = self.frontier()
            gaps = [(self._open_size(a, b), a, b) for a, b in zip(pts, pts[1:])
                    if self.is_open(a, b) and self.tries.get((a.key, b.key), 0) < SAMPLE_TRIES]
            if not gaps:
                return
            length = sum(self._chord(a, b) for a, b in zip(pts, pts[1:]))
            spacing = length / (self.cap - 1) if math.isfinite(self.cap) else 0.0
            size, a, b = max(gaps, key=lambda g: g[0])
            if size <= spacing:
                return
            i = next((k for k, h in enumerate(self.hull) if h is a), None)
            if i is not None and i + 1 < len(self.hull) and self.hull[i + 1] is b and (a.key, b.key) not in self.edges:
                self.split(a, b)
                continue
            # The middle of the gap's open part; after a miss (nothing cheaper than b found in
            # time), a target nearer the cheap end, where plans are easier to find.
            tries = self.tries.get((a.key, b.key), 0)
            t = a.local + (self._open_until(a, b) - a.local) / 2 ** (tries + 1)
            if not self.fill(a, b, t, f"sampled: the cheapest plan with local share ≥ {t:.2%}",
                             self.point_time_limit):
                self.tries[(a.key, b.key)] = tries + 1


def _cost_tol(c: float) -> float:
    return 1e-9 * max(1.0, abs(c)) + 1e-6


def _as_good(r: _Found, value: float) -> np.ndarray | None:
    """Lots that can be in a plan with objective <= value (by the solve's LP reduced costs)."""
    if r.rc is None or r.lp_bound is None:
        return None
    return r.rc <= value - r.lp_bound + 1e-7 * max(1.0, abs(value))


def _non_dominated(pts: list[_Plan]) -> list[_Plan]:
    """Sorted by local share, without the plans another is at least as good as on both
    counts (costs within 1e-9 relative and shares within 1e-9 count as equal)."""
    pts = sorted(pts, key=lambda p: (-p.local, p.cost, not p.proven))
    out: list[_Plan] = []
    for p in pts:
        if out and abs(out[-1].local - p.local) <= 1e-9:
            if p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
                out[-1] = p                # the same share (up to rounding) for less
            continue
        if not out or p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
            out.append(p)
    return out[::-1]


def _spread(pts: list[_Plan], n: float) -> list[_Plan]:
    """At most n of the points, spread along the curve: the two ends, then again and again
    the point nearest the middle of the widest stretch between points chosen so far."""
    if len(pts) <= n:
        return pts
    cost_span = max(pts[-1].cost - pts[0].cost, 1e-9)
    local_span = max(pts[-1].local - pts[0].local, 1e-12)
    steps = [math.hypot((q.cost - p.cost) / cost_span, (q.local - p.local) / local_span) for p, q in zip(pts, pts[1:])]
    pos = np.r_[0.0, np.cumsum(steps)]
    chosen = [0, len(pts) - 1]
    while len(chosen) < n:
        chosen.sort()
        wide = [(pos[j] - pos[i], i, j) for i, j in zip(chosen, chosen[1:]) if j - i > 1]
        if not wide:
            break
        _, i, j = max(wide)
        middle = (pos[i] + pos[j]) / 2
        chosen.append(min(range(i + 1, j), key=lambda k: abs(pos[k] - middle)))
    return [pts[k] for k in sorted(chosen)]


# --------------------------------------------------------------------------- enumeration inside a hull edge

def _enumerate_edge(m: _Master, a: _Plan, b: _Plan, mu: float, lp_w: float, rc: np.ndarray,
                    node_budget: int, deadline: float | None) -> list[np.ndarray] | None:
    """Every non-dominated plan strictly inside the hull edge (a, b), by enumeration.

    A plan x strictly inside the edge and not dominated by the points found so far lies in
    a box  cost < C_{i+1}, local > L_i  of two consecutive points, so its weighted value
    cost - mu*local is below  C_{i+1} - mu*L_i;  it is at least the weighted LP bound plus
    the sum of its lots' reduced costs (all >= 0).  Depth-first search over exact covers
    of the cells (branching on the cell with the fewest candidate lots) prunes a partial
    plan when no box can hold it: the rest of the cells add at least, per cell, the least
    reduced cost / cost per cell and at most the most local value per cell of any lot over
    it.  Of two partial plans over the same cells, the one with higher cost and lower
    local share (and no less room under the plan-level rules) is dropped.  Returns the
    plans (sorted by local share), or None when the search exceeds ``node_budget`` nodes
    or runs past ``deadline``.
    """
    n_cells = m.n_cells
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
    sub = m.A[:, cand].tocsc()
    cell_part = [sub.indices[sub.indptr[k]:sub.indptr[k + 1]] for k in range(len(cand))]
    territory = [c[c < n_cells] for c in cell_part]            # no two lots may share one
    # the cells with demand are the ones to cover; bounds are spread over them alone
    cell_part = [c[m.cover_lo[c] > 0.5] for c in territory]
    size = np.array([max(1, len(c)) for c in cell_part], dtype=float)
    rc_c, cost_c, local_c = rc[cand], m.cost[cand], m.local[cand]
    # Plan-level rows (lot count, small-lots cap): activity only grows with more lots.
    n_side = m.n_side
    side = m.A[n_cells:m.local_row][:, cand].toarray() if n_side else np.zeros((0, len(cand)))
    side_lo, side_hi = m.lo[n_cells:m.local_row], m.hi[n_cells:m.local_row]
    exact_rows = np.isfinite(side_lo) & (side_lo > 0)
    # Per-cell bounds on what covering a cell can add.
    rc_cell = np.full(n_cells, np.inf)
    cost_cell = np.full(n_cells, np.inf)
    local_cell = np.zeros(n_cells)
    must = m.cover_lo > 0.5
    rc_cell[~must] = cost_cell[~must] = 0.0
    for k, cells in enumerate(cell_part):
        rc_cell[cells] = np.minimum(rc_cell[cells], rc_c[k] / size[k])
        cost_cell[cells] = np.minimum(cost_cell[cells], cost_c[k] / size[k])
        local_cell[cells] = np.maximum(local_cell[cells], local_c[k] / size[k])
    if not np.isfinite(rc_cell).all():
        return []                     # some cell has no candidate lot: no plan inside the edge
    s_rc = [float(rc_cell[c].sum()) for c in cell_part]
    s_cost = [float(cost_cell[c].sum()) for c in cell_part]
    s_local = [float(local_cell[c].sum()) for c in cell_part]
    by_cell: list[list[int]] = [[] for _ in range(n_cells)]
    for k in np.argsort(rc_c, kind="stable"):
        for i in cell_part[k]:
            by_cell[i].append(int(k))
    # Branch on the cell with the fewest candidate lots: bit r of a mask is the cell of
    # rank r in that order (cells with demand first), so the next cell to cover is the
    # lowest bit not yet set; the other territory cells only block overlaps.
    cell_order = sorted(range(n_cells), key=lambda i: (not must[i], len(by_cell[i])))
    rank = {cell: r for r, cell in enumerate(cell_order)}
    masks = [sum(1 << rank[int(i)] for i in cells) for cells in territory]
    by_rank = [by_cell[cell] for cell in cell_order]
    RC, COST, LOCAL = rc_c.tolist(), cost_c.tolist(), local_c.tolist()
    SIDE = [tuple(side[:, k]) for k in range(len(cand))]
    full = (1 << int(must.sum())) - 1
    memo: dict = {}
    found: dict[tuple, list[int]] = {}
    state = {"nodes": 0, "bx": bx, "budget": budget}
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
        if covered & full == full:
            accept(c, l, act)
            return
        for cb, lb_, zb in state["bx"]:
            if c + rest_c < cb - tol_c and l + rest_l > lb_ + 1e-12 and r + rest_rc < zb + tol_c:
                break
        else:
            return                     # no box can hold a completion of this partial plan
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
        budget_now = state["budget"]
        for k in by_rank[(~covered & (covered + 1)).bit_length() - 1]:
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


# --------------------------------------------------------------------------- independent blocks

def _independent_blocks(m: _Master, *, tied: bool = False) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Columns and cells of each block of product groups that no lot can mix (different
    bundling families, or bundling "none"), when no plan-level row (lot count, small-lots
    cap) ties them together (``tied``: even then); None otherwise or when there is one block."""
    space = m.space
    if (m.n_side and not tied) or not space.complete:
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
    market = space.market
    out = []
    for root in roots:
        members = {g for g in groups if find(g) == root}
        b_idx = [i for i, b in enumerate(space.bundles) if set(b) <= members]
        cols = np.flatnonzero(np.isin(space.columns.bundle_index, b_idx))
        gi = set(market.group_index(sorted(members)))
        cells = np.flatnonzero([g in gi for _, g in space.cells])
        out.append((cols, cells))
    return out


def _block_frontier(m: _Master, blocks, *, cap: float, point_time_limit: float | None,
                    node_budget: int) -> tuple[list[_Plan], bool]:
    """Each block's frontier, combined: a plan is one plan per block, its cost and local
    share the sums.  A combination is non-dominated only if each part is non-dominated in
    its block, so the combined frontier is exact when every block's frontier is."""
    combined = [(0.0, 0.0, (), True)]
    complete = True
    for cols, cells in blocks:
        sub = m.block(cols, cells)
        explorer = _Explorer(sub, cap=cap, point_time_limit=point_time_limit, node_budget=node_budget)
        complete &= explorer.run()
        parts = [(sub.col_map[p.cols], p.cost, p.local, p.proven) for p in explorer.frontier()]
        sums = [(c + pc, l + pl, chosen + (pcols,), ok and pok)
                for c, l, chosen, ok in combined for pcols, pc, pl, pok in parts]
        combined = _non_dominated_sums(sums)
    how = f"combination of {len(blocks)} independent block frontiers"
    out = []
    for _, _, chosen, ok in combined:
        cols = np.concatenate(chosen)
        c, l = m.point(cols)            # the exact sums (same columns, one addition order)
        proven = ok and complete
        out.append(_Plan(cols, c, l, proven, c if proven else None, how))
    return _non_dominated(out), complete


def _non_dominated_sums(items: list[tuple]) -> list[tuple]:
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


# --------------------------------------------------------------------------- plans

def _to_point(scenario: Scenario, m: _Master, p: _Plan) -> FrontierPoint:
    """The plan as a FrontierPoint: evaluated like any plan, under a min-cost scenario
    whose local-share target is the plan's own share (so ``optimize`` reproduces it)."""
    from lotsplit.engine.optimize import with_overrides

    target = max(0.0, min(1.0, math.floor(p.local * 1e9) / 1e9))
    s_pt = with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": target,
                                               "compactness_weight": 0.0})
    status = Status.OPTIMAL if p.proven else Status.FEASIBLE
    bound = p.cost if p.proven else p.bound
    gap = 0.0 if p.proven else gap_of(p.cost, bound)
    outcome = SolveOutcome(status=status, objective=p.cost, bound=bound, gap=gap, seconds=p.seconds, solver="highs",
                           version=highs_version(), message=p.found_by, columns=m.n, complete=m.space.complete)
    plan = _plan_from_columns(m.space, s_pt, m.col_map[p.cols], outcome)
    if not math.isclose(plan.metrics["net_cost"], p.cost, rel_tol=1e-7, abs_tol=1e-4) or \
            not math.isclose(plan.metrics["local_share"], p.local, rel_tol=1e-7, abs_tol=1e-9):
        raise SolverError(f"internal check failed: a frontier plan evaluates to net cost "
                          f"{plan.metrics['net_cost']} / local share {plan.metrics['local_share']}, the optimizer "
                          f"said {p.cost} / {p.local}")
    return FrontierPoint(plan, status, bound, gap, p.found_by, p.target, p.seconds)


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
    from lotsplit.engine.optimize import optimize, with_overrides

    try:
        optimize(with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": 0.0}))
    except InfeasibleError as exc:
        return list(getattr(exc, "reasons", None) or [str(exc)])
    return ["no plan satisfies the rules"]
