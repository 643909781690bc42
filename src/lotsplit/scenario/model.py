"""The checked scenario (:class:`Scenario`) and the versioned defaults it is read with.

``Scenario`` is what every later stage takes: areas (projected polygons), product groups,
the area × group demand matrix, suppliers, the adjacency graph, which supplier reaches
which area, and the notes (warnings) found while checking.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd

from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem, ScenarioError


# --------------------------------------------------------------------------- defaults

@dataclass(frozen=True)
class Sourced:
    """A number with its source and status (verified / derived / fallback / unverified)."""

    value: float
    source: str
    status: str


@dataclass(frozen=True)
class Defaults:
    """Thresholds and rule defaults of one edition of ``data/defaults.toml``."""

    edition: str
    turnover_multiple: Sourced
    small_lots_max_share: Sourced
    threshold: dict[str, dict[str, Sourced]]
    small_lot_limit: dict[str, dict[str, Sourced]]
    turnover_cap: Sourced
    competition_price_spread: Sourced
    competition_saturation_bids: Sourced

    def eu_threshold(self, nature: str, currency: str) -> Sourced | None:
        return self.threshold["works" if nature == "works" else "supplies_services"].get(currency)

    def small_lot(self, nature: str, currency: str) -> Sourced | None:
        return self.small_lot_limit["works" if nature == "works" else "supplies_services"].get(currency)


def load_defaults(edition: str) -> Defaults:
    """Read one edition of the bundled defaults (thresholds change every two years)."""
    data = tomllib.loads(resources.files("lotsplit").joinpath("data/defaults.toml").read_text("utf-8"))
    if edition not in data:
        raise ScenarioError([Problem("scenario", "defaults", f"unknown defaults edition '{edition}'",
                                     f"use one of {sorted(data)}")])
    d = data[edition]

    def sourced(x: dict) -> Sourced:
        return Sourced(float(x["value"]), x["source"], x["status"])

    def table(t: dict) -> dict[str, dict[str, Sourced]]:
        return {k: {cur: sourced(v) for cur, v in by.items()} for k, by in t.items()}

    return Defaults(edition, sourced(d["turnover_multiple"]), sourced(d["small_lots_max_share"]),
                    table(d["threshold"]), table(d["small_lot_limit"]), sourced(d["turnover_cap"]),
                    sourced(d["competition_price_spread"]), sourced(d["competition_saturation_bids"]))


# --------------------------------------------------------------------------- scenario

@dataclass(frozen=True, eq=False)
class Scenario:
    """A checked scenario, ready to optimise.

    Tables are indexed by their ids (strings).  ``demand`` is the full area × group matrix
    of annual values (0 where there is no demand).  ``reach`` says which supplier can
    serve which area; ``graph`` is the adjacency graph with explicit and added links.
    """

    config: ScenarioConfig
    areas: gpd.GeoDataFrame
    groups: pd.DataFrame
    demand: pd.DataFrame
    suppliers: pd.DataFrame
    graph: nx.Graph
    reach: pd.DataFrame
    distance_km: pd.DataFrame
    defaults: Defaults
    notes: tuple[Problem, ...] = ()
    path: Path | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def currency(self) -> str:
        return self.config.currency

    @property
    def turnover_multiple(self) -> float:
        tau = self.config.rules.turnover_multiple
        return self.defaults.turnover_multiple.value if tau is None else tau

    @property
    def competition(self) -> tuple[float, float]:
        """``(price_spread, saturation_bids)`` of the value of competition; spread 0 when the
        scenario's competition model is ``none``."""
        c = self.config.competition
        if c.model == "none":
            return 0.0, 1.0
        spread = self.defaults.competition_price_spread.value if c.price_spread is None else c.price_spread
        sat = self.defaults.competition_saturation_bids.value if c.saturation_bids is None else c.saturation_bids
        return float(spread), float(sat)

    @cached_property
    def total_annual_value(self) -> float:
        return float(self.demand.to_numpy().sum())

    @cached_property
    def main_nature(self) -> str:
        """Contract nature with the largest share of value (decides the threshold)."""
        by_nature = self.demand.sum(axis=0).groupby(self.groups["nature"]).sum()
        return str(by_nature.idxmax()) if len(by_nature) else "supplies"

    def summary(self) -> str:
        """A readable summary, as printed by ``lotsplit check``."""
        from lotsplit.report import scenario_summary

        return scenario_summary(self)
