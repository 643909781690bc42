"""The candidate lots of one frontier as arrays, and exact solves over them.

Each solve is the engine's exact MIP (``engine.exact.exact_mip``: LP bound, a first plan,
reduced-cost fixing, the MIP; ``engine.blocks.solve_blocks`` for independent blocks) over
the frontier's master, whose rows are the territory cells, the plan-level rows (lot count,
small-lots cap, lots per tenderer), the access-share row and the net-cost row (free unless
a solve bounds them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from lotsplit.engine.blocks import solve_blocks
from lotsplit.engine.exact import exact_mip
from lotsplit.engine.highs import (TIGHT_TOLERANCE, UNLIMITED, Effort, RawResult, Status, Termination, highs_lp,
                                   new_highs, run, solve_lp_sifted)
from lotsplit.errors import SolverError
from lotsplit.model.lots import LotSpace
from lotsplit.model.master import Master, build_master
from lotsplit.model.objective import access_chance

FEAS_TOL = TIGHT_TOLERANCE
"""Row feasibility tolerance of the MIPs (access-share row in share units)."""


@dataclass
class Found:
    """A solve's answer: chosen columns (or None), objective, a valid lower bound, and the
    LP behind it (its value and the reduced costs of every column) for fixing lots."""

    status: Status
    cols: np.ndarray | None
    value: float | None
    bound: float | None
    message: str = ""
    lp_bound: float | None = None
    rc: np.ndarray | None = None
    termination: Termination = Termination.OPTIMAL
    tie_broken: bool = False
    """The plan is also the best for ``minimise``'s ``then`` among the best plans."""


def tol(value: float) -> float:
    """Slack for comparing objective values (an infinite value stays infinite)."""
    return 1e-7 * max(1.0, abs(value)) if np.isfinite(value) else 0.0


class FrontierMaster:
    """The frontier's master: ``cost`` (net cost) and ``local`` (access share) per column,
    and ``A`` with the rows described in the module docstring."""

    def __init__(self, space: LotSpace, cost, local, cover, side, side_lo, side_hi, col_map, *, effort: Effort,
                 stats: dict | None = None, cover_lo=None, side_names=()):
        self.space = space
        self.col_map = np.asarray(col_map, dtype=np.int64)
        """Index of each column in ``space.columns``."""
        self.effort = effort
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
        self.lo = np.r_[self.cover_lo, np.asarray(side_lo, dtype=float), -np.inf, -np.inf]
        self.hi = np.r_[np.ones(self.n_cells), np.asarray(side_hi, dtype=float), np.inf, np.inf]
        self.local_row, self.cost_row = len(self.lo) - 2, len(self.lo) - 1
        self.n_side = self.local_row - self.n_cells
        self.names = [f"cell {i}" for i in range(self.n_cells)] + list(side_names) + ["access share", "net cost"]
        self._weighted = None
        self.blocks: list[np.ndarray] | None = None
        """Columns of each independent block of product groups (set by the caller)."""
        self.seen: list[np.ndarray] = []
        """Every plan a solve found (columns, each once): first plans of later solves."""
        self._seen_keys: set[bytes] = set()

    @classmethod
    def of_space(cls, space: LotSpace, *, effort: Effort = UNLIMITED, stats: dict | None = None) -> FrontierMaster:
        cols = space.columns
        n_cells = len(space.cells)
        if len(cols) == 0:
            return cls(space, [], [], sp.csr_matrix((n_cells, 0)), sp.csr_matrix((0, 0)), [], [], [],
                       effort=effort, stats=stats, cover_lo=space.cover_lo)
        local = cols.value * access_chance(space.scenario, cols) / (space.total_annual_value or 1.0)
        base = build_master(space)
        return cls(space, cols.admin_cost - cols.competition_value, local, base.matrix[:n_cells],
                   base.matrix[n_cells:], base.row_lo[n_cells:], base.row_hi[n_cells:], np.arange(len(cols)),
                   effort=effort, stats=stats, cover_lo=space.cover_lo, side_names=base.names[n_cells:])

    def block(self, cols: np.ndarray, cells: np.ndarray, *, most_lots: int | None = None) -> FrontierMaster:
        """The sub-problem of some columns and the cells they cover: no plan-level rows,
        or only the lot count (at most ``most_lots``)."""
        cover = self.A[:self.n_cells][:, cols][cells]
        if most_lots is None:
            side, side_hi, names = sp.csr_matrix((0, len(cols))), [], []
        else:
            side, side_hi, names = sp.csr_matrix(np.ones((1, len(cols)))), [most_lots], ["lot count"]
        return FrontierMaster(self.space, self.cost[cols], self.local[cols], cover, side, [-np.inf] * len(side_hi),
                              side_hi, self.col_map[cols], effort=self.effort, stats=self.stats,
                              cover_lo=self.cover_lo[cells], side_names=names)

    @property
    def mips(self) -> int:
        return self.stats["mips"]

    def point(self, cols) -> tuple[float, float]:
        """(net cost, access share) of a set of columns."""
        return float(self.cost[cols].sum()), float(self.local[cols].sum())

    def out_of_time(self) -> bool:
        return self.effort.out_of_time()

    def master(self, obj, local_min: float = -np.inf, cost_max: float = np.inf) -> Master:
        lo, hi = self.lo.copy(), self.hi.copy()
        lo[self.local_row], hi[self.cost_row] = local_min, cost_max
        return Master(np.asarray(obj, dtype=float), self.A, lo, hi, self.names)

    def minimise(self, obj, *, local_min: float = -np.inf, cost_max: float = np.inf, known=(),
                 allowed: np.ndarray | None = None, nodes: int | None = None, warm: bool = False,
                 time_limit: float | None = None, then: np.ndarray | None = None) -> Found:
        """Exact min ``obj . x`` over plans with access share >= local_min and net cost <=
        cost_max, by the engine's exact MIP: the LP over every lot (its bound and reduced
        costs), the best known plan as the first incumbent, the MIP among the ``allowed``
        lots (a bool mask: the caller proved the others to be in no plan it wants; the
        answer is then exact among the plans of allowed lots), at most ``nodes``
        branch-and-bound nodes (a work limit; a plan it stops is reported with its bound).
        ``warm``: start the LP from the last warm LP's basis (weighted sums).  ``time_limit``:
        the user's seconds for this solve (within the frontier's own limit).  ``then``: a
        second objective that breaks ties, when the master is solved block by block
        (``tie_broken`` in the answer; otherwise the caller breaks them)."""
        if time_limit is not None:
            outer = self.effort
            self.effort = outer.within(time_limit)
            try:
                return self.minimise(obj, local_min=local_min, cost_max=cost_max, known=known, allowed=allowed,
                                     nodes=nodes, warm=warm, then=then)
            finally:
                outer.stops |= self.effort.stops
                self.effort = outer
        self.stats["mips"] += 1
        obj = np.asarray(obj, dtype=float)
        master = self.master(obj, local_min, cost_max)
        if self.blocks is not None and len(self.blocks) > 1 and local_min == -np.inf and cost_max == np.inf \
                and allowed is None:
            r = solve_blocks(master, self.blocks, self.n_cells, effort=self.effort, nodes=nodes, then=then,
                             known=[*known, *self.seen])
            if r is not None and r.x is not None:
                found = self._found(obj, r, r.message)
                found.tie_broken = then is not None
                return found
        lp = self._lp(master, warm=warm)
        if lp.status == Status.INFEASIBLE:
            return Found(Status.INFEASIBLE, None, None, None, "LP relaxation infeasible",
                         termination=Termination.INFEASIBLE)
        best = self._best_known(master, [*known, *self.seen], allowed)
        r = exact_mip(master, effort=self.effort, lp=lp, incumbent=best, nodes=nodes, allowed=allowed, tight=True,
                      report=False)
        if r.status == Status.INFEASIBLE:
            return Found(Status.INFEASIBLE, None, None, None, r.message, termination=Termination.INFEASIBLE)
        found = self._found(obj, r, r.message)
        if found.cols is not None and (self.local[found.cols].sum() < local_min - 1e-7 or
                                       self.cost[found.cols].sum() > cost_max + 1e-6 * max(1.0, abs(cost_max))):
            raise SolverError("internal check failed: a frontier plan breaks its access-share or cost constraint")
        return found

    def _found(self, obj: np.ndarray, r: RawResult, message: str) -> Found:
        rc = None if r.duals is None else np.maximum(obj - self.AT @ r.duals, 0.0)
        if r.x is None:
            return Found(Status.NO_PLAN, None, None, r.bound, message, r.lp_bound, rc, r.termination)
        cols = np.flatnonzero(r.x > 0.5)
        if cols.tobytes() not in self._seen_keys:
            self._seen_keys.add(cols.tobytes())
            self.seen.append(cols)
        value = float(obj[cols].sum())
        bound = r.bound
        if bound is not None:
            bound = min(bound, value)
        self.check(cols, r.x)
        return Found(r.status, cols, value, value if r.status == Status.OPTIMAL else bound, message, r.lp_bound, rc,
                     r.termination)

    def _best_known(self, master: Master, known, allowed) -> np.ndarray | None:
        """The best of the known plans that meet the master's rows (and use allowed lots),
        as a 0/1 vector."""
        best, ub = None, np.inf
        for plan in known:
            plan = np.asarray(plan, dtype=np.int64)
            if allowed is not None and not allowed[plan].all():
                continue
            x = np.zeros(self.n)
            x[plan] = 1.0
            ax = master.matrix @ x
            if np.any(ax < master.row_lo - FEAS_TOL) or np.any(ax > master.row_hi + 1e-6):
                continue
            v = float(master.cost[plan].sum())
            if v < ub:
                best, ub = x, v
        return best

    def _lp(self, master: Master, *, warm: bool) -> RawResult:
        """The LP relaxation; ``warm``: one model for the weighted sums, warm-started from
        the last one's basis (a warm start far from the optimum, e.g. most local after
        cheapest, was slower than cold)."""
        if not warm:
            return solve_lp_sifted(master, effort=self.effort)
        if self._weighted is None:
            self._weighted = new_highs(self.effort.threads, seed=self.effort.seed)
            self._weighted.passModel(highs_lp(master.cost, self.A, self.lo, self.hi, upper=1.0))
        h = self._weighted
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), master.cost)
        r = run(h, effort=self.effort)
        if r.termination == Termination.INFEASIBLE:
            return RawResult(Status.INFEASIBLE, None, None, None, None, r.seconds, r.message,
                             termination=r.termination)
        if r.termination != Termination.OPTIMAL:
            return RawResult(Status.NO_PLAN, None, None, None, None, r.seconds, r.message, termination=r.termination)
        return RawResult(Status.OPTIMAL, r.x, r.objective, r.objective, r.duals, r.seconds, r.message)

    def check(self, cols: np.ndarray, x: np.ndarray | None = None) -> None:
        """Every cell with demand in exactly one lot, no area in two lots of one group,
        the plan-level rows kept (the optimizer's answer is checked, not trusted)."""
        if x is None:
            x = np.zeros(self.n)
            x[cols] = 1.0
        ax = self.A @ x
        cover = ax[:self.n_cells]
        if np.any(cover < self.cover_lo - 1e-9) or np.any(cover > 1.0 + 1e-9):
            raise SolverError("internal check failed: a frontier plan does not cover every cell with demand exactly "
                              "once, or puts an area into two lots of one product group")
        side = ax[self.n_cells:self.local_row]
        if np.any(side < self.lo[self.n_cells:self.local_row] - 1e-6) or \
                np.any(side > self.hi[self.n_cells:self.local_row] + 1e-6):
            raise SolverError("internal check failed: a frontier plan breaks a plan-level rule")
