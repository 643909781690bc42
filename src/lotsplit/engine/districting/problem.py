"""The districting problem: :class:`Problem` (nodes, edges, weights, bounds, costs), the
scenarios it covers (:func:`applies`, :func:`problem_of`), the result type and the
objective's lattice (:class:`Objective`).

>>> p = Problem(3, [(0, 1), (1, 2)], [0.5, 0.5], [1, 1, 1], 1, 2, 2, 2)
>>> p.cost(np.array([True, False, False])), p.plan_cost([[1, 0, 0], [0, 1, 1]])
(0.5, 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lotsplit.engine.highs import Status, Termination


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
    ``model.master.build_master`` / ``model.objective.lot_objective_terms`` (the sum of the lots' terms).
    ``bound`` is a valid lower bound (None if none is known); ``status`` is ``OPTIMAL`` only
    when proven, ``FEASIBLE`` with a plan, ``NO_PLAN`` / ``INFEASIBLE`` otherwise;
    ``termination`` says what stopped a search that did not prove its answer (the user's
    time limit, a work budget, a stop request), ``OPTIMAL`` when it did.  ``seconds`` is
    wall time, ``cpu_seconds`` the process CPU time of the solve."""

    area_sets: list[np.ndarray]
    objective: float | None
    bound: float | None
    status: Status
    message: str
    seconds: float = 0.0
    stats: dict = field(default_factory=dict)
    termination: Termination = Termination.OPTIMAL
    cpu_seconds: float = 0.0

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.objective - self.bound) / max(abs(self.objective), 1.0)


# --------------------------------------------------------------------------- scenario → problem

def demand_groups(scenario):
    demand = scenario.demand
    with_demand = [g for g in demand.columns if float(demand[g].sum()) > 0]
    return with_demand


def applies(scenario) -> bool:
    """True when the scenario is a linear-cost partition problem (see the module docstring);
    conservative: False whenever a condition cannot be checked."""
    try:
        return linear_cost(scenario) is not None
    except Exception:       # noqa: BLE001 - any surprise means "not this engine"
        return False


def linear_cost(scenario):
    """(group id, c0, lin per area, eligible-supplier metrics) or None."""
    from lotsplit.eligibility import Market
    from lotsplit.model.lots import allowed_bundles, exemption_limit

    cfg = scenario.config
    rules, obj = cfg.rules, cfg.objective
    groups = demand_groups(scenario)
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

    lc = linear_cost(scenario)
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


# --------------------------------------------------------------------------- lattice

def lattice(values: np.ndarray, scale: float = 1e6) -> float:
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


class Objective:
    """What the plan objective can be: base + a multiple of ``granule`` (granule 0: any)."""

    def __init__(self, prob: Problem):
        self.prob = prob
        fixed_count = prob.tmin == prob.tmax
        self.base = float(prob.a.sum()) + (prob.tmin * prob.c0 if fixed_count else 0.0)
        parts = list(2.0 * prob.w)
        if not fixed_count:
            parts.append(prob.c0)
        self.granule = lattice(np.array(parts))
        self.step = lattice(prob.w)            # boundary-cost lattice of one lot

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


