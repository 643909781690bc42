"""Reading a scenario workbook (``lotsplit template``'s ``.xlsx``) as a scenario.

The workbook holds a whole scenario: key/value sheets (Scenario, Costs, Rules: a label in
column A, the value in column B) and table sheets (Areas, Product groups, Demand,
Suppliers, Links, Earlier lot plans).  Sheets, labels and headers may be in Swedish, Danish
or English; rows may be moved or inserted, since fields are found by their label.
``read_workbook_config`` turns the key/value sheets into the same
:class:`~lotsplit.config.ScenarioConfig` a TOML file gives, with the table sections
pointing at the workbook's own sheets; the tables are then read by the same reader as any
other table.  Every problem names the sheet and the cell (``sheet Kostnader, cell B5``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem
from lotsplit.scenario import fields
from lotsplit.scenario.config_file import validate_config
from lotsplit.scenario.numbers import column_decimal, locale_decimal, read_number
from lotsplit.scenario.tables import Table, as_text, normalise_header, read_table

KEY_VALUE = ("scenario", "costs", "rules")
TABLE_SHEETS = ("areas", "product_groups", "demand", "suppliers")
FILE_FIELDS = ("areas.file", "geography.distance_matrix")


def read_workbook_config(path: Path) -> tuple[ScenarioConfig | None, list[Problem], dict[str, str]]:
    """The scenario config of a workbook, its problems, and where each field is
    (``"costs.per_lot"`` -> ``"sheet Kostnader, cell B5 (Kostnad per delkontrakt)"``)."""
    import openpyxl

    problems: list[Problem] = []
    shown = path.name
    if not path.is_file():
        return None, [Problem(str(path), "", "scenario workbook not found", "check the path")], {}
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile/XML errors: the message is what matters
        return None, [Problem(shown, "", f"cannot read the workbook ({type(exc).__name__}: {exc})",
                              "save it again from Excel as .xlsx")], {}
    sheets = {fields.sheet_of(n): n for n in wb.sheetnames if fields.sheet_of(n)}
    missing = [s for s in KEY_VALUE + TABLE_SHEETS if s not in sheets]
    for s in missing:
        problems.append(Problem(shown, "", f"the workbook has no sheet '{fields.sheet_name(s, 'en')}' "
                                f"({fields.sheet_name(s, 'sv')} / {fields.sheet_name(s, 'da')})",
                                "start from a workbook made by lotsplit template, or add the sheet"))
    cells: dict[str, tuple[Any, str]] = {}
    locate: dict[str, str] = {}
    for s in KEY_VALUE:
        if s in sheets:
            _key_values(wb[sheets[s]], shown, cells, locate, problems)
    lang = _language(cells)
    decimal = locale_decimal(lang, _text(cells.get("country", ("", ""))[0]))
    raw: dict[str, Any] = {}
    for key, (value, where) in cells.items():
        converted = _convert(key, value, shown, where, problems, decimal)
        if converted is not None:
            _put(raw, key, converted)
    base = path.parent
    for key in FILE_FIELDS:
        section, name = key.split(".")
        if isinstance(raw.get(section, {}).get(name), str):
            raw[section][name] = str((base / raw[section][name]).resolve())
    for role in ("product_groups", "demand", "suppliers"):
        raw[role] = {"file": str(path.resolve()), "sheet": sheets.get(role, fields.sheet_name(role, lang))}
    if raw.get("areas", {}).get("official"):
        raw["areas"]["file"] = str(path.resolve())
        raw["areas"]["sheet"] = sheets.get("areas", fields.sheet_name("areas", lang))
    raw.setdefault("areas", {})
    if "links" in sheets:
        links = _rows(path, sheets["links"], "links", problems, locate)
        if links:
            raw.setdefault("geography", {})["links"] = [
                {k: (fields.choice_value("links.kind", v) or v) if k == "kind" else v for k, v in r.items() if v != ""}
                for r in links]
    if "legacy" in sheets:
        legacy = _rows(path, sheets["legacy"], "legacy", problems, locate)
        if legacy:
            raw["baselines"] = {"legacy": [{**r, "file": str((base / r["file"]).resolve()) if r.get("file") else ""}
                                           for r in legacy]}
    wb.close()

    def where(loc: tuple) -> str:
        key = ".".join(str(x) for x in loc if not isinstance(x, int))
        while key and key not in locate:
            inside = [k for k in locate if k.startswith(key + ".")]   # a section: its first cell
            if inside:
                return locate[inside[0]]
            key = key.rpartition(".")[0]
        return locate.get(key, "")

    config, config_problems = validate_config(raw, shown, locate=where)
    areas = raw.get("areas", {})
    if not areas.get("official") and not areas.get("file") and "areas.official" in locate:
        # One problem in the workbook's words instead of the format's.
        at = locate["areas.official"]
        config_problems = [p for p in config_problems if p.where != at]
        config_problems.append(Problem(shown, at, "the areas are missing", "choose official boundaries here and list "
                                       f"their codes in sheet {sheets.get('areas', 'Areas')}, or give an areas file "
                                       "(GIS) below"))
    return config, problems + config_problems, locate


def _key_values(ws, shown: str, cells: dict, locate: dict, problems: list[Problem]) -> None:
    index = fields.label_index()
    ignore = {normalise_header(fields.word(w, lang)) for w in ("field", "value", "explanation")
              for lang in fields.LANGS}
    for row in ws.iter_rows(min_row=1, max_col=2):
        a, b = row[0], row[1] if len(row) > 1 else None
        label = as_text(a.value).strip() if a.value is not None else ""
        value = b.value if b is not None else None
        if not label or normalise_header(label) in ignore:
            continue
        key = index.get(normalise_header(label))
        where = f"sheet {ws.title}, cell B{a.row} ({label})"
        if key is None:
            if value not in (None, ""):
                problems.append(Problem(shown, f"sheet {ws.title}, cell A{a.row}", f"'{label}' is not a field lotsplit "
                                        "knows", "use the labels of a workbook made by lotsplit template (column A), "
                                        "or clear the row"))
            continue
        if key in cells and value in (None, ""):
            continue                        # a heading or an empty repeat
        if key in cells and cells[key][0] not in (None, ""):
            problems.append(Problem(shown, f"sheet {ws.title}, cell A{a.row}", f"'{label}' is given twice (also "
                                    f"{cells[key][1]})", "keep one row for it"))
            continue
        cells[key] = (value, where)
        locate[key] = where


def _language(cells: dict) -> str:
    value = cells.get("language", (None, ""))[0]
    lang = fields.choice_value("language", as_text(value)) if value not in (None, "") else None
    return lang or "en"


def _text(v: Any) -> str:
    return "" if v is None else as_text(v).strip()


def _put(raw: dict, key: str, value: Any) -> None:
    node = raw
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _convert(key: str, value: Any, shown: str, where: str, problems: list[Problem], decimal: str) -> Any:
    """A cell as the scenario field's value; ``None`` when empty (the default applies)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    kind = fields.kind(key)
    text = _text(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        t = text.casefold()
        yes = {fields.word("yes", lang) for lang in fields.LANGS} | {"true", "x", "1", "j", "y"}
        no = {fields.word("no", lang) for lang in fields.LANGS} | {"false", "0", "n"}
        if t in yes or t in no:
            return t in yes
        problems.append(Problem(shown, where, f"'{text}' is not yes/no", "choose yes or no (ja/nej) in the list"))
        return None
    if kind in ("int", "float"):
        if isinstance(value, bool):
            number = None
        elif isinstance(value, (int, float)):
            number = float(value)
        else:
            info = column_decimal([text], grouping=True, fallback=decimal)
            number = read_number(text, decimal=info.decimal)
        if number is None:
            problems.append(Problem(shown, where, f"'{text}' is not a number", "enter a number, without units"))
            return None
        if kind == "int":
            if not number.is_integer():
                problems.append(Problem(shown, where, f"{text} is not a whole number", "enter a whole number"))
                return None
            return int(number)
        return number
    if kind == "choice":
        chosen = fields.choice_value(key, text) if fields.choice_list(key) else None
        if chosen is None and text in fields.literal_values(key):
            chosen = text
        if chosen is None:
            allowed = [fields.choice_word(key, v, "en") for v in fields.literal_values(key)] if fields.choice_list(key) \
                else fields.literal_values(key)
            problems.append(Problem(shown, where, f"'{text}' is not one of the choices", f"choose one of: "
                                    f"{', '.join(allowed)}"))
        return chosen
    if kind in ("date", "datetime"):
        if isinstance(value, dt.datetime):
            return value.date() if kind == "date" else value
        if isinstance(value, dt.date):
            return value
        return text
    if kind == "sets":
        return [[m.strip() for m in part.split("+") if m.strip()] for part in re.split(r"[;\n]", text) if part.strip()]
    if kind == "numbers":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [float(value)]
        out = []
        for part in re.split(r"[;+]", text):
            if part.strip():
                n = read_number(part.strip(), decimal=decimal)
                if n is None:
                    problems.append(Problem(shown, where, f"'{part.strip()}' is not a number",
                                            "write the years separated by ';', e.g. 1; 1"))
                    return None
                out.append(n)
        return out
    return text


def _rows(path: Path, sheet: str, role: str, problems: list[Problem], locate: dict) -> list[dict[str, str]]:
    """The rows of a small table sheet (links, earlier lot plans) as text."""
    t = read_table(path, problems, sheet=sheet, aliases=fields.column_aliases(role), role=role)
    if t is None:
        return []
    known = list(fields.columns(role))
    unknown = [t.headers[c][0] for c in t.columns if c not in known]
    if unknown:
        problems.append(Problem(t.file, t.header_where(), f"unknown column(s) {unknown}",
                                f"use the columns {', '.join(fields.column_label(role, c, 'en') for c in known)}"))
    section = {"links": "geography.links", "legacy": "baselines.legacy"}[role]
    locate[section] = f"sheet {sheet}"
    return [{c: t.text(i, c) for c in t.columns if c in known} for i in range(len(t))]


# --------------------------------------------------------------------------- suppliers' offers

_OFFERS = re.compile(r"^(?:" + "|".join(re.escape(fields.word("offers", lang, group="").rstrip(": ").casefold())
                                        for lang in fields.LANGS) + r")\s*:\s*(.+)$")


def offer_columns(t: Table, groups: Table | None, problems: list[Problem]) -> Table:
    """A suppliers table with one yes/no column per product group (``Erbjuder: Mejeri``, as
    the workbook writes it) turned into the ``groups`` column of the format."""
    offers = {c: m.group(1).strip() for c in t.columns if (m := _OFFERS.match(str(t.headers[c][0]).casefold()))}
    if not offers:
        return t
    ids, by_name = set(), {}
    if groups is not None:
        ids = {groups.text(i, "id") for i in range(len(groups))}
        by_name = {groups.text(i, "name").casefold(): groups.text(i, "id") for i in range(len(groups))}
    chosen: list[list[str]] = [[] for _ in range(len(t))]
    yes = {fields.word("yes", lang) for lang in fields.LANGS} | {"x", "true", "1", "j", "y"}
    no = {fields.word("no", lang) for lang in fields.LANGS} | {"", "false", "0", "n", "-"}
    for c, label in offers.items():
        g = next((i for i in ids if i.casefold() == label), None) or by_name.get(label)
        if g is None and groups is not None:
            problems.append(Problem(t.file, t.where(None, c), f"'{t.headers[c][0]}' names no product group",
                                    "use the product group names of the product groups sheet"))
            continue
        for i in range(len(t)):
            v = t.frame.iat[i, t.frame.columns.get_loc(c)]
            word = as_text(v).casefold() if not isinstance(v, bool) else ("true" if v else "false")
            if word in yes:
                chosen[i].append(g or label)
            elif word not in no:
                problems.append(Problem(t.file, t.where(i, c), f"'{as_text(v)}' is not yes/no",
                                        "choose yes or no (ja/nej) in the list"))
    frame = t.frame.drop(columns=list(offers))
    if "groups" in frame.columns:
        frame["groups"] = [";".join(filter(None, [str(a)] + b)) for a, b in zip(frame["groups"], chosen)]
    else:
        frame["groups"] = [";".join(b) for b in chosen]
        first = min(t.headers[c][1] for c in offers)
        t.headers["groups"] = (fields.column_label("suppliers", "groups", "en"), first)
    t.frame = frame
    for c in offers:
        t.headers.pop(c, None)
    return t
