"""Exact engine for linear-cost partition scenarios (contiguous districting).

When is a scenario "linear-cost" (:func:`applies`)
---------------------------------------------------
One product group carries all the demand, every area has demand, lots are single-group,
and the set of suppliers eligible for a lot is the same for every connected area set whose
value lies in ``[min_lot_value, max_lot_value]`` (every supplier either offers the group,
reaches every area and has the capacity and turnover for a lot of value ``max_lot_value``,
or can never bid: it does not offer the group, or its capacity or turnover is too small for
a lot of value ``min_lot_value``).  Then every lot metric except the value is a constant,
the lot rules on bidders and no-bid chance hold for every lot or for none, and a lot's term
in the objective (``plan.lot_objective_terms``) is

    c(S) = c0 + sum_{a in S} lin_a + sum_{e in delta(S)} w_e,     w_e = cw * km_e / 2

(``c0`` the admin cost, ``lin_a`` the local-share bonus of ``weighted`` objectives, ``cw``
the compactness weight, ``delta(S)`` the edges with one end in S).  The plan objective is
the sum over lots, so for the county benchmarks (cw = 1, every edge 1 km, no costs) it is
exactly the number of cut edges.  Anything else (several groups, bundles, suppliers whose
eligibility depends on the lot, areas that must share or not share a lot, the small-lots
exemption, ``max_local``, a local-share target that is neither always met nor never) makes
``applies`` return False.

The method
----------
Every edge cut between two lots lies on the boundary of exactly two lots, so the plan's
boundary cost ``B(plan) = sum_lots w(delta(S)) = 2 w(cut)`` and, for every lot S of the
plan, ``w(delta(S)) <= w(cut) = B(plan) / 2``.  A plan that beats the incumbent (cost at
most ``UB - granule``) therefore only holds lots whose boundary cost is at most
``K / 2``, with ``K`` the largest boundary cost such a plan can have, and at most ``q``
lots of boundary cost above any threshold ``b`` (counting: ``q (b + h) + (t - q) b_min <= K``
with ``b_min`` the least boundary cost of any lot and ``h`` the boundary-cost step).

1. **Pool.**  Every connected area set with value in [L, U] and boundary cost at most
   ``b`` is enumerated exactly (binary branch and bound from each root area: include or
   exclude the frontier area with the most border into the set; a set is pruned when its
   value exceeds U, when it can no longer reach L, or when its boundary cost is bound to
   exceed ``b``: the border towards excluded areas is final, and each frontier area adds
   at least the smaller of its border to the set and its border to excluded areas).
   ``b`` grows level by level while the time budget allows.
2. **Incumbent.**  The set-partitioning MIP over the pool gives a plan (HiGHS).  When the
   first pool level does not close (and the problem has at least ``HEUR_MIN_N`` nodes), a
   primal heuristic (:func:`recom_plan`: recursive spanning-tree bisection for a first
   plan, then annealed ReCom moves — merge two adjacent lots, cut a random spanning tree of
   the union at a balanced edge — scored with the plan objective) runs for up to
   ``HEUR_SHARE`` of the time left.  Its plan is only an upper bound: it sets ``K`` and
   ``q`` and its lots join the pool, so it warm-starts stages A and B.
3. **Proof.**  If ``b >= K / 2`` no improving plan can use a lot outside the pool: the pool
   MIP is the optimum (also when ``b`` reaches the total edge cost: the pool is then every
   feasible lot).  Otherwise a *hybrid* MIP is exact: the pool columns plus ``q`` "slots",
   each a compact model of one lot whose boundary cost exceeds ``b`` (labelling variables,
   cut-edge variables, single-commodity-flow contiguity from a root that is the first area
   of the lot in a fixed order, root reach fixing, slots ordered by root), with ``q`` from
   the counting rule above (every lot when no plan is known yet).  Stage A first solves the
   hybrid with one slot for a share of the time (a heuristic; exact when the plan it finds
   leaves room for at most one lot outside the pool); stage B solves the exact hybrid, warm
   started, the incumbent's lots added to the pool.  Its optimum, or its dual bound at the
   deadline, is reported.  The bound is rounded up to the objective's lattice when the
   costs allow it (cut edges are integral).

The result says ``OPTIMAL`` only when one of the proofs above closed the gap; otherwise
it carries the best plan found and a valid lower bound.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lotsplit.engine.highs import Status, highs_lp, new_highs



# --------------------------------------------------------------------------- problem

@dataclass
class Problem:
    """Partition nodes ``0..n-1`` into between ``tmin`` and ``tmax`` connected parts with
    weight in ``[L, U]``, minimising ``sum_parts c(S)``,
    ``c(S) = c0 + sum_{i in S} a_i + sum_{e in delta(S)} w_e``."""

    n: int
    edges: np.ndarray
    w: np.ndarray
    weight: np.ndarray
    L: float
    U: float
    tmin: int
    tmax: int
    c0: float = 0.0
    a: np.ndarray | None = None

    def __post_init__(self):
        self.edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        self.w = np.asarray(self.w, dtype=float).reshape(-1)
        self.weight = np.asarray(self.weight, dtype=float).reshape(-1)
        self.a = np.zeros(self.n) if self.a is None else np.asarray(self.a, dtype=float).reshape(-1)
        if len(self.w) != len(self.edges) or len(self.weight) != self.n or len(self.a) != self.n:
            raise ValueError("inconsistent problem arrays")
        if np.any(self.w < 0):
            raise ValueError("edge costs must be >= 0")
        self.adj: list[list[tuple[int, float]]] = [[] for _ in range(self.n)]
        for (u, v), we in zip(self.edges.tolist(), self.w.tolist()):
            if u != v:
                self.adj[u].append((v, we))
                self.adj[v].append((u, we))

    @property
    def m(self) -> int:
        return len(self.edges)

    def boundary(self, mask: np.ndarray) -> float:
        mask = np.asarray(mask, dtype=bool)
        return float(self.w[mask[self.edges[:, 0]] != mask[self.edges[:, 1]]].sum())

    def cost(self, mask: np.ndarray) -> float:
        mask = np.asarray(mask, dtype=bool)
        return float(self.c0 + self.a[mask].sum() + self.boundary(mask))

    def plan_cost(self, parts) -> float:
        return float(sum(self.cost(p) for p in parts))

    def is_connected(self, mask: np.ndarray) -> bool:
        nodes = np.flatnonzero(mask)
        if not len(nodes):
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

    def check_plan(self, parts) -> list[str]:
        """Rule violations of a plan (list of bool masks); empty when it is feasible."""
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
            problems.append("the parts do not partition the nodes")
        if not self.tmin <= len(parts) <= self.tmax:
            problems.append(f"{len(parts)} parts, allowed {self.tmin}..{self.tmax}")
        return problems


@dataclass
class PartitionResult:
    """Outcome of :func:`solve_partition` / :func:`solve_problem`.

    ``area_sets``: the lots as bool masks over ``market.area_ids`` (node order for
    :func:`solve_problem`), empty when no plan was found.  ``objective`` is in the units of
    ``solve.build_master`` / ``plan.lot_objective_terms`` (the sum of the lots' terms).
    ``bound`` is a valid lower bound (None if none is known); ``status`` is ``OPTIMAL`` only
    when proven, ``FEASIBLE`` with a plan, ``NO_PLAN`` / ``INFEASIBLE`` otherwise."""

    area_sets: list[np.ndarray]
    objective: float | None
    bound: float | None
    status: Status
    message: str
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)


# --------------------------------------------------------------------------- scenario → problem

def _demand_group(scenario):
    demand = scenario.demand
    with_demand = [g for g in demand.columns if float(demand[g].sum()) > 0]
    return with_demand


def applies(scenario) -> bool:
    """True when the scenario is a linear-cost partition problem (see the module docstring);
    conservative: False whenever a condition cannot be checked."""
    try:
        return _linear_cost(scenario) is not None
    except Exception:       # noqa: BLE001 - any surprise means "not this engine"
        return False


def _linear_cost(scenario):
    """(group id, c0, lin per area, eligible-supplier metrics) or None."""
    from lotsplit.eligibility import Market
    from lotsplit.model.lots import allowed_bundles, exemption_limit

    cfg = scenario.config
    rules, obj = cfg.rules, cfg.objective
    groups = _demand_group(scenario)
    if len(groups) != 1:
        return None
    g = groups[0]
    if [tuple(b) for b in allowed_bundles(scenario)] != [(g,)]:
        return None
    if rules.areas_together or rules.areas_apart or rules.max_lots_per_tenderer is not None:
        return None
    if exemption_limit(scenario) is not None:
        return None
    if obj.kind not in ("min_cost", "weighted"):
        return None
    market = Market(scenario)
    gi = market.group_ids.index(g)
    values = market.demand[:, gi]
    if not np.all(values > 0) or not np.all(np.isfinite(values)):
        return None
    if np.any(market.demand[:, [j for j in range(market.demand.shape[1]) if j != gi]] != 0):
        return None
    total = float(values.sum())
    L = float(rules.min_lot_value)
    U = float(rules.max_lot_value) if rules.max_lot_value is not None else total
    U = min(U, total)
    if U < L:
        return None
    # Every supplier: eligible for every lot with value in [L, U], or for none.
    offers = market.offers[:, gi]
    reach_all = market.not_reach.sum(axis=0) == 0          # (suppliers,)
    tau = market.tau
    cap, turn = market.capacity, market.turnover
    cap = np.where(np.isnan(cap), np.inf, cap)
    turn = np.where(np.isnan(turn), np.inf, turn)
    always = offers & reach_all & (cap >= U - 1e-9) & (turn >= tau * U - 1e-9)
    never = ~offers | (cap < L - 1e-6) | (turn < tau * L - 1e-6)
    if not np.all(always | never):
        return None
    # The metrics of a lot of value U (the same for any value in [L, U], by the above),
    # through Market.evaluate itself so that they are exactly the optimizer's.
    scaled = np.full((1, len(values)), U / total)
    met = market.evaluate(scaled, (g,), reaches=reach_all[None, :])
    if not np.array_equal(met.eligible[0], always):
        return None
    n_elig = int(met.n_eligible[0])
    if n_elig < rules.min_eligible_bidders or met.expected_bids[0] < rules.min_expected_bids - 1e-9 \
            or met.no_bid_chance[0] > rules.max_no_bid_chance + 1e-12:
        return None
    from lotsplit.model.objective import access_chance

    local = float(access_chance(scenario, met)[0])
    admin = float(met.admin_cost[0])
    # The admin cost must not depend on the lot's value: the bids worth evaluating
    # (``eligibility``) are at least the expected bids for the smallest lot too.
    smallest = max(L, float(values.min()))
    low = market.evaluate(np.full((1, len(values)), smallest / total), (g,), reaches=reach_all[None, :])
    if not math.isclose(float(low.admin_cost[0]), admin, rel_tol=1e-12, abs_tol=1e-9):
        return None
    if obj.kind == "min_cost" and obj.local_share_target > 0 and local < obj.local_share_target - 1e-9:
        return None
    # The value of competition is linear in the value: W = V · spread · (1 − exp(−3n/sat)).
    lin = -float(met.competition_value[0]) / U * values if U > 0 else np.zeros(len(values))
    if obj.kind == "weighted":
        lin = lin - obj.price_per_local_point * 100.0 * values * local / (scenario.total_annual_value or 1.0)
    if not (np.isfinite(admin) and np.all(np.isfinite(lin))):
        return None
    return g, admin, lin, values, L, U


def problem_of(scenario) -> tuple[Problem, list[str]]:
    """The scenario as a :class:`Problem` (nodes in ``Market(scenario).area_ids`` order)."""
    from lotsplit.eligibility import Market

    lc = _linear_cost(scenario)
    if lc is None:
        raise ValueError("the scenario is not a linear-cost partition problem (districting.applies is False)")
    g, admin, lin, values, L, U = lc
    market = Market(scenario)
    ids = market.area_ids
    pos = market.area_position
    rules, obj = scenario.config.rules, scenario.config.objective
    edges, w = [], []
    for a, b, d in scenario.graph.edges(data=True):
        if a == b:
            continue
        edges.append((pos[a], pos[b]))
        w.append(obj.compactness_weight * d.get("shared_m", 0.0) / 1000.0 / 2.0)
    n = len(ids)
    tmax = rules.max_lots if rules.max_lots is not None else n
    prob = Problem(n, np.array(edges, dtype=np.int64).reshape(-1, 2), np.array(w, dtype=float), values,
                   L, U, int(rules.min_lots), int(min(tmax, n)), c0=admin, a=lin)
    return prob, ids


def solve_partition(scenario, *, deadline: float | None, threads: int = 1, mip_gap: float = 0.0) -> PartitionResult:
    """Solve a linear-cost partition scenario exactly (or report the best plan and a bound
    by ``deadline``, a ``time.perf_counter()`` value).  Raises ValueError if
    :func:`applies` is False."""
    prob, _ = problem_of(scenario)
    return solve_problem(prob, deadline=deadline, threads=threads, mip_gap=mip_gap)


# --------------------------------------------------------------------------- lattice

def _lattice(values: np.ndarray, scale: float = 1e6) -> float:
    """The largest g such that every value is an integer multiple of g (0 if none is
    found at a resolution of 1/scale)."""
    vals = np.abs(np.asarray(values, dtype=float))
    vals = vals[vals > 1e-12]
    if not len(vals):
        return 0.0
    ints = np.round(vals * scale)
    if np.any(np.abs(vals * scale - ints) > 1e-6 * np.maximum(1.0, ints)) or np.any(ints > 2**52):
        return 0.0
    g = 0
    for x in ints.astype(np.int64).tolist():
        g = math.gcd(g, x)
    return g / scale


class _Objective:
    """What the plan objective can be: base + a multiple of ``granule`` (granule 0: any)."""

    def __init__(self, prob: Problem):
        self.prob = prob
        fixed_count = prob.tmin == prob.tmax
        self.base = float(prob.a.sum()) + (prob.tmin * prob.c0 if fixed_count else 0.0)
        parts = list(2.0 * prob.w)
        if not fixed_count:
            parts.append(prob.c0)
        self.granule = _lattice(np.array(parts))
        self.step = _lattice(prob.w)            # boundary-cost lattice of one lot

    def round_up(self, bound: float) -> float:
        g = self.granule
        if g <= 0 or not np.isfinite(bound):
            return bound
        return self.base + g * math.ceil((bound - self.base) / g - 1e-6)

    def improving(self, ub: float) -> float:
        """Largest cost a plan strictly better than ``ub`` can have."""
        return ub - self.granule if self.granule > 0 else ub

    def boundary_budget(self, cost_limit: float) -> float:
        """Largest total boundary cost (sum over lots) of a plan of cost <= cost_limit."""
        p = self.prob
        return cost_limit - float(p.a.sum()) - p.tmin * p.c0


# --------------------------------------------------------------------------- enumeration

class _Deadline(Exception):
    pass


def enumerate_lots(prob: Problem, b: float, *, deadline: float | None = None, order=None,
                   max_sets: int | None = None) -> list[int]:
    """Every connected node set with weight in [L, U] and boundary cost <= ``b``, as
    bitmasks over the nodes, each exactly once.

    Binary branch and bound from each root r (the set's first node in ``order``; nodes
    before it are excluded): branch on the frontier node with the most border into the set
    (exclude / include).  Pruned: weight above U; weight L out of reach through nodes not
    excluded; boundary cost bound above ``b`` (border to excluded nodes, plus for each
    frontier node the smaller of its border to the set and to excluded nodes).  Raises
    ``_Deadline`` past ``deadline`` and when more than ``max_sets`` sets are found."""
    n = prob.n
    if order is None:
        order = np.lexsort((np.arange(n), -prob.weight))
    order = [int(i) for i in order]
    inv = [0] * n
    for k, i in enumerate(order):
        inv[i] = k
    nb = [0] * n
    nbw: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for (u, v), we in zip(prob.edges.tolist(), prob.w.tolist()):
        a, c = inv[u], inv[v]
        if a == c:
            continue
        nb[a] |= 1 << c
        nb[c] |= 1 << a
        nbw[a].append((c, we))
        nbw[c].append((a, we))
    uniform = len(prob.w) > 0 and float(prob.w.max() - prob.w.min()) <= 1e-12
    w0 = float(prob.w[0]) if len(prob.w) else 0.0
    wt = [float(prob.weight[order[k]]) for k in range(n)]
    L, U = prob.L - 1e-9, prob.U + 1e-9
    btol = b + 1e-9
    out: list[int] = []
    visited = 0

    if uniform:
        def border(u: int, mask: int) -> float:
            return w0 * (nb[u] & mask).bit_count()
    else:
        def border(u: int, mask: int) -> float:
            return sum(we for v, we in nbw[u] if mask >> v & 1)

    for r in range(n):
        if wt[r] > U:
            continue
        X0 = (1 << r) - 1
        stack = [(1 << r, X0, wt[r], border(r, X0))]
        while stack:
            S, X, w, lb = stack.pop()
            visited += 1
            if visited & 0x3FFF == 0 and deadline is not None and time.perf_counter() > deadline:
                raise _Deadline()
            if lb > btol:
                continue
            NS = 0
            s = S
            while s:
                bit = s & -s
                s ^= bit
                NS |= nb[bit.bit_length() - 1]
            front = NS & ~S & ~X
            best_u, best_d, extra = -1, -1.0, 0.0
            f = front
            while f:
                bit = f & -f
                f ^= bit
                u = bit.bit_length() - 1
                dS = border(u, S)
                dX = border(u, X)
                extra += dS if dS < dX else dX
                if dS > best_d:
                    best_d, best_u = dS, u
            if lb + extra > btol:
                continue
            if best_u < 0:
                if w >= L:
                    out.append(S)
                    if max_sets is not None and len(out) > max_sets:
                        raise _Deadline()
                continue
            if w < L:
                reach, todo, tot = S, front, w
                while todo and tot < L:
                    bit = todo & -todo
                    todo ^= bit
                    reach |= bit
                    u = bit.bit_length() - 1
                    tot += wt[u]
                    todo |= nb[u] & ~reach & ~X
                if tot < L:
                    continue
            bit = 1 << best_u
            stack.append((S, X | bit, w, lb + border(best_u, S)))
            if w + wt[best_u] <= U:
                stack.append((S | bit, X, w + wt[best_u], lb + border(best_u, X)))
    # back to the caller's node numbering
    res = []
    for S in out:
        m = 0
        s = S
        while s:
            bit = s & -s
            s ^= bit
            m |= 1 << order[bit.bit_length() - 1]
        res.append(m)
    return res


def _masks(sets: list[int], n: int) -> np.ndarray:
    if not sets:
        return np.zeros((0, n), dtype=bool)
    nbytes = (n + 7) // 8
    raw = np.frombuffer(b"".join(s.to_bytes(nbytes, "little") for s in sets), dtype=np.uint8)
    return np.unpackbits(raw.reshape(len(sets), nbytes), axis=1, bitorder="little")[:, :n].astype(bool)


# --------------------------------------------------------------------------- HiGHS

def _highs(threads: int, deadline: float | None):
    return new_highs(threads, None if deadline is None else deadline - time.perf_counter())


class _Rows:
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


def _run(h, *, start: np.ndarray | None = None):
    """Run HiGHS; returns (x or None, objective or None, dual bound or None, status word)."""
    import highspy

    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = [float(v) for v in start]
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    S = highspy.HighsModelStatus
    ms = h.getModelStatus()
    info = h.getInfo()
    if ms == S.kInfeasible:
        return None, None, None, "infeasible"
    has = info.primal_solution_status == 2
    x = np.asarray(h.getSolution().col_value) if has else None
    obj = float(info.objective_function_value) if has else None
    bound = float(info.mip_dual_bound)
    bound = bound if math.isfinite(bound) else None
    if ms == S.kOptimal:
        return x, obj, bound, "optimal"
    if ms in (S.kTimeLimit, S.kInterrupt, S.kIterationLimit, S.kSolutionLimit, S.kObjectiveBound,
              S.kObjectiveTarget):
        return x, obj, bound, "time limit"
    return x, obj, bound, f"error ({h.modelStatusToString(ms)})"


def _gap_options(h, ob: _Objective, mip_gap: float):
    h.setOptionValue("mip_rel_gap", float(max(mip_gap, 1e-9)))
    # With a lattice objective a gap below one step is closed by rounding the bound.
    h.setOptionValue("mip_abs_gap", float(0.999 * ob.granule) if ob.granule > 0 else 1e-9)


# --------------------------------------------------------------------------- pool MIP

def _pool_mip(prob: Problem, masks: np.ndarray, costs: np.ndarray, ob: _Objective, *, deadline, threads,
              mip_gap: float = 0.0):
    """Set partitioning over the pool: (chosen column indices or None, value, bound, word)."""
    k = len(masks)
    if k == 0:
        return None, None, None, "infeasible"
    A = sp.vstack([sp.csr_matrix(masks.T.astype(float)), sp.csr_matrix(np.ones((1, k)))]).tocsc()
    A.sort_indices()
    lo = np.r_[np.ones(prob.n), prob.tmin]
    hi = np.r_[np.ones(prob.n), prob.tmax]
    h = _highs(threads, deadline)
    _gap_options(h, ob, mip_gap)
    h.passModel(highs_lp(costs, A, lo, hi, upper=1.0, integer=True))
    x, obj, bound, word = _run(h)
    if x is None:
        return None, None, bound, word
    return np.flatnonzero(x > 0.5), obj, bound, word


# --------------------------------------------------------------------------- hybrid MIP

def _root_data(prob: Problem):
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


def _hybrid(prob: Problem, masks: np.ndarray, costs: np.ndarray, q: int, b_plus: float, b_max: float,
            ob: _Objective, *, deadline, threads, mip_gap, start_cols=None):
    """The pool columns plus ``q`` slots, each a compact model of one lot with boundary
    cost in [b_plus, b_max] (see the module docstring).  Returns (parts or None, value,
    bound, word)."""
    n, m = prob.n, prob.m
    k = len(masks)
    order, pos, can_root, reach, nmax = _root_data(prob)
    M = max(nmax - 1, 1)
    per = 1 + 2 * n + 3 * m
    TH = lambda j: k + j * per                                   # noqa: E731
    X = lambda j, i: k + j * per + 1 + i                         # noqa: E731
    R = lambda j, i: k + j * per + 1 + n + i                     # noqa: E731
    Z = lambda j, e: k + j * per + 1 + 2 * n + e                 # noqa: E731
    F = lambda j, e, d: k + j * per + 1 + 2 * n + m + 2 * e + d  # noqa: E731
    nv = k + q * per
    rows = _Rows()
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
    h = _highs(threads, deadline)
    _gap_options(h, ob, mip_gap)
    h.passModel(highs_lp(cost, A, rows.lo, rows.hi, lower=lo, upper=hi, integer=integer))
    start = None
    if start_cols is not None:
        start = np.zeros(nv)
        start[np.asarray(start_cols, dtype=int)] = 1.0
    x, obj, bound, word = _run(h, start=start)
    if x is None:
        return None, None, bound, word
    parts = [masks[c] for c in np.flatnonzero(x[:k] > 0.5)]
    for j in range(q):
        if x[TH(j)] > 0.5:
            parts.append(np.array([x[X(j, i)] > 0.5 for i in range(n)]))
    return parts, obj, bound, word


# --------------------------------------------------------------------------- primal heuristic

HEUR_SHARE = 0.15
"""Share of the time left that the primal heuristic (:func:`recom_plan`) may use."""
HEUR_SEED = 20261125
HEUR_MIN_N = 20
"""``solve_problem`` runs the heuristic by default only from this many nodes on (smaller
problems are closed by the pool at once)."""
HEUR_AFTER = 2.0
"""... and only once the pool levels have run this many seconds without closing (NM and ID
close in about a second: the heuristic would cost them several)."""


class _Graph:
    """The edge arrays of a Problem without self-loops (they are never cut)."""

    def __init__(self, prob: Problem):
        e = prob.edges
        keep = e[:, 0] != e[:, 1]
        self.eu = e[keep, 0].copy()
        self.ev = e[keep, 1].copy()
        self.ew = prob.w[keep].copy()
        self.n = prob.n


def _tree_split_data(nodes: np.ndarray, eu: np.ndarray, ev: np.ndarray, rng, weight: np.ndarray):
    """A random spanning tree of the subgraph (``nodes``, local edges ``eu``-``ev``): random
    edge weights, Kruskal.  Returns (order, parent, sub, tin, tout) in local indices, or None
    when the subgraph is not connected.  ``sub[c]`` is the weight of c's subtree, which is
    the DFS-order range ``tin[c] <= tin[x] < tout[c]``."""
    nl = len(nodes)
    parent_uf = list(range(nl))

    def find(x):
        while parent_uf[x] != x:
            parent_uf[x] = parent_uf[parent_uf[x]]
            x = parent_uf[x]
        return x

    tadj: list[list[int]] = [[] for _ in range(nl)]
    got = 0
    for e in rng.permutation(len(eu)).tolist():
        a, b = int(eu[e]), int(ev[e])
        ra, rb = find(a), find(b)
        if ra != rb:
            parent_uf[ra] = rb
            tadj[a].append(b)
            tadj[b].append(a)
            got += 1
            if got == nl - 1:
                break
    if got != nl - 1:
        return None
    root = int(rng.integers(nl))
    parent = [-1] * nl
    order = []
    tin = np.zeros(nl, dtype=np.int64)
    tout = np.zeros(nl, dtype=np.int64)
    # iterative DFS with entry/exit times over the order
    stack = [(root, 0)]
    parent[root] = root
    while stack:
        u, i = stack.pop()
        if i == 0:
            tin[u] = len(order)
            order.append(u)
        if i < len(tadj[u]):
            stack.append((u, i + 1))
            v = tadj[u][i]
            if parent[v] == -1:
                parent[v] = u
                stack.append((v, 0))
        else:
            tout[u] = len(order)
    sub = weight[nodes].astype(float).copy()
    for u in reversed(order[1:]):
        sub[parent[u]] += sub[u]
    parent[root] = -1
    return order, parent, sub, tin, tout


def _cut_of_candidates(cands: np.ndarray, tin, tout, eu, ev, ew) -> np.ndarray:
    """Cost of the edges (local ``eu``-``ev``, costs ``ew``) between each candidate's subtree
    and the rest."""
    tu, tv = tin[eu], tin[ev]
    lo, hi = tin[cands][:, None], tout[cands][:, None]
    in_u = (tu[None, :] >= lo) & (tu[None, :] < hi)
    in_v = (tv[None, :] >= lo) & (tv[None, :] < hi)
    return (in_u != in_v).astype(float) @ ew


def _bisect_plan(prob: Problem, g: _Graph, k: int, rng, *, deadline, tries_per_level: int = 60,
                 restarts: int = 200):
    """Recursive spanning-tree bisection: a label per node (parts 0..k-1, each connected with
    weight in [L, U]) or None."""
    L, U = prob.L, prob.U
    wt = prob.weight
    for _ in range(restarts):
        lab = np.full(prob.n, -1, dtype=np.int64)
        rest = np.arange(prob.n)
        ok = True
        for part in range(k - 1):
            r = k - part                         # parts still to place in ``rest``
            loc = np.full(prob.n, -1, dtype=np.int64)
            loc[rest] = np.arange(len(rest))
            inside = (loc[g.eu] >= 0) & (loc[g.ev] >= 0)
            eu, ev, ew = loc[g.eu[inside]], loc[g.ev[inside]], g.ew[inside]
            total = float(wt[rest].sum())
            done_level = False
            for _t in range(tries_per_level):
                if deadline is not None and time.perf_counter() > deadline:
                    return None
                td = _tree_split_data(rest, eu, ev, rng, wt)
                if td is None:
                    return None
                order, parent, sub, tin, tout = td
                other = total - sub
                lo_r, hi_r = (r - 1) * L - 1e-9, (r - 1) * U + 1e-9
                a_ok = (sub >= L - 1e-9) & (sub <= U + 1e-9) & (other >= lo_r) & (other <= hi_r)
                b_ok = (other >= L - 1e-9) & (other <= U + 1e-9) & (sub >= lo_r) & (sub <= hi_r)
                a_ok[order[0]] = b_ok[order[0]] = False       # the root has no parent edge
                cands = np.flatnonzero(a_ok | b_ok)
                if not len(cands):
                    continue
                cuts = _cut_of_candidates(cands, tin, tout, eu, ev, ew)
                best = cands[np.flatnonzero(cuts <= cuts.min() + 1e-12)]
                c = int(best[rng.integers(len(best))])
                in_sub = (tin >= tin[c]) & (tin < tout[c])
                piece = in_sub if a_ok[c] else ~in_sub
                lab[rest[piece]] = part
                rest = rest[~piece]
                done_level = True
                break
            if not done_level:
                ok = False
                break
        if not ok:
            continue
        if not L - 1e-9 <= float(wt[rest].sum()) <= U + 1e-9:
            continue
        lab[rest] = k - 1
        return lab
    return None


def _recom(prob: Problem, g: _Graph, lab: np.ndarray, rng, *, deadline, max_iter: int,
           trees: int = 8, t0: float = 3.0, patience: int | None = None):
    """ReCom local search from a feasible labelling: merge two adjacent parts, draw random
    spanning trees of the union, take the balanced tree edge whose split has the least cut
    between the two new parts; accept it if it does not raise the cut, else with the
    simulated-annealing probability (the temperature starts at ``t0`` times the median edge
    cost and falls quadratically to 0 over ``max_iter`` iterations or by ``deadline``,
    whichever comes first); stops early after ``patience`` iterations
    without a new best.  Returns the best labelling seen and its cut."""
    L, U = prob.L, prob.U
    wt = prob.weight
    lab = lab.copy()
    cut_mask = lab[g.eu] != lab[g.ev]
    cur = float(g.ew[cut_mask].sum())
    best_lab, best_cut = lab.copy(), cur
    typical = float(np.median(g.ew[g.ew > 0])) if np.any(g.ew > 0) else 1.0
    start = time.perf_counter()
    span = None if deadline is None else max(deadline - start, 1e-9)
    it = last_best = 0
    while it < max_iter:
        if deadline is not None and time.perf_counter() > deadline:
            break
        if patience is not None and it - last_best > patience:
            break
        it += 1
        frac = it / max_iter
        if span is not None:
            frac = max(frac, (time.perf_counter() - start) / span)
        temp = t0 * typical * max(1.0 - frac, 0.0) ** 2
        cut_edges = np.flatnonzero(lab[g.eu] != lab[g.ev])
        if not len(cut_edges):
            break
        e = int(cut_edges[rng.integers(len(cut_edges))])
        p, q = int(lab[g.eu[e]]), int(lab[g.ev[e]])
        nodes = np.flatnonzero((lab == p) | (lab == q))
        loc = np.full(prob.n, -1, dtype=np.int64)
        loc[nodes] = np.arange(len(nodes))
        inside = (loc[g.eu] >= 0) & (loc[g.ev] >= 0)
        eu, ev, ew = loc[g.eu[inside]], loc[g.ev[inside]], g.ew[inside]
        old_inner = float(ew[lab[nodes[eu]] != lab[nodes[ev]]].sum())
        total = float(wt[nodes].sum())
        best_c, best_split = np.inf, None
        for _ in range(trees):
            td = _tree_split_data(nodes, eu, ev, rng, wt)
            if td is None:
                break
            order, parent, sub, tin, tout = td
            other = total - sub
            okc = (sub >= L - 1e-9) & (sub <= U + 1e-9) & (other >= L - 1e-9) & (other <= U + 1e-9)
            okc[order[0]] = False
            cands = np.flatnonzero(okc)
            if not len(cands):
                continue
            cuts = _cut_of_candidates(cands, tin, tout, eu, ev, ew)
            j = int(np.argmin(cuts))
            if cuts[j] < best_c - 1e-12:
                best_c, best_split = float(cuts[j]), (tin >= tin[cands[j]]) & (tin < tout[cands[j]])
        if best_split is None:
            continue
        delta = best_c - old_inner
        if delta <= 1e-12 or (temp > 0 and rng.random() < math.exp(-delta / temp)):
            lab[nodes[best_split]] = p
            lab[nodes[~best_split]] = q
            cur += delta
            if cur < best_cut - 1e-9:
                best_lab, best_cut, last_best = lab.copy(), cur, it
    return best_lab, best_cut


def recom_plan(prob: Problem, *, deadline: float | None = None, seed: int = HEUR_SEED,
               max_iter: int = 50_000, trees: int | None = None, round_iter: int | None = None,
               max_stale: int = 2):
    """A primal heuristic: a feasible plan (list of bool masks) with a small objective, or
    None when none was found.  Recursive spanning-tree bisection gives a first plan for each
    allowed number of lots; rounds of annealed ReCom (:func:`_recom`, ``round_iter``
    iterations each, default ``30 n``; ``trees`` spanning trees per move, default
    ``clip(n / 8, 2, 8)``) improve it, each round restarting from the best plan,
    until ``max_stale`` rounds in a row bring nothing, ``max_iter`` iterations are spent or
    ``deadline`` passes.  Deterministic for a given ``seed`` when ``deadline`` does not bind.
    The plan is only an upper bound; every plan returned passes ``prob.check_plan``."""
    total = float(prob.weight.sum())
    if prob.n == 0 or np.any(prob.weight > prob.U + 1e-9):
        return None
    g = _Graph(prob)
    rng = np.random.default_rng(seed)
    trees = trees or int(min(max(prob.n // 8, 2), 8))
    ks = [k for k in range(max(prob.tmin, 1), prob.tmax + 1)
          if k * prob.L <= total + 1e-9 and total <= k * prob.U + 1e-9 and k <= prob.n]
    if not ks:
        return None
    if len(ks) > 4:         # the extremes and two in between
        ks = sorted({ks[0], ks[len(ks) // 3], ks[(2 * len(ks)) // 3], ks[-1]})
    best_parts, best_val = None, np.inf
    start = time.perf_counter()
    for i, k in enumerate(ks):
        dl = None if deadline is None else start + (deadline - start) * (i + 1) / len(ks)
        if k == 1:
            parts = [np.ones(prob.n, dtype=bool)]
        else:
            lab = _bisect_plan(prob, g, k, rng, deadline=dl)
            if lab is None:
                continue
            r_it = round_iter or max(30 * prob.n, 100)
            cut = float(g.ew[lab[g.eu] != lab[g.ev]].sum())
            stale, spent = 0, 0
            while stale < max_stale and spent < max_iter // len(ks):
                if dl is not None and time.perf_counter() > dl:
                    break
                lab2, c2 = _recom(prob, g, lab, rng, deadline=dl, max_iter=r_it, trees=trees)
                spent += r_it
                if c2 < cut - 1e-9:
                    lab, cut, stale = lab2, c2, 0
                else:
                    stale += 1
            parts = [lab == j for j in range(k)]
        if prob.check_plan(parts):
            continue
        val = prob.plan_cost(parts)
        if val < best_val - 1e-9:
            best_parts, best_val = parts, val
    return best_parts


# --------------------------------------------------------------------------- driver

ENUM_SHARE = 0.4
"""Share of the time budget the pool enumeration may use before the hybrid MIP starts."""
MAX_POOL = 300_000
"""The pool stops growing past this many lots (memory and MIP size)."""


def _q_max(prob: Problem, b: float, step: float, b_min: float, K: float) -> int:
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


def solve_problem(prob: Problem, *, deadline: float | None, threads: int = 1, mip_gap: float = 0.0,
                  enum_share: float = ENUM_SHARE, max_b: float | None = None,
                  heuristic: bool | None = None) -> PartitionResult:
    """Solve a :class:`Problem` (see the module docstring for the method).  ``max_b`` caps
    the pool's boundary cost (tests use it to exercise the hybrid MIP; None: no cap);
    ``heuristic``: run the primal heuristic (:func:`recom_plan`) after the first pool level
    when that does not close (None: when the problem has at least ``HEUR_MIN_N`` nodes)."""
    t0 = time.perf_counter()
    ob = _Objective(prob)
    stats: dict = {"levels": []}

    def done(parts, value, bound, status, message):
        if parts is not None:
            bad = prob.check_plan(parts)
            if bad:        # never report a plan that breaks a rule
                raise RuntimeError("internal check failed: " + "; ".join(bad))
            value = prob.plan_cost(parts)
        if bound is not None and value is not None:
            bound = min(bound, value)
        if status == Status.OPTIMAL and (value is None or bound is None or abs(value - bound) > 1e-6 * max(1, abs(value))):
            status = Status.FEASIBLE
        return PartitionResult([np.asarray(p, dtype=bool) for p in (parts or [])], value, bound, status, message,
                               time.perf_counter() - t0, stats)

    # Quick infeasibility checks.
    total = float(prob.weight.sum())
    if np.any(prob.weight > prob.U + 1e-9):
        return done(None, None, None, Status.INFEASIBLE, "an area's value alone exceeds max_lot_value")
    if prob.tmin > prob.tmax or total > prob.tmax * prob.U + 1e-9 or total < prob.tmin * prob.L - 1e-9:
        return done(None, None, None, Status.INFEASIBLE, "the total value cannot be split into the allowed number "
                                                          "of lots within the lot value bounds")

    enum_deadline = None if deadline is None else t0 + enum_share * max(deadline - t0, 0.0)
    step = ob.step                                   # boundary-cost lattice (0: none)
    typical = float(np.median(prob.w[prob.w > 0])) if np.any(prob.w > 0) else 0.0
    level_step = 2 * max(step, typical) if max(step, typical) > 0 else 1.0
    b = 4 * level_step
    if max_b is not None and 0 <= max_b < b:
        b = max_b
    pool_sets: list[int] = []
    pool_b = -1.0                     # the pool holds every lot with boundary cost <= pool_b
    best_parts, best_val = None, np.inf
    heur_pending = prob.n >= HEUR_MIN_N if heuristic is None else bool(heuristic)

    def run_heuristic():
        # Primal heuristic (an upper bound only), after the first pool level when that did
        # not close: a good plan early tightens K and q and warm-starts the MIPs.
        nonlocal best_parts, best_val, heur_pending
        heur_pending = False
        t1 = time.perf_counter()
        if deadline is not None and t1 >= deadline:
            return
        h_deadline = None if deadline is None else t1 + HEUR_SHARE * max(deadline - t1, 0.0)
        hp = recom_plan(prob, deadline=h_deadline)
        val = None if hp is None else prob.plan_cost(hp)
        if hp is not None and val < best_val - 1e-9:
            best_parts, best_val = hp, val
        stats["heuristic"] = {"value": val, "seconds": round(time.perf_counter() - t1, 3)}
    last_t, growth = None, 3.0
    while max_b is None or b <= max_b + 1e-9:
        if enum_deadline is not None and time.perf_counter() >= enum_deadline:
            break
        if last_t is not None and enum_deadline is not None and \
                time.perf_counter() + growth * last_t > enum_deadline + 0.25 * (enum_deadline - t0):
            break
        t1 = time.perf_counter()
        try:
            sets = enumerate_lots(prob, b, deadline=enum_deadline, max_sets=MAX_POOL)
        except _Deadline:
            break
        dt = time.perf_counter() - t1
        if last_t is not None and last_t > 0.05:
            growth = min(max(dt / last_t, 1.5), 10.0)
        last_t = dt
        pool_sets, pool_b = sets, b
        masks = _masks(pool_sets, prob.n)
        costs = np.array([prob.cost(mk) for mk in masks]) if len(masks) else np.zeros(0)
        chosen, val, bnd, word = _pool_mip(prob, masks, costs, ob, deadline=deadline, threads=threads, mip_gap=0.0)
        stats["levels"].append({"b": b, "lots": len(sets), "seconds": round(dt, 3), "pool_mip": word,
                                "value": val})
        if chosen is not None and val < best_val - 1e-9:
            best_parts, best_val = [masks[c] for c in chosen], prob.plan_cost([masks[c] for c in chosen])
        K = ob.boundary_budget(ob.improving(best_val)) if np.isfinite(best_val) else np.inf
        if np.isfinite(K) and b >= K / 2 - 1e-9 and (word == "optimal" or
                                                     (word == "infeasible" and best_parts is not None)):
            return done(best_parts, best_val, best_val, Status.OPTIMAL,
                        f"optimal: every lot an improving plan could use (boundary cost <= {K / 2:g}) is among the "
                        f"{len(sets)} enumerated lots, and the set-partitioning MIP over them is solved")
        if b >= float(prob.w.sum()) - 1e-9:
            # every feasible lot is in the pool: the pool MIP is the whole problem
            if word == "infeasible":
                return done(None, None, None, Status.INFEASIBLE,
                            f"infeasible: no partition of the {len(sets)} feasible lots meets the rules")
            if word == "optimal":
                return done(best_parts, best_val, best_val, Status.OPTIMAL,
                            f"optimal: all {len(sets)} feasible lots enumerated, set-partitioning MIP solved")
        if np.isfinite(K) and K < 0:
            break
        if heur_pending and (heuristic or time.perf_counter() - t0 >= HEUR_AFTER):
            run_heuristic()
        b += level_step
        if deadline is not None and time.perf_counter() >= deadline:
            break
    if heur_pending:
        run_heuristic()
    stats["pool_b"] = pool_b
    stats["pool"] = len(pool_sets)
    if pool_b < 0:
        # not even the first level: no pool, the hybrid alone (slots for every lot)
        masks, costs, pool_b = np.zeros((0, prob.n), dtype=bool), np.zeros(0), -1.0
    else:
        masks = _masks(pool_sets, prob.n)
        costs = np.array([prob.cost(mk) for mk in masks]) if len(masks) else np.zeros(0)
    if deadline is not None and time.perf_counter() >= deadline - 0.05:
        if best_parts is not None:
            return done(best_parts, best_val, None, Status.FEASIBLE, "time limit during the lot enumeration; no bound")
        return done(None, None, None, Status.NO_PLAN, "time limit during the lot enumeration")
    K = ob.boundary_budget(ob.improving(best_val)) if np.isfinite(best_val) else np.inf
    b_min = float(min((prob.boundary(mk) for mk in masks), default=pool_b + max(step, 1e-9)))
    if pool_b < 0:
        b_min = 0.0
    if best_parts is not None:
        # the incumbent's lots join the pool (valid: they are lots), so it warm-starts stage A
        keys = {mk.tobytes() for mk in masks}
        extra = [np.asarray(p, dtype=bool) for p in best_parts if np.asarray(p, dtype=bool).tobytes() not in keys]
        if extra:
            masks = np.vstack([masks, np.array(extra)]) if len(masks) else np.array(extra)
            costs = np.r_[costs, [prob.cost(p) for p in extra]]
    q = _q_max(prob, max(pool_b, -1e-9) if pool_b >= 0 else -1.0, step, b_min, K)
    if pool_b < 0:
        q = prob.tmax
    b_plus = pool_b + (step if step > 0 else 1e-9) if pool_b >= 0 else 0.0
    stats["slots"] = q
    if q == 0:
        # no improving plan uses a lot outside the pool: the pool MIP decides
        chosen, val, bnd, word = _pool_mip(prob, masks, costs, ob, deadline=deadline, threads=threads,
                                           mip_gap=mip_gap)
        if chosen is not None and val < best_val - 1e-9:
            best_parts, best_val = [masks[c] for c in chosen], val
        if word == "optimal":
            bound = ob.round_up(bnd if bnd is not None else best_val)
            return done(best_parts, best_val, bound, Status.OPTIMAL,
                        f"optimal: no improving plan can use a lot outside the {len(masks)} enumerated lots")
        bound = ob.round_up(bnd) if bnd is not None else None
        return done(best_parts, best_val, bound, Status.FEASIBLE if best_parts else Status.NO_PLAN,
                    f"pool MIP stopped ({word})")
    exact_q = q
    b_max = K / 2 if np.isfinite(K) else np.inf
    stage_a = None
    if q > 1:
        # Stage A, a heuristic: at most one lot outside the pool (a much smaller MIP) for a
        # share of the time.  It is exact too when the plan it finds leaves room for at
        # most one such lot in any better plan.
        a_deadline = None if deadline is None else time.perf_counter() + 0.35 * max(deadline - time.perf_counter(), 0)
        start = _start_columns(best_parts, masks)
        parts, val, bnd, word = _hybrid(prob, masks, costs, 1, b_plus, b_max, ob, deadline=a_deadline,
                                        threads=threads, mip_gap=mip_gap, start_cols=start)
        stage_a = word
        stats["stage_a"] = {"word": word, "value": val, "bound": bnd}
        if parts is not None and prob.plan_cost(parts) < best_val - 1e-9:
            best_parts, best_val = parts, prob.plan_cost(parts)
            K = ob.boundary_budget(ob.improving(best_val))
            b_max = K / 2
            q = _q_max(prob, pool_b, step, b_min, K) if pool_b >= 0 else prob.tmax
            stats["slots"] = q
        if q <= 1 and word == "optimal":
            desc = (f"pool of {len(masks)} lots (boundary cost <= {pool_b:g}) plus one compact slot, and no "
                    f"better plan can hold two lots outside the pool")
            return done(best_parts, best_val, best_val, Status.OPTIMAL, f"optimal: {desc}")
        if q == 0:
            chosen, val, bnd, word = _pool_mip(prob, masks, costs, ob, deadline=deadline, threads=threads,
                                               mip_gap=mip_gap)
            if word == "optimal":
                if chosen is not None and val < best_val - 1e-9:
                    best_parts, best_val = [masks[c] for c in chosen], val
                return done(best_parts, best_val, best_val, Status.OPTIMAL,
                            f"optimal: no better plan can use a lot outside the {len(masks)} enumerated lots")
            q = 1
    # Stage B: the exact hybrid; the incumbent's lots join the pool (valid: they are lots).
    if best_parts is not None:
        extra = [np.asarray(p, dtype=bool) for p in best_parts]
        keys = {mk.tobytes() for mk in masks}
        extra = [p for p in extra if p.tobytes() not in keys]
        if extra:
            masks = np.vstack([masks, np.array(extra)]) if len(masks) else np.array(extra)
            costs = np.r_[costs, [prob.cost(p) for p in extra]]
    desc = (f"pool of {len(masks)} lots (every lot of boundary cost <= {pool_b:g}) plus {q} compact slot(s) for "
            f"larger lots")
    if deadline is not None and time.perf_counter() >= deadline - 0.05:
        return done(best_parts, best_val, None, Status.FEASIBLE if best_parts else Status.NO_PLAN,
                    f"time limit before the exact MIP; no bound; {desc}")
    parts, val, bnd, word = _hybrid(prob, masks, costs, q, b_plus, b_max, ob, deadline=deadline, threads=threads,
                                    mip_gap=mip_gap, start_cols=_start_columns(best_parts, masks))
    stats["stage_b"] = {"word": word, "value": val, "bound": bnd, "slots": q}
    if parts is not None:
        v = prob.plan_cost(parts)
        if v < best_val - 1e-9:
            best_parts, best_val = parts, v
    bound = ob.round_up(bnd) if bnd is not None else None
    if word == "infeasible" and best_parts is None:
        return done(None, None, None, Status.INFEASIBLE, f"infeasible: {desc}")
    if best_parts is None:
        return done(None, None, bound, Status.NO_PLAN, f"no plan found ({word}); {desc}")
    if word == "optimal" or (bound is not None and bound >= best_val - 1e-6 * max(1.0, abs(best_val))):
        return done(best_parts, best_val, bound if bound is not None else best_val, Status.OPTIMAL,
                    f"optimal: {desc}")
    return done(best_parts, best_val, bound, Status.FEASIBLE,
                f"best plan found; bound from the exact MIP at the time limit ({word}); {desc}")


def _start_columns(parts, masks):
    if parts is None:
        return None
    keys = {mk.tobytes(): c for c, mk in enumerate(masks)}
    cols = [keys.get(np.asarray(p, dtype=bool).tobytes()) for p in parts]
    return None if any(c is None for c in cols) else cols
