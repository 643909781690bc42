"""Lot enumeration: every connected node set (a lot) with weight in ``[L, U]`` and
boundary cost at most ``b``, each exactly once (the boundary-budget pool of
:mod:`~lotsplit.engine.districting.solve`).

Binary branch and bound from each root ``r`` (the set's first node in a fixed order,
heaviest first; nodes before it are excluded): branch on the frontier node with the most
border into the set (exclude / include).  A branch is pruned when its weight exceeds U,
when L is out of reach through nodes not excluded, or when its boundary cost is bound to
exceed ``b``: the border towards excluded nodes is final, and each frontier node adds at
least the smaller of its border to the set and its border to excluded nodes.

The work is counted in visited branch-and-bound nodes (``max_visits``), never in seconds:
the same inputs give the same lots on any machine.

>>> from lotsplit.engine.districting.problem import Problem
>>> p = Problem(3, [(0, 1), (1, 2)], [0.5, 0.5], [1, 1, 1], 1, 2, 1, 3)
>>> sorted(enumerate_lots(p, 1.0).sets)       # {0}, {1}, {0, 1}, {2}, {1, 2}: boundary <= 1
[1, 2, 3, 4, 6]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lotsplit.engine.districting.problem import Problem
from lotsplit.engine.highs import Effort, Termination

CHECK_EVERY = 0x3FFF
"""Visits between two looks at the user's deadline and the stop flag."""


@dataclass
class Search:
    """What :func:`enumerate_lots` found.

    ``sets``: bitmasks over the nodes (bit i = node i); ``complete``: every lot within
    the boundary budget was found, False when a work budget or the user's deadline cut
    the search; ``visits``: branch-and-bound nodes visited; ``stopped``: what cut it
    (None when complete)."""

    sets: list[int]
    visits: int
    complete: bool
    stopped: Termination | None = None


def enumerate_lots(prob: Problem, b: float, *, max_visits: int | None = None, max_sets: int | None = None,
                   effort: Effort | None = None) -> Search:
    """Every connected node set with weight in [L, U] and boundary cost <= ``b``, as
    bitmasks over the nodes, each exactly once.

    Binary branch and bound from each root r (the set's first node in ``order``; nodes
    before it are excluded): branch on the frontier node with the most border into the set
    (exclude / include).  Pruned: weight above U; weight L out of reach through nodes not
    excluded; boundary cost bound above ``b`` (border to excluded nodes, plus for each
    frontier node the smaller of its border to the set and to excluded nodes).

    ``max_visits`` / ``max_sets``: work budgets (visited branch-and-bound nodes, lots
    found); past them the search stops with ``complete = False``.  ``effort``: the user's
    deadline and the stop flag, looked at every few thousand visits."""
    n = prob.n
    order = [int(i) for i in np.lexsort((np.arange(n), -prob.weight))]
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
    # With one edge cost (county graphs) the boundary is counted in edges: a popcount
    # inline instead of a call per frontier node (1.8x faster on LA).
    w0 = float(prob.w[0]) if len(prob.w) else 0.0
    uniform = w0 > 0 and float(prob.w.max() - prob.w.min()) <= 1e-12
    wt = [float(prob.weight[order[k]]) for k in range(n)]
    L, U = prob.L - 1e-9, prob.U + 1e-9
    btol = (b + 1e-9) / w0 if uniform else b + 1e-9
    limit = max_visits if max_visits is not None else float("inf")
    out: list[int] = []
    visited = 0

    def border(u: int, mask: int) -> float:
        """Edges (uniform) or edge cost between node u and the nodes of mask."""
        if uniform:
            return (nb[u] & mask).bit_count()
        return sum(we for v, we in nbw[u] if mask >> v & 1)

    for r in range(n):
        if wt[r] > U:
            continue
        X0 = (1 << r) - 1
        # (set, excluded, weight, boundary bound, the set's neighbours, whether weight L
        # is known to be within reach through nodes not excluded)
        stack = [(1 << r, X0, wt[r], border(r, X0), nb[r], False)]
        while stack:
            S, X, w, lb, NS, reachable = stack.pop()
            visited += 1
            if visited & CHECK_EVERY == 0 and effort is not None and effort.out_of_time():
                return Search(_renumber(out, order), visited, False, effort.termination)
            if visited > limit:
                return Search(_renumber(out, order), visited, False, Termination.WORK_LIMIT)
            if lb > btol:
                continue
            front = NS & ~S & ~X
            best_u, best_d, extra = -1, -1.0, 0.0
            f = front
            while f:
                bit = f & -f
                f ^= bit
                u = bit.bit_length() - 1
                if uniform:
                    nu = nb[u]
                    dS, dX = (nu & S).bit_count(), (nu & X).bit_count()
                else:
                    dS, dX = border(u, S), border(u, X)
                extra += dS if dS < dX else dX
                if dS > best_d:
                    best_d, best_u = dS, u
            if lb + extra > btol:
                continue
            if best_u < 0:
                if w >= L:
                    out.append(S)
                    if max_sets is not None and len(out) > max_sets:
                        return Search(_renumber(out, order), visited, False, Termination.WORK_LIMIT)
                continue
            if w < L and not reachable:
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
            stack.append((S, X | bit, w, lb + border(best_u, S), NS, False))
            if w + wt[best_u] <= U:
                # the same nodes are within reach of the larger set (best_u was one of them)
                stack.append((S | bit, X, w + wt[best_u], lb + border(best_u, X), NS | nb[best_u], True))
    return Search(_renumber(out, order), visited, True)


def _renumber(sets: list[int], order: list[int]) -> list[int]:
    """Bitmasks over search positions back to the caller's node numbering."""
    res = []
    for S in sets:
        m = 0
        s = S
        while s:
            bit = s & -s
            s ^= bit
            m |= 1 << order[bit.bit_length() - 1]
        res.append(m)
    return res



def masks_of(sets: list[int], n: int) -> np.ndarray:
    """Bitmasks as a (len(sets), n) bool array."""
    if not sets:
        return np.zeros((0, n), dtype=bool)
    nbytes = (n + 7) // 8
    raw = np.frombuffer(b"".join(s.to_bytes(nbytes, "little") for s in sets), dtype=np.uint8)
    return np.unpackbits(raw.reshape(len(sets), nbytes), axis=1, bitorder="little")[:, :n].astype(bool)


def bits_of(mask: np.ndarray) -> int:
    """A bool mask as a bitmask (bit i = node i)."""
    return sum(1 << int(i) for i in np.flatnonzero(mask))
