"""``lots.xlsx``: the lot plan as a planner's workbook, in the scenario's language.

Sheets (Swedish names in brackets): Summary (Sammanfattning), Lots (Delkontrakt), Areas
per lot, Suppliers per lot, Inputs (the scenario as it was run, in the words of the
scenario workbook), Product groups, Suppliers, and Columns, which says what every column
means.  Headers are words with the currency (``Värde per år (SEK)``), values are words
(``tjänster``, ``ja``, ``bevisat optimal``), numbers are formatted per value (1.5 shows
1.5, money ``#,##0``, shares as percentages).  Totals rows are ``SUBTOTAL`` formulas, so
they follow the filters; they are the only formulas, and lotsplit writes them itself: text
from the input files is always written as text (XlsxWriter's conversion of strings to
formulas, links and numbers is off), so a supplier named ``=HYPERLINK(...)`` stays a
string.  Every sheet prints landscape on A4, fitted to the page width, with the header
row repeated, wrapped text and frozen, filtered headers.  Machine-readable ids stay in
``lots.csv``.  Byte-identical for the same plan and date: XlsxWriter writes fixed zip
timestamps, and the document properties carry the export date only.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import xlsxwriter

from lotsplit.export import common as C
from lotsplit.export.xlsx_texts import word
from lotsplit.plan import Lot, LotPlan
from lotsplit.scenario import fields
from lotsplit.scenario.template import row_height



def lots_rows(plan: LotPlan) -> list[dict]:
    """One dict per lot with machine-readable attribute names (the GeoPackage's lots layer)."""
    s = plan.scenario
    cur = s.currency
    lang = s.config.language
    sup = s.suppliers
    rows = []
    for lot in plan.lots:
        cpv = C.lot_cpv(plan, lot)
        rows.append({
            "lot_id": lot.id,
            "title": C.lot_title(plan, lot, lang),
            "areas": "; ".join(C.area_names(plan, lot)),
            "area_ids": ";".join(lot.areas),
            "product_groups": "; ".join(C.group_names(plan, lot)),
            "product_group_ids": ";".join(lot.groups),
            "main_cpv": cpv[0],
            "additional_cpv": ";".join(cpv[1:]),
            "nuts3": ";".join(C.lot_nuts(plan, lot)),
            "nature": C.lot_nature(plan, lot),
            f"annual_value_{cur}": lot.annual_value,
            f"contract_value_{cur}": lot.contract_value,
            "n_eligible": lot.n_eligible,
            "eligible_suppliers": "; ".join(str(sup.loc[x, "name"]) for x in lot.eligible),
            "local_eligible_suppliers": "; ".join(str(sup.loc[x, "name"]) for x in C.local_eligible(plan, lot)),
            "expected_bids": lot.expected_bids,
            "no_bid_chance": lot.no_bid_chance,
            "local_chance": lot.local_chance,
            f"admin_cost_{cur}": lot.admin_cost,
            "procedure_regime": C.lot_regime(plan, lot),
            "small_lot_exemption": lot.exempt,
        })
    return rows


def regime_key(plan: LotPlan, lot: Lot | None = None) -> str:
    """``eu``, ``national``, ``exempt`` or ``unknown``: the procedure of a lot (or the plan)."""
    if lot is not None and lot.exempt:
        return "exempt"
    th = plan.metrics.get("eu_threshold")
    if th is None:
        return "unknown"
    return "eu" if plan.metrics["contract_value"] >= th else "national"


# (column, kind, widest): the widest a column gets (text wraps beyond), so the Lots sheet
# prints on one landscape A4 page width at a legible scale.
LOTS_COLUMNS = [("lot_id", "text", 10), ("title", "text", 26), ("areas", "text", 20), ("groups", "text", 16),
                ("main_cpv", "text", 11.5), ("additional_cpv", "text", 11.5), ("nuts3", "text", 8),
                ("nature", "text", 10), ("annual_value", "money", 11), ("contract_value", "money", 12),
                ("n_eligible", "int", 9), ("local_eligible", "text", 20), ("expected_bids", "dec", 8),
                ("no_bid_chance", "pct", 8), ("local_chance", "pct", 8), ("sme_chance", "pct", 8),
                ("competition_value", "money", 11), ("admin_cost", "money", 11), ("net_cost", "money", 11),
                ("regime", "text", 18)]
LOTS_TOTALS = ("annual_value", "contract_value", "competition_value", "admin_cost", "net_cost")
AREA_COLUMNS = [("lot_id", "text", 10), ("area_id", "text", 14), ("area", "text", 30), ("nuts3", "text", 9),
                ("groups", "text", 40), ("area_value", "money", 16)]
SUPPLIER_LOT_COLUMNS = [("lot_id", "text", 10), ("supplier", "text", 40), ("local", "bool", 8), ("sme", "bool", 14),
                        ("propensity", "dec", 12)]
GROUP_COLUMNS = [("group_id", "text", 16), ("group", "text", 36), ("cpv", "text", 12), ("nature", "text", 16),
                 ("annual_value", "money", 16)]
SUPPLIER_COLUMNS = [("supplier", "text", 36), ("groups", "text", 40), ("local", "bool", 8), ("sme", "bool", 14),
                    ("propensity", "dec", 11), ("capacity", "money", 14), ("turnover", "money", 14)]


def write_workbook(plan: LotPlan, path: str | Path, *, date: dt.date) -> Path:
    """Write ``lots.xlsx`` for ``plan`` (see the module docstring) and return its path."""
    path = Path(path)
    book = _Workbook(plan, path, date)
    book.summary()
    book.table("sheet_lots", LOTS_COLUMNS, book.lot_rows(), totals=LOTS_TOTALS, freeze_cols=1)
    book.table("sheet_areas", AREA_COLUMNS, book.area_rows(), totals=("area_value",))
    book.table("sheet_suppliers_per_lot", SUPPLIER_LOT_COLUMNS, book.supplier_lot_rows())
    book.inputs()
    book.table("sheet_groups", GROUP_COLUMNS, book.group_rows(), totals=("annual_value",))
    book.table("sheet_suppliers", SUPPLIER_COLUMNS, book.supplier_rows())
    book.columns_sheet()
    book.wb.close()
    return path


class _Workbook:
    def __init__(self, plan: LotPlan, path: Path, date: dt.date):
        self.plan, self.s, self.date = plan, plan.scenario, date
        self.lang, self.cur = self.s.config.language, self.s.currency
        wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                             "strings_to_numbers": False, "nan_inf_to_errors": True})
        self.wb = wb
        created = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
        wb.set_properties({"title": word(self.lang, "doc_title", name=self.s.name), "author": "lotsplit",
                           "created": created, "comments": "lotsplit"})
        wb.set_custom_property("lotsplit scenario", self.s.name)
        base = {"valign": "top", "text_wrap": True}
        self.f = {
            "head": wb.add_format({"bold": True, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top",
                                   "border": 1}),
            "text": wb.add_format(base),
            "money": wb.add_format({**base, "num_format": "#,##0"}),
            "pct": wb.add_format({**base, "num_format": "0.0%"}),
            "pct2": wb.add_format({**base, "num_format": "0.00%"}),
            "dec": wb.add_format({**base, "num_format": "0.00"}),
            "int": wb.add_format({**base, "num_format": "0"}),
            "num": wb.add_format({**base, "num_format": "0.0##"}),
            "date": wb.add_format({**base, "num_format": "yyyy-mm-dd"}),
            "key": wb.add_format({**base, "bold": True}),
            **{f"{k}_l": wb.add_format({**base, "num_format": n, "align": "left"}) for k, n in
               (("money", "#,##0"), ("pct", "0.0%"), ("pct2", "0.00%"), ("dec", "0.00"), ("int", "#,##0"),
                ("num", "0.0##"), ("date", "yyyy-mm-dd"))},
            "heading": wb.add_format({"bold": True, "font_size": 12, "valign": "top"}),
            "total": wb.add_format({"bold": True, "top": 1, "valign": "top"}),
            "total_money": wb.add_format({"bold": True, "top": 1, "num_format": "#,##0", "valign": "top"}),
        }
        self.explained: list[tuple[str, str, str]] = []   # (sheet, header, meaning) for the Columns sheet

    # ------------------------------------------------------------------ helpers

    def sheet(self, key: str):
        ws = self.wb.add_worksheet(word(self.lang, key)[:31])
        ws.set_landscape()
        ws.set_paper(9)                   # A4
        ws.fit_to_pages(1, 0)             # the page width, as many pages down as needed
        ws.repeat_rows(0)
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        return ws

    def header(self, key: str) -> str:
        return word(self.lang, key, cur=self.cur)

    def yes_no(self, v: bool) -> str:
        return word(self.lang, "yes" if v else "no")

    def write(self, ws, r: int, c: int, v, kind: str, *, left: bool = False) -> None:
        side = "_l" if left else ""
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            ws.write_blank(r, c, None, self.f["text"])
        elif kind == "bool":
            ws.write_string(r, c, self.yes_no(bool(v)), self.f["text"])
        elif isinstance(v, str):
            ws.write_string(r, c, v, self.f["text"])
        elif kind == "date":
            ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), self.f["date" + side])
        else:
            x = float(v.item() if hasattr(v, "item") else v)
            fmt = {"money": "money", "pct": "pct", "pct2": "pct2", "dec": "dec", "int": "int"}.get(kind)
            if fmt is None:                 # "num": as the value is, 1.5 shows 1.5, 25000 shows 25 000
                fmt = "int" if x.is_integer() else "num"
            ws.write_number(r, c, x, self.f[fmt + side] if left else self.f[fmt])

    def table(self, sheet_key: str, spec: list[tuple[str, str, float]], rows: list[dict], *, totals=(),
              freeze_cols: int = 0) -> None:
        ws = self.sheet(sheet_key)
        columns = [(k, kind) for k, kind, _ in spec]
        heads = [self.header(k) for k, _ in columns]
        # Every word of a header fits its column; content widens it up to ``widest``, then wraps.
        widths = [max(min(widest, len(h) / 2 + 1), max(len(w) for w in h.split()) * 1.1 + 1)
                  for h, (_, _, widest) in zip(heads, spec)]
        for r in rows:
            for j, (k, kind) in enumerate(columns):
                widths[j] = max(widths[j], min(spec[j][2], len(_shown(r.get(k), kind)) + 2))
        for j, (h, w) in enumerate(zip(heads, widths)):
            ws.set_column(j, j, w)
            ws.write_string(0, j, h, self.f["head"])
            self.explained.append((word(self.lang, sheet_key), h, self.header(columns[j][0] + "_help")))
        ws.set_row(0, row_height([(h, w) for h, w in zip(heads, widths)], chars_per_unit=0.95))   # bold
        for i, r in enumerate(rows, start=1):
            for j, (k, kind) in enumerate(columns):
                self.write(ws, i, j, r.get(k), kind)
            ws.set_row(i, row_height([(_shown(r.get(k), kind), w) for (k, kind), w in zip(columns, widths)]))
        if totals and rows:
            n = len(rows)
            ws.write_string(n + 1, 0, word(self.lang, "total"), self.f["total"])
            for j, (k, _) in enumerate(columns):
                if k in totals:
                    col = xlsxwriter.utility.xl_col_to_name(j)
                    value = float(sum(float(r[k]) for r in rows if r.get(k) is not None))
                    ws.write_formula(n + 1, j, f"=SUBTOTAL(109,{col}2:{col}{n + 1})", self.f["total_money"], value)
        ws.freeze_panes(1, freeze_cols)
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)

    def key_values(self, sheet_key: str, entries: list[tuple[str, object, str]], widths=(50, 60)) -> None:
        """A two-column sheet: label, value (formatted per value); ``None`` label = heading."""
        ws = self.sheet(sheet_key)
        ws.set_column(0, 0, widths[0])
        ws.set_column(1, 1, widths[1])
        ws.write_string(0, 0, word(self.lang, "field"), self.f["head"])
        ws.write_string(0, 1, word(self.lang, "value"), self.f["head"])
        for i, (label, value, kind) in enumerate(entries, start=1):
            if kind == "heading":
                ws.write_string(i, 0, label, self.f["heading"])
                continue
            ws.write_string(i, 0, label, self.f["key"])
            self.write(ws, i, 1, value, kind, left=True)
            ws.set_row(i, row_height([(label, widths[0]), (_shown(value, kind), widths[1])]))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(entries), 1), 1)
        if sheet_key == "sheet_summary":
            ws.fit_to_pages(1, 1)             # the summary is one page

    # ------------------------------------------------------------------ sheets

    def summary(self) -> None:
        s, m, o, lang = self.s, self.plan.metrics, self.plan.outcome, self.lang
        status = "status_evaluated" if o is None else "status_optimal" if o.status.value == "optimal" \
            else "status_feasible"
        violations = "\n".join(_violation_text(self.plan, v) for v in self.plan.violations) if self.plan.violations \
            else word(lang, "none")
        e = [
            ("s_scenario", s.name, "text"), ("s_description", s.config.description, "text"),
            ("s_buyer", s.config.buyer.name, "text"), ("s_date", self.date, "date"), ("s_currency", self.cur, "text"),
            ("s_contract_years", s.config.contract_years, "num"),
            ("s_objective", fields.choice_word("objective.kind", s.config.objective.kind, lang), "text"),
            ("s_objective_value", self.plan.objective, "money"), ("s_status", word(lang, status), "text"),
            ("s_solver", o.version if o else "", "text"), ("s_bound", o.bound if o else None, "money"),
            ("s_gap", o.gap if o else None, "pct2"),        # two decimals: 0.4 % and 0.04 % differ
            ("s_n_lots", m["n_lots"], "int"),
            ("s_annual_value", m["annual_value"], "money"), ("s_contract_value", m["contract_value"], "money"),
            ("s_admin_cost", m["admin_cost"], "money"), ("s_competition_value", m.get("competition_value"), "money"),
            ("s_net_cost", m.get("net_cost"), "money"), ("s_local_share", m["local_share"], "pct"),
            ("s_sme_share", m.get("sme_share"), "pct"), ("s_expected_bids_mean", m["expected_bids_mean"], "dec"),
            ("s_min_eligible", m["min_eligible_bidders"], "int"), ("s_lots_at_risk", m["lots_at_risk"], "int"),
            ("s_lots_without_local", m["lots_without_local_bidder"], "int"),
            ("s_lots_without_sme", m.get("lots_without_sme_bidder"), "int"),
            ("s_regime", word(lang, "regime_" + regime_key(self.plan)), "text"),
            ("s_eu_threshold", m["eu_threshold"], "money"),
            ("s_max_lots_per_tenderer", s.config.rules.max_lots_per_tenderer, "int"),
            ("s_violations", violations, "text"),
        ]
        self.key_values("sheet_summary", [(self.header(k), v, kind) for k, v, kind in e])

    def lot_rows(self) -> list[dict]:
        plan, lang = self.plan, self.lang
        rows = []
        for lot in plan.lots:
            cpv = C.lot_cpv(plan, lot)
            rows.append({
                "lot_id": lot.id, "title": C.lot_title(plan, lot, lang), "areas": "; ".join(C.area_names(plan, lot)),
                "groups": "; ".join(C.group_names(plan, lot)), "main_cpv": cpv[0],
                "additional_cpv": "; ".join(cpv[1:]), "nuts3": "; ".join(C.lot_nuts(plan, lot)),
                "nature": fields.choice_word("product_groups.nature", C.lot_nature(plan, lot), lang),
                "annual_value": lot.annual_value, "contract_value": lot.contract_value, "n_eligible": lot.n_eligible,
                "eligible": "; ".join(C.supplier_names(plan, lot.eligible)),
                "local_eligible": "; ".join(C.supplier_names(plan, C.local_eligible(plan, lot))),
                "expected_bids": lot.expected_bids, "no_bid_chance": lot.no_bid_chance,
                "local_chance": lot.local_chance, "sme_chance": lot.sme_chance,
                "competition_value": lot.competition_value, "admin_cost": lot.admin_cost, "net_cost": lot.net_cost,
                "regime": word(lang, "regime_" + regime_key(plan, lot)), "exempt": lot.exempt,
            })
        return rows

    def area_rows(self) -> list[dict]:
        s = self.s
        return [{"lot_id": lot.id, "area_id": a, "area": str(s.areas.loc[a, "name"]),
                 "nuts3": str(s.areas.loc[a, "nuts3"]), "groups": "; ".join(C.group_names(self.plan, lot)),
                 "area_value": float(s.demand.loc[a, list(lot.groups)].sum())}
                for lot in self.plan.lots for a in lot.areas]

    def supplier_lot_rows(self) -> list[dict]:
        sup = self.s.suppliers
        return [{"lot_id": lot.id, "supplier": str(sup.loc[x, "name"]), "local": bool(sup.loc[x, "local"]),
                 "sme": bool(sup.loc[x, "sme"]), "propensity": float(sup.loc[x, "propensity"])}
                for lot in self.plan.lots for x in lot.eligible]

    def group_rows(self) -> list[dict]:
        s = self.s
        return [{"group_id": g, "group": str(r["name"]), "cpv": str(r["cpv"]),
                 "nature": fields.choice_word("product_groups.nature", r["nature"], self.lang),
                 "annual_value": float(s.demand[g].sum())} for g, r in s.groups.iterrows()]

    def supplier_rows(self) -> list[dict]:
        s = self.s
        names = s.groups["name"]
        return [{"supplier": str(r["name"]), "groups": "; ".join(str(names[g]) for g in r["groups"] if g in names),
                 "local": bool(r["local"]), "sme": bool(r["sme"]), "propensity": float(r["propensity"]),
                 "capacity": _finite(r.get("capacity")), "turnover": _finite(r.get("turnover"))}
                for _, r in s.suppliers.iterrows()]

    def inputs(self) -> None:
        """The scenario as it was run, field by field in the scenario workbook's words."""
        cfg, lang = self.s.config, self.lang
        entries: list[tuple[str, object, str]] = []
        for sheet in ("scenario", "costs", "rules"):
            for e in fields.layout(sheet):
                if "heading" in e:
                    entries.append((e["heading"][lang], None, "heading"))
                    continue
                key = e["key"]
                unit = fields.unit_text(e.get("unit"), lang, self.cur)
                label = e["label"][lang] + (f" ({unit})" if unit else "")
                entries.append((label, *_input_value(cfg, key, lang, self.plan)))
        entries.append((word(lang, "in_files"), None, "heading"))
        dump = config_dump(self.plan)
        if cfg.areas.official:
            entries.append((word(lang, "in_official"), "; ".join(self.s.areas.index), "text"))
        for key, section in (("in_groups_file", "product_groups"), ("in_demand_file", "demand"),
                             ("in_suppliers_file", "suppliers")):
            d = dump[section]
            entries.append((word(lang, key), d["file"] + (f" ({d['sheet']})" if d.get("sheet") else ""), "text"))
        links = "; ".join(f"{l.a} – {l.b} ({fields.choice_word('links.kind', l.kind, lang)})"
                          + (f": {l.note}" if l.note else "") for l in cfg.geography.links)
        entries.append((word(lang, "in_links"), links or word(lang, "none"), "text"))
        legacy = "; ".join(f"{x['name']} ({x['file']})" for x in dump["baselines"]["legacy"])
        entries.append((word(lang, "in_legacy"), legacy or word(lang, "none"), "text"))
        self.key_values("sheet_inputs", entries)

    def columns_sheet(self) -> None:
        ws = self.sheet("sheet_columns")
        heads = [word(self.lang, "sheet"), word(self.lang, "column"), word(self.lang, "meaning")]
        widths = (26, 34, 90)
        for j, (h, w) in enumerate(zip(heads, widths)):
            ws.set_column(j, j, w)
            ws.write_string(0, j, h, self.f["head"])
        for i, row in enumerate(self.explained, start=1):
            for j, v in enumerate(row):
                ws.write_string(i, j, v, self.f["text"])
            ws.set_row(i, row_height(list(zip(row, widths))))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(self.explained), 1), 2)


def _input_value(cfg, key: str, lang: str, plan: LotPlan) -> tuple[object, str]:
    """A scenario field's value and how to show it (``num`` as the value is; words for
    yes/no and choices; lists as ``a + b; c``)."""
    node = cfg
    for part in key.split("."):
        node = getattr(node, part)
    kind = fields.kind(key)
    if key in ("areas.file", "geography.distance_matrix"):
        section, name = key.split(".")
        v = config_dump(plan)[section][name]
        return (v["file"] if isinstance(v, dict) else v), "text"
    if node is None:
        return None, "text"
    if kind == "bool":
        return word(lang, "yes" if node else "no"), "text"
    if kind == "choice":
        return (fields.choice_word(key, node, lang) if fields.choice_list(key) else str(node)), "text"
    if kind in ("int", "float"):
        return float(node), "num"
    if kind == "sets":
        return "; ".join(" + ".join(s) for s in node), "text"
    if kind == "numbers":
        return "; ".join(f"{x:g}" for x in node), "text"
    if kind in ("date", "datetime"):
        return node.isoformat(), "text"
    return str(node), "text"


def _violation_text(plan: LotPlan, v) -> str:
    from lotsplit.export.memo import violation_text

    return violation_text(plan, v)


def _finite(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _shown(v, kind: str = "text") -> str:
    if v is None:
        return ""
    if kind == "bool":
        return "yes"
    if isinstance(v, float):
        return "00.0 %" if kind.startswith("pct") else f"{v:,.2f}"
    return str(v)


def config_dump(plan: LotPlan) -> dict:
    """The resolved scenario (``config.model_dump()``) with data-file paths relative to the
    scenario file, so no machine path leaves the machine."""
    import os

    d = plan.scenario.config.model_dump(mode="json")
    base = plan.scenario.path.parent.resolve() if plan.scenario.path else None

    def relative(v):
        if isinstance(v, str) and os.path.isabs(v):
            return Path(os.path.relpath(v, base)).as_posix() if base else Path(v).name
        return v

    for section, key in (("areas", "file"), ("product_groups", "file"), ("demand", "file"), ("suppliers", "file"),
                         ("geography", "distance_matrix")):
        value = d.get(section, {}).get(key)
        if isinstance(value, dict):
            value["file"] = relative(value.get("file"))
        elif key in d.get(section, {}):
            d[section][key] = relative(value)
    for item in d.get("baselines", {}).get("legacy", []):
        item["file"] = relative(item["file"])
    return d
