"""The scenario file: a TOML document validated by frozen pydantic models.

A scenario names its data files (paths relative to the TOML file) and holds every
parameter of the model in ``../DESIGN.md`` §2.  Field docstrings are the reference
documentation of the format; ``docs/scenario-format.md`` shows a full example.

Defaults that rest on law or published figures (thresholds, the turnover cap) are not
hard-coded here: they come from the versioned file ``lotsplit/data/defaults.toml``, where
each value carries its source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AreasConfig(_Strict):
    """Where the areas (polygons) come from."""

    file: str
    """GeoPackage, GeoJSON, Shapefile or GeoParquet, relative to the scenario file."""
    layer: str | None = None
    """Layer name, for multi-layer files (GeoPackage)."""
    id_column: str = "id"
    """Column holding the area id (text; ids are compared as strings)."""
    name_column: str = "name"
    """Column holding the area name shown in reports and maps."""
    nuts3_column: str | None = None
    """Optional column with the NUTS-3 code of each area (eForms BT-5071)."""
    nuts3: str | None = None
    """NUTS-3 code for every area (e.g. ``SE312`` for Dalarna), when there is no column."""
    crs: str | None = None
    """Override the CRS read from the file (e.g. ``EPSG:3006``); use only when the file's
    CRS is missing or wrong: no reprojection happens, the coordinates are re-labelled."""
    projected_crs: str | None = None
    """Projected CRS used for distances and border lengths.  Default: the file's CRS if it
    is projected, otherwise a UTM zone chosen from the data (reported by ``check``)."""
    make_valid: bool = False
    """Repair invalid polygons with ``shapely.make_valid`` instead of reporting them."""


class TableConfig(_Strict):
    """A CSV table of the scenario."""

    file: str
    """CSV file, relative to the scenario file (UTF-8, comma separated)."""


class Link(_Strict):
    """An explicit connection between two areas (ferry, bridge, road) for islands and
    exclaves that share no border."""

    a: str
    b: str
    kind: Literal["ferry", "bridge", "road", "other"] = "road"
    note: str = ""


class GeographyConfig(_Strict):
    """How the adjacency graph of the areas is built."""

    min_shared_border_m: float = Field(default=100.0, ge=0)
    """Two areas are neighbours when their shared border is at least this long (metres);
    a corner touch or a sliver does not make them neighbours (rook contiguity)."""
    snap_tolerance_m: float = Field(default=25.0, ge=0)
    """Polygons are buffered by this distance before the shared border is measured, so
    small gaps and overlaps between digitised boundaries still count as a border."""
    islands: Literal["report", "link_nearest", "own_lot"] = "report"
    """Areas with no neighbour and no explicit link: ``report`` makes ``check`` fail and
    name them; ``link_nearest`` adds a link to the nearest area (listed in every output);
    ``own_lot`` lets them only form lots on their own."""
    links: tuple[Link, ...] = ()
    """Explicit links; each is listed in the outputs."""
    distance_matrix: str | None = None
    """Optional CSV ``supplier_id,area_id,km`` that replaces straight-line distances."""


class CostsConfig(_Strict):
    """Administrative cost components, in the scenario's currency."""

    per_lot: float = Field(ge=0)
    """Cost of one lot for the buyer: writing its specification, evaluating it, awarding
    it.  Domain facts: a simple Swedish municipal procurement ≈ 20 000 SEK (Molander/ESO
    2009); an EU procedure ≈ EUR 5 500 for the authority (PwC et al. 2011)."""
    per_bid: float = Field(default=0.0, ge=0)
    """Cost of evaluating one bid, multiplied by the expected number of bids of a lot."""
    per_contract_year: float = Field(default=0.0, ge=0)
    """Contract management per lot and contract year."""
    retender: float = Field(default=0.0, ge=0)
    """Cost of a failed lot (re-tendering it), weighted by the chance that no one bids."""
    per_lot_exempt: float | None = Field(default=None, ge=0)
    """Cost of a lot awarded under the small-lots exemption (a national, simpler
    procedure).  Only used when ``rules.small_lots_exemption`` is on; default ``per_lot``."""


class RulesConfig(_Strict):
    """Constraints on lots and plans."""

    turnover_multiple: float | None = Field(default=None, gt=0)
    """A supplier is eligible only if its annual turnover is at least this multiple of the
    lot's annual value (Dir. 2014/24/EU art. 58(3) caps it at 2).  Default from
    ``defaults.toml``."""
    min_lots: int = Field(default=1, ge=1)
    max_lots: int | None = Field(default=None, ge=1)
    min_lot_value: float = Field(default=0.0, ge=0)
    """Minimum annual value of a lot."""
    max_lot_value: float | None = Field(default=None, gt=0)
    """Maximum annual value of a lot."""
    min_eligible_bidders: int = Field(default=1, ge=0)
    """Every lot needs at least this many eligible suppliers (1: no lot nobody can serve)."""
    min_expected_bids: float = Field(default=0.0, ge=0)
    """Every lot needs at least this many expected bids (sum of bid propensities)."""
    max_no_bid_chance: float = Field(default=1.0, ge=0, le=1)
    """Every lot's chance of receiving no bid must be at most this."""
    bundling: Literal["any", "none", "families"] = "any"
    """Which product groups may share a lot: ``any`` bundle, ``none`` (one group per
    lot), or ``families`` (only groups of the same family, see ``families``)."""
    families: tuple[tuple[str, ...], ...] = ()
    """Families of product groups that may be bundled (with ``bundling = "families"``)."""
    max_groups_per_lot: int | None = Field(default=None, ge=1)
    must_together: tuple[tuple[str, ...], ...] = ()
    """Groups that must always be in the same lot."""
    never_together: tuple[tuple[str, ...], ...] = ()
    """Groups of which no two may share a lot."""
    areas_together: tuple[tuple[str, ...], ...] = ()
    """Areas that must always be in the same lots."""
    areas_apart: tuple[tuple[str, ...], ...] = ()
    """Areas of which no two may share a lot."""
    small_lots_exemption: bool = False
    """Use the EU small-lots exemption (Dir. 2014/24/EU art. 5(10)): lots under the small-lot
    limit may be awarded outside the EU procedure while together they are at most 20 % of
    the aggregate value.  Off by default (domain facts §1)."""
    max_lots_per_tenderer: int | None = Field(default=None, ge=1)
    """Limit on lots awarded to one tenderer (art. 46(2)); carried into the exports."""

    @model_validator(mode="after")
    def _bounds(self) -> RulesConfig:
        if self.max_lots is not None and self.max_lots < self.min_lots:
            raise ValueError(f"max_lots ({self.max_lots}) is below min_lots ({self.min_lots})")
        if self.max_lot_value is not None and self.max_lot_value < self.min_lot_value:
            raise ValueError("max_lot_value is below min_lot_value")
        return self


class ObjectiveConfig(_Strict):
    """What the optimizer minimises or maximises.  All objectives are reported for every
    plan; this picks the one that is optimised."""

    kind: Literal["min_cost", "max_local", "weighted"] = "weighted"
    local_share_target: float = Field(default=0.0, ge=0, le=1)
    """``min_cost``: the plan's local-accessible value share must reach this (0..1)."""
    admin_budget: float | None = Field(default=None, ge=0)
    """``max_local``: total admin cost may not exceed this (currency)."""
    price_per_local_point: float = Field(default=0.0, ge=0)
    """``weighted``: what one percentage point of local-accessible value share is worth
    (currency); the optimizer minimises admin cost − price × local share in points."""
    compactness_weight: float = Field(default=0.0, ge=0)
    """Currency per km of lot boundary (shared border cut between lots); 0 ignores shape."""

    @model_validator(mode="after")
    def _needs(self) -> ObjectiveConfig:
        if self.kind == "max_local" and self.admin_budget is None:
            raise ValueError("objective kind 'max_local' needs 'admin_budget'")
        return self


class SolverConfig(_Strict):
    name: Literal["highs", "cbc"] = "highs"
    time_limit: float | None = Field(default=None, gt=0)
    """Seconds; the best plan found by then is reported with its bound and gap."""
    mip_gap: float = Field(default=0.0, ge=0, lt=1)
    """Relative gap accepted as success (0: prove optimality)."""
    column_budget: int = Field(default=2_000_000, ge=1)
    """Enumerate all candidate lots when there are at most this many; otherwise generate
    columns and report the bound and gap honestly."""
    threads: int = Field(default=1, ge=1)


class LegacyPlanConfig(_Strict):
    """A plan to compare with the frontier: last year's lots, or a planner's draft."""

    name: str
    """Label in tables, charts and the summary, e.g. ``"Lots 2022-2025"``."""
    file: str
    """Assignment CSV ``area_id,product_group_id,lot_id`` (the ``assignment.csv`` that
    ``lotsplit run`` writes), relative to the scenario file.  Every area × group with
    demand must be in exactly one lot."""


class BaselinesConfig(_Strict):
    """Plans that ``lotsplit frontier`` evaluates and marks beside the frontier (besides the
    standard baselines: one lot, one lot per group, one lot per area × group)."""

    legacy: tuple[LegacyPlanConfig, ...] = ()
    """Legacy plans, each a ``[[baselines.legacy]]`` table with ``name`` and ``file``."""


class ScenarioConfig(_Strict):
    """A whole scenario file."""

    name: str
    description: str = ""
    buyer: str = ""
    """The contracting authority (or joint buyers), shown in reports."""
    language: Literal["sv", "da", "en"] = "en"
    country: Literal["SE", "DK", "other"] = "SE"
    currency: str = Field(default="SEK", pattern=r"^[A-Z]{3}$")
    contract_years: float = Field(gt=0)
    """Length of the contracts including options (years)."""
    defaults: str = "2026"
    """Edition of ``lotsplit/data/defaults.toml`` used for thresholds."""
    extends: str | None = None
    """Another scenario file this one overrides (see ``lotsplit compare``)."""

    areas: AreasConfig
    product_groups: TableConfig
    demand: TableConfig
    suppliers: TableConfig
    geography: GeographyConfig = GeographyConfig()
    costs: CostsConfig
    rules: RulesConfig = RulesConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    solver: SolverConfig = SolverConfig()
    baselines: BaselinesConfig = BaselinesConfig()
