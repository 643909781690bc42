"""Product groups that no lot can mix form independent blocks: each block's frontier is
computed on its own and the frontiers combined (a combination is non-dominated only if
each part is non-dominated in its block)."""

from __future__ import annotations

import numpy as np

from lotsplit.frontier.master import FrontierMaster
from lotsplit.frontier.plans import Plan, non_dominated


def independent_blocks(m: FrontierMaster, *, tied: bool = False) -> list[tuple[np.ndarray, np.ndarray]] | None:
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


def block_frontier(m: FrontierMaster, blocks, **search) -> tuple[list[Plan], bool]:
    """Each block's frontier, combined: a plan is one plan per block, its cost and local
    share the sums.  A combination is non-dominated only if each part is non-dominated in
    its block, so the combined frontier is exact when every block's frontier is."""
    combined = [(0.0, 0.0, (), True)]
    complete = True
    for cols, cells in blocks:
        sub = m.block(cols, cells)
        from lotsplit.frontier.search import Explorer      # the search runs on each block

        explorer = Explorer(sub, **search)
        complete &= explorer.run()
        parts = [(sub.col_map[p.cols], p.cost, p.local, p.proven) for p in explorer.frontier()]
        sums = [(c + pc, l + pl, chosen + (pcols,), ok and pok)
                for c, l, chosen, ok in combined for pcols, pc, pl, pok in parts]
        combined = non_dominated_sums(sums)
    how = f"combination of {len(blocks)} independent block frontiers"
    out = []
    for _, _, chosen, ok in combined:
        cols = np.concatenate(chosen)
        c, l = m.point(cols)            # the exact sums (same columns, one addition order)
        proven = ok and complete
        out.append(Plan(cols, c, l, proven, c if proven else None, how))
    return non_dominated(out), complete


def non_dominated_sums(items: list[tuple]) -> list[tuple]:
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
