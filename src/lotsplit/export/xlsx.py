"""``lots.xlsx``: the lot table for planners (Excel).

Sheets: Summary, Lots, Areas per lot, Suppliers per lot, Inputs, Product groups,
Suppliers, and what each column of Lots means (in the scenario's language).  Every sheet has a frozen header row, filters, number formats and column
widths.  Text from the input files is always written as text: XlsxWriter's conversion of
strings to formulas, links and numbers is off, so a supplier named ``=HYPERLINK(...)``
stays a string.  Byte-identical for the same plan and date: XlsxWriter writes fixed zip
timestamps, and the document properties carry the export date only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import xlsxwriter

from lotsplit.export import common as C
from lotsplit.plan import LotPlan

MAX_WIDTH = 60


def lots_rows(plan: LotPlan) -> list[dict]:
    """One dict per lot with the columns of the Lots sheet (shared with the GeoPackage)."""
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


COLUMN_HELP_HEAD = {"en": ("Columns", "column", "meaning (sheet Lots)"),
                    "sv": ("Kolumner", "kolumn", "betydelse (bladet Lots)"),
                    "da": ("Kolonner", "kolonne", "betydning (arket Lots)")}
"""The last sheet: what each column of the Lots sheet means, in the scenario's language."""
COLUMN_HELP = {
    "lot_id": {"en": "Lot number in the tender (eForms LOT-nnnn)", "sv": "Delkontraktets nummer i upphandlingen (eForms LOT-nnnn)",
               "da": "Delkontraktens nummer i udbuddet (eForms LOT-nnnn)"},
    "title": {"en": "Lot title", "sv": "Delkontraktets rubrik", "da": "Delkontraktens titel"},
    "areas": {"en": "Areas the lot covers", "sv": "Områden som delkontraktet omfattar", "da": "Områder, delkontrakten dækker"},
    "area_ids": {"en": "The same areas as ids from the areas file", "sv": "Samma områden som id:n i områdesfilen",
                 "da": "De samme områder som id'er fra områdefilen"},
    "product_groups": {"en": "Product groups in the lot", "sv": "Varugrupper i delkontraktet", "da": "Varegrupper i delkontrakten"},
    "product_group_ids": {"en": "The same groups as ids", "sv": "Samma varugrupper som id:n", "da": "De samme varegrupper som id'er"},
    "main_cpv": {"en": "Main CPV code", "sv": "Huvudsaklig CPV-kod", "da": "Hoved-CPV-kode"},
    "additional_cpv": {"en": "Additional CPV codes", "sv": "Ytterligare CPV-koder", "da": "Supplerende CPV-koder"},
    "nuts3": {"en": "Place of performance (NUTS-3)", "sv": "Utförandeort (NUTS-3)", "da": "Leveringssted (NUTS-3)"},
    "nature": {"en": "Supplies, services or works", "sv": "Varor, tjänster eller byggentreprenad",
               "da": "Varer, tjenesteydelser eller bygge- og anlægsarbejder"},
    "annual_value_CUR": {"en": "Estimated value per year ({cur})", "sv": "Uppskattat värde per år ({cur})",
                         "da": "Anslået værdi pr. år ({cur})"},
    "contract_value_CUR": {"en": "Estimated value over the whole contract period ({cur})",
                           "sv": "Uppskattat värde för hela avtalsperioden ({cur})",
                           "da": "Anslået værdi for hele kontraktperioden ({cur})"},
    "n_eligible": {"en": "Known suppliers that can bid (offer every group, reach every area, enough capacity and turnover)",
                   "sv": "Kända leverantörer som kan lämna anbud (erbjuder alla varugrupper, når alla områden, "
                         "tillräcklig kapacitet och omsättning)",
                   "da": "Kendte leverandører, der kan byde (tilbyder alle varegrupper, når alle områder, "
                         "tilstrækkelig kapacitet og omsætning)"},
    "eligible_suppliers": {"en": "Their names", "sv": "Deras namn", "da": "Deres navne"},
    "local_eligible_suppliers": {"en": "The local ones among them", "sv": "De lokala bland dem", "da": "De lokale blandt dem"},
    "expected_bids": {"en": "Expected number of bids (sum of each supplier's chance to bid)",
                      "sv": "Förväntat antal anbud (summan av varje leverantörs sannolikhet att lämna anbud)",
                      "da": "Forventet antal bud (summen af hver leverandørs sandsynlighed for at byde)"},
    "no_bid_chance": {"en": "Chance that nobody bids (the lot fails and must be re-tendered)",
                      "sv": "Sannolikhet att ingen lämnar anbud (delkontraktet måste upphandlas igen)",
                      "da": "Sandsynlighed for, at ingen byder (delkontrakten må genudbydes)"},
    "local_chance": {"en": "Chance that at least one local supplier bids",
                     "sv": "Sannolikhet att minst en lokal leverantör lämnar anbud",
                     "da": "Sandsynlighed for, at mindst én lokal leverandør byder"},
    "admin_cost_CUR": {"en": "Administrative cost of the lot over the contract ({cur}): per lot, per bid, per contract "
                             "year and the expected cost of a re-tender",
                       "sv": "Administrativ kostnad för delkontraktet under avtalstiden ({cur}): per delkontrakt, per "
                             "anbud, per avtalsår och förväntad kostnad för ny upphandling",
                       "da": "Administrativ omkostning for delkontrakten i kontraktperioden ({cur}): pr. delkontrakt, "
                             "pr. bud, pr. kontraktår og forventet omkostning ved genudbud"},
    "procedure_regime": {"en": "Procedure: EU (above the threshold) or national", "sv": "Förfarande: EU (över "
                         "tröskelvärdet) eller nationellt", "da": "Procedure: EU (over tærskelværdien) eller national"},
    "small_lot_exemption": {"en": "Small lot awarded under the national rules (the 20 % exemption, Directive 2014/24/EU "
                                  "art. 5)",
                            "sv": "Litet delkontrakt som upphandlas enligt nationella regler (20 %-undantaget, "
                                  "direktiv 2014/24/EU art. 5)",
                            "da": "Lille delkontrakt, der udbydes efter nationale regler (20 %-undtagelsen, "
                                  "direktiv 2014/24/EU art. 5)"},
}


def write_workbook(plan: LotPlan, path: str | Path, *, date: dt.date) -> Path:
    s = plan.scenario
    cur = s.currency
    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "nan_inf_to_errors": True})
    created = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
    wb.set_properties({"title": f"{s.name}: lots", "subject": "Lot plan", "author": "lotsplit",
                       "created": created, "comments": "Generated by lotsplit"})
    if hasattr(wb, "set_custom_property"):
        wb.set_custom_property("lotsplit scenario", s.name)
    fmt = {
        "head": wb.add_format({"bold": True, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top", "border": 1}),
        "money": wb.add_format({"num_format": "#,##0"}),
        "pct": wb.add_format({"num_format": "0.0%"}),
        "dec": wb.add_format({"num_format": "0.00"}),
        "int": wb.add_format({"num_format": "0"}),
        "text": wb.add_format({"num_format": "@"}),
        "key": wb.add_format({"bold": True}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
    }

    def kind(col: str) -> str:
        if col.endswith(f"_{cur}") or col in ("value",):
            return "money"
        if col in ("no_bid_chance", "local_chance", "local_share"):
            return "pct"
        if col in ("expected_bids", "propensity"):
            return "dec"
        return "text"

    def table(name: str, rows: list[dict], columns: list[str] | None = None) -> None:
        ws = wb.add_worksheet(name)
        columns = columns or (list(rows[0]) if rows else [])
        widths = [len(c) + 2 for c in columns]
        for j, c in enumerate(columns):
            ws.write_string(0, j, c, fmt["head"])
        for i, row in enumerate(rows, start=1):
            for j, c in enumerate(columns):
                _write(ws, i, j, row.get(c), fmt[kind(c)] if kind(c) != "text" else None)
                widths[j] = max(widths[j], min(MAX_WIDTH, len(_shown(row.get(c))) + 2))
        for j, w in enumerate(widths):
            ws.set_column(j, j, min(MAX_WIDTH, w))
        ws.freeze_panes(1, 0)
        if columns:
            ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)

    # Summary: key/value pairs.
    m = plan.metrics
    o = plan.outcome
    summary = [
        ("scenario", s.name), ("description", s.config.description), ("buyer", s.config.buyer),
        ("date", date.isoformat()), ("currency", cur), ("contract_years", s.config.contract_years),
        ("objective", s.config.objective.kind), ("objective_value", plan.objective),
        ("solver_status", o.status.value if o else "evaluated (not optimised)"),
        ("solver", f"{o.version}" if o else ""), ("bound", o.bound if o else None),
        ("gap", o.gap if o else None), ("n_lots", m["n_lots"]),
        (f"annual_value_{cur}", m["annual_value"]), (f"contract_value_{cur}", m["contract_value"]),
        (f"admin_cost_{cur}", m["admin_cost"]), ("local_share", m["local_share"]),
        ("expected_bids_mean", m["expected_bids_mean"]), ("min_eligible_bidders", m["min_eligible_bidders"]),
        ("lots_at_risk", m["lots_at_risk"]), ("lots_without_local_bidder", m["lots_without_local_bidder"]),
        ("regime", m["regime"]), (f"eu_threshold_{cur}", m["eu_threshold"]),
        ("max_lots_per_tenderer", s.config.rules.max_lots_per_tenderer),
        ("violations", "\n".join(plan.violations) if plan.violations else "none"),
    ]
    ws = wb.add_worksheet("Summary")
    ws.write_string(0, 0, "field", fmt["head"])
    ws.write_string(0, 1, "value", fmt["head"])
    for i, (k, v) in enumerate(summary, start=1):
        ws.write_string(i, 0, k, fmt["key"])
        f = fmt["pct"] if k in ("local_share", "gap") else fmt["money"] if k.endswith(f"_{cur}") else None
        _write(ws, i, 1, v, f)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 80)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(summary), 1)

    table("Lots", lots_rows(plan))

    area_rows = []
    for lot in plan.lots:
        for a in lot.areas:
            area_rows.append({"lot_id": lot.id, "area_id": a, "area_name": str(s.areas.loc[a, "name"]),
                              "nuts3": str(s.areas.loc[a, "nuts3"]), "product_groups": "; ".join(C.group_names(plan, lot)),
                              f"annual_value_{cur}": float(s.demand.loc[a, list(lot.groups)].sum())})
    table("Areas per lot", area_rows, ["lot_id", "area_id", "area_name", "nuts3", "product_groups", f"annual_value_{cur}"])

    sup_rows = []
    for lot in plan.lots:
        for x in lot.eligible:
            r = s.suppliers.loc[x]
            sup_rows.append({"lot_id": lot.id, "supplier_id": x, "supplier_name": str(r["name"]),
                             "local": bool(r["local"]), "sme": bool(r["sme"]), "propensity": float(r["propensity"])})
    table("Suppliers per lot", sup_rows, ["lot_id", "supplier_id", "supplier_name", "local", "sme", "propensity"])

    inputs = [{"parameter": k, "value": v} for k, v in _flatten(config_dump(plan)).items()]
    table("Inputs", inputs, ["parameter", "value"])
    groups = [{"product_group_id": g, "name": str(r["name"]), "cpv": str(r["cpv"]), "nature": str(r["nature"]),
               f"annual_value_{cur}": float(s.demand[g].sum())} for g, r in s.groups.iterrows()]
    table("Product groups", groups, ["product_group_id", "name", "cpv", "nature", f"annual_value_{cur}"])
    suppliers = []
    for x, r in s.suppliers.iterrows():
        suppliers.append({"supplier_id": x, "name": str(r["name"]), "groups": ";".join(r["groups"]),
                          "local": bool(r["local"]), "sme": bool(r["sme"]), "propensity": float(r["propensity"]),
                          f"capacity_{cur}": _num(r.get("capacity")), f"turnover_{cur}": _num(r.get("turnover"))})
    table("Suppliers", suppliers, ["supplier_id", "name", "groups", "local", "sme", "propensity", f"capacity_{cur}",
                                   f"turnover_{cur}"])
    lang = s.config.language if s.config.language in COLUMN_HELP_HEAD else "en"
    head = COLUMN_HELP_HEAD[lang]
    help_rows = [{head[1]: col, head[2]: COLUMN_HELP[col.replace(f"_{cur}", "_CUR")][lang].format(cur=cur)}
                 for col in lots_rows(plan)[0]] if plan.lots else []
    table(head[0], help_rows, list(head[1:]))
    wb.close()
    return path


def config_dump(plan: LotPlan) -> dict:
    """The resolved scenario (``config.model_dump()``) with data-file paths relative to the
    scenario file, so no machine path leaves the machine."""
    import os

    d = plan.scenario.config.model_dump(mode="json")
    base = plan.scenario.path.parent.resolve() if plan.scenario.path else None
    for section, key in (("areas", "file"), ("product_groups", "file"), ("demand", "file"), ("suppliers", "file"),
                         ("geography", "distance_matrix")):
        v = d.get(section, {}).get(key)
        if isinstance(v, str) and os.path.isabs(v):
            d[section][key] = Path(os.path.relpath(v, base)).as_posix() if base else Path(v).name
    return d


def _flatten(d, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (list, tuple)):
            out[key] = json.dumps(v, ensure_ascii=False)
        else:
            out[key] = v
    return out


def _num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def _shown(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def _write(ws, i: int, j: int, v, f=None) -> None:
    if v is None:
        ws.write_blank(i, j, None, f)
    elif isinstance(v, bool):
        ws.write_boolean(i, j, v, f)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        ws.write_number(i, j, float(v), f)
    elif hasattr(v, "item"):
        _write(ws, i, j, v.item(), f)
    else:
        ws.write_string(i, j, str(v), f)
