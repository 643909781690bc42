"""Load and check a scenario: the scenario file (TOML or workbook), its tables, the geography.

``load_scenario(path)`` reads everything, collects **every** problem (missing files,
unknown columns, duplicate ids, bad numbers, undefined groups, invalid geometries,
islands, …) and raises one :class:`~lotsplit.errors.ScenarioError` listing them all, each
naming the file, the row or cell, what is wrong and how to fix it.  A valid scenario whose
rules leave no possible plan raises :class:`~lotsplit.errors.InfeasibleError` naming the
conflict.

``build_scenario(config, ...)`` does the same from in-memory tables, for notebooks, tests
and benchmarks that have no files.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd

from lotsplit import geography
from lotsplit.config import ScenarioConfig, TableConfig
from lotsplit.errors import InfeasibleError, Problem, ScenarioError, raise_if_errors
from lotsplit.scenario import fields
from lotsplit.scenario.checks import (check_areas, check_demand, check_groups, check_suppliers, columns_ok,
                                      did_you_mean, locale_of)
from lotsplit.scenario.config_file import _read_config
from lotsplit.scenario.model import Scenario, load_defaults
from lotsplit.scenario.rule_checks import check_locale, check_rules, rule_conflicts
from lotsplit.scenario.suppliers import data_warnings, locate_suppliers, supplier_warnings
from lotsplit.scenario.tables import EXCEL_SUFFIXES, Table, read_table

ROLES = ("areas", "product_groups", "demand", "suppliers", "distance_matrix")


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file (TOML, or a scenario workbook ``.xlsx`` from ``lotsplit
    template``) and its data, check everything, build the geography.

    Raises :class:`~lotsplit.errors.ScenarioError` listing every problem at once.

    Examples
    --------
    >>> from lotsplit import load_scenario
    >>> s = load_scenario("scenarios/dalarna-food/scenario.toml")  # doctest: +SKIP
    >>> len(s.areas), s.currency                                  # doctest: +SKIP
    (15, 'SEK')
    """
    path = Path(path)
    locate: dict[str, str] = {}
    if path.suffix.lower() in EXCEL_SUFFIXES:
        from lotsplit.scenario.workbook import read_workbook_config

        config, problems, locate = read_workbook_config(path)
    else:
        config, path, problems = _read_config(path)
    if config is None:
        raise ScenarioError(problems)
    tables, files = read_tables(config, path, problems)
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
                                  problems=problems, locate=locate)
    except ScenarioError as exc:
        raise ScenarioError(name_config_file(list(exc.problems), path.name, locate)) from None
    except InfeasibleError as exc:
        raise InfeasibleError([_relocated(r, path.name, locate) for r in exc.reasons]) from None
    legacy_plans(scenario)      # check them now, so `lotsplit check` reports their problems
    return scenario


def read_tables(config: ScenarioConfig, path: Path, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, Path]]:
    """Every table the config names, each read (or ``None`` with its problem)."""
    specs: dict[str, TableConfig | None] = {"product_groups": config.product_groups, "demand": config.demand,
                                            "suppliers": config.suppliers}
    dm = config.geography.distance_matrix
    if dm is not None:
        specs["distance_matrix"] = dm if isinstance(dm, TableConfig) else TableConfig(file=dm)
    tables: dict[str, Any] = {}
    files: dict[str, Path] = {}
    if config.areas.file:
        files["areas"] = Path(config.areas.file)
    for role, spec in specs.items():
        files[role] = Path(spec.file)
    for role, f in files.items():
        if not f.is_file():
            key = "geography.distance_matrix" if role == "distance_matrix" else f"{role}.file"
            problems.append(Problem(f.name, "", f"{role.replace('_', ' ')} file not found at {_rel(f, path)}",
                                    f"check {key} in {path.name} (paths are relative to the scenario file)"))
            tables[role] = None
        elif role == "areas" and not config.areas.official:
            tables[role] = _read_gis_areas(f, config, problems)
        elif role == "areas":
            tables[role] = read_table(f, problems, sheet=config.areas.sheet, aliases=fields.column_aliases("areas"),
                                      role="areas", option="areas.file")
        else:
            spec = specs[role]
            tables[role] = read_table(f, problems, sheet=spec.sheet, layer=spec.layer, role=role,
                                      aliases=fields.column_aliases(role), option=f"{role}.file")
    if isinstance(tables.get("suppliers"), Table):
        from lotsplit.scenario.workbook import offer_columns

        tables["suppliers"] = offer_columns(tables["suppliers"], tables.get("product_groups"), problems)
    if config.areas.official:
        from lotsplit.boundaries import official_areas

        codes = tables.get("areas")
        tables["areas"] = official_areas(config.areas, codes, problems)
    return tables, files


def _read_gis_areas(file: Path, config: ScenarioConfig, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    try:
        if file.suffix.lower() in (".parquet", ".geoparquet"):
            return gpd.read_parquet(file)
        kwargs = {"layer": config.areas.layer} if config.areas.layer else {}
        return gpd.read_file(file, **kwargs)
    except Exception as exc:  # GDAL/pyogrio raise many types; the message is what matters
        problems.append(Problem(file.name, "", f"cannot read the areas file ({str(exc).replace(str(file), file.name)})",
                                "use GeoPackage, GeoJSON, Shapefile or GeoParquet; name the layer with areas.layer"))
        return None


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
        table = read_table(f, problems, aliases=fields.column_aliases("assignment"), role="assignment")
        if table is not None and _check_legacy_plan(table, scenario, problems):
            plans.append((item.name, pd.DataFrame({c: [table.text(i, c) for i in range(len(table))]
                                                   for c in ("area_id", "product_group_id", "lot_id")})))
    raise_if_errors(problems)
    return plans


def _check_legacy_plan(t: Table, scenario: Scenario, problems: list[Problem]) -> bool:
    before = len(problems)
    cols = ("area_id", "product_group_id", "lot_id")
    if not columns_ok(t, cols, cols, problems, role="assignment"):
        return False
    area_ids, group_ids = list(scenario.areas.index), list(scenario.groups.index)
    seen: dict[tuple[str, str], int] = {}
    for i in range(len(t)):
        a, g, lot = (t.text(i, c) for c in cols)
        if a not in scenario.areas.index:
            problems.append(Problem(t.file, t.where(i), f"area '{a}' is not defined in the areas file",
                                    did_you_mean(a, area_ids, "area ids")))
        if g not in scenario.groups.index:
            problems.append(Problem(t.file, t.where(i), f"product group '{g}' is not defined in the product groups "
                                    "file", did_you_mean(g, group_ids, "product groups")))
        if lot == "":
            problems.append(Problem(t.file, t.where(i), "empty lot_id", "name the lot this area × group belongs to"))
        if (a, g) in seen:
            problems.append(Problem(t.file, t.where(i), f"area '{a}' × group '{g}' is already in "
                                    f"{t.where(seen[(a, g)])}", "list each area × group once (a cell belongs to one "
                                    "lot)"))
        seen.setdefault((a, g), i)
    d = scenario.demand
    missing = [f"{a} × {g}" for a in d.index for g in d.columns if d.loc[a, g] > 0 and (a, g) not in seen]
    if missing:
        problems.append(Problem(t.file, "", f"{len(missing)} area × group cell(s) with demand are in no lot: "
                                + ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""),
                                "add a row area_id,product_group_id,lot_id for each"))
    return len(problems) == before


def name_config_file(problems: list[Problem], name: str, locate: dict[str, str] | None = None) -> list[Problem]:
    """Problems about scenario parameters name the scenario file (and, in a workbook, the cell)."""
    return [dataclasses.replace(p, file=name, where=relocate(p.where, locate or {})) if p.file == "scenario" else p
            for p in problems]


def relocate(where: str, locate: dict[str, str]) -> str:
    """``rules.must_together[0]`` -> the workbook cell that holds it, when known."""
    if not locate:
        return where
    out = []
    for item in where.split(", "):
        m = re.fullmatch(r"([a-z_.]+?)(?:\[(\d+)\])?", item)
        if m and m.group(1) in locate:
            out.append(locate[m.group(1)] + (f", item {int(m.group(2)) + 1}" if m.group(2) else ""))
        else:
            out.append(item)
    return "; ".join(out) if len(out) > 1 else out[0]


def _relocated(reason: str, name: str, locate: dict[str, str]) -> str:
    head, sep, rest = reason.partition(": ")
    if head != "scenario" or not sep:
        return reason
    where, sep2, tail = rest.partition(": ")
    return f"{name}: {relocate(where, locate)}: {tail}" if sep2 else f"{name}: {rest}"


def _rel(f: Path, scenario: Path) -> str:
    try:
        return str(f.relative_to(scenario.parent.resolve()))
    except ValueError:
        return f.name


def _as_table(x, file: str, role: str) -> Table | None:
    if x is None or isinstance(x, Table):
        return x
    return Table.from_frame(x, file=file, aliases=fields.column_aliases(role))


def build_scenario(
    config: ScenarioConfig,
    *,
    areas: gpd.GeoDataFrame | pd.DataFrame,
    groups: pd.DataFrame | Table,
    demand: pd.DataFrame | Table,
    suppliers: pd.DataFrame | Table,
    graph: nx.Graph | None = None,
    distance_matrix: pd.DataFrame | Table | None = None,
    path: Path | None = None,
    files: dict[str, Path] | None = None,
    problems: list[Problem] | None = None,
    locate: dict[str, str] | None = None,
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
    fname = {role: (files[role].name if role in files else role) for role in ROLES}
    if config.areas.official and "areas" not in files:
        fname["areas"] = "scenario"          # official areas by code: the scenario file names them
    defaults = load_defaults(config.defaults)
    locale = locale_of(config)
    gt = _as_table(groups, fname["product_groups"], "product_groups")
    dt_ = _as_table(demand, fname["demand"], "demand")
    st = _as_table(suppliers, fname["suppliers"], "suppliers")
    mt = _as_table(distance_matrix, fname["distance_matrix"], "distance_matrix")
    dm = config.geography.distance_matrix
    dm_decimal = dm.decimal if isinstance(dm, TableConfig) else None

    # The tables, each on its own; references between tables are checked only against
    # tables that could be read (a missing file is one problem, not one per row).
    area_table = check_areas(areas, config, fname["areas"], problems, need_geometry=graph is None)
    group_table = check_groups(gt, problems)
    area_ids = list(area_table.index) if area_table is not None else None
    group_ids = list(group_table.index) if group_table is not None else None
    demand_matrix = check_demand(dt_, area_ids, group_table, problems, locale=locale, setting=config.demand.decimal)
    supplier_table = check_suppliers(st, area_ids, group_ids, problems, locale=locale,
                                     setting=config.suppliers.decimal)
    check_rules(config, area_ids or [], group_ids or [], problems, turnover_cap=defaults.turnover_cap.value,
                default_tau=defaults.turnover_multiple.value)
    check_locale(config, defaults, problems)

    # Geography: project, check polygons, adjacency, islands (independent of the tables, so
    # its problems are reported in the same round).
    areas_ok = area_table is not None and not any(p.file == fname["areas"] and p.severity == "error"
                                                  for p in problems)
    if areas_ok and graph is None:
        area_table, geo_problems = geography.project_areas(
            area_table, file=fname["areas"], crs_override=config.areas.crs,
            projected_crs=config.areas.projected_crs, make_valid=config.areas.make_valid, country=config.country)
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
    demand_ok = not any(p.file == fname["demand"] and p.severity == "error" for p in problems)
    conflicts = rule_conflicts(config, demand_matrix if demand_ok else None, demand_file=fname["demand"])
    if any(t is None for t in (area_table, group_table, demand_matrix, supplier_table, graph)):
        errors = [p for p in problems if p.severity == "error"] + conflicts
        raise ScenarioError(errors or [Problem("scenario", "", "a table is missing", "give every table")])
    if any(p.severity == "error" for p in problems):
        raise ScenarioError([p for p in problems if p.severity == "error"] + conflicts)

    # Where suppliers are, and how far they are from each area.
    supplier_table, distance = locate_suppliers(supplier_table, area_table, mt, fname, problems,
                                                reference=config.geography.reach_reference, locale=locale,
                                                decimal=dm_decimal)
    raise_if_errors(problems)
    from lotsplit.eligibility import reach_matrix

    reach = reach_matrix(supplier_table, distance, list(area_table.index))
    where_of = {sid: st.where(i) for i, sid in enumerate(supplier_table.index)} if st is not None else {}
    problems += supplier_warnings(supplier_table, area_table, reach, distance, fname["suppliers"], where_of)
    problems += data_warnings(area_table, group_table, demand_matrix, supplier_table, reach, fname)
    if conflicts:
        named = name_config_file(conflicts, path.name, locate) if path is not None else conflicts
        raise InfeasibleError([str(p) for p in named])
    if path is not None:
        problems = name_config_file(problems, path.name, locate)
    return Scenario(config=config, areas=area_table, groups=group_table, demand=demand_matrix,
                    suppliers=supplier_table, graph=graph, reach=reach, distance_km=distance,
                    defaults=defaults, notes=tuple(problems), path=path, files=dict(files))
