"""The definition of a plan written out again, for exhaustive enumeration on tiny
scenarios: shares no code with the optimizer (DESIGN §2 with networkx).

A lot is a connected set of areas × a set of product groups; it carries a group only
where it has demand for it and holds an area only where the area has demand in the
lot's groups or is needed to connect the lot; a plan covers every cell with demand
exactly once and puts no area into two lots of one group.  Every such plan is scored
with ``evaluate`` (which applies the scenario's rules).
"""

from __future__ import annotations

import itertools

import networkx as nx
import pandas as pd
import pytest

from lotsplit import evaluate

FAST_PLANS = 1_500
"""Fast-tier seeds with more plans than this are left to the slow tier."""
SLOW_PLANS = 60_000


def candidate_lots(s):
    """Every lot of the definition: (areas, groups, territory cells, demand cells)."""
    areas, groups = list(s.areas.index), list(s.groups.index)
    demand = {(a, g): float(s.demand.loc[a, g]) for a in areas for g in groups}
    lots = []
    for k in range(1, len(areas) + 1):
        for A in itertools.combinations(areas, k):
            sub = s.graph.subgraph(A)
            if not nx.is_connected(sub):
                continue
            for j in range(1, len(groups) + 1):
                for G in itertools.combinations(groups, j):
                    if not all(any(demand[a, g] > 0 for a in A) for g in G):
                        continue                     # a group without demand in the lot
                    served = {a for a in A if any(demand[a, g] > 0 for g in G)}
                    if not all(_needed(sub, served, a) for a in set(A) - served):
                        continue                     # an area neither served nor needed
                    cells = frozenset((a, g) for a in A for g in G)
                    lots.append((A, G, cells, frozenset(c for c in cells if demand[c] > 0)))
    return lots


def _needed(sub: nx.Graph, served: set, area) -> bool:
    rest = sub.subgraph(set(sub.nodes) - {area})
    return not any(served <= comp for comp in nx.connected_components(rest))


def all_plans(s):
    lots = candidate_lots(s)
    wanted = frozenset(c for lot in lots for c in lot[3]) | frozenset(
        (a, g) for a in s.areas.index for g in s.groups.index if s.demand.loc[a, g] > 0)
    by_cell: dict = {}
    for lot in lots:
        for c in lot[3]:
            by_cell.setdefault(c, []).append(lot)

    def extend(uncovered, used, chosen):
        if not uncovered:
            yield list(chosen)
            return
        first = min(uncovered)
        for lot in by_cell.get(first, []):
            if lot[3] <= uncovered and not (lot[2] & used):
                chosen.append(lot)
                yield from extend(uncovered - lot[3], used | lot[2], chosen)
                chosen.pop()

    yield from extend(wanted, frozenset(), [])


def brute_force(s, max_plans: int = SLOW_PLANS):
    """(best objective or None, number of feasible plans)."""
    maximise = s.config.objective.kind == "max_local"
    best, count = None, 0
    for i, plan in enumerate(all_plans(s)):
        if i >= max_plans:
            pytest.skip(f"more than {max_plans} plans: left to the slow tier" if max_plans < SLOW_PLANS else
                        f"more than {max_plans} plans: too many for brute force")
        rows = [(a, g, f"L{k}") for k, (A, G, _, _) in enumerate(plan) for a in A for g in G]
        p = evaluate(s, pd.DataFrame(rows, columns=["area_id", "product_group_id", "lot_id"]))
        if p.violations:
            continue
        count += 1
        if best is None or (p.objective > best if maximise else p.objective < best):
            best = p.objective
    return best, count
