"""The Pareto frontier of net cost vs access share (local or SME: ``objective.access``).

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
   most local); the most local plan (and, among those, the cheapest).  When the groups
   form blocks tied only by the lot count, each end and its tie-break are solved block by
   block (``engine.blocks.solve_blocks(then=)``); otherwise the tie-break is a second MIP
   with the first objective as a row.
2. **Supported points** (the lower convex hull) by dichotomy, widest edge first: between
   two hull points minimise ``cost - mu * local`` with ``mu`` the edge's slope; a plan
   below the edge is a new hull point, otherwise the edge is proven (Aneja & Nair 1979).
   Each such solve also proves a bound ``cost >= w + mu * local`` for every plan.
3. **Every other non-dominated plan** inside each proven hull edge: by enumeration of the
   plans whose reduced costs fit under the edge (``_enumerate_edge``), or, when that is
   too big, by the epsilon-constraint walk: the cheapest plan with
   ``local >= local(previous) + DELTA``, one MIP per point.
4. When the frontier has more than ``points`` plans and finding them all is no longer
   cheap (past a number of solves: ``search.HULL_SOLVES``, ``search.EXACT_SOLVES``), the
   search **samples** instead: it keeps working on the widest open gap between the plans
   found (a hull split, or the cheapest plan above the gap's middle local share, within a
   node budget per point) until no open gap is wider than the spacing of ``points``
   evenly spread points, then shows ``points`` plans spread along the curve.

When the product groups form blocks that no lot can mix, the frontier is built from the
blocks' own frontiers (``frontier.blocks``): combined directly when nothing ties them, and
when only the lot count does, from each block's frontier under caps on its lots, combined
so that the lots keep the count (a cap is searched only while it could still matter).

Every MIP is the engine's exact MIP (``engine.exact``: LP bound, reduced-cost fixing,
blocks), run by ``master.FrontierMaster.minimise``.  Every budget counts work (solves,
branch-and-bound nodes, enumeration nodes), so a frontier is the same on an idle and on a
loaded machine; only the user's ``time_limit`` reads the clock.  A point a limit stopped
is reported with a lower bound on the net cost of any plan reaching its local share (the
better of the MIP's bound and the hull bounds of step 2) and the gap, never as optimal.

Exactness: ``exact == True`` means every non-dominated plan was found and proven, up to
the step ``DELTA`` (local shares closer than 1e-6 count as one) and the solver's
tolerances (relative gap 1e-9, row feasibility 1e-9).
"""

from lotsplit.frontier.result import Frontier, FrontierPoint
from lotsplit.frontier.search import frontier

__all__ = ["Frontier", "FrontierPoint", "frontier"]
