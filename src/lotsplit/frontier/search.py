"""The search for the frontier: its ends, the supported plans (convex hull) by dichotomy,
the plans inside each hull edge, and sampling when the frontier is large (the steps of
the package docstring), and :func:`frontier`, which runs it."""

from __future__ import annotations

import bisect
import math
import time

import numpy as np

from lotsplit.engine.highs import Effort, SolveOutcome, Status, Termination, gap_of, highs_version
from lotsplit.engine.optimize import plan_from_columns
from lotsplit.errors import InfeasibleError, NoPlanFoundError, SolverError
from lotsplit.frontier.baselines import baseline_plans, neutral
from lotsplit.frontier.blocks import block_frontier, independent_blocks, shared_lots_frontier
from lotsplit.frontier.enumerate import enumerate_edge
from lotsplit.frontier.master import FEAS_TOL, FrontierMaster, Found
from lotsplit.frontier.plans import (HullEdge, Infeasible, OutOfTime, Plan, as_good, cost_tol, non_dominated,
                                     spread)
from lotsplit.frontier.result import DELTA, Frontier, FrontierPoint, Note, share_of
from lotsplit.model.lots import lot_space
from lotsplit.model.master import add_award_cut
from lotsplit.scenario import Scenario

HULL_SOLVES = 40
"""The search for every supported plan (step 2) goes on past ``points`` plans for this many
solves; after that it samples (a work budget, the same on any machine)."""
EXACT_SOLVES = 120
"""Once every supported plan is known, the search for the others (step 3) goes on past
``points`` plans (or, without a time limit, at all) for this many solves; then it samples."""
END_NODES = 50_000
"""Branch-and-bound nodes of each solve of a frontier end, when ``points`` is set."""
SAMPLE_NODES = 5_000
"""Default branch-and-bound nodes of one sampled point's MIP (``point_nodes``)."""
SAMPLE_TRIES = 2
"""Sampled targets tried in one gap before giving up on it."""
SAMPLE_SOLVES_PER_POINT = 4
"""Without ``time_limit``, sampling stops after this many solves per point asked for."""
NODE_BUDGET = 30_000_000
"""Search steps (nodes and candidate lots looked at) allowed for enumerating the plans
inside one hull edge: a few seconds of work at most (Dalarna's bread block: an edge
enumerated in 0.5 s, which the epsilon walk's MIP took 14 s to prove empty)."""


def frontier(scenario: Scenario, *, points: int | None = 25, legacy=(), baselines: bool = True,
             time_limit: float | None = None, point_time_limit: float | None = None, point_nodes: int | None = None,
             threads: int | None = None, seed: int | None = None, node_budget: int = NODE_BUDGET) -> Frontier:
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
        Seconds for the whole frontier (the only clock of the search); when it runs out
        the points found so far are returned (marked not exact).  Default: no limit.
    point_time_limit
        Seconds for one MIP of the walk or of a sampled point (a user's limit; default
        none); a point stopped by it is reported with its bound and gap.
    point_nodes
        Branch-and-bound nodes for one such MIP (a work limit, the same on any machine).
        Default ``SAMPLE_NODES`` when ``points`` is set, no limit when it is ``None``.
    node_budget
        Search steps (nodes and candidate lots looked at) allowed for enumerating the
        plans inside one hull edge before that edge falls back to one MIP per point.

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
    if point_nodes is None and points is not None:
        point_nodes = SAMPLE_NODES
    effort = Effort.of(time_limit, threads=threads or cfg.threads, seed=cfg.seed if seed is None else seed)
    space = lot_space(neutral(scenario))
    cap = math.inf if points is None else points
    search = dict(cap=cap, point_time_limit=point_time_limit, point_nodes=point_nodes, node_budget=node_budget)
    stats = {"mips": 0}
    while True:
        master = FrontierMaster.of_space(space, effort=effort, stats=stats)
        if master.n == 0:
            raise InfeasibleError(reasons(scenario))
        notes: list[Note] = []
        if not master.space.complete:
            notes.append(Note("fr_note_pool"))
        tied = independent_blocks(master, tied=True)
        master.blocks = None if tied is None else [cols for cols, _ in tied]
        blocks = independent_blocks(master)
        only_lot_count = master.names[master.n_cells:master.local_row] == ["lot count"]
        try:
            if blocks is not None:
                found, complete = block_frontier(master, blocks, **search)
                notes.append(Note("fr_note_blocks", (("n", len(blocks)),)))
            elif tied is not None and only_lot_count and \
                    (shared := shared_lots_frontier(master, tied, **search)) is not None:
                found, complete = shared
                notes.append(Note("fr_note_shared_lots", (("n", len(tied)),
                                                          ("most", int(master.hi[master.n_cells])))))
            else:
                explorer = Explorer(master, **search)
                complete = explorer.run()
                found = explorer.frontier()
                if explorer.local_bound is not None:
                    notes.append(Note("fr_note_local_unproven", (("bound", float(explorer.local_bound)),
                                                                 ("found", float(found[-1].local)))))
        except Infeasible:
            raise InfeasibleError(reasons(scenario)) from None
        except OutOfTime as exc:
            raise NoPlanFoundError(f"the time limit ran out before the frontier's end points were found ({exc}); "
                                   "raise --time-limit") from None
        # Every plan must be awardable under the lots-per-tenderer cap: a plan that is not
        # adds the supplier set that proves it to the master, and the frontier is found again.
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
    shown = spread(found, cap)
    if exact and len(shown) < len(found):
        notes.append(Note("fr_note_shown", (("found", len(found)), ("shown", len(shown)))))
    elif not exact:
        why = ("time" if Termination.TIME_LIMIT in effort.stops else
               "stopped" if Termination.INTERRUPTED in effort.stops else
               "many" if len(found) > cap else "work")
        notes.append(Note("fr_note_partial", (("why", why), ("cap", cap))))
    result = Frontier(scenario, [to_point(scenario, master, p) for p in shown], exact=exact,
                      sampled=len(shown) < len(found) or not exact, notes=notes, mips=master.mips,
                      columns=master.n, found=len(found), staircase=[(p.cost, p.local) for p in found])
    result.baselines = baseline_plans(scenario, legacy=legacy, standard=baselines, frontier=result)
    result.seconds = time.perf_counter() - start
    return result


class Explorer:
    """The search over one master: every plan found, what is proven between them, and the
    rules for what to solve next (module docstring, steps 1-4)."""

    def __init__(self, master: FrontierMaster, *, cap: float, point_time_limit: float | None, point_nodes: int | None,
                 node_budget: int):
        self.m = master
        self.cap = cap
        self.point_time_limit = point_time_limit
        self.point_nodes = point_nodes
        self.node_budget = node_budget
        self.solves_at_start = master.mips
        self.plans: dict[bytes, Plan] = {}
        self.hull: list[Plan] = []
        """Vertices of the lower convex hull found so far, by local share."""
        self.edges: dict[tuple[bytes, bytes], HullEdge] = {}
        """Proven hull edges, by their end points."""
        self.cuts: list[tuple[float, float]] = []
        """(mu, w): every plan has cost - mu * local >= w (proven)."""
        self.empty_from: dict[bytes, float] = {}
        """plan key -> t: every plan with local share >= t costs at least as much as this
        plan, so no frontier plan has a local share in [t, local(plan))."""
        self.stuck: set[tuple[bytes, bytes]] = set()
        """Gaps a limited solve could not close: not tried again."""
        self.tries: dict[tuple[bytes, bytes], int] = {}
        """Sampled targets in a gap that found no plan cheaper than its right end within their limits."""
        self.proven = True
        """No solve was stopped by a limit."""
        self.local_bound: float | None = None
        """When the most local plan is not proven: no plan has a higher local share than this."""

    # ---- bookkeeping
    def add(self, p: Plan) -> Plan:
        old = self.plans.get(p.key)
        if old is None or (p.proven and not old.proven):
            self.plans[p.key] = p
            return p
        return old

    def frontier(self) -> list[Plan]:
        return non_dominated(list(self.plans.values()))

    def lower_bound(self, t: float) -> float | None:
        """The best proven lower bound on the cost of a plan with local share >= t."""
        vals = [w + mu * t for mu, w in self.cuts]
        return max(vals) if vals else None

    def too_many(self, solves: int, *, or_slow: bool = False) -> bool:
        """After ``solves`` solves (a work budget), sample instead of finding every plan:
        when more plans than asked for are known, or (``or_slow``, without a time limit)
        whenever ``points`` is set, so that a frontier whose every point is a hard MIP still
        ends."""
        if not math.isfinite(self.cap) or self.m.mips - self.solves_at_start <= solves:
            return False
        return len(self.frontier()) > self.cap or (or_slow and self.m.effort.deadline is None)

    def _plan(self, r: Found, found_by: Note, t0: float, *, target: float | None = None) -> Plan:
        c, l = self.m.point(r.cols)
        return Plan(r.cols, c, l, r.status == Status.OPTIMAL, None, found_by, target, time.perf_counter() - t0)

    # ---- gaps between neighbouring frontier plans
    def _open_until(self, a: Plan, b: Plan) -> float:
        """The gap (a, b) is open on (local(a), this)."""
        return min(b.local, self.empty_from.get(b.key, b.local))

    def is_open(self, a: Plan, b: Plan) -> bool:
        return (self._open_until(a, b) > a.local + 1.5 * DELTA and (a.key, b.key) not in self.stuck
                and b.cost > a.cost + cost_tol(b.cost))

    def close(self, a: Plan, b: Plan) -> None:
        self.empty_from[b.key] = min(self.empty_from.get(b.key, b.local), a.local + DELTA)

    def complete(self) -> bool:
        pts = self.frontier()
        hull_done = all((a.key, b.key) in self.edges for a, b in zip(self.hull, self.hull[1:]))
        return self.proven and hull_done and not any(self.is_open(a, b) for a, b in zip(pts, pts[1:]))

    def edge_around(self, a: Plan, b: Plan) -> HullEdge | None:
        """The proven hull edge the gap (a, b) lies in, if any."""
        i = bisect.bisect_right([h.local for h in self.hull], a.local + DELTA / 2) - 1
        if 0 <= i < len(self.hull) - 1 and self.hull[i + 1].local >= b.local - DELTA / 2:
            return self.edges.get((self.hull[i].key, self.hull[i + 1].key))
        return None

    def _chord(self, a: Plan, b: Plan) -> float:
        """Distance from a to b on the curve scaled to the unit square."""
        lo, hi = self.hull[0], self.hull[-1]
        dc = (b.cost - a.cost) / max(hi.cost - lo.cost, 1e-9)
        dl = (b.local - a.local) / max(hi.local - lo.local, 1e-12)
        return math.hypot(dc, dl)

    def _open_size(self, a: Plan, b: Plan) -> float:
        """The chord of the gap (a, b) times the share of it still open."""
        return self._chord(a, b) * (self._open_until(a, b) - a.local) / max(b.local - a.local, 1e-12)

    # ---- solves
    def _end_nodes(self) -> int | None:
        """Nodes for one solve of a frontier end: ``END_NODES`` when ``points`` is set (on
        large scenarios the most local plan is the hardest MIP, and the curve between the
        ends matters more than proving its last point)."""
        return END_NODES if math.isfinite(self.cap) else None

    def ends(self) -> None:
        """The cheapest plan (the most local among them) and the most local (the cheapest),
        each solve within ``_end_limit``: an end it stops is kept with its bound."""
        m = self.m
        t0 = time.perf_counter()
        # block by block, the tie-break comes with the solve (``then``); else a second solve
        r = m.minimise(m.cost, nodes=self._end_nodes(), then=-m.local)
        self._must_have_plan(r, "cheapest plan")
        if r.bound is not None:
            self.cuts.append((0.0, r.bound))
        first = self._plan(r, Note("fb_cheapest"), t0)
        if r.tie_broken:
            lo = self._plan(r, Note("fb_cheapest_tie"), t0)
        else:
            c_max = first.cost + cost_tol(first.cost)
            r2 = m.minimise(-m.local, cost_max=c_max, allowed=as_good(r, c_max), nodes=self._end_nodes(),
                            known=[first.cols])
            lo = self._plan(r2, Note("fb_cheapest_tie"), t0) if r2.cols is not None \
                else first
            lo.proven = first.proven and r2.status == Status.OPTIMAL
        lo.bound = r.bound

        t0 = time.perf_counter()
        # the cheapest plans are the first incumbent: a time limit then still leaves a plan
        r = m.minimise(-m.local, nodes=self._end_nodes(), known=[lo.cols, first.cols], then=m.cost)
        self._must_have_plan(r, "most local plan")
        top = self._plan(r, Note("fb_most_local"), t0)
        if not top.proven and r.bound is not None:
            self.local_bound = -r.bound
        if r.tie_broken:
            hi = self._plan(r, Note("fb_most_local_tie"), t0)
            hi.bound = hi.cost if hi.proven else None
        else:
            r2 = m.minimise(m.cost, local_min=top.local - FEAS_TOL, allowed=as_good(r, -top.local + FEAS_TOL),
                            nodes=self._end_nodes(), known=[top.cols])
            hi = self._plan(r2, Note("fb_most_local_tie"), t0) if r2.cols is not None \
                else top
            hi.proven = top.proven and r2.status == Status.OPTIMAL
            hi.bound = r2.bound if r2.cols is not None else None
        self.proven &= lo.proven and hi.proven
        lo, hi = self.add(lo), self.add(hi)
        self.hull = [lo] if lo.key == hi.key or hi.local <= lo.local + DELTA else [lo, hi]

    def _must_have_plan(self, r: Found, what: str) -> None:
        if r.status == Status.INFEASIBLE:
            raise Infeasible
        if r.cols is None:
            raise OutOfTime(what)

    def split(self, a: Plan, b: Plan) -> None:
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
        p = self._plan(r, Note("fb_weighted", (("price", round(mu / 100)),)), t0)
        w_edge = a.cost - mu * a.local
        if p.cost - mu * p.local < w_edge - 1e-7 * max(1.0, abs(w_edge)):
            p.bound = p.cost if p.proven else (None if r.bound is None else r.bound + mu * p.local)
            self.proven &= p.proven
            p = self.add(p)
            k = next(k for k, h in enumerate(self.hull) if h is b)
            if a.local < p.local < b.local:
                self.hull.insert(k, p)
            elif p.local >= b.local and p.cost <= b.cost + cost_tol(b.cost) and k == len(self.hull) - 1:
                self.hull[k] = p       # an unproven most-local end beaten: p is the end now
            elif p.local <= a.local and p.cost <= a.cost + cost_tol(a.cost) and k == 1:
                self.hull[0] = p       # an unproven cheap end beaten
            else:                      # only possible when a or b is not proven
                self.stuck.add((a.key, b.key))
        elif r.status == Status.OPTIMAL:
            self.edges[(a.key, b.key)] = HullEdge(mu, r.lp_bound, r.rc)
        else:
            self.stuck.add((a.key, b.key))
            self.proven = False

    def fill(self, a: Plan, b: Plan, t: float, found_by: Note) -> bool:
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
                       nodes=self.point_nodes, time_limit=self.point_time_limit)
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
                if p.local >= t - FEAS_TOL and p.cost <= q.cost + cost_tol(q.cost):
                    self.empty_from[p.key] = min(self.empty_from.get(p.key, p.local), t)
        else:
            self.proven = False
            if q.cost < b.cost - cost_tol(b.cost) and q.key not in self.plans:
                self.add(q)
        return (len(self.plans), self._open_until(a, b)) != before

    def enumerate_edge(self, a: Plan, b: Plan, edge: HullEdge) -> bool:
        """Every non-dominated plan inside the proven hull edge (a, b), when the enumeration
        fits the node budget."""
        if edge.rc is None or edge.lp_bound is None or not (a.proven and b.proven):
            return False
        t0 = time.perf_counter()
        inside = enumerate_edge(self.m, a, b, edge.mu, edge.lp_bound, edge.rc, self.node_budget)
        if inside is None:
            return False
        chain = [a]
        for cols in inside:
            c, l = self.m.point(cols)
            chain.append(self.add(Plan(cols, c, l, True, c, Note("fb_enumerated"), None,
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
        while not (self.m.out_of_time() or self.too_many(HULL_SOLVES)):
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
            if self.m.out_of_time() or self.too_many(EXACT_SOLVES, or_slow=True):
                return
            if self.enumerate_edge(a, b, edge):
                continue
            while not (self.m.out_of_time() or self.too_many(EXACT_SOLVES, or_slow=True)):
                inside = [p for p in self.frontier() if a.local - DELTA / 2 <= p.local <= b.local + DELTA / 2]
                gap = next(((x, y) for x, y in zip(inside, inside[1:]) if self.is_open(x, y)), None)
                if gap is None:
                    break
                x, y = gap
                if not self.fill(x, y, x.local + DELTA, Note("fb_epsilon")):
                    self.stuck.add((x.key, y.key))

    def _sample(self) -> None:
        """Work on the widest open gap until every open gap is narrower than the spacing of
        ``cap`` points spread along the curve: a hull split where the gap is an unproven
        hull edge, else the cheapest plan above the middle of the gap's open part."""
        stop = None
        if self.m.effort.deadline is None and math.isfinite(self.cap):
            stop = self.m.mips + SAMPLE_SOLVES_PER_POINT * int(self.cap)
        while not self.m.out_of_time() and (stop is None or self.m.mips < stop):
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
            # The middle of the gap's open part; after a miss (nothing cheaper than b found
            # within the limits), a target nearer the cheap end, where plans are easier to find.
            tries = self.tries.get((a.key, b.key), 0)
            t = a.local + (self._open_until(a, b) - a.local) / 2 ** (tries + 1)
            if not self.fill(a, b, t, Note("fb_sampled", (("share", float(t)),))):
                self.tries[(a.key, b.key)] = tries + 1


# --------------------------------------------------------------------------- enumeration inside a hull edge


# --------------------------------------------------------------------------- plans

def to_point(scenario: Scenario, m: FrontierMaster, p: Plan) -> FrontierPoint:
    """The plan as a FrontierPoint: evaluated like any plan, under a min-cost scenario
    whose local-share target is the plan's own share (so ``optimize`` reproduces it)."""
    from lotsplit.engine.optimize import with_overrides

    target = max(0.0, min(1.0, math.floor(p.local * 1e9) / 1e9))
    s_pt = with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": target,
                                               "compactness_weight": 0.0})
    status = Status.OPTIMAL if p.proven else Status.FEASIBLE
    bound = p.cost if p.proven else p.bound
    gap = 0.0 if p.proven else gap_of(p.cost, bound)
    found_by = p.found_by.text(scenario.config.language)
    outcome = SolveOutcome(status=status, objective=p.cost, bound=bound, gap=gap, seconds=p.seconds, solver="highs",
                           version=highs_version(), message=found_by, columns=m.n, complete=m.space.complete,
                           termination=Termination.OPTIMAL if p.proven else m.effort.termination)
    plan = plan_from_columns(m.space, m.space.columns.take(m.col_map[p.cols]), outcome, scenario=s_pt)
    if not math.isclose(plan.metrics["net_cost"], p.cost, rel_tol=1e-7, abs_tol=1e-4) or \
            not math.isclose(share_of(plan), p.local, rel_tol=1e-7, abs_tol=1e-9):
        raise SolverError(f"internal check failed: a frontier plan evaluates to net cost "
                          f"{plan.metrics['net_cost']} / access share {share_of(plan)}, the optimizer "
                          f"said {p.cost} / {p.local}")
    return FrontierPoint(plan, status, bound, gap, found_by, p.target, p.seconds)


def reasons(scenario: Scenario) -> list[str]:
    """Why no plan exists, from the optimizer's explanations."""
    from lotsplit.engine.optimize import optimize, with_overrides

    try:
        optimize(with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": 0.0}))
    except InfeasibleError as exc:
        return list(getattr(exc, "reasons", None) or [str(exc)])
    return ["no plan satisfies the rules"]
