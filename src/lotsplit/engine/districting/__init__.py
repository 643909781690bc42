"""Exact engine for linear-cost partition scenarios (contiguous districting).

When is a scenario "linear-cost" (:func:`applies`)
---------------------------------------------------
One product group carries all the demand, every area has demand, lots are single-group,
and the set of suppliers eligible for a lot is the same for every connected area set whose
value lies in ``[min_lot_value, max_lot_value]``.  Then every lot metric except the value
is a constant, the lot rules on bidders and no-bid chance hold for every lot or for none,
and a lot's term in the objective (``model.objective.lot_objective_terms``) is

    c(S) = c0 + sum_{a in S} lin_a + sum_{e in delta(S)} w_e,     w_e = cw * km_e / 2

(``c0`` the admin cost, ``lin_a`` the local-share bonus of ``weighted`` objectives, ``cw``
the compactness weight, ``delta(S)`` the edges with one end in S).  The plan objective is
the sum over lots, so for the county benchmarks (cw = 1, every edge 1 km, no costs) it is
exactly the number of cut edges.  Anything else makes ``applies`` return False.

The stages, one module each
---------------------------
- :mod:`.problem`: :class:`Problem`, :func:`applies`, :func:`problem_of`, the result
  type, the objective's lattice;
- :mod:`.pool`: exact enumeration of connected lots up to a boundary cost;
- :mod:`.heuristic`: spanning-tree bisection and ReCom (:func:`recom_plan`), an incumbent;
- :mod:`.mip`: the set-partitioning MIP over a pool, the hybrid with compact slots;
- :mod:`.solve`: :func:`solve_problem` and :func:`solve_partition`, the stages in order.

Work, not clocks
----------------
Every internal limit counts work (branch-and-bound visits of the pool, tree tries and ReCom
iterations of the heuristic, HiGHS nodes of the MIPs), so the same scenario, options and
``solver.seed`` give the same plan, status, bound and statistics on an idle and on a loaded
machine.  The user's time limit (``Effort.deadline``) is the only clock, and a stop request
(Ctrl-C, ``lotsplit.progress``) is seen between stages, in the enumeration and inside
HiGHS.  :class:`PartitionResult` says what happened: ``status`` (``OPTIMAL`` only when a
proof closed the gap), a valid ``bound``, and ``termination`` (``time_limit``,
``work_limit``, ``interrupted``; ``optimal`` when proven).  ``lotsplit.optimize`` sends
every scenario :func:`applies` accepts here (solver ``highs``) and turns the lots into a
plan through ``evaluate``.

>>> p = Problem(4, [(0, 1), (1, 2), (2, 3), (3, 0)], [0.5] * 4, [1, 1, 1, 1], 2, 2, 2, 2)
>>> solve_problem(p).objective
2.0
"""

from lotsplit.engine.districting.heuristic import recom_plan
from lotsplit.engine.districting.pool import enumerate_lots, masks_of
from lotsplit.engine.districting.problem import (Objective, PartitionResult, Problem, applies, linear_cost,
                                                 problem_of)
from lotsplit.engine.districting.solve import solve_partition, solve_problem

__all__ = ["Objective", "PartitionResult", "Problem", "applies", "enumerate_lots", "linear_cost", "masks_of",
           "problem_of", "recom_plan", "solve_partition", "solve_problem"]
