"""The set-partitioning master problem over candidate lots.

    min   sum_l c_l x_l
    s.t.  sum_{l covers (a,g)} x_l = 1        for every cell with demand
          sum_{l covers (a,g)} x_l <= 1       for every other cell of a group with demand
          min_lots <= sum_l x_l <= max_lots
          sum_l V_l L_l x_l >= target * V     (min_cost: access-share target)
          sum_l C_l x_l <= budget             (max_local: admin budget)
          sum_{l exempt} V_l x_l <= 20 % * V  (small-lots exemption)
          sum_{l: E_l ⊆ N} x_l <= cap * |N|   (lots per tenderer: Hall's condition, rows added as needed)
          x_l in {0, 1}

The master is handed to HiGHS as arrays (a sparse column matrix), so building it costs
nothing beyond the matrix itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lotsplit.model.lots import Columns, LotSpace, exemption_limit
from lotsplit.model.objective import access_chance, lot_objective_terms


@dataclass
class Master:
    """min c x  s.t.  row_lo <= A x <= row_hi,  x >= 0 (binary for a MIP)."""

    cost: np.ndarray
    matrix: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    names: list[str] = field(default_factory=list)


def coverage_matrix(space: LotSpace, columns: Columns | None = None,
                    area_sets: np.ndarray | None = None) -> sp.csc_matrix:
    """Cells × columns 0/1 matrix: which territory cells each lot covers (``space.cells``).

    Vectorised per bundle: (lot area masks) @ (areas × cells of the bundle's groups).
    ``area_sets``: the sets ``columns.set_index`` points into (default: the space's).
    """
    cols = space.columns if columns is None else columns
    n_a, n_g = space.market.demand.shape
    n_cells = len(space.cells)
    if len(cols) == 0:
        return sp.csc_matrix((n_cells, 0))
    cell_id = -np.ones((n_a, n_g), dtype=np.int64)
    cell_id[space.cells[:, 0], space.cells[:, 1]] = np.arange(n_cells)
    sets = sp.csr_matrix((space.area_sets if area_sets is None else area_sets).astype(np.float64))
    blocks, order = [], []
    for b_idx, bundle in enumerate(space.bundles):
        which = np.flatnonzero(cols.bundle_index == b_idx)
        if not len(which):
            continue
        ids = cell_id[:, space.market.group_index(bundle)]
        a, k = np.nonzero(ids >= 0)
        area_to_cell = sp.csr_matrix((np.ones(len(a)), (a, ids[a, k])), shape=(n_a, n_cells))
        blocks.append(sets[cols.set_index[which]] @ area_to_cell)
        order.append(which)
    stacked = sp.vstack(blocks).tocsr()
    inverse = np.empty(len(cols), dtype=np.int64)
    inverse[np.concatenate(order)] = np.arange(len(cols))
    out = stacked[inverse].T.tocsc()
    out.sort_indices()
    out.data[:] = 1.0
    return out


def build_master(space: LotSpace, columns: Columns | None = None, *, area_sets: np.ndarray | None = None) -> Master:
    """The set-partitioning master over ``columns`` (default: all of the space's;
    ``area_sets``: the sets their ``set_index`` points into, default the space's)."""
    s = space.scenario
    cols = space.columns if columns is None else columns
    rules, obj = s.config.rules, s.config.objective
    A = coverage_matrix(space, cols, area_sets)
    n_cells = A.shape[0]
    rows = [A]
    # cells with demand: exactly one lot; other cells: at most one lot per group (territory)
    lo, hi = [space.cover_lo], [np.ones(n_cells)]
    names = [f"cell {i}" for i in range(n_cells)]
    ones = np.ones(len(cols))
    if rules.min_lots > 1 or rules.max_lots is not None:
        rows.append(sp.csr_matrix(ones))
        lo.append([rules.min_lots])
        hi.append([rules.max_lots if rules.max_lots is not None else np.inf])
        names.append("lot count")
    total = space.total_annual_value or 1.0
    if obj.kind == "min_cost" and obj.local_share_target > 0:
        rows.append(sp.csr_matrix(cols.value * access_chance(s, cols) / total))
        lo.append([obj.local_share_target - 1e-9])
        hi.append([np.inf])
        names.append("local share target")
    scale = row_scales(space)
    if obj.kind == "max_local":
        rows.append(sp.csr_matrix(cols.admin_cost / scale["admin budget"]))
        lo.append([-np.inf])
        hi.append([(obj.admin_budget + 1e-6) / scale["admin budget"]])
        names.append("admin budget")
    if exemption_limit(s) is not None:
        cap = s.defaults.small_lots_max_share.value
        rows.append(sp.csr_matrix(np.where(cols.exempt, cols.value, 0.0) / scale["small-lots exemption cap"]))
        lo.append([-np.inf])
        hi.append([cap + 1e-9])
        names.append("small-lots exemption cap")
    if rules.max_lots_per_tenderer is not None and space.cap_cuts:
        # Hall's condition for awarding the plan with at most `cap` lots per tenderer: the
        # lots whose eligible suppliers all lie in N are at most cap × |N|.
        eligible = cols.eligible(len(space.market.supplier_ids))
        for k, N in enumerate(space.cap_cuts):
            rows.append(sp.csr_matrix((~(eligible & ~N[None, :]).any(axis=1)).astype(float)))
            lo.append([-np.inf])
            hi.append([rules.max_lots_per_tenderer * int(N.sum())])
            names.append(f"lots per tenderer {k}")
    matrix = sp.vstack([r if sp.issparse(r) else sp.csr_matrix(r) for r in rows]).tocsc()
    cost = lot_objective_terms(s, cols)
    return Master(cost=np.asarray(cost, dtype=float), matrix=matrix, row_lo=np.concatenate(lo).astype(float),
                  row_hi=np.concatenate(hi).astype(float), names=names)


def row_scales(space: LotSpace) -> dict[str, float]:
    """What the money rows of the master are divided by, so that their coefficients are of
    the order of 1 like the cell rows (HiGHS's tolerances are absolute: a row in
    currency units next to 0/1 rows made an LP stop at a point that was not optimal): the
    admin budget row is in budgets, the small-lots exemption row in shares of the annual
    value.  Read by everything that prices a lot with the master's duals."""
    obj = space.scenario.config.objective
    return {"admin budget": max(1.0, float(obj.admin_budget or 0.0)),
            "small-lots exemption cap": space.total_annual_value or 1.0}


def reduced_costs(master: Master, duals: np.ndarray) -> np.ndarray:
    return master.cost - master.matrix.T @ duals


def sub_master(master: Master, idx: np.ndarray) -> Master:
    return Master(master.cost[idx], master.matrix[:, idx], master.row_lo, master.row_hi, master.names)


def side_duals(master: Master, duals: np.ndarray, n_cells: int) -> dict[str, float]:
    return dict(zip(master.names[n_cells:], duals[n_cells:]))


def add_award_cut(space: LotSpace, cols: Columns, x: np.ndarray | None) -> bool:
    """When the plan ``x`` (0/1 over ``cols``) cannot be awarded under the lots-per-tenderer
    cap, add the supplier set that proves it (Hall's condition) as a row of the master and
    return True (solve again); False when there is no cap, no plan, or the plan can be
    awarded."""
    from lotsplit.model.rules import award_cut

    cap = space.scenario.config.rules.max_lots_per_tenderer
    if cap is None or x is None:
        return False
    chosen = np.flatnonzero(x > 0.5)
    ids = np.asarray(space.market.supplier_ids, dtype=object)
    eligible = cols.take(chosen).eligible(len(ids))
    short, N = award_cut([tuple(ids[row]) for row in eligible], cap)
    if not short:
        return False
    space.cap_cuts.append(np.isin(ids, list(N)))
    return True
