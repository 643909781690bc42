"""Checks of each table of a scenario, collecting every problem with its place and fix.

Each check takes a :class:`~lotsplit.scenario.tables.Table` (whatever it was read from) and
returns the clean table the model uses, or ``None`` when it cannot be used; references
between tables are only checked against tables that could be read (a missing file is one
problem, not one per row).  Numbers go through :class:`Numbers`: per column, in the
scenario's locale, never guessed silently (``numbers.py``).
"""

from __future__ import annotations

import difflib
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd

from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem
from lotsplit.scenario import fields
from lotsplit.scenario.numbers import column_decimal, example, locale_decimal, read_number, separator_of
from lotsplit.scenario.tables import Table, as_text, plain_header, strip_unit

NATURES = ("supplies", "services", "works")
GROUP_COLUMNS = ("id", "name", "cpv", "nature")
SUPPLIER_COLUMNS = ("id", "name", "lon", "lat", "area_id", "groups", "reach_km", "reach_areas",
                    "capacity", "turnover", "local", "sme", "propensity")
SUPPLIER_REQUIRED = ("id", "name", "groups", "propensity")
DEMAND_LONG = ("area_id", "product_group_id", "annual_value")
TRUE = {"true", "yes", "y", "1", "ja", "j", "x", "sant", "sand"}
FALSE = {"false", "no", "n", "0", "nej", "nei", "falskt", "falsk", ""}


# --------------------------------------------------------------------------- numbers

class Numbers:
    """Reads the number columns of one table, each by its own evidence, then the table's,
    then the locale (see ``numbers.py``).  ``amounts`` are the columns that may group
    thousands (money, km); the others (coordinates, probabilities) never do."""

    def __init__(self, table: Table, problems: list[Problem], *, locale: str, setting: str | None,
                 amounts: tuple[str, ...], option: str):
        self.t, self.problems, self.locale, self.setting, self.option = table, problems, locale, setting, option
        votes = {".": 0, ",": 0}
        for c in amounts:
            if c in table.frame.columns:
                for v in table.frame[c]:
                    sep = separator_of(v) if isinstance(v, str) and v else ""
                    if sep:
                        votes[sep] += 1
        self.evidence = None if votes["."] == votes[","] else ("." if votes["."] > votes[","] else ",")

    def column(self, col: str, what: str, *, grouping: bool = True, allow_empty: bool = False,
               positive: bool = False, lower: float | None = 0.0, fix: str | None = None) -> list[float | None]:
        t = self.t
        cells = list(t.frame[col]) if col in t.frame.columns else [""] * len(t)
        info = column_decimal(cells, grouping=grouping, fallback=self.locale, setting=self.setting,
                              table_evidence=self.evidence)
        conflicts = set(info.conflicts)
        need = "a number above 0" if positive else "a number, 0 or more" if lower == 0 else "a number"
        fix = fix or f"enter {need}, e.g. {example(info.decimal, grouping=grouping)} (no currency or units)"
        out: list[float | None] = []
        for i, v in enumerate(cells):
            where = t.where(i, col)
            value: float | None = None
            if isinstance(v, bool):
                self.problems.append(Problem(t.file, where, f"{what} '{as_text(v)}' is not a number", fix))
            elif isinstance(v, (int, float)):
                value = float(v)
            elif v == "":
                if not allow_empty:
                    self.problems.append(Problem(t.file, where, f"{what} is empty", f"enter {need}"))
            elif i in conflicts:
                other = "," if info.decimal == "." else "."
                self.problems.append(Problem(t.file, where, f"{what} '{v}' has '{other}' as decimal separator, but "
                                             f"the column's other numbers have '{info.decimal}'",
                                             f"write every number of the column the same way ({fix}), or set "
                                             f"{self.option}.decimal"))
            else:
                value = read_number(v, decimal=info.decimal, grouping=grouping)
                if value is None:
                    self.problems.append(Problem(t.file, where, f"{what} '{v}' is not a number", fix))
            if value is not None and (not math.isfinite(value) or (lower is not None and value < lower)
                                      or (positive and value == 0)):
                shown = v if isinstance(v, str) else as_text(v)
                rule = "above 0" if positive else f"{lower:g} or more" if lower is not None else "finite"
                self.problems.append(Problem(t.file, where, f"{what} {shown} must be {rule}", f"enter {need}"))
                value = None
            out.append(value)
        if info.decided_by in ("locale", "table") and info.ambiguous:
            i = info.ambiguous[0]
            v = cells[i]
            read = read_number(v, decimal=info.decimal, grouping=grouping)
            group = "," if info.decimal == "." else "."
            why = "the scenario's locale" if info.decided_by == "locale" else "the table's other numbers"
            self.problems.append(Problem(t.file, t.where(None, col), f"'{v}' read as {_plain(read)}: '{group}' taken "
                                         f"as the thousands separator and '{info.decimal}' as the decimal separator, "
                                         f"as in {why} ({len(info.ambiguous)} such value(s) in the column)",
                                         f"write {_plain(read)} without separators to leave no doubt, or set "
                                         f"{self.option}.decimal = \"{group}\" if '{group}' is the decimal separator",
                                         severity="warning"))
        return out


def _plain(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{int(x)}" if float(x).is_integer() else f"{x}"


# --------------------------------------------------------------------------- helpers

def columns_ok(t: Table, allowed: tuple[str, ...], required: tuple[str, ...], problems: list[Problem],
               *, role: str) -> bool:
    unknown = [c for c in t.columns if c not in allowed]
    missing = [c for c in required if c not in t.columns]
    if unknown:
        hints = [f"'{c}' → '{m[0]}'?" for c in unknown if (m := difflib.get_close_matches(c, allowed, n=1))]
        problems.append(Problem(t.file, t.header_where(), f"unknown column(s) {[t.headers.get(c, (c,))[0] for c in unknown]}",
                                (f"did you mean {', '.join(hints)} " if hints else "")
                                + f"rename or remove them; allowed columns: {', '.join(allowed)}"))
    if missing:
        words = [f"{c} ({fields.column_label(role, c, 'en')})" if fields.columns(role).get(c) else c for c in missing]
        problems.append(Problem(t.file, t.header_where(), f"missing column(s) {missing}",
                                f"add them; required columns: {', '.join(required)}"
                                + (f" (headers may also be written in words: {', '.join(words)})" if role else "")))
    return not missing


def duplicates(ids: list[str], t: Table | None, file: str, what: str, problems: list[Problem], *, where=None) -> None:
    """Repeated and empty ids, and ids that differ only by upper/lower case."""
    where = where or (lambda i: t.where(i))
    by_key: dict[str, list[int]] = {}
    for i, v in enumerate(ids):
        if v == "":
            problems.append(Problem(file, where(i), f"empty {what}", f"fill in the {what}"))
        else:
            by_key.setdefault(v.casefold(), []).append(i)
    for rows in by_key.values():
        if len(rows) < 2:
            continue
        values = [ids[i] for i in rows]
        at = ", ".join(where(i) for i in rows)
        if len(set(values)) == 1:
            problems.append(Problem(file, at, f"duplicate {what} '{values[0]}'", f"give each {what} a unique value"))
        else:
            problems.append(Problem(file, at, f"{what}s {', '.join(repr(v) for v in dict.fromkeys(values))} differ "
                                    "only by upper/lower case", f"ids are compared exactly: write one {what} one way, "
                                    "or give different ones clearly different ids"))


def did_you_mean(value: str, options: list[str], what: str) -> str:
    same_case = [o for o in options if o.casefold() == value.casefold()]
    same_number = [o for o in options if o.lstrip("0") == value.lstrip("0") and value.lstrip("0")]
    close = same_case or same_number or difflib.get_close_matches(value, options, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    if same_case:
        hint += "(ids are compared exactly, upper/lower case included) "
    elif same_number:
        hint += "(ids are compared as text, so leading zeros matter: store id columns as text) "
    shown = ", ".join(options[:12]) + (" …" if len(options) > 12 else "")
    return f"{hint}defined {what}: {shown}"


def boolean(text: str, file: str, where: str, problems: list[Problem]) -> bool:
    t = text.strip().casefold()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    problems.append(Problem(file, where, f"'{text}' is not yes/no", "write yes or no (ja/nej, true/false)"))
    return False


def split_ids(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.replace(",", ";").split(";") if x.strip())


def is_nuts3(code: str) -> bool:
    return len(code) == 5 and code[:2].isalpha() and code[:2].isupper() and code[2:].isalnum()


def locale_of(config: ScenarioConfig) -> str:
    return locale_decimal(config.language, config.country)


# --------------------------------------------------------------------------- areas

def check_areas(areas, config: ScenarioConfig, file: str, problems: list[Problem], *, need_geometry: bool):
    """Ids, names and NUTS-3 codes of the areas (a GeoDataFrame or a plain table)."""
    if areas is None:
        return None
    official = config.areas.official is not None
    id_col, name_col = ("id", "name") if official else (config.areas.id_column, config.areas.name_column)
    nuts_col = "nuts3" if official else config.areas.nuts3_column
    missing = [c for c in (id_col, name_col) if c not in areas.columns]
    if missing:
        cols = [c for c in areas.columns if c != getattr(getattr(areas, "geometry", None), "name", None)]
        problems.append(Problem(file, "columns", f"column(s) {missing} not found (columns: {cols})",
                                "set areas.id_column and areas.name_column in the scenario to existing columns"))
        return None
    if len(areas) == 0:
        problems.append(Problem(file, "", "the file has no areas", "use a layer with one polygon per area"))
        return None
    ids = [as_text(_scalar(v)).strip() for v in areas[id_col]]
    is_geo = isinstance(areas, gpd.GeoDataFrame) and areas.geometry is not None
    if config.areas.dissolve and is_geo:
        from lotsplit.geography import dissolve_parts

        areas, ids, note = dissolve_parts(areas, ids, file=file)
        problems += note
    before = len(problems)
    duplicates(ids, None, file, "area id", problems, where=lambda i: f"feature {i + 1}")
    if is_geo and any("duplicate area id" in p.message for p in problems[before:]):
        problems[before:] = [Problem(p.file, p.where, p.message, "if these are parts of one area (islands, "
                                     "exclaves), set areas.dissolve = true to merge them into one; otherwise give "
                                     "each area a unique id") if "duplicate area id" in p.message else p
                             for p in problems[before:]]
    out = pd.DataFrame({"name": [as_text(_scalar(v)) for v in areas[name_col]]},
                       index=pd.Index(ids, name="area_id"))
    if nuts_col:
        if nuts_col not in areas.columns:
            problems.append(Problem(file, "columns", f"NUTS-3 column '{nuts_col}' not found",
                                    "fix areas.nuts3_column"))
            out["nuts3"] = ""
        else:
            out["nuts3"] = [as_text(_scalar(v)) for v in areas[nuts_col]]
    else:
        out["nuts3"] = config.areas.nuts3 or ""
    for i, code in enumerate(out["nuts3"]):
        if code and not is_nuts3(code):
            problems.append(Problem(file, f"area '{out.index[i]}'", f"'{code}' is not a NUTS-3 code",
                                    "use a code such as SE312 (Dalarna) or DK014 (Bornholm)"))
    if is_geo:
        return gpd.GeoDataFrame(out, geometry=areas.geometry.to_numpy(), crs=areas.crs)
    if need_geometry:
        problems.append(Problem(file, "geometry", "the areas have no geometry", "use a GIS file with polygons"))
    return out


def _scalar(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return v.item() if hasattr(v, "item") and not isinstance(v, str) else v


# --------------------------------------------------------------------------- product groups

def check_groups(t: Table | None, problems: list[Problem]) -> pd.DataFrame | None:
    if t is None:
        return None
    if not columns_ok(t, GROUP_COLUMNS, GROUP_COLUMNS, problems, role="product_groups"):
        return None
    if len(t) == 0:
        problems.append(Problem(t.file, "", "no product groups are defined", "add one row per product group"))
        return None
    ids = [t.text(i, "id") for i in range(len(t))]
    duplicates(ids, t, t.file, "product group id", problems)
    rows = []
    for i in range(len(t)):
        cpv = t.text(i, "cpv")
        if not re.fullmatch(r"\d{8}-\d", cpv):
            problems.append(Problem(t.file, t.where(i, "cpv"), f"'{cpv}' is not a CPV code",
                                    "write it as 8 digits, a dash and the check digit, e.g. 15500000-3"))
        text = t.text(i, "nature")
        nature = fields.choice_value("product_groups.nature", text) if text else None
        if nature is None:
            problems.append(Problem(t.file, t.where(i, "nature"), f"'{text}' is not a contract nature",
                                    f"use one of {', '.join(NATURES)}"))
        rows.append((ids[i], t.text(i, "name"), cpv, nature or text.lower()))
    out = pd.DataFrame(rows, columns=["product_group_id", "name", "cpv", "nature"]).set_index("product_group_id")
    return out


# --------------------------------------------------------------------------- demand

def check_demand(t: Table | None, area_ids: list[str] | None, groups: pd.DataFrame | None, problems: list[Problem],
                 *, locale: str, setting: str | None, option: str = "demand"):
    """The demand matrix (areas × groups), from the long form (one row per area and
    group) or the wide form (one row per area, one column per group: its id or name).
    ``None`` ids: that table could not be read, so references to it are not checked."""
    if t is None:
        return None
    group_ids = list(groups.index) if groups is not None else None
    file = t.file
    if "product_group_id" in t.columns or "annual_value" in t.columns:
        if not columns_ok(t, DEMAND_LONG, DEMAND_LONG, problems, role="demand"):
            return None
        num = Numbers(t, problems, locale=locale, setting=setting, amounts=("annual_value",), option=option)
        values = num.column("annual_value", "annual value", allow_empty=True)
        cells = [(i, t.text(i, "area_id"), t.text(i, "product_group_id"), values[i], "area_id", "product_group_id")
                 for i in range(len(t))]
    elif "area_id" in t.columns:
        by_name = {}
        if groups is not None:
            names = [plain_header(n) for n in groups["name"]]
            by_name = {n: g for n, g in zip(names, groups.index) if names.count(n) == 1}
        value_columns, unknown = [], []
        for c in t.columns:
            if c in ("area_id", "area_name"):
                continue
            head = str(t.headers.get(c, (c,))[0])
            # A group's id or name, with or without a unit in brackets ("Mejeri (SEK per år)").
            g = c if group_ids is None or c in group_ids else \
                strip_unit(head) if strip_unit(head) in group_ids else \
                by_name.get(plain_header(head)) or by_name.get(plain_header(strip_unit(head)))
            (value_columns.append((c, g)) if g else unknown.append(head))
        if unknown:
            problems.append(Problem(file, t.header_where(), f"column(s) {unknown} are not product group ids or names",
                                    f"use product group ids or names as columns (defined: {', '.join(group_ids or [])}), "
                                    f"or the long form {','.join(DEMAND_LONG)}"))
        num = Numbers(t, problems, locale=locale, setting=setting, amounts=tuple(c for c, _ in value_columns),
                      option=option)
        cells = []
        for c, g in value_columns:
            col = num.column(c, "annual value", allow_empty=True)
            cells += [(i, t.text(i, "area_id"), g, col[i], "area_id", c) for i in range(len(t))]
    else:
        problems.append(Problem(file, t.header_where(), f"demand needs columns {','.join(DEMAND_LONG)} (long form) or "
                                f"area_id plus one column per product group (wide form); found {t.columns}",
                                "rename the columns"))
        return None
    if len(t) == 0:
        problems.append(Problem(file, "", "there is no demand", "add one row per area and product group"))
        return None
    seen: dict[tuple[str, str], int] = {}
    unknown_rows: set[int] = set()
    values: dict[tuple[str, str], float] = {}
    known_a = set(area_ids) if area_ids is not None else None
    known_g = set(group_ids) if group_ids is not None else None
    for i, a, g, value, a_col, g_col in cells:
        ok = True
        if a == "" and value is None:
            continue
        if known_a is not None and a not in known_a:
            if i not in unknown_rows:       # once per row, not once per group column
                problems.append(Problem(file, t.where(i, a_col), f"area '{a}' is not in the areas file",
                                        did_you_mean(a, area_ids, "area ids")))
                unknown_rows.add(i)
            ok = False
        if known_g is not None and g not in known_g:
            problems.append(Problem(file, t.where(i, g_col), f"product group '{g}' is not defined "
                                    "in the product groups file", did_you_mean(g, group_ids, "product groups")))
            ok = False
        if (a, g) in seen and ok:
            problems.append(Problem(file, t.where(i), f"demand for ({a}, {g}) is given twice (also "
                                    f"{t.where(seen[(a, g)])})", "keep one row per area and product group"))
        seen[(a, g)] = i
        if ok and value is not None:
            values[(a, g)] = value
    if area_ids is None or group_ids is None:
        return None
    matrix = pd.DataFrame(0.0, index=pd.Index(area_ids, name="area_id"),
                          columns=pd.Index(group_ids, name="product_group_id"))
    for (a, g), value in values.items():
        matrix.loc[a, g] = value
    return matrix


# --------------------------------------------------------------------------- suppliers

def check_suppliers(t: Table | None, area_ids: list[str] | None, group_ids: list[str] | None,
                    problems: list[Problem], *, locale: str, setting: str | None, option: str = "suppliers"):
    if t is None:
        return None
    if not columns_ok(t, SUPPLIER_COLUMNS, SUPPLIER_REQUIRED, problems, role="suppliers"):
        return None
    file = t.file
    if len(t) == 0:
        problems.append(Problem(file, "", "no suppliers are listed", "add one row per supplier you know of"))
        return None
    ids = [t.text(i, "id") for i in range(len(t))]
    duplicates(ids, t, file, "supplier id", problems)
    known_a = set(area_ids) if area_ids is not None else None
    known_g = set(group_ids) if group_ids is not None else None
    num = Numbers(t, problems, locale=locale, setting=setting, amounts=("capacity", "turnover", "reach_km"),
                  option=option)
    lon = _degrees(t, num.column("lon", "longitude", grouping=False, allow_empty=True, lower=None), "lon", 180, problems)
    lat = _degrees(t, num.column("lat", "latitude", grouping=False, allow_empty=True, lower=None), "lat", 90, problems)
    reach = num.column("reach_km", "reach", allow_empty=True)
    capacity = num.column("capacity", "capacity", allow_empty=True)
    turnover = num.column("turnover", "turnover", allow_empty=True)
    propensity = _propensities(t, num, problems)
    rows = []
    for i in range(len(t)):
        offered = split_ids(t.text(i, "groups"))
        if not offered:
            problems.append(Problem(file, t.where(i, "groups"), f"supplier '{ids[i]}' offers no product group",
                                    "list the product group ids it offers, separated by ';'"))
        for g in offered:
            if known_g is not None and g not in known_g:
                problems.append(Problem(file, t.where(i, "groups"), f"product group '{g}' is not defined in the "
                                        "product groups file", did_you_mean(g, group_ids, "product groups")))
        reach_areas = split_ids(t.text(i, "reach_areas"))
        for a in reach_areas:
            if known_a is not None and a not in known_a:
                problems.append(Problem(file, t.where(i, "reach_areas"), f"area '{a}' is not in the areas file",
                                        did_you_mean(a, area_ids, "area ids")))
        area = t.text(i, "area_id")
        if area and known_a is not None and area not in known_a:
            problems.append(Problem(file, t.where(i, "area_id"), f"area '{area}' is not in the areas file",
                                    did_you_mean(area, area_ids, "area ids")))
        if (lon[i] is None or lat[i] is None) and not area and not _cell_filled(t, i, ("lon", "lat")):
            problems.append(Problem(file, t.where(i), f"supplier '{ids[i]}' has no location",
                                    "give lon and lat (WGS84) or the area_id of its base"))
        rows.append({
            "id": ids[i], "name": t.text(i, "name"), "lon": lon[i], "lat": lat[i], "area_id": area, "groups": offered,
            "reach_km": reach[i], "reach_areas": reach_areas, "capacity": capacity[i], "turnover": turnover[i],
            "local": boolean(t.text(i, "local"), file, t.where(i, "local"), problems),
            "sme": boolean(t.text(i, "sme"), file, t.where(i, "sme"), problems),
            "propensity": propensity[i],
        })
    out = pd.DataFrame(rows, columns=["id", "name", "lon", "lat", "area_id", "groups", "reach_km", "reach_areas",
                                      "capacity", "turnover", "local", "sme", "propensity"]).set_index("id")
    out.index.name = "supplier_id"
    for c in ("capacity", "turnover"):
        out[c] = out[c].astype(float).fillna(np.inf)
    out["reach_km"] = out["reach_km"].astype(float)
    out["lon"] = out["lon"].astype(float)
    out["lat"] = out["lat"].astype(float)
    return out


def _degrees(t: Table, values: list[float | None], col: str, limit: float, problems: list[Problem]) -> list:
    out = []
    for i, v in enumerate(values):
        if v is not None and not -limit <= v <= limit:
            what = "longitude" if col == "lon" else "latitude"
            problems.append(Problem(t.file, t.where(i, col), f"{what} {_plain(v)} is outside -{limit:g}..{limit:g}",
                                    "give WGS84 degrees (lon, lat), e.g. 14.54, 60.61"))
            v = None
        out.append(v)
    return out


def _cell_filled(t: Table, i: int, cols: tuple[str, ...]) -> bool:
    """A coordinate was given but could not be read (already reported)."""
    return any(t.text(i, c) != "" for c in cols)


def _propensities(t: Table, num: Numbers, problems: list[Problem]) -> list[float | None]:
    """Bid propensities: probabilities in (0, 1]."""
    fix = "enter the chance that the supplier bids on a lot it can serve, above 0 and at most 1, e.g. 0.5"
    values = num.column("propensity", "bid propensity", grouping=False, allow_empty=True, lower=None, fix=fix)
    out = []
    for i, v in enumerate(values):
        text = t.text(i, "propensity")
        where = t.where(i, "propensity")
        if text == "":
            problems.append(Problem(t.file, where, "bid propensity is empty", fix))
            v = None
        elif v is not None and not (0 < v <= 1):
            problems.append(Problem(t.file, where, f"bid propensity {text} is outside (0, 1]", fix))
            v = None
        out.append(v)
    return out
