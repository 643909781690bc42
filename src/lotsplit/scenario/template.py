"""``lotsplit template``: a scenario workbook a planner fills in (and ``check``/``run`` read).

The workbook has an instructions sheet, then Scenario, Areas, Product groups, Demand (a
grid: areas × groups), Suppliers, Costs, Rules, Links and Earlier lot plans, in Swedish,
Danish or English.  Cells to fill in are yellow, with a comment on every field, drop-down
lists for choices, yes/no and area ids, and number ranges; grey cells are for reading
only.  From a scenario file it is filled with that scenario, so that
``load_scenario("scenario.xlsx")`` gives the same scenario back; without one it holds the
defaults and empty tables.  Text is always written as text (never a formula).

>>> from lotsplit.scenario.template import write_template
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = write_template(None, pathlib.Path(d) / "scenario.xlsx", language="sv")
...     p.name
'scenario.xlsx'
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

import xlsxwriter

from lotsplit.config import ScenarioConfig, TableConfig
from lotsplit.scenario import fields
from lotsplit.scenario.model import Scenario

BLANK = {"sv": {"language": "sv", "country": "SE", "currency": "SEK"},
         "da": {"language": "da", "country": "DK", "currency": "DKK"},
         "en": {"language": "en", "country": "other", "currency": "EUR"}}
"""What an empty workbook starts with, by its language (the planner can change each)."""
EXTRA_ROWS = 15          # empty input rows below each table, with the same validation
VALIDATION_ROWS = 1000   # rows a table's drop-down lists and ranges cover
SUPPLIER_COLUMNS = ("id", "name", "lon", "lat", "area_id")
SUPPLIER_TAIL = ("reach_km", "reach_areas", "capacity", "turnover", "local", "sme", "propensity")
UNITS = {"reach_km": "km", "capacity": "currency", "turnover": "currency", "propensity": "share",
         "annual_value": "currency", "lon": "", "lat": "", "km": "km"}


def write_template(scenario: Scenario | None, out: str | Path, *, language: str | None = None,
                   date: dt.date | None = None) -> Path:
    """Write the scenario workbook to ``out`` (``.xlsx``) and return its path.

    ``scenario``: a loaded scenario to fill it with, or ``None`` for an empty one.
    ``language``: of the workbook's words (default: the scenario's, else English).
    """
    out = Path(out)
    lang = language or (scenario.config.language if scenario else "en")
    config = scenario.config if scenario else None
    book = _Book(out, lang, config.currency if config else BLANK[lang]["currency"], date or dt.date(2026, 1, 1))
    book.instructions()
    book.key_values("scenario", config, out.parent)
    book.areas(scenario)
    book.groups(scenario)
    book.demand(scenario)
    book.suppliers(scenario)
    book.key_values("costs", config, out.parent)
    book.key_values("rules", config, out.parent)
    book.links(config)
    book.legacy(config, out.parent)
    book.wb.close()
    return out


class _Book:
    """One workbook being written: formats, sheet names and the common sheet setup."""

    def __init__(self, path: Path, lang: str, currency: str, date: dt.date):
        self.lang, self.cur = lang, currency
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        self.wb.set_properties({"title": fields.data()["instructions"]["title"][lang], "author": "lotsplit",
                                "created": dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)})
        f = self.wb.add_format
        border = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
        self.f = {
            "title": f({"bold": True, "font_size": 14}),
            "heading": f({"bold": True, "font_size": 12, "bottom": 1}),
            "head": f({"bold": True, "bg_color": "#D9D9D9", "text_wrap": True, "valign": "top", "border": 1}),
            "label": f({"text_wrap": True, **border}),
            "help": f({"text_wrap": True, "font_color": "#595959", **border}),
            "wrap": f({"text_wrap": True, "valign": "top"}),
            "in": f({"bg_color": "#FFF2CC", "text_wrap": True, **border}),
            "in_text": f({"bg_color": "#FFF2CC", "num_format": "@", **border}),
            "in_int": f({"bg_color": "#FFF2CC", "num_format": "#,##0", **border}),
            "in_dec": f({"bg_color": "#FFF2CC", "num_format": "0.0###", **border}),
            "in_date": f({"bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd", **border}),
            "in_time": f({"bg_color": "#FFF2CC", "num_format": "yyyy-mm-dd hh:mm", **border}),
            "info": f({"bg_color": "#F2F2F2", "font_color": "#595959", **border}),
        }
        self.sheet = {k: fields.sheet_name(k, lang) for k in fields.data()["sheets"]}

    def ref(self, sheet: str, col: str, n: int) -> str:
        """A range on another sheet for a drop-down list, e.g. ``='Områden'!$A$2:$A$1000``."""
        return f"='{self.sheet[sheet]}'!${col}$2:${col}${n + 1}"

    def add(self, key: str, widths: list[float], *, header_rows: int = 1):
        ws = self.wb.add_worksheet(self.sheet[key])
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.set_landscape()
        ws.set_paper(9)                       # A4
        ws.fit_to_pages(1, 0)                 # fit to the page width, as many pages down as needed
        ws.repeat_rows(0, header_rows - 1)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        ws.hide_gridlines(0)
        return ws

    def comment(self, ws, row: int, col: int, text: str) -> None:
        if text:
            ws.write_comment(row, col, text, {"x_scale": 2.2, "y_scale": 1.4})

    # ------------------------------------------------------------------ instructions

    def instructions(self) -> None:
        d = fields.data()["instructions"]
        ws = self.add("instructions", [110])
        ws.write_string(0, 0, d["title"][self.lang], self.f["title"])
        ws.write_string(1, 0, fields.word("input_legend", self.lang), self.f["wrap"])
        r = 3
        for text in [s[self.lang] for s in d["steps"]] + [""] + [d[k][self.lang] for k in ("lists", "numbers")]:
            if text:
                ws.write_string(r, 0, text, self.f["wrap"])
                ws.set_row(r, row_height([(text, 110)]))
            r += 1
        ws.write_string(r + 1, 0, " · ".join(self.sheet[k] for k in fields.data()["sheets"] if k != "instructions"),
                        self.f["help"])

    # ------------------------------------------------------------------ key/value sheets

    def key_values(self, sheet: str, config: ScenarioConfig | None, base: Path) -> None:
        ws = self.add(sheet, [44, 36, 70])
        for j, w in enumerate(("field", "value", "explanation")):
            ws.write_string(0, j, fields.word(w, self.lang), self.f["head"])
        ws.freeze_panes(1, 0)
        r = 1
        for entry in fields.layout(sheet):
            if "heading" in entry:
                r += 1 if r > 1 else 0
                ws.write_string(r, 0, entry["heading"][self.lang], self.f["heading"])
                r += 1
                continue
            key = entry["key"]
            unit = fields.unit_text(entry.get("unit"), self.lang, self.cur)
            label = entry["label"][self.lang] + (f" ({unit})" if unit else "")
            ws.write_string(r, 0, label, self.f["label"])
            ws.write_string(r, 2, entry["help"][self.lang], self.f["help"])
            value = _config_value(config, key, base) if config else BLANK[self.lang].get(key, _default(key))
            shown = self.value_cell(ws, r, 1, key, value)
            self.comment(ws, r, 1, entry["help"][self.lang])
            ws.set_row(r, row_height([(label, 44), (shown, 36), (entry["help"][self.lang], 70)]))
            r += 1

    def value_cell(self, ws, r: int, c: int, key: str, value: Any) -> str:
        """Write a field's value with its validation; return the text shown (for the height)."""
        kind = fields.kind(key)
        f = self.f
        shown = ""
        if kind == "bool":
            words = [fields.word("yes", self.lang), fields.word("no", self.lang)]
            ws.data_validation(r, c, r, c, {"validate": "list", "source": words})
            shown = words[0 if value else 1] if value is not None else ""
            _text(ws, r, c, shown, f["in"])
        elif kind == "choice":
            values = fields.literal_values(key)
            words = [fields.choice_word(key, v, self.lang) for v in values] if fields.choice_list(key) else values
            ws.data_validation(r, c, r, c, {"validate": "list", "source": words})
            shown = fields.choice_word(key, value, self.lang) if value is not None else ""
            _text(ws, r, c, shown, f["in"])
        elif kind in ("int", "float"):
            lower, upper, strict = fields.bounds(key)
            rule: dict[str, Any] = {"validate": "integer" if kind == "int" else "decimal", "ignore_blank": True,
                                    "error_message": fields.field(key)["help"][self.lang][:255]}
            if lower is not None and upper is not None:
                rule.update(criteria="between", minimum=lower, maximum=upper)
            elif lower is not None:
                rule.update(criteria=">" if strict else ">=", value=lower)
            else:
                rule.update(criteria="between", minimum=-1e15, maximum=1e15)
            ws.data_validation(r, c, r, c, rule)
            if value is None:
                ws.write_blank(r, c, None, f["in_int"])
            else:
                ws.write_number(r, c, float(value), f["in_int"] if float(value).is_integer() else f["in_dec"])
        elif kind in ("date", "datetime") and isinstance(value, (dt.date, dt.datetime)):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                shown = value.isoformat()
                _text(ws, r, c, shown, f["in"])
            else:
                ws.write_datetime(r, c, value if isinstance(value, dt.datetime) else
                                  dt.datetime(value.year, value.month, value.day),
                                  f["in_time"] if isinstance(value, dt.datetime) else f["in_date"])
        elif kind == "sets":
            shown = "; ".join(" + ".join(s) for s in value or ())
            _text(ws, r, c, shown, f["in"])
        elif kind == "numbers":
            shown = "; ".join(_num(x) for x in value or ())
            _text(ws, r, c, shown, f["in"])
        else:
            shown = "" if value is None else str(value)
            _text(ws, r, c, shown, f["in_text"] if key == "defaults" else f["in"])
        return shown

    # ------------------------------------------------------------------ tables

    def header(self, ws, role: str, columns: list[str], labels: list[str] | None = None) -> None:
        for j, col in enumerate(columns):
            unit = fields.unit_text(UNITS.get(col), self.lang, self.cur)
            label = (labels[j] if labels else fields.column_label(role, col, self.lang)) + (f" ({unit})" if unit else "")
            ws.write_string(0, j, label, self.f["head"])
            self.comment(ws, 0, j, fields.column_help(role, col, self.lang))
        ws.freeze_panes(1, 0)
        ws.set_row(0, 45)

    def areas(self, s: Scenario | None) -> None:
        ws = self.add("areas", [16, 36, 12])
        cols = ["id", "name", "nuts3"]
        self.header(ws, "areas", cols)
        official = s is None or s.config.areas.official is not None
        rows = [] if s is None else [(a, str(r["name"]), str(r["nuts3"])) for a, r in s.areas.iterrows()]
        style = self.f["in_text"] if official else self.f["info"]
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                _text(ws, i, j, v, style)
        if official:
            for i in range(len(rows) + 1, len(rows) + 1 + EXTRA_ROWS):
                for j in range(3):
                    ws.write_blank(i, j, None, style)
        else:
            note = fields.word("from_file", self.lang)
            ws.merge_range(len(rows) + 2, 0, len(rows) + 2, 2, note, self.f["wrap"])
            ws.set_row(len(rows) + 2, row_height([(note, 64)]))
        ws.autofilter(0, 0, max(len(rows), 1), 2)
        ws.print_area(0, 0, len(rows) + (EXTRA_ROWS if official else 2), 2)
        self.n_areas = max(len(rows) + (EXTRA_ROWS if official else 0), 1)

    def groups(self, s: Scenario | None) -> None:
        ws = self.add("product_groups", [18, 36, 14, 22])
        cols = ["id", "name", "cpv", "nature"]
        self.header(ws, "product_groups", cols)
        rows = [] if s is None else [(g, str(r["name"]), str(r["cpv"]), r["nature"]) for g, r in s.groups.iterrows()]
        natures = [fields.choice_word("product_groups.nature", v, self.lang) for v in ("supplies", "services", "works")]
        for i, (g, name, cpv, nature) in enumerate(rows, start=1):
            for j, v in enumerate((g, name, cpv)):
                _text(ws, i, j, v, self.f["in_text"])
            _text(ws, i, 3, fields.choice_word("product_groups.nature", nature, self.lang), self.f["in"])
        for i in range(len(rows) + 1, len(rows) + 1 + EXTRA_ROWS):
            for j in range(4):
                ws.write_blank(i, j, None, self.f["in_text"] if j < 3 else self.f["in"])
        ws.data_validation(1, 3, VALIDATION_ROWS, 3, {"validate": "list", "source": natures})
        ws.autofilter(0, 0, max(len(rows), 1), 3)
        ws.print_area(0, 0, len(rows) + EXTRA_ROWS, 3)
        self.group_names = [(g, name) for g, name, _, _ in rows]

    def demand(self, s: Scenario | None) -> None:
        groups = self.group_names
        ws = self.add("demand", [16, 30] + [16] * max(len(groups), 1))
        labels = [fields.column_label("demand", "area_id", self.lang), fields.column_label("demand", "area_name",
                                                                                           self.lang)]
        names = [n for _, n in groups]
        unique = len(set(n.casefold() for n in names)) == len(names)
        labels += [n if unique else g for g, n in groups]
        for j, label in enumerate(labels):
            unit = fields.word("per_year", self.lang, cur=self.cur) if j >= 2 else ""
            ws.write_string(0, j, label + (f" ({unit})" if unit else ""), self.f["head"])
        self.comment(ws, 0, 0, fields.column_help("demand", "area_id", self.lang))
        self.comment(ws, 0, 1, fields.column_help("demand", "area_name", self.lang))
        for j in range(2, len(labels)):
            self.comment(ws, 0, j, fields.column_help("demand", "annual_value", self.lang))
        ws.freeze_panes(1, 2)
        ws.set_row(0, 45)
        areas = [] if s is None else [(a, str(r["name"])) for a, r in s.areas.iterrows()]
        for i, (a, name) in enumerate(areas, start=1):
            _text(ws, i, 0, a, self.f["in_text"])
            _text(ws, i, 1, name, self.f["info"])
            for j, (g, _) in enumerate(groups, start=2):
                v = float(s.demand.loc[a, g])
                if v:
                    ws.write_number(i, j, v, self.f["in_int"] if v.is_integer() else self.f["in_dec"])
                else:
                    ws.write_blank(i, j, None, self.f["in_int"])
        if groups:
            ws.data_validation(1, 2, VALIDATION_ROWS, len(labels) - 1,
                               {"validate": "decimal", "criteria": ">=", "value": 0, "ignore_blank": True})
        ws.autofilter(0, 0, max(len(areas), 1), len(labels) - 1)
        ws.print_area(0, 0, max(len(areas), 1), len(labels) - 1)

    def suppliers(self, s: Scenario | None) -> None:
        groups = self.group_names
        # One yes/no column per product group; an empty workbook (no groups yet) has the
        # list column instead (ids separated by ';').
        offers = [f"offers:{g}" for g, _ in groups] or ["groups"]
        cols = list(SUPPLIER_COLUMNS) + offers + list(SUPPLIER_TAIL)
        widths = [18, 32, 11, 11, 14] + [12 if groups else 24] * len(offers) + [10, 18, 16, 16, 9, 11, 12]
        ws = self.add("suppliers", widths)
        labels = [fields.column_label("suppliers", c, self.lang) if not c.startswith("offers:")
                  else fields.word("offers", self.lang, group=dict(groups)[c[7:]]) for c in cols]
        for j, (col, label) in enumerate(zip(cols, labels)):
            unit = fields.unit_text(UNITS.get(col), self.lang, self.cur)
            if col in ("capacity", "turnover"):
                unit = fields.word("per_year", self.lang, cur=self.cur) if col == "capacity" else self.cur
            ws.write_string(0, j, label + (f" ({unit})" if unit else ""), self.f["head"])
            self.comment(ws, 0, j, fields.column_help("suppliers", "groups" if col.startswith("offers:") else col,
                                                      self.lang))
        ws.freeze_panes(1, 2)
        ws.set_row(0, 60)
        yes, no = fields.word("yes", self.lang), fields.word("no", self.lang)
        rows = [] if s is None else list(s.suppliers.iterrows())
        for i, (sid, r) in enumerate(rows, start=1):
            values = {"id": sid, "name": str(r["name"]), "lon": r["lon"], "lat": r["lat"], "area_id": r["area_id"],
                      "reach_km": r["reach_km"], "reach_areas": "; ".join(r["reach_areas"]),
                      "capacity": r["capacity"], "turnover": r["turnover"], "local": yes if r["local"] else no,
                      "sme": yes if r["sme"] else no, "propensity": r["propensity"]}
            for g, _ in groups:
                values[f"offers:{g}"] = yes if g in r["groups"] else no
            for j, col in enumerate(cols):
                v = values[col]
                if isinstance(v, float):
                    if math.isfinite(v):
                        ws.write_number(i, j, v, self.f["in_int"] if v.is_integer() else self.f["in_dec"])
                    else:
                        ws.write_blank(i, j, None, self.f["in"])
                else:
                    _text(ws, i, j, str(v or ""), self.f["in_text"] if col in ("id", "area_id") else self.f["in"])
        for i in range(len(rows) + 1, len(rows) + 1 + EXTRA_ROWS):
            for j in range(len(cols)):
                ws.write_blank(i, j, None, self.f["in"])
        n = VALIDATION_ROWS
        at = {c: j for j, c in enumerate(cols)}
        ws.data_validation(1, at["lon"], n, at["lon"], {"validate": "decimal", "criteria": "between",
                                                        "minimum": -180, "maximum": 180})
        ws.data_validation(1, at["lat"], n, at["lat"], {"validate": "decimal", "criteria": "between",
                                                        "minimum": -90, "maximum": 90})
        ws.data_validation(1, at["area_id"], n, at["area_id"], {"validate": "list",
                                                                "source": self.ref("areas", "A", self.n_areas)})
        for c in ("reach_km", "capacity", "turnover"):
            ws.data_validation(1, at[c], n, at[c], {"validate": "decimal", "criteria": ">=", "value": 0})
        ws.data_validation(1, at["propensity"], n, at["propensity"],
                           {"validate": "decimal", "criteria": "between", "minimum": 0.001, "maximum": 1,
                            "error_message": fields.column_help("suppliers", "propensity", self.lang)[:255]})
        for c in [o for o in offers if o != "groups"] + ["local", "sme"]:
            ws.data_validation(1, at[c], n, at[c], {"validate": "list", "source": [yes, no]})
        ws.autofilter(0, 0, max(len(rows), 1), len(cols) - 1)
        ws.print_area(0, 0, len(rows) + EXTRA_ROWS, len(cols) - 1)     # not the 1000 rows the lists cover

    def links(self, config: ScenarioConfig | None) -> None:
        ws = self.add("links", [16, 22, 14, 50])
        cols = ["a", "b", "kind", "note"]
        self.header(ws, "links", cols)
        links = config.geography.links if config else ()
        for i, link in enumerate(links, start=1):
            _text(ws, i, 0, link.a, self.f["in_text"])
            _text(ws, i, 1, link.b, self.f["in_text"])
            _text(ws, i, 2, fields.choice_word("links.kind", link.kind, self.lang), self.f["in"])
            _text(ws, i, 3, link.note, self.f["in"])
        for i in range(len(links) + 1, len(links) + 1 + EXTRA_ROWS):
            for j in range(4):
                ws.write_blank(i, j, None, self.f["in"])
        for j in (0, 1):
            ws.data_validation(1, j, VALIDATION_ROWS, j, {"validate": "list",
                                                          "source": self.ref("areas", "A", self.n_areas)})
        ws.data_validation(1, 2, VALIDATION_ROWS, 2, {"validate": "list", "source": [
            fields.choice_word("links.kind", v, self.lang) for v in ("ferry", "bridge", "road", "other")]})
        ws.print_area(0, 0, len(links) + EXTRA_ROWS, 3)

    def legacy(self, config: ScenarioConfig | None, base: Path) -> None:
        ws = self.add("legacy", [50, 60])
        self.header(ws, "legacy", ["name", "file"])
        items = config.baselines.legacy if config else ()
        for i, item in enumerate(items, start=1):
            _text(ws, i, 0, item.name, self.f["in"])
            _text(ws, i, 1, _relative(item.file, base), self.f["in"])
        for i in range(len(items) + 1, len(items) + 1 + 10):
            for j in range(2):
                ws.write_blank(i, j, None, self.f["in"])


def wrapped_lines(text: str, width: float, *, chars_per_unit: float = 1.1) -> int:
    """Lines ``text`` takes in a column ``width`` wide when wrapped at spaces (a greedy wrap,
    as spreadsheets do; one width unit holds about one character)."""
    capacity = max(1, int(width * chars_per_unit))
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0
        for w in paragraph.split(" "):
            need = len(w) if used == 0 else used + 1 + len(w)
            if need <= capacity:
                used = need
            else:
                lines += max(1, math.ceil(len(w) / capacity)) if used else math.ceil(len(w) / capacity) - 1
                used = len(w) % capacity or capacity
        total += lines
    return max(1, total)


def row_height(cells: list[tuple[str, float]], *, line: float = 15.0, chars_per_unit: float = 1.1) -> float:
    """Height (points) a row needs so wrapped text shows in full: ``cells`` are ``(text,
    column width)``.  Spreadsheets do not grow rows written by a program, so it is set."""
    return line * max([1] + [wrapped_lines(t, w, chars_per_unit=chars_per_unit) for t, w in cells])


def _text(ws, r: int, c: int, value: str, fmt) -> None:
    """Text is text: never a formula, a link or a number (the workbook writes strings as is)."""
    if value == "":
        ws.write_blank(r, c, None, fmt)
    else:
        ws.write_string(r, c, value, fmt)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _relative(path: str, base: Path) -> str:
    """A data file's path relative to the workbook's folder (no machine paths in the workbook)."""
    try:
        return Path(os.path.relpath(path, base.resolve())).as_posix()
    except ValueError:           # another drive (Windows): only the name can be kept
        return Path(path).name


def _config_value(config: ScenarioConfig, key: str, base: Path) -> Any:
    node: Any = config
    for part in key.split("."):
        node = getattr(node, part)
    if key in ("areas.file", "geography.distance_matrix") and node is not None:
        if isinstance(node, TableConfig):
            node = node.file
        if key == "areas.file" and config.areas.official:
            return None            # the codes are the Areas sheet of the workbook
        return _relative(node, base)
    return node


def _default(key: str) -> Any:
    info = fields.field_info(key)
    return None if info.is_required() else info.default
