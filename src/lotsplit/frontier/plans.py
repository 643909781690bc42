"""The plans a frontier search finds, what is proven about them, and how they are sorted
and spread along the curve."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lotsplit.engine.exact import rc_limit
from lotsplit.frontier.master import Found
from lotsplit.frontier.result import Note


class Infeasible(Exception):
    """No plan satisfies the rules (proven)."""


class OutOfTime(Exception):
    """A limit ended the search before the two ends of the frontier were found."""


@dataclass(eq=False)
class Plan:
    """A plan found by the search (columns of the master) and what is proven about it."""

    cols: np.ndarray
    cost: float
    local: float
    proven: bool
    """Proven the cheapest plan with local share >= ``target`` (or its own share)."""
    bound: float | None
    """Lower bound on the net cost of any plan with local share >= ``target`` (or its own)."""
    found_by: Note
    """How the plan was found (a ``fb_*`` text key and its values)."""
    target: float | None = None
    seconds: float = 0.0

    @property
    def key(self) -> bytes:
        return np.sort(self.cols).tobytes()


@dataclass
class HullEdge:
    """A proven edge of the lower convex hull: no plan lies below the segment, and the
    weighted solve's LP (bound and reduced costs) for fixing lots inside it."""

    mu: float
    lp_bound: float | None
    rc: np.ndarray | None


def cost_tol(c: float) -> float:
    return 1e-9 * max(1.0, abs(c)) + 1e-6


def as_good(r: Found, value: float) -> np.ndarray | None:
    """Lots that can be in a plan with objective <= value (by the solve's LP reduced costs)."""
    if r.rc is None or r.lp_bound is None:
        return None
    return r.rc <= rc_limit(value, r.lp_bound)


def non_dominated(pts: list[Plan]) -> list[Plan]:
    """Sorted by local share, without the plans another is at least as good as on both
    counts (costs within 1e-9 relative and shares within 1e-9 count as equal)."""
    pts = sorted(pts, key=lambda p: (-p.local, p.cost, not p.proven))
    out: list[Plan] = []
    for p in pts:
        if out and abs(out[-1].local - p.local) <= 1e-9:
            if p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
                out[-1] = p                # the same share (up to rounding) for less
            continue
        if not out or p.cost < out[-1].cost - 1e-9 * max(1.0, abs(out[-1].cost)):
            out.append(p)
    return out[::-1]


def spread(pts: list[Plan], n: float) -> list[Plan]:
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
