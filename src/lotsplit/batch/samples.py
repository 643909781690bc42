"""Samples of the uncertain inputs: bid propensities, demand, suppliers that drop out.

Bid propensities and demand are estimates.  An :class:`Uncertainty` says how uncertain:

- ``propensity_sd``: each supplier's chance to bid is drawn from a **Beta distribution
  with mean** its stated ``propensity`` and this **standard deviation** (in probability,
  e.g. 0.1 = ±10 points); a spread the Beta cannot have at that mean (``sd² ≥ p(1-p)``)
  is capped at 90 % of the largest possible, and a propensity of 1 stays 1;
- ``demand_pct``: each demand value is multiplied by a factor drawn uniformly from
  ``1 ± demand_pct / 100``, one factor per area × group cell (``demand_by = "cell"``),
  per area, per product group or one for all (``"area"``, ``"group"``, ``"all"``);
- ``dropout``: each supplier is absent from the market with this probability (it went out
  of business, will not tender this time).

A sample is drawn from its own seed (:func:`sample_seed`: numpy ``SeedSequence`` of the
batch seed and the run's index), so sample 17 of a batch is the same wherever and
whenever it runs, and :func:`apply_sample` gives the scenario that sample describes.

>>> from lotsplit.synthetic import grid_scenario
>>> s = grid_scenario(1, 2, 2, 4, seed=1)
>>> u = Uncertainty(propensity_sd=0.1, demand_pct=10, dropout=0.2)
>>> a, b = draw_sample(s, u, seed=sample_seed(7, 0, 1)), draw_sample(s, u, seed=sample_seed(7, 0, 1))
>>> a == b
True
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from lotsplit.errors import OptionError, Problem

if TYPE_CHECKING:
    from lotsplit.scenario import Scenario

MAX_SEED = 2**31 - 1
"""HiGHS takes ``random_seed`` up to 2**31 - 1: every derived seed stays below it."""


@dataclass(frozen=True)
class Uncertainty:
    """How uncertain the inputs are (see the module doc); all zero: no uncertainty."""

    propensity_sd: float = 0.0
    """Standard deviation of each supplier's bid propensity (Beta around its value)."""
    demand_pct: float = 0.0
    """Demand varies uniformly within ± this percentage."""
    demand_by: Literal["cell", "area", "group", "all"] = "cell"
    """One demand factor per area × group cell, per area, per group or one for all."""
    dropout: float = 0.0
    """Chance that a supplier is absent from the market."""

    def __post_init__(self):
        problems = []
        if not (0 <= self.propensity_sd < 0.5) or not math.isfinite(self.propensity_sd):
            problems.append(Problem("--propensity-sd", "", f"{self.propensity_sd!r} is not a standard deviation of a "
                                    "probability", "give a number from 0 up to (not including) 0.5, e.g. 0.1"))
        if not (0 <= self.demand_pct < 100) or not math.isfinite(self.demand_pct):
            problems.append(Problem("--demand-pct", "", f"{self.demand_pct!r} is not a percentage below 100",
                                    "give a number from 0 up to (not including) 100, e.g. 15"))
        if self.demand_by not in ("cell", "area", "group", "all"):
            problems.append(Problem("--demand-by", "", f"{self.demand_by!r} is not cell, area, group or all",
                                    "use --demand-by cell (default), area, group or all"))
        if not (0 <= self.dropout < 1) or not math.isfinite(self.dropout):
            problems.append(Problem("--dropout", "", f"{self.dropout!r} is not a probability below 1",
                                    "give a number from 0 up to (not including) 1, e.g. 0.05"))
        if problems:
            raise OptionError(problems)

    @property
    def any(self) -> bool:
        return bool(self.propensity_sd or self.demand_pct or self.dropout)

    def describe(self, lang: str = "en") -> str:
        """In words, e.g. ``bid propensity ± 0.1 (Beta, standard deviation); demand ± 15 %
        (uniform, per area × group)``; ``lang``: sv, da or en."""
        from lotsplit.batch.texts import word

        def g(x: float) -> str:
            return f"{x:g}".replace(".", ",") if lang in ("sv", "da") else f"{x:g}"

        parts = []
        if self.propensity_sd:
            parts.append(word(lang, "u_propensity", sd=g(self.propensity_sd)))
        if self.demand_pct:
            parts.append(word(lang, "u_demand", pct=g(self.demand_pct), by=word(lang, f"by_{self.demand_by}")))
        if self.dropout:
            parts.append(word(lang, "u_dropout", p=g(self.dropout)))
        return "; ".join(parts) or word(lang, "none")


@dataclass(frozen=True)
class Sample:
    """One draw: what changes in the scenario (picklable, comparable, recorded per run)."""

    seed: int
    propensity: tuple[float, ...] = ()
    """New propensity per supplier, in the scenario's supplier order (empty: unchanged)."""
    demand_factor: tuple[float, ...] = ()
    """Factor per area × group cell, row-major over the scenario's demand matrix."""
    absent: tuple[str, ...] = ()
    """Suppliers out of the market in this sample."""
    capped_sd: tuple[str, ...] = field(default=(), compare=False)
    """Suppliers whose propensity spread was capped (the Beta cannot have it)."""

    def summary(self) -> dict:
        return {"sample_seed": self.seed, "suppliers_absent": len(self.absent),
                "absent": ";".join(self.absent),
                "mean_propensity": round(float(np.mean(self.propensity)), 6) if self.propensity else None,
                "mean_demand_factor": round(float(np.mean(self.demand_factor)), 6) if self.demand_factor else None}


def sample_seed(seed: int, item: int, run: int) -> int:
    """The seed of run ``run`` of batch item ``item`` in a batch with seed ``seed``
    (independent streams, the same on every machine), below HiGHS's limit.

    >>> sample_seed(0, 0, 1) == sample_seed(0, 0, 1) != sample_seed(0, 0, 2)
    True
    """
    return int(np.random.SeedSequence([int(seed), int(item), int(run)]).generate_state(1)[0]) & MAX_SEED


def beta_parameters(p: np.ndarray, sd: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(alpha, beta, capped)`` of Beta distributions with means ``p`` and standard
    deviation ``sd`` (capped at 90 % of the largest the mean allows)."""
    p = np.asarray(p, dtype=float)
    var_max = p * (1 - p)
    capped = sd**2 >= 0.81 * var_max
    var = np.where(capped, 0.81 * var_max, sd**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(var > 0, var_max / np.where(var > 0, var, 1) - 1, np.inf)
        return p * k, (1 - p) * k, capped & (var_max > 0)     # (p = 0 or 1: no spread, never drawn)


def draw_sample(scenario: Scenario, u: Uncertainty, *, seed: int) -> Sample:
    """Draw one sample of ``scenario``'s uncertain inputs (deterministic in ``seed``)."""
    rng = np.random.default_rng(seed)
    sup = scenario.suppliers
    ids = list(sup.index)
    prop: tuple[float, ...] = ()
    capped: tuple[str, ...] = ()
    if u.propensity_sd > 0:
        p = sup["propensity"].to_numpy(dtype=float)
        a, b, cap = beta_parameters(p, u.propensity_sd)
        draws = p.copy()
        random = (p > 0) & (p < 1)
        draws[random] = rng.beta(a[random], b[random])
        prop = tuple(float(x) for x in np.clip(draws, 1e-6, 1.0))
        capped = tuple(sid for sid, c in zip(ids, cap) if c)
    factor: tuple[float, ...] = ()
    if u.demand_pct > 0:
        n_a, n_g = scenario.demand.shape
        d = u.demand_pct / 100.0
        shape = {"cell": (n_a, n_g), "area": (n_a, 1), "group": (1, n_g), "all": (1, 1)}[u.demand_by]
        f = np.broadcast_to(rng.uniform(1 - d, 1 + d, size=shape), (n_a, n_g))
        factor = tuple(float(x) for x in f.ravel())
    absent: tuple[str, ...] = ()
    if u.dropout > 0:
        out = rng.random(len(ids)) < u.dropout
        absent = tuple(sid for sid, o in zip(ids, out) if o)
    return Sample(int(seed), prop, factor, absent, capped)


def apply_sample(scenario: Scenario, sample: Sample) -> Scenario:
    """The scenario as the sample describes it: new propensities and demand, absent
    suppliers removed (with their reach and distances)."""
    sup = scenario.suppliers
    changes = {}
    if sample.propensity:
        sup = sup.copy()
        sup["propensity"] = np.asarray(sample.propensity, dtype=float)
    if sample.demand_factor:
        d = scenario.demand
        changes["demand"] = d * np.asarray(sample.demand_factor, dtype=float).reshape(d.shape)
    if sample.absent:
        keep = [sid for sid in sup.index if sid not in set(sample.absent)]
        sup = sup.loc[keep]
        changes["reach"] = scenario.reach.loc[keep]
        changes["distance_km"] = scenario.distance_km.loc[keep]
    if sup is not scenario.suppliers:
        changes["suppliers"] = sup
    return dataclasses.replace(scenario, **changes) if changes else scenario
