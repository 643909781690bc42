"""The objective: each lot's term, summed over the plan (DESIGN §2).

Cost objectives count a lot's *net cost* — admin cost minus the value of competition —
plus the compactness weight × half its boundary (each border between two lots once);
``weighted`` subtracts the price of a point of access share × the lot's access points;
``max_local`` maximises the access points.  The access share is the local-accessible or
the SME-accessible value share (``objective.access``).  The optimizer and ``evaluate``
use these functions, so a plan scores the same whichever computed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from lotsplit.plan import Lot
    from lotsplit.scenario import Scenario


def access_chance(scenario: Scenario, lots) -> np.ndarray:
    """The chance the objective weighs (``objective.access``): ``local_chance`` or
    ``sme_chance`` of ``lots`` (columns, lot metrics, or anything with those arrays)."""
    return np.asarray(lots.sme_chance if scenario.config.objective.access == "sme" else lots.local_chance,
                      dtype=float)


def access_metric(scenario: Scenario) -> str:
    """The plan metric of the objective's access share: ``local_share`` or ``sme_share``."""
    return "sme_share" if scenario.config.objective.access == "sme" else "local_share"


def lot_objective_terms(scenario: Scenario, lots) -> np.ndarray:
    """Each lot's term in the objective (minimised); the plan's objective is their sum
    (sign flipped back for ``max_local``).  Shared by the optimizer and ``evaluate``.

    ``lots`` has the arrays ``value`` (annual), ``local_chance``, ``sme_chance``,
    ``admin_cost``, ``competition_value`` and ``boundary_km`` (a :class:`model.Columns`,
    or :func:`lot_arrays` of a list of :class:`Lot`).  Cost objectives count the net cost
    (admin cost − value of competition) plus the compactness weight × half the lot's
    boundary (each border between two lots is counted once)."""
    obj = scenario.config.objective
    total = scenario.total_annual_value or 1.0
    points = 100.0 * np.asarray(lots.value, dtype=float) * access_chance(scenario, lots) / total
    shape = obj.compactness_weight * np.asarray(lots.boundary_km, dtype=float) / 2.0
    net = np.asarray(lots.admin_cost, dtype=float) - np.asarray(lots.competition_value, dtype=float)
    if obj.kind == "max_local":
        return -points
    if obj.kind == "weighted":
        return net + shape - obj.price_per_local_point * points
    return net + shape


@dataclass(frozen=True)
class LotArrays:
    """The lot metrics of several lots as arrays (the names :class:`model.Columns` uses)."""

    value: np.ndarray
    local_chance: np.ndarray
    sme_chance: np.ndarray
    admin_cost: np.ndarray
    competition_value: np.ndarray
    boundary_km: np.ndarray


def lot_arrays(lots: list[Lot]) -> LotArrays:
    return LotArrays(*(np.array([getattr(l, k) for l in lots], dtype=float) for k in
                       ("annual_value", "local_chance", "sme_chance", "admin_cost", "competition_value",
                        "boundary_km")))


def objective_value(scenario: Scenario, minimised_sum: float) -> float:
    """The objective as reported: currency for cost objectives, points for ``max_local``."""
    return -minimised_sum if scenario.config.objective.kind == "max_local" else minimised_sum
