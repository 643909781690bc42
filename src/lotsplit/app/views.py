"""What the pages show, in the scenario's language: the scenario's tables and map, a
plan's headline figures, status and lots, the frontier chart.

Numbers and words come from the exports (:mod:`lotsplit.export.common` formats money and
shares, :mod:`lotsplit.export.xlsx_texts` names the metrics and the solver's status, the
frontier report its axes and baselines), so the app says what the workbook and the memo
say.  The maps are SVG drawn here (the scenario) or the offline web map export (a plan).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lotsplit.app.forms import current_values, form_fields
from lotsplit.app.texts import problem_words, t
from lotsplit.app.workspace import Workspace
from lotsplit.export import common as C
from lotsplit.export.xlsx_texts import word as xw

DEMAND_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
MAP_WIDTH = 800.0


# --------------------------------------------------------------------------- scenario

def scenario_tables(s) -> dict[str, Any]:
    """Areas (with demand per group), product groups and suppliers as rows of text."""
    from lotsplit.scenario import fields as F

    lang, cur = s.config.language, s.currency
    groups = list(s.groups.index)
    gname = {g: str(s.groups.loc[g, "name"]) for g in groups}
    areas = []
    for a in s.areas.index:
        row = s.demand.loc[a] if a in s.demand.index else None
        areas.append({"id": a, "name": str(s.areas.loc[a, "name"]),
                      "nuts3": str(s.areas.loc[a, "nuts3"]) if "nuts3" in s.areas.columns else "",
                      "demand": [C.number(float(row[g]), lang) if row is not None else "" for g in groups],
                      "total": C.number(float(row.sum()) if row is not None else 0.0, lang)})
    per_group = s.demand.sum(axis=0)
    group_rows = [{"id": g, "name": gname[g], "cpv": str(s.groups.loc[g, "cpv"]),
                   "nature": F.choice_word("product_groups.nature", str(s.groups.loc[g, "nature"]), lang),
                   "total": C.number(float(per_group.get(g, 0.0)), lang)} for g in groups]
    sup = s.suppliers
    n_areas = len(s.areas)
    suppliers = []
    for sid in sup.index:
        r = sup.loc[sid]
        reached = [a for a in s.areas.index if bool(s.reach.loc[sid, a])] if sid in s.reach.index else []
        suppliers.append({
            "id": sid, "name": str(r["name"]), "groups": ", ".join(gname.get(g, g) for g in r["groups"]),
            "reach": t(lang, "everywhere") if len(reached) == n_areas else
            ", ".join(str(s.areas.loc[a, "name"]) for a in reached) or "–",
            "n_reach": len(reached),
            "capacity": _amount(r["capacity"], lang), "turnover": _amount(r["turnover"], lang),
            "local": t(lang, "yes") if bool(r["local"]) else t(lang, "no"),
            "sme": t(lang, "yes") if bool(r["sme"]) else t(lang, "no"),
            "propensity": C.number(float(r["propensity"]), lang, decimals=2)})

    def head(role: str, col: str) -> str:
        return F.column_label(role, col, lang).replace("{cur}", cur)

    heads = {"area": head("areas", "name"), "nuts3": head("areas", "nuts3"), "group": head("product_groups", "name"),
             "cpv": head("product_groups", "cpv"), "nature": head("product_groups", "nature"),
             "supplier": head("suppliers", "name"), "groups": head("suppliers", "groups"),
             "capacity": _with_currency(head("suppliers", "capacity"), cur),
             "turnover": _with_currency(head("suppliers", "turnover"), cur),
             "local": head("suppliers", "local"), "sme": head("suppliers", "sme"),
             "propensity": head("suppliers", "propensity")}
    return {"groups": group_rows, "group_names": [gname[g] for g in groups], "areas": areas, "suppliers": suppliers,
            "heads": heads}


def _with_currency(head: str, cur: str) -> str:
    """A column of amounts names its currency."""
    return head if cur in head else f"{head} ({cur})"


def _amount(x, lang: str) -> str:
    x = float(x)
    return t(lang, "unlimited") if not math.isfinite(x) else C.number(x, lang)


def scenario_facts(s) -> str:
    from lotsplit.export.texts import ntext

    lang = s.config.language
    return t(lang, "scenario_facts", areas=ntext(lang, "n_areas", len(s.areas)), groups=len(s.groups),
             suppliers=ntext(lang, "n_suppliers", len(s.suppliers)),
             value=C.money(s.total_annual_value, s.currency, lang), years=C.number(s.config.contract_years, lang))


def scenario_map(s) -> dict[str, Any]:
    """The scenario's areas (shaded by demand per year), their names, and the suppliers
    (local ones round and green, others square), for an inline SVG; ``reach`` says which
    areas each supplier reaches (the page highlights them on a click)."""
    import shapely

    from lotsplit.export import labels as L
    from lotsplit.export.webmap import _path_d

    lang, cur = s.config.language, s.currency
    minx, miny, maxx, maxy = s.areas.total_bounds
    k = MAP_WIDTH / max(maxx - minx, 1.0)
    pad = 0.04 * MAP_WIDTH

    def tx(xy):
        return np.column_stack(((xy[:, 0] - minx) * k + pad, (maxy - xy[:, 1]) * k + pad))

    geoms = s.areas.geometry
    simple = dict(zip(s.areas.index, shapely.coverage_simplify(geoms.to_numpy(), tolerance=0.6 / k)))
    totals = s.demand.sum(axis=1).reindex(s.areas.index).fillna(0.0)
    positive = totals[totals > 0]
    edges = list(np.quantile(positive, np.linspace(0, 1, len(DEMAND_COLOURS) + 1))) if len(positive) else []

    def colour(v: float) -> str:
        if v <= 0 or not edges:
            return "#ffffff"
        for i in range(len(DEMAND_COLOURS)):
            if v <= edges[i + 1] + 1e-9:
                return DEMAND_COLOURS[i]
        return DEMAND_COLOURS[-1]

    areas = [{"id": a, "name": str(s.areas.loc[a, "name"]), "fill": colour(float(totals[a])),
              "demand": C.money(float(totals[a]), cur, lang), "d": _path_d(simple[a], tx)} for a in s.areas.index]
    height = (maxy - miny) * k + 2 * pad
    width = MAP_WIDTH + 2 * pad
    size = round(0.016 * max(width, height))          # readable however tall the map is
    placed = L.place_names([(a, str(s.areas.loc[a, "name"]), g) for a, g in geoms.items()],
                           bounds=(minx, miny, maxx, maxy), taken=(),
                           measure=lambda n: (L.text_width(n, size) / k, 1.2 * size / k))
    names = []
    for p in placed:
        (x, y), = tx(np.array([[p.x, p.y]]))
        leader = ""
        if p.leader is not None:
            (sx, sy), (lx, ly) = tx(np.array([p.leader_start(), p.leader]))
            leader = f"M{sx:.1f} {sy:.1f}L{lx:.1f} {ly:.1f}"
        names.append({"x": round(float(x), 1), "y": round(float(y), 1), "text": p.name, "leader": leader})
    sup = s.suppliers
    suppliers, reach = [], {}
    for sid in sup.index:
        (x, y), = tx(np.array([[float(sup.loc[sid, "x"]), float(sup.loc[sid, "y"])]]))
        reach[str(sid)] = [str(a) for a in s.areas.index if sid in s.reach.index and bool(s.reach.loc[sid, a])]
        suppliers.append({"id": str(sid), "name": str(sup.loc[sid, "name"]), "local": bool(sup.loc[sid, "local"]),
                          "x": round(float(x), 1), "y": round(float(y), 1),
                          "reaches": t(lang, "reaches", n=len(reach[str(sid)]), total=len(s.areas))})
    legend = []
    if edges:
        for i, c in enumerate(DEMAND_COLOURS):
            legend.append({"fill": c, "text": f"{C.millions(edges[i], cur, lang)} – {C.millions(edges[i + 1], cur, lang)}"})
    return {"width": round(width, 1), "height": round(height, 1), "areas": areas, "names": names, "size": size,
            "mark": round(0.45 * size, 1),
            "suppliers": suppliers, "reach": reach, "legend": legend,
            "outline": _path_d(shapely.union_all(list(simple.values())), tx)}


def problem_rows(problems, lang: str) -> list[dict[str, str]]:
    sev = {"warning": t(lang, "severity_warning"), "note": t(lang, "severity_note")}
    seen = {(p.file, p.where) for p in problems if p.message != "required field is missing"}
    # A value the reader refused also leaves its field missing: the refusal says it all.
    shown = [p for p in problems if p.message != "required field is missing" or (p.file, p.where) not in seen]
    return [{"file": p.file, "where": problem_words(lang, p.where), "message": problem_words(lang, p.message),
             "fix": problem_words(lang, p.fix), "severity": sev.get(p.severity, "")} for p in shown]


# --------------------------------------------------------------------------- a plan

def status_text(plan, *, interrupted: bool = False) -> tuple[str, str]:
    """The solver's honest status in words and a class: ``proven optimal`` only when it is;
    otherwise "best found" with what stopped it, the bound and the gap."""
    s = plan.scenario
    lang = s.config.language
    o = plan.outcome
    if o is None:
        return xw(lang, "status_evaluated"), "evaluated"
    if o.status.value == "optimal" and not interrupted:
        return xw(lang, "status_optimal"), "optimal"
    termination = getattr(o.termination, "value", o.termination)
    if interrupted or termination == "interrupted":
        words = t(lang, "status_interrupted")
    elif termination == "time_limit":
        words = t(lang, "status_time_limit")
    else:
        words = xw(lang, "status_feasible")
    if o.bound is not None:
        gap = "?" if o.gap is None else C.percent(o.gap, lang, decimals=1)
        words += " (" + t(lang, "status_bound_gap", bound=C.money(o.bound, s.currency, lang), gap=gap) + ")"
    return words, "unproven"


def headline(plan) -> list[tuple[str, str]]:
    """The headline figures of a plan (labels with the currency)."""
    s = plan.scenario
    lang, cur = s.config.language, s.currency
    m = plan.metrics
    rows = [("s_n_lots", str(m["n_lots"])),
            ("s_admin_cost", C.number(m["admin_cost"], lang)),
            ("s_competition_value", C.number(m["competition_value"], lang)),
            ("s_net_cost", C.number(m["net_cost"], lang)),
            ("s_local_share", C.percent(m["local_share"], lang, decimals=1)),
            ("s_sme_share", C.percent(m["sme_share"], lang, decimals=1)),
            ("s_expected_bids_mean", C.number(m["expected_bids_mean"], lang, decimals=1)),
            ("s_lots_at_risk", str(m["lots_at_risk"])),
            ("s_lots_without_local", str(m["lots_without_local_bidder"])),
            ("s_contract_value", C.number(m["contract_value"], lang))]
    return [(xw(lang, key, cur=cur), value) for key, value in rows]


def lot_rows(plan) -> dict[str, Any]:
    s = plan.scenario
    lang, cur = s.config.language, s.currency
    heads = [xw(lang, k, cur=cur) for k in ("lot_id", "title", "annual_value", "n_eligible", "local_eligible",
                                               "expected_bids", "local_chance", "sme_chance", "no_bid_chance",
                                               "admin_cost", "net_cost")]
    rows = []
    for lot in plan.lots:
        rows.append([C.lot_label(lot.id), C.lot_title(plan, lot, lang), C.number(lot.annual_value, lang),
                     str(lot.n_eligible), ", ".join(C.supplier_names(plan, C.local_eligible(plan, lot))) or "–",
                     C.number(lot.expected_bids, lang, decimals=1), C.percent(lot.local_chance, lang),
                     C.percent(lot.sme_chance, lang), C.percent(lot.no_bid_chance, lang),
                     C.number(lot.admin_cost, lang), C.number(lot.net_cost, lang)])
    return {"heads": heads, "rows": rows}


# --------------------------------------------------------------------------- the frontier

def frontier_chart(f, lang: str, selected: str | None) -> dict[str, Any]:
    """The frontier as an SVG chart: local share (%) across, net cost (currency) up; each
    point a link that shows its plan; the baselines as diamonds (legacy plans as stars)."""
    from lotsplit.export.frontier_report import baseline_name
    from lotsplit.export.texts import ntext, text

    cur = f.scenario.currency
    items = [{"key": f"F{i:02d}", "x": 100 * p.local_share, "y": p.cost, "lots": p.n_lots, "kind": "frontier",
              "proven": p.status.value == "optimal", "name": t(lang, "point", label=f"F{i:02d}")}
             for i, p in enumerate(f.points, 1)]
    items += [{"key": b.key, "x": 100 * float(b.plan.metrics["local_share"]), "y": float(b.plan.metrics["net_cost"]),
               "lots": int(b.plan.metrics["n_lots"]), "kind": "legacy" if b.key.startswith("legacy") else "baseline",
               "proven": True, "name": baseline_name(b, lang)} for b in f.baselines]
    W, H, left, right, top, bottom = 760.0, 440.0, 96.0, 20.0, 40.0, 52.0
    xs, ys = [i["x"] for i in items] or [0.0, 100.0], [i["y"] for i in items] or [0.0, 1.0]
    x0, x1 = _span(min(xs), max(xs))
    y0, y1 = _span(min(ys), max(ys))

    def px(x: float) -> float:
        return round(left + (x - x0) / (x1 - x0) * (W - left - right), 1)

    def py(y: float) -> float:
        return round(H - bottom - (y - y0) / (y1 - y0) * (H - top - bottom), 1)

    for i in items:
        i["cx"], i["cy"] = px(i["x"]), py(i["y"])
        i["selected"] = i["key"] == selected
        i["tip"] = (f"{i['name']}: {ntext(lang, 'n_lots', i['lots'])}, {C.money(i['y'], cur, lang)}, "
                    f"{C.percent(i['x'] / 100, lang, decimals=1)}")
    line = " ".join(f"{i['cx']},{i['cy']}" for i in sorted((i for i in items if i["kind"] == "frontier"),
                                                           key=lambda i: i["x"]))
    xticks = [{"v": C.number(v, lang, decimals=0 if v == int(v) else 1), "p": px(v)} for v in _ticks(x0, x1)]
    yticks = [{"v": C.number(v, lang), "p": py(v)} for v in _ticks(y0, y1)]
    return {"w": W, "h": H, "left": left, "bottom": H - bottom, "top": top, "right": W - right, "items": items,
            "line": line, "xticks": xticks, "yticks": yticks, "xlabel": text(lang, "fp_x"),
            "ylabel": text(lang, "fp_y", c=cur)}


def _span(lo: float, hi: float) -> tuple[float, float]:
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step) + 1)]


# --------------------------------------------------------------------------- page data

def change_list(ws: Workspace, v) -> list[tuple[str, str, str]]:
    """The fields a variant changes: (label, base value, the variant's value)."""
    from lotsplit.app import forms

    labels = {f.key: f for f in forms.form_fields(ws.lang, ws.base.scenario.currency)}
    out = []
    for section, changed in v.changes.items():
        for name, value in changed.items():
            key = f"{section}.{name}"
            f = labels.get(key)
            old = forms._get(ws.base.scenario.config, key)
            kind = f.kind if f else "text"
            out.append((f.label if f else key, forms.shown_value(old, kind, ws.lang) or "–",
                        forms.shown_value(value, kind, ws.lang) or "–"))
    return out


def plan_view(entry) -> dict | None:
    """What a plan's part of a page shows: status, headline figures, lots, violations."""
    if entry is None:
        return None
    plan = entry.plan
    status, css = status_text(plan, interrupted=entry.interrupted)
    return {"status": status, "css": css, "headline": headline(plan), "lots": lot_rows(plan),
            "n_lots": len(plan.lots), "violations": list(plan.violations)}


def job_error(ws: Workspace, kind: str) -> dict | None:
    """The last job's failure, in words (problems listed, reasons of infeasibility)."""
    from lotsplit.errors import InfeasibleError, LotsplitError, NoPlanFoundError, ScenarioError

    job = ws.job
    if job is None or job.kind != kind or job.status != "failed":
        return None
    exc = job.error
    if isinstance(exc, InfeasibleError):
        return {"title": t(ws.lang, "infeasible"), "lines": list(exc.reasons)}
    if isinstance(exc, NoPlanFoundError):
        if job.stop.is_set():
            return {"title": t(ws.lang, "stopped_no_plan"), "lines": []}
        return {"title": t(ws.lang, "no_plan"), "lines": [str(exc)]}
    if isinstance(exc, ScenarioError):
        return {"title": t(ws.lang, "failed"), "lines": [str(p) for p in exc.problems]}
    if isinstance(exc, LotsplitError):
        return {"title": t(ws.lang, "failed"), "lines": [str(exc)]}
    return {"title": t(ws.lang, "failed"), "lines": [t(ws.lang, "unexpected", error=f"{type(exc).__name__}: {exc}")]}


def num(x, lang: str) -> str:
    return C.number(float(x), lang)


def pct(x, lang: str) -> str:
    return C.percent(float(x), lang, decimals=1)


def frontier_headline(f) -> str:
    if f is None:
        return ""
    from lotsplit.export.frontier_report import headline as words

    return words(f)


def compare_table(ws: Workspace) -> dict | None:
    """The comparison's headline figures, one row per variant."""
    c = ws.comparison
    if c is None:
        return None
    lang = ws.lang
    cur = ws.base.scenario.currency
    cols = [("n_lots", "s_n_lots", "int"), ("admin_cost", "s_admin_cost", "money"),
            ("competition_value", "s_competition_value", "money"), ("net_cost", "s_net_cost", "money"),
            ("local_share", "s_local_share", "share"), ("expected_bids_mean", "s_expected_bids_mean", "dec"),
            ("lots_at_risk", "s_lots_at_risk", "int"), ("lots_without_local_bidder", "s_lots_without_local", "int")]
    rows = []
    first = current_values(c.scenarios[0].config, lang) if c.scenarios else {}
    labels = {f.key: f.label for f in form_fields(lang, cur)}
    for r, s in zip(c.runs, c.scenarios):
        cells = []
        for col, _, kind in cols:
            v = r.metrics.get(col)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("–")
            elif kind == "money":
                cells.append(num(v, lang))
            elif kind == "share":
                cells.append(pct(v, lang))
            elif kind == "dec":
                cells.append(C.number(float(v), lang, decimals=1))
            else:
                cells.append(str(int(v)))
        status = xw(lang, f"status_{r.status}") if r.status in ("optimal", "feasible") else f"{r.status}: {r.message}"
        now = current_values(s.config, lang)
        differs = "; ".join(f"{labels[k]}: {first.get(k) or '–'} → {v or '–'}" for k, v in now.items()
                            if r.index and v != first.get(k))
        rows.append({"label": r.label, "cells": cells, "status": status, "differs": differs,
                     "key": ws.comparison_keys.get(r.label)})
    return {"heads": [xw(lang, k, cur=cur) for _, k, _ in cols], "rows": rows}


def uncertainty_view(ws: Workspace) -> dict | None:
    """The Monte Carlo reading of the chosen plan (``lotsplit.monte_carlo``): one row per
    figure, in the batch tables' words, for the variant it was run on."""
    from lotsplit.batch import texts as B

    if ws.uncertainty is None:
        return None
    name, result = ws.uncertainty
    if result.scenarios.empty:
        return None
    row = result.scenarios.iloc[0]
    lang, cur = ws.lang, str(row["currency"])
    shares = ("local_share", "single_lot_local_share", "local_share_mean", "local_share_p5", "local_share_p95",
              "split_helps", "chosen_optimal", "chosen_breaks_rules", "no_bid_any_mean")
    money = ("admin_cost_mean", "net_cost_mean", "net_cost_p95")
    order = ("samples", "local_share", "single_lot_local_share", "local_share_mean", "local_share_p5",
             "local_share_p95", "split_helps", "chosen_optimal", "distinct_plans", "admin_cost_mean",
             "net_cost_mean", "net_cost_p95", "lots_at_risk_mean", "no_bid_any_mean", "chosen_breaks_rules")
    rows = []
    for key in order:
        v = row.get(key)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if key in shares:
            text = pct(float(v), lang)
        elif key in money:
            text = num(float(v), lang)
        elif key == "lots_at_risk_mean":
            text = C.number(float(v), lang, decimals=1)
        else:
            text = str(int(v))
        rows.append((B.header(lang, key, cur), text))
    return {"variant": name, "rows": rows}
