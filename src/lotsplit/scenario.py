"""Load and check a scenario: the TOML file, its data files, the geography.

``load_scenario(path)`` reads everything, collects **every** problem (missing files,
unknown columns, duplicate ids, bad numbers, undefined groups, invalid geometries,
islands, …) and raises one :class:`~lotsplit.errors.ScenarioError` listing them all, each
naming the file, the row or field, what is wrong and how to fix it.

``build_scenario(config, ...)`` does the same from in-memory tables, for notebooks, tests
and benchmarks that have no files.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import tomllib
import typing
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pydantic
import shapely

from lotsplit import geography
from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem, ScenarioError, raise_if_errors

NATURES = ("supplies", "services", "works")
GROUP_COLUMNS = ("id", "name", "cpv", "nature")
SUPPLIER_COLUMNS = ("id", "name", "lon", "lat", "area_id", "groups", "reach_km", "reach_areas",
                    "capacity", "turnover", "local", "sme", "propensity")
SUPPLIER_REQUIRED = ("id", "name", "groups", "propensity")
DEMAND_LONG = ("area_id", "product_group_id", "annual_value")
TRUE = {"true", "yes", "y", "1", "ja", "x"}
FALSE = {"false", "no", "n", "0", "nej", "nei", ""}


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


def read_config(path: str | Path) -> tuple[ScenarioConfig, Path]:
    """Read and validate a scenario TOML (following ``extends``); errors name the field."""
    config, path, problems = _read_config(Path(path))
    raise_if_errors(problems)
    return config, path


def _read_config(path: Path) -> tuple[ScenarioConfig | None, Path, list[Problem]]:
    """Read the scenario TOML.  On invalid fields, return the problems together with a
    stand-in config (the invalid fields left at their defaults) when the data files can
    still be located, so ``load_scenario`` can check them in the same round; the
    stand-in is ``None`` when they cannot."""
    raw = _read_toml_chain(path, seen=())
    try:
        return ScenarioConfig.model_validate(raw), path, []
    except pydantic.ValidationError as exc:
        problems = [_config_problem(path.name, err) for err in exc.errors()]
        return _lenient_config(raw, exc), path, problems


def _config_problem(file: str, err: dict) -> Problem:
    loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
    msg, kind = err["msg"], err["type"]
    if kind == "extra_forbidden":
        known = _known_fields(err["loc"][:-1])
        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return Problem(file, loc, "unknown field", f"{hint}fields allowed here: {', '.join(known)} (see README.md "
                       "and src/lotsplit/config.py)")
    if kind == "missing":
        return Problem(file, loc, "required field is missing", "add it to the scenario file")
    got = err.get("input")
    if not isinstance(got, (dict, list)) and err["loc"]:
        msg = f"{msg} (got {got!r})"
    return Problem(file, loc, msg, "correct the value (each field is documented in src/lotsplit/config.py)")


def _known_fields(loc: tuple) -> list[str]:
    """Field names of the model at ``loc`` inside :class:`ScenarioConfig`."""
    model: Any = ScenarioConfig
    for key in loc:
        if isinstance(key, int):
            continue
        field_info = model.model_fields.get(key)
        if field_info is None:
            return []
        model = _model_in(field_info.annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


_PLACEHOLDERS: dict[tuple, Any] = {("name",): "?", ("contract_years",): 1.0, ("costs",): {"per_lot": 0.0},
                                   ("costs", "per_lot"): 0.0}


def _lenient_config(raw: dict, exc: pydantic.ValidationError) -> ScenarioConfig | None:
    """The config with every invalid field dropped (so its default applies) and required
    non-file fields filled with placeholders; ``None`` when that is not enough."""
    lenient = copy.deepcopy(raw)
    for err in exc.errors():
        loc = tuple(err["loc"])
        if err["type"] == "missing":
            if loc not in _PLACEHOLDERS:
                return None
            _set_path(lenient, loc, copy.deepcopy(_PLACEHOLDERS[loc]))
        elif not _drop_path(lenient, loc):
            return None
    try:
        return ScenarioConfig.model_validate(lenient)
    except pydantic.ValidationError:
        return None


def _drop_path(raw: dict, loc: tuple) -> bool:
    node: Any = raw
    for k, key in enumerate(loc):
        if not isinstance(node, dict) or key not in node:
            return False
        if k == len(loc) - 1 or not isinstance(node[key], dict):
            if key in _FILE_SECTIONS:
                return False  # without the data file's section there is nothing to check
            del node[key]
            return True
        node = node[key]
    return False


def _set_path(raw: dict, loc: tuple, value: Any) -> None:
    node = raw
    for key in loc[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            return
    node[loc[-1]] = value


def _read_toml_chain(path: Path, seen: tuple[Path, ...], *, named_by: Path | None = None) -> dict[str, Any]:
    """Read a TOML file; if it ``extends`` another, merge it over that one (tables merge
    key by key, everything else replaces).  Data-file paths stay relative to the file
    that names them."""
    if not path.is_file():
        if named_by is not None:
            raise ScenarioError([Problem(named_by.name, "extends", f"the scenario it extends was not found at {path}",
                                         "'extends' is a path relative to the scenario file")])
        raise ScenarioError([Problem(str(path), "", "scenario file not found", "check the path")])
    if path.resolve() in seen:
        raise ScenarioError([Problem(path.name, "extends", "scenarios extend each other in a loop",
                                     "remove one of the 'extends'")])
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(path.name, "", f"not valid TOML: {exc}", "fix the syntax")]) from None
    _absolutise_files(raw, path.parent)
    parent = raw.get("extends")
    if not parent:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError([Problem(path.name, "extends", f"must be a path (text), not {parent!r}",
                                     "write extends = \"../base/scenario.toml\"")])
    base = _read_toml_chain((path.parent / parent), seen + (path.resolve(),), named_by=path)
    base.pop("extends", None)
    merged = _merge(base, raw)
    merged["extends"] = str(parent)
    return merged


_FILE_KEYS = (("areas", "file"), ("product_groups", "file"), ("demand", "file"), ("suppliers", "file"),
              ("geography", "distance_matrix"))
_FILE_SECTIONS = ("areas", "product_groups", "demand", "suppliers", "file")


def _absolutise_files(raw: dict, base: Path) -> None:
    for section, key in _FILE_KEYS:
        sub = raw.get(section)
        if isinstance(sub, dict) and isinstance(sub.get(key), str):
            sub[key] = str((base / sub[key]).resolve())
    legacy = raw.get("baselines", {}).get("legacy") if isinstance(raw.get("baselines"), dict) else None
    for item in legacy if isinstance(legacy, list) else []:
        if isinstance(item, dict) and isinstance(item.get("file"), str):
            item["file"] = str((base / item["file"]).resolve())


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file and its data files, check everything, build the geography.

    Raises :class:`~lotsplit.errors.ScenarioError` listing every problem at once.

    Examples
    --------
    >>> from lotsplit import load_scenario
    >>> s = load_scenario("scenarios/dalarna-food/scenario.toml")  # doctest: +SKIP
    >>> len(s.areas), s.currency                                  # doctest: +SKIP
    (15, 'SEK')
    """
    config, path, problems = _read_config(Path(path))
    if config is None:
        raise ScenarioError(problems)
    files = {
        "areas": Path(config.areas.file),
        "product_groups": Path(config.product_groups.file),
        "demand": Path(config.demand.file),
        "suppliers": Path(config.suppliers.file),
    }
    if config.geography.distance_matrix:
        files["distance_matrix"] = Path(config.geography.distance_matrix)
    tables: dict[str, Any] = {}
    for role, f in files.items():
        if not f.is_file():
            what = role.replace("_", " ")
            key = "geography.distance_matrix" if role == "distance_matrix" else f"{role}.file"
            problems.append(Problem(f.name, "", f"{what} file not found at {_rel(f, path)}",
                                    f"check {key} in {path.name} (paths are relative to the scenario file)"))
            tables[role] = None
        elif role == "areas":
            tables[role] = _read_areas(f, config, problems)
        else:
            tables[role] = _read_csv(f, problems)
    for k, item in enumerate(config.baselines.legacy):
        if not Path(item.file).is_file():
            problems.append(Problem(Path(item.file).name, "", f"legacy plan '{item.name}' not found at "
                                    f"{_rel(Path(item.file), path)}",
                                    f"check baselines.legacy[{k}].file in {path.name} (paths are relative to the "
                                    "scenario file)"))
    try:
        scenario = build_scenario(config, areas=tables["areas"], groups=tables["product_groups"],
                                  demand=tables["demand"], suppliers=tables["suppliers"],
                                  distance_matrix=tables.get("distance_matrix"), path=path, files=files,
                                  problems=problems)
    except ScenarioError as exc:
        raise ScenarioError(_name_config_file(list(exc.problems), path.name)) from None
    legacy_plans(scenario)      # check them now, so `lotsplit check` reports their problems
    return scenario


def legacy_plans(scenario: Scenario) -> list[tuple[str, pd.DataFrame]]:
    """The scenario's legacy plans (``[[baselines.legacy]]``) as ``(name, assignment table)``.

    Each file is an assignment CSV ``area_id,product_group_id,lot_id``: every area × group
    with demand in exactly one row.  A plan may break the scenario's rules (that is what
    ``evaluate`` reports), but it must name known areas and groups and cover the demand.
    Raises :class:`~lotsplit.errors.ScenarioError` listing every problem.
    """
    problems: list[Problem] = []
    plans = []
    for item in scenario.config.baselines.legacy:
        f = Path(item.file)
        if not f.is_file():
            problems.append(Problem(f.name, "", f"legacy plan '{item.name}' not found", "check baselines.legacy"))
            continue
        table = _read_csv(f, problems)
        if table is not None and _check_legacy_plan(table, scenario, f.name, problems):
            plans.append((item.name, table[["area_id", "product_group_id", "lot_id"]].copy()))
    raise_if_errors(problems)
    return plans


def _check_legacy_plan(df: pd.DataFrame, scenario: Scenario, file: str, problems: list[Problem]) -> bool:
    before = len(problems)
    if not _columns(df, file, ("area_id", "product_group_id", "lot_id"), ("area_id", "product_group_id", "lot_id"),
                    problems):
        return False
    area_ids, group_ids = list(scenario.areas.index), list(scenario.groups.index)
    seen: dict[tuple[str, str], int] = {}
    for i, (a, g, lot) in enumerate(zip(df["area_id"], df["product_group_id"], df["lot_id"])):
        where = _row(i)
        if a not in scenario.areas.index:
            problems.append(Problem(file, where, f"area '{a}' is not defined in the areas file",
                                    _did_you_mean(a, area_ids, "area ids")))
        if g not in scenario.groups.index:
            problems.append(Problem(file, where, f"product group '{g}' is not defined in the product groups file",
                                    _did_you_mean(g, group_ids, "product groups")))
        if lot == "":
            problems.append(Problem(file, where, "empty lot_id", "name the lot this area × group belongs to"))
        if (a, g) in seen:
            problems.append(Problem(file, where, f"area '{a}' × group '{g}' is already in {_row(seen[(a, g)])}",
                                    "list each area × group once (a cell belongs to one lot)"))
        seen.setdefault((a, g), i)
    d = scenario.demand
    missing = [f"{a} × {g}" for a in d.index for g in d.columns if d.loc[a, g] > 0 and (a, g) not in seen]
    if missing:
        problems.append(Problem(file, "", f"{len(missing)} area × group cell(s) with demand are in no lot: "
                                + ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""),
                                "add a row area_id,product_group_id,lot_id for each"))
    return len(problems) == before


def _name_config_file(problems: list[Problem], name: str) -> list[Problem]:
    """Problems about scenario parameters name the scenario file."""
    return [dataclasses.replace(p, file=name) if p.file == "scenario" else p for p in problems]


def _rel(f: Path, scenario: Path) -> str:
    try:
        return str(f.relative_to(scenario.parent.resolve()))
    except ValueError:
        return f.name


def _read_areas(file: Path, config: ScenarioConfig, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    try:
        if file.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(file)
        kwargs = {"layer": config.areas.layer} if config.areas.layer else {}
        return gpd.read_file(file, **kwargs)
    except Exception as exc:  # GDAL/pyogrio raise many types; the message is what matters
        problems.append(Problem(file.name, "", f"cannot read the areas file ({str(exc).replace(str(file), file.name)})",
                                "use GeoPackage, GeoJSON, Shapefile or GeoParquet; name the layer with areas.layer"))
        return None


def _read_csv(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(file.name, "", "the file is not UTF-8 text", "save it as 'CSV UTF-8' from Excel"))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(file.name, "", f"cannot read the CSV ({exc})", "save it as comma-separated CSV"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    if len(df.columns) == 1 and ";" in df.columns[0]:
        problems.append(Problem(file.name, "header", "the columns are separated by ';', not ','",
                                "save it as 'CSV UTF-8 (comma delimited)', or replace the ';' between columns by ','"))
        return None
    df = df.fillna("")  # rows with fewer fields than the header
    df.attrs["file"] = file.name
    return df.apply(lambda c: c.str.strip())


def build_scenario(
    config: ScenarioConfig,
    *,
    areas: gpd.GeoDataFrame | pd.DataFrame,
    groups: pd.DataFrame,
    demand: pd.DataFrame,
    suppliers: pd.DataFrame,
    graph: nx.Graph | None = None,
    distance_matrix: pd.DataFrame | None = None,
    path: Path | None = None,
    files: dict[str, Path] | None = None,
    problems: list[Problem] | None = None,
) -> Scenario:
    """Check in-memory tables and build a :class:`Scenario`.

    ``areas`` needs the id and name columns named in the config and, unless ``graph`` is
    given, polygons.  With ``graph`` (nodes = area ids) the adjacency is taken as given:
    useful for abstract instances such as the county benchmark graphs.  Tables may hold
    strings (as read from CSV) or numbers.  A table may be ``None`` when ``problems``
    (found before, e.g. by :func:`load_scenario`) says why; they are reported with the rest.
    """
    problems = list(problems or [])
    files = files or {}
    fname = {role: (files[role].name if role in files else role) for role in
             ("areas", "product_groups", "demand", "suppliers", "distance_matrix")}
    defaults = load_defaults(config.defaults)

    # The tables, each on its own; references between tables are checked only against
    # tables that could be read (a missing file is one problem, not one per row).
    area_table = _check_areas(areas, config, fname["areas"], problems, need_geometry=graph is None)
    group_table = _check_groups(_as_str(groups), fname["product_groups"], problems)
    area_ids = list(area_table.index) if area_table is not None else None
    group_ids = list(group_table.index) if group_table is not None else None
    demand_matrix = _check_demand(_as_str(demand), area_ids, group_ids, fname["demand"], problems)
    supplier_table = _check_suppliers(_as_str(suppliers), area_ids, group_ids, fname["suppliers"], problems)
    _check_rules(config, area_ids or [], group_ids or [], problems)
    _check_locale(config, defaults, problems)

    # Geography: project, check polygons, adjacency, islands (independent of the CSVs, so
    # its problems are reported in the same round).
    areas_ok = area_table is not None and not any(p.file == fname["areas"] and p.severity == "error"
                                                  for p in problems)
    if areas_ok and graph is None:
        area_table, geo_problems = geography.project_areas(
            area_table, file=fname["areas"], crs_override=config.areas.crs,
            projected_crs=config.areas.projected_crs, make_valid=config.areas.make_valid)
        problems += geo_problems
        if not any(p.severity == "error" for p in geo_problems):
            graph = geography.adjacency_graph(area_table, min_shared_border_m=config.geography.min_shared_border_m,
                                              snap_tolerance_m=config.geography.snap_tolerance_m)
    elif areas_ok:
        graph = nx.Graph(graph)
        # Abstract graphs: an edge without a length counts 1 km (so boundary_km = cut edges).
        for a, b in graph.edges():
            graph.edges[a, b].setdefault("kind", geography.BORDER)
            graph.edges[a, b].setdefault("note", "")
            graph.edges[a, b].setdefault("shared_m", 1000.0)
        unknown = [n for n in graph.nodes if n not in area_table.index]
        if unknown:
            problems.append(Problem("graph", "nodes", f"graph nodes {unknown[:5]} are not area ids",
                                    "give the graph the same ids as the areas table"))
        graph.add_nodes_from(area_table.index)
    if areas_ok and graph is not None:
        problems += geography.add_links(graph, config.geography.links)
        problems += geography.connect_islands(graph, area_table, mode=config.geography.islands, file=fname["areas"])
    if any(t is None for t in (area_table, group_table, demand_matrix, supplier_table, graph)):
        errors = [p for p in problems if p.severity == "error"]
        raise ScenarioError(errors or [Problem("scenario", "", "a table is missing", "give every table")])
    raise_if_errors(problems)

    # Where suppliers are, and how far they are from each area.
    supplier_table, distance = _locate_suppliers(supplier_table, area_table, distance_matrix, fname, problems)
    raise_if_errors(problems)
    from lotsplit.eligibility import reach_matrix

    reach = reach_matrix(supplier_table, distance, list(area_table.index))
    problems += _warnings(area_table, group_table, demand_matrix, supplier_table, reach, fname)
    if path is not None:
        problems = _name_config_file(problems, path.name)
    return Scenario(config=config, areas=area_table, groups=group_table, demand=demand_matrix,
                    suppliers=supplier_table, graph=graph, reach=reach, distance_km=distance,
                    defaults=defaults, notes=tuple(problems), path=path, files=dict(files))


# --------------------------------------------------------------------------- table checks

def _as_str(df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None:
        return None
    out = df.copy()
    for c in out.columns:
        if out[c].dtype != object or not all(isinstance(v, str) for v in out[c]):
            out[c] = out[c].map(_cell_to_str)
    out.columns = [str(c).strip() for c in out.columns]
    out.attrs = dict(df.attrs)
    return out


def _cell_to_str(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple, set)):
        return ";".join(str(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _row(i: int) -> str:
    """Spreadsheet row of the i-th data row (the header is row 1)."""
    return f"row {i + 2}"


def _columns(df: pd.DataFrame, file: str, allowed: tuple[str, ...], required: tuple[str, ...],
             problems: list[Problem]) -> bool:
    unknown = [c for c in df.columns if c not in allowed]
    missing = [c for c in required if c not in df.columns]
    if unknown:
        hints = [f"'{c}' → '{m[0]}'?" for c in unknown if (m := difflib.get_close_matches(c, allowed, n=1))]
        problems.append(Problem(file, "header", f"unknown column(s) {unknown}",
                                (f"did you mean {', '.join(hints)} " if hints else "")
                                + f"rename or remove them; allowed columns: {', '.join(allowed)}"))
    if missing:
        problems.append(Problem(file, "header", f"missing column(s) {missing}",
                                f"add them; required columns: {', '.join(required)}"))
    return not missing


def _duplicates(ids: pd.Series, file: str, what: str, problems: list[Problem], *, row=None) -> None:
    row = row or _row
    values = ids.to_numpy()
    dup = ids[ids.duplicated(keep=False) & (ids != "")]
    for value in dict.fromkeys(dup):
        where = ", ".join(row(int(i)) for i in np.flatnonzero(values == value))
        problems.append(Problem(file, where, f"duplicate {what} '{value}'", f"give each {what} a unique value"))
    for i in np.flatnonzero(values == ""):
        problems.append(Problem(file, row(int(i)), f"empty {what}", f"fill in the {what}"))


def _number(text: str, file: str, where: str, what: str, problems: list[Problem], *,
            allow_empty: bool = False, positive: bool = False) -> float | None:
    need = "a number above 0" if positive else "a number, 0 or more"
    if text == "":
        if allow_empty:
            return None
        problems.append(Problem(file, where, f"{what} is empty", f"enter {need}"))
        return None
    try:
        value = float(text.replace(" ", "").replace("\u00a0", ""))
    except ValueError:
        problems.append(Problem(file, where, f"{what} '{text}' is not a number",
                                "use digits with '.' as decimal separator, no currency or units"))
        return None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        problems.append(Problem(file, where, f"{what} {text} must be {'above 0' if positive else '0 or more'}",
                                f"enter {need}"))
        return None
    return value


def _feature(i: int) -> str:
    """Feature of a GIS file, counted from 1 as in QGIS's attribute table."""
    return f"feature {i + 1}"


def _check_areas(areas, config: ScenarioConfig, file: str, problems: list[Problem], *, need_geometry: bool):
    if areas is None:
        return None
    id_col, name_col = config.areas.id_column, config.areas.name_column
    missing = [c for c in (id_col, name_col) if c not in areas.columns]
    if missing:
        cols = [c for c in areas.columns if c != getattr(getattr(areas, "geometry", None), "name", None)]
        problems.append(Problem(file, "columns", f"column(s) {missing} not found (columns: {cols})",
                                "set areas.id_column and areas.name_column in the scenario to existing columns"))
        return None
    if len(areas) == 0:
        problems.append(Problem(file, "", "the file has no areas", "use a layer with one polygon per area"))
        return None
    ids = areas[id_col].map(_cell_to_str).str.strip()
    _duplicates(ids.reset_index(drop=True), file, "area id", problems, row=_feature)
    out = pd.DataFrame({"name": areas[name_col].map(_cell_to_str).to_numpy()}, index=pd.Index(ids.to_numpy(), name="area_id"))
    if config.areas.nuts3_column:
        if config.areas.nuts3_column not in areas.columns:
            problems.append(Problem(file, "columns", f"NUTS-3 column '{config.areas.nuts3_column}' not found",
                                    "fix areas.nuts3_column"))
            out["nuts3"] = ""
        else:
            out["nuts3"] = areas[config.areas.nuts3_column].map(_cell_to_str).to_numpy()
    else:
        out["nuts3"] = config.areas.nuts3 or ""
    for i, code in enumerate(out["nuts3"]):
        if code and not _is_nuts3(code):
            problems.append(Problem(file, f"area '{out.index[i]}'", f"'{code}' is not a NUTS-3 code",
                                    "use a code such as SE312 (Dalarna) or DK014 (Bornholm)"))
    if isinstance(areas, gpd.GeoDataFrame) and areas.geometry is not None:
        return gpd.GeoDataFrame(out, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    if need_geometry:
        problems.append(Problem(file, "geometry", "the areas have no geometry", "use a GIS file with polygons"))
    return out


def _is_nuts3(code: str) -> bool:
    return len(code) == 5 and code[:2].isalpha() and code[:2].isupper() and code[2:].isalnum()


def _check_groups(df, file: str, problems: list[Problem]) -> pd.DataFrame | None:
    if df is None:
        return None
    if not _columns(df, file, GROUP_COLUMNS, ("id", "name", "cpv", "nature"), problems):
        return None
    if len(df) == 0:
        problems.append(Problem(file, "", "no product groups are defined", "add one row per product group"))
        return None
    _duplicates(df["id"], file, "product group id", problems)
    for i, r in df.iterrows():
        cpv = r["cpv"]
        if not (len(cpv) == 10 and cpv[:8].isdigit() and cpv[8] == "-" and cpv[9].isdigit()):
            problems.append(Problem(file, f"{_row(i)}, column cpv", f"'{cpv}' is not a CPV code",
                                    "write it as 8 digits, a dash and the check digit, e.g. 15500000-3"))
        if r["nature"].lower() not in NATURES:
            problems.append(Problem(file, f"{_row(i)}, column nature", f"'{r['nature']}' is not a contract nature",
                                    f"use one of {', '.join(NATURES)}"))
    out = df.set_index("id")[["name", "cpv", "nature"]].copy()
    out["nature"] = out["nature"].str.lower()
    out.index.name = "product_group_id"
    return out


def _check_demand(df, area_ids: list[str] | None, group_ids: list[str] | None, file: str,
                  problems: list[Problem]):
    """The demand matrix (areas × groups).  ``None`` ids: that table could not be read,
    so references to it are not checked (and no matrix is built)."""
    if df is None:
        return None
    if "product_group_id" in df.columns or "annual_value" in df.columns:
        if not _columns(df, file, DEMAND_LONG, DEMAND_LONG, problems):
            return None
        long = df
    elif "area_id" in df.columns:
        # Wide form: one row per area, one column per product group.
        value_columns = [c for c in df.columns if c != "area_id"]
        if group_ids is not None:
            unknown = [c for c in value_columns if c not in group_ids]
            if unknown:
                problems.append(Problem(file, "header", f"column(s) {unknown} are not product group ids",
                                        f"use product group ids as columns (defined: {', '.join(group_ids)}), or "
                                        f"the long form {','.join(DEMAND_LONG)}"))
            value_columns = [c for c in value_columns if c in group_ids]
        long = df.assign(_row=np.arange(len(df))).melt(
            id_vars=["area_id", "_row"], value_vars=value_columns,
            var_name="product_group_id", value_name="annual_value").set_index("_row")
    else:
        problems.append(Problem(file, "header", f"demand needs columns {','.join(DEMAND_LONG)} (long form) or "
                                f"area_id plus one column per product group (wide form); found {list(df.columns)}",
                                "rename the columns"))
        return None
    if len(long) == 0:
        problems.append(Problem(file, "", "there is no demand", "add one row per area and product group"))
        return None
    seen: dict[tuple[str, str], int] = {}
    values: dict[tuple[str, str], float] = {}
    known_a = set(area_ids) if area_ids is not None else None
    known_g = set(group_ids) if group_ids is not None else None
    for i, a, g, v in zip(long.index, long["area_id"], long["product_group_id"], long["annual_value"]):
        where = _row(int(i))
        ok = True
        if known_a is not None and a not in known_a:
            problems.append(Problem(file, f"{where}, column area_id", f"area '{a}' is not in the areas file",
                                    _did_you_mean(a, area_ids, "area ids")))
            ok = False
        if known_g is not None and g not in known_g:
            problems.append(Problem(file, f"{where}, column product_group_id", f"product group '{g}' is not defined "
                                    f"in the product groups file", _did_you_mean(g, group_ids, "product groups")))
            ok = False
        column = "annual_value" if "annual_value" in df.columns else g
        value = _number(v, file, f"{where}, column {column}", "annual value", problems, allow_empty=True)
        if (a, g) in seen and ok:
            problems.append(Problem(file, where, f"demand for ({a}, {g}) is given twice (also {_row(seen[(a, g)])})",
                                    "keep one row per area and product group"))
        seen[(a, g)] = int(i)
        if ok and value is not None:
            values[(a, g)] = value
    if area_ids is None or group_ids is None:
        return None
    matrix = pd.DataFrame(0.0, index=pd.Index(area_ids, name="area_id"), columns=pd.Index(group_ids, name="product_group_id"))
    for (a, g), value in values.items():
        matrix.loc[a, g] = value
    return matrix


def _did_you_mean(value: str, options: list[str], what: str) -> str:
    same_number = [o for o in options if o.lstrip("0") == value.lstrip("0") and value.lstrip("0")]
    close = same_number or difflib.get_close_matches(value, options, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    if same_number:
        hint += "(ids are compared as text, so leading zeros matter: store id columns as text) "
    shown = ", ".join(options[:12]) + (" …" if len(options) > 12 else "")
    return f"{hint}defined {what}: {shown}"


def _bool(text: str, file: str, where: str, problems: list[Problem]) -> bool:
    t = text.lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    problems.append(Problem(file, where, f"'{text}' is not true/false", "write true or false"))
    return False


def _split(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.replace(",", ";").split(";") if x.strip())


def _check_suppliers(df, area_ids: list[str] | None, group_ids: list[str] | None, file: str,
                     problems: list[Problem]):
    if df is None:
        return None
    if not _columns(df, file, SUPPLIER_COLUMNS, SUPPLIER_REQUIRED, problems):
        return None
    if len(df) == 0:
        problems.append(Problem(file, "", "no suppliers are listed", "add one row per supplier you know of"))
        return None
    for c in SUPPLIER_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    _duplicates(df["id"], file, "supplier id", problems)
    # None: that table could not be read, so references to it are not checked.
    known_a = set(area_ids) if area_ids is not None else None
    known_g = set(group_ids) if group_ids is not None else None
    rows = []
    for i, r in df.iterrows():
        w = _row(int(i))
        offered = _split(r["groups"])
        if not offered:
            problems.append(Problem(file, f"{w}, column groups", f"supplier '{r['id']}' offers no product group",
                                    "list the product group ids it offers, separated by ';'"))
        for g in offered:
            if known_g is not None and g not in known_g:
                problems.append(Problem(file, f"{w}, column groups", f"product group '{g}' is not defined in the "
                                        "product groups file", _did_you_mean(g, group_ids, "product groups")))
        reach_areas = _split(r["reach_areas"])
        for a in reach_areas:
            if known_a is not None and a not in known_a:
                problems.append(Problem(file, f"{w}, column reach_areas", f"area '{a}' is not in the areas file",
                                        _did_you_mean(a, area_ids, "area ids")))
        lon = _coordinate(r["lon"], file, f"{w}, column lon", problems)
        lat = _coordinate(r["lat"], file, f"{w}, column lat", problems)
        if lon is not None and not -180 <= lon <= 180:
            problems.append(Problem(file, f"{w}, column lon", f"longitude {lon} is outside -180..180",
                                    "give WGS84 degrees (lon, lat), e.g. 14.54, 60.61"))
        if lat is not None and not -90 <= lat <= 90:
            problems.append(Problem(file, f"{w}, column lat", f"latitude {lat} is outside -90..90",
                                    "give WGS84 degrees (lon, lat)"))
        area = r["area_id"]
        if area and known_a is not None and area not in known_a:
            problems.append(Problem(file, f"{w}, column area_id", f"area '{area}' is not in the areas file",
                                    _did_you_mean(area, area_ids, "area ids")))
        if (lon is None or lat is None) and not area:
            problems.append(Problem(file, w, f"supplier '{r['id']}' has no location",
                                    "give lon and lat (WGS84) or the area_id of its base"))
        propensity = _propensity(r["propensity"], file, f"{w}, column propensity", problems)
        rows.append({
            "id": r["id"], "name": r["name"], "lon": lon, "lat": lat, "area_id": area, "groups": offered,
            "reach_km": _number(r["reach_km"], file, f"{w}, column reach_km", "reach", problems, allow_empty=True),
            "reach_areas": reach_areas,
            "capacity": _number(r["capacity"], file, f"{w}, column capacity", "capacity", problems, allow_empty=True),
            "turnover": _number(r["turnover"], file, f"{w}, column turnover", "turnover", problems, allow_empty=True),
            "local": _bool(r["local"], file, f"{w}, column local", problems),
            "sme": _bool(r["sme"], file, f"{w}, column sme", problems),
            "propensity": propensity,
        })
    out = pd.DataFrame(rows, columns=["id", "name", "lon", "lat", "area_id", "groups", "reach_km", "reach_areas",
                                      "capacity", "turnover", "local", "sme", "propensity"]).set_index("id")
    out.index.name = "supplier_id"
    for c in ("capacity", "turnover"):
        out[c] = out[c].astype(float).fillna(np.inf)
    out["reach_km"] = out["reach_km"].astype(float)
    return out


def _propensity(text: str, file: str, where: str, problems: list[Problem]) -> float | None:
    """A bid propensity: a probability in (0, 1]."""
    fix = "enter the chance that the supplier bids on a lot it can serve, above 0 and at most 1, e.g. 0.5"
    if text == "":
        problems.append(Problem(file, where, "bid propensity is empty", fix))
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(file, where, f"bid propensity '{text}' is not a number", fix))
        return None
    if not (0 < value <= 1):
        problems.append(Problem(file, where, f"bid propensity {text} is outside (0, 1]", fix))
        return None
    return value


def _coordinate(text: str, file: str, where: str, problems: list[Problem]) -> float | None:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        problems.append(Problem(file, where, f"'{text}' is not a number", "use digits with '.' as decimal separator"))
        return None


def _check_rules(config: ScenarioConfig, area_ids: list[str], group_ids: list[str], problems: list[Problem]) -> None:
    rules = config.rules
    for field_name in ("families", "must_together", "never_together"):
        for k, ids in enumerate(getattr(rules, field_name)):
            for g in ids:
                if group_ids and g not in group_ids:
                    problems.append(Problem("scenario", f"rules.{field_name}[{k}]", f"product group '{g}' is not "
                                            "defined", _did_you_mean(g, group_ids, "product groups")))
    for field_name in ("areas_together", "areas_apart"):
        for k, ids in enumerate(getattr(rules, field_name)):
            for a in ids:
                if area_ids and a not in area_ids:
                    problems.append(Problem("scenario", f"rules.{field_name}[{k}]", f"area '{a}' is not in the areas "
                                            "file", _did_you_mean(a, area_ids, "area ids")))
    if rules.bundling == "families" and not rules.families:
        problems.append(Problem("scenario", "rules.families", "bundling = 'families' but no families are listed",
                                "list families, e.g. families = [['dairy'], ['meat', 'fish']]"))
    tau = rules.turnover_multiple
    if tau is not None and tau > 2:
        problems.append(Problem("scenario", "rules.turnover_multiple", f"{tau} is above 2, the cap of Directive "
                                "2014/24/EU art. 58(3) for contracts above the EU threshold",
                                "use at most 2 unless every lot stays below the EU threshold", severity="warning"))


LOCALE_FIELDS = "country, currency, language"


def _check_locale(config: ScenarioConfig, defaults: Defaults, problems: list[Problem]) -> None:
    """Country, currency and language that do not belong together: the exports cite the
    country's law, compare the value with the EU threshold in the currency and write in
    the language.  Another Nordic country's currency is an error; the rest are warnings."""
    country, cur, lang = config.country, config.currency, config.language
    own = {"SE": ("SEK", "sv", "Swedish law (LOU)"), "DK": ("DKK", "da", "Danish law (udbudsloven)")}
    if country in own:
        own_cur, own_lang, law = own[country]
        if cur in ("SEK", "DKK") and cur != own_cur:
            problems.append(Problem("scenario", LOCALE_FIELDS, f"country {country} with currency {cur}: the exports "
                                    f"would cite {law} and compare the value with the EU threshold in {cur}",
                                    f'set currency = "{own_cur}" (or "EUR"), or set country to the country whose law '
                                    "applies"))
        other = {"sv": "SE", "da": "DK"}.get(lang)
        if other is not None and other != country:
            problems.append(Problem("scenario", LOCALE_FIELDS, f"country {country} with language {lang}: the "
                                    f"documents would be in {lang} and cite {law}",
                                    f'set language = "{own_lang}" or "en", or country = "{other}"', severity="warning"))
    elif cur in ("SEK", "DKK"):
        problems.append(Problem("scenario", LOCALE_FIELDS, f"country 'other' with currency {cur}: the exports cite "
                                "only the Directive, not national law", 'set country = "SE" or "DK" if its law applies',
                                severity="warning"))
    if defaults.eu_threshold("supplies", cur) is None:
        problems.append(Problem("scenario", LOCALE_FIELDS, f"no EU threshold in {cur} in the defaults edition "
                                f"{defaults.edition}: whether the procurement is above the threshold is not decided",
                                'use currency "EUR", "SEK" or "DKK", or add the figure to lotsplit/data/defaults.toml',
                                severity="warning"))


def _locate_suppliers(suppliers: pd.DataFrame, areas, distance_matrix, fname, problems):
    """Base point of each supplier in the areas' CRS, and km from it to every area."""
    has_geometry = isinstance(areas, gpd.GeoDataFrame)
    if has_geometry:
        reps = areas.geometry.representative_point()
        lonlat = suppliers["lon"].notna() & suppliers["lat"].notna()
        pts = gpd.GeoSeries(gpd.points_from_xy(suppliers["lon"].astype(float), suppliers["lat"].astype(float)),
                            index=suppliers.index, crs="EPSG:4326").to_crs(areas.crs)
        x = np.where(lonlat, pts.x, np.nan)
        y = np.where(lonlat, pts.y, np.nan)
        for k, (sid, a) in enumerate(zip(suppliers.index, suppliers["area_id"])):
            if not lonlat.iloc[k] and a:
                x[k], y[k] = reps[a].x, reps[a].y
        suppliers = suppliers.assign(x=x, y=y)
        # Fill the base area from the point where it is missing (used in reports).
        base = []
        tree = shapely.STRtree(areas.geometry.to_numpy())
        for k, (sid, a) in enumerate(zip(suppliers.index, suppliers["area_id"])):
            if a:
                base.append(a)
                continue
            hit = tree.query(shapely.Point(x[k], y[k]), predicate="within")
            base.append(str(areas.index[hit[0]]) if len(hit) else "")
        suppliers["base_area"] = base
        distance = geography.distances_km(suppliers[["x", "y"]], areas)
    else:
        suppliers = suppliers.assign(x=np.nan, y=np.nan, base_area=suppliers["area_id"])
        distance = pd.DataFrame(np.nan, index=suppliers.index, columns=areas.index)
        radius = suppliers["reach_km"].notna()
        if radius.any() and distance_matrix is None:
            problems.append(Problem(fname["suppliers"], "column reach_km", "reach in km needs area geometries or a "
                                    "distance matrix", "give reach_areas instead, or geography.distance_matrix"))
    if distance_matrix is not None:
        file = fname["distance_matrix"]
        if _columns(distance_matrix, file, ("supplier_id", "area_id", "km"), ("supplier_id", "area_id", "km"), problems):
            for i, r in distance_matrix.iterrows():
                w = _row(int(i))
                km = _number(r["km"], file, f"{w}, column km", "distance", problems)
                if r["supplier_id"] not in suppliers.index:
                    problems.append(Problem(file, w, f"supplier '{r['supplier_id']}' is not in the suppliers file",
                                            "use supplier ids"))
                elif r["area_id"] not in distance.columns:
                    problems.append(Problem(file, w, f"area '{r['area_id']}' is not in the areas file", "use area ids"))
                elif km is not None:
                    distance.loc[r["supplier_id"], r["area_id"]] = km
    return suppliers, distance


def _warnings(areas, groups, demand, suppliers, reach, fname) -> list[Problem]:
    """Things that are legal but probably not intended."""
    out = []
    for a in demand.index[demand.sum(axis=1) == 0]:
        out.append(Problem(fname["demand"], f"area '{a}'", f"area {areas.loc[a, 'name']} has no demand",
                           "it can still join lots as a connecting area", severity="warning"))
    for g in demand.columns[demand.sum(axis=0) == 0]:
        out.append(Problem(fname["demand"], f"group '{g}'", f"product group {groups.loc[g, 'name']} has no demand",
                           "add its demand, or remove the group from the product groups file", severity="warning"))
    for g in groups.index:
        if not any(g in offered for offered in suppliers["groups"]):
            out.append(Problem(fname["suppliers"], f"group '{g}'", f"no supplier offers {groups.loc[g, 'name']}",
                               "every lot with it will have no eligible bidder", severity="warning"))
    for a in areas.index:
        if not reach[a].any():
            out.append(Problem(fname["suppliers"], f"area '{a}'", f"no supplier reaches {areas.loc[a, 'name']}",
                               "check reach_km / reach_areas", severity="warning"))
    return out
