"""The internal decision memo, ``memo.html`` and ``memo.pdf``: the analysis behind the
public annex, for the authority's file and its lawyer.

It says what the annex may not: which known suppliers can bid for each lot (local ones and
SMEs marked), the model's estimates (local and SME chance, expected bids, chance of no bid,
value of competition) as estimates with the assumptions behind them, the alternatives
compared (one contract, one lot per group, one per area × group, the legacy plans, the
plan's neighbours), whether the authority's own weights favour another plan (for an
undivided plan: a divided one), the solver's proof or its gap, the scenario's warnings
and the plan's departures from the planner's conditions, and a checklist of what a lawyer
must verify before the annex is published — every legal reference with its status, every
figure from an older edition, every fill-in field.

>>> from lotsplit.synthetic import grid_scenario
>>> import lotsplit
>>> plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
>>> doc = build(plan, compare(plan), date=dt.date(2026, 3, 1))
>>> doc.internal, doc.blocks[0].text
(True, 'Decision memo (internal) – division into lots')
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export import document as D
from lotsplit.export import law
from lotsplit.export.annex import build as build_annex
from lotsplit.export.annex import kind_word, lot_combinations, lots_words
from lotsplit.export.document import Block
from lotsplit.export.reasons import Alternative, Reasons, compare
from lotsplit.export.texts import date_text, has_text, lower_first, ntext, text
from lotsplit.plan import LotPlan
from lotsplit.scenario.rule_checks import LOCALE_FIELDS

__all__ = ["build", "write_memo", "violation_text", "guess_language", "compare"]

MAX_NEIGHBOURS = 6
"""Splits and merges shown in the comparison table (the closest ones)."""

_WORDS = {
    "sv": {"och", "att", "är", "för", "på", "som", "med", "av", "till", "inte", "en", "ett", "den", "det", "i"},
    "da": {"og", "at", "er", "for", "på", "som", "med", "af", "til", "ikke", "en", "et", "den", "det", "i"},
    "en": {"and", "the", "is", "for", "on", "with", "of", "to", "not", "a", "an", "in", "that", "are"},
}


def guess_language(s: str) -> str | None:
    """The language (sv/da/en) a text is most likely written in, by its common words and
    letters; ``None`` when it cannot tell.

    >>> guess_language("Vinterväghållning i nio byområden; entreprenörerna är fiktiva och det är så.")
    'sv'
    """
    words = re.findall(r"[a-zåäöæø]+", s.lower())
    if len(words) < 5:
        return None
    score = {lang: sum(w in vocab for w in words) for lang, vocab in _WORDS.items()}
    score["sv"] += 2 * len(re.findall(r"[äö]", s.lower()))
    score["da"] += 2 * len(re.findall(r"[æø]", s.lower()))
    best = max(score, key=score.get)
    ranked = sorted(score.values(), reverse=True)
    return best if ranked[0] > ranked[1] else None


def violation_text(plan: LotPlan, v) -> str:
    """A condition the plan departs from, in the scenario's language (``plan.Violation``:
    code and values; a plain string is shown as it is).  Values named ``*_money``,
    ``*_pct`` and ``*_dec`` are formatted as amounts, percentages and decimals."""
    code = getattr(v, "code", None)
    if code is None:
        return str(v)
    s = plan.scenario
    lang = s.config.language
    params = {}
    for key, value in v.params.items():
        if key.endswith("_money"):
            value = D.amount(value, s.currency, lang)
        elif key.endswith("_pct"):
            value = C.percent(value, lang, decimals=1)
        elif key.endswith("_dec"):
            value = D.number(value, lang, decimals=2)
        params[key] = value
    return text(lang, "violation_" + code, **params)


def alt_name(plan: LotPlan, a: Alternative, lang: str) -> str:
    kind = kind_word(plan, lang)
    if a.kind == "legacy":
        return text(lang, "alt_legacy", name=a.name)
    if a.kind in ("single", "per_group", "finest"):
        return text(lang, f"alt_{a.kind}", kind=kind)
    if a.kind == "merge":
        return text(lang, "alt_merge", a=C.lot_label(a.lots[0]), b=C.lot_label(a.lots[1]))
    return text(lang, f"alt_{a.kind}", lot=C.lot_label(a.lots[0]), kind=kind)


def _status(lang: str, status: str) -> str:
    key = f"status_word_{status}"
    return text(lang, key) if has_text(key) else status


def _figure_status(lang: str, f: law.Figure) -> str:
    """``reservvärde: 2024–2025 års belopp, inte det gällande``."""
    key = f"st_{f.status}"
    return text(lang, key, ed=f.edition.replace("-", "–")) if has_text(key) else f.status


# --------------------------------------------------------------------------- the document

def build(plan: LotPlan, reasons: Reasons, *, date: dt.date) -> D.Document:
    s = plan.scenario
    cfg = s.config
    lang = cfg.language
    title = text(lang, "memo_title")
    B: list[Block] = [Block("h1", title), Block("banner", text(lang, "internal_banner"))]
    rows = [(text(lang, "procurement"), s.name), (text(lang, "buyer"), cfg.buyer.name or "–")]
    if s.path is not None:
        rows.append((text(lang, "m_data"), s.path.name))
    rows.append((text(lang, "m_plan"), text(lang, "m_plan_optimised" if plan.outcome else "m_plan_evaluated")))
    rows.append((text(lang, "date"), date_text(lang, date)))
    B.append(Block("meta", rows=rows))
    if cfg.description:
        said = guess_language(cfg.description)
        B.append(Block("h3", text(lang, "m_description")))
        B.append(Block("p", cfg.description if said in (None, lang) else text(lang, "m_description_other")))
    B += _summary(plan, reasons, lang)
    B += _measures(plan, lang)
    B += _lots(plan, lang)
    B += _assumptions(plan, lang)
    B += _competition(plan, reasons, lang)
    B += _alternatives(plan, reasons, lang)
    B += _solver(plan, lang)
    B += _notes(plan, lang)
    B += _checklist(plan, reasons, lang, date)
    return D.Document(lang, f"{title} – {s.name}", B, internal=True, author=cfg.buyer.name)


def sentence(s: str) -> str:
    """``s`` with its first letter in upper case (list items that start with a lot)."""
    return s[:1].upper() + s[1:]


def _money(plan: LotPlan, x: float) -> str:
    return D.amount(x, plan.scenario.currency, plan.scenario.config.language)


def _pct(plan: LotPlan, x: float, d: int = 1) -> str:
    return C.percent(x, plan.scenario.config.language, decimals=d)


def _summary(plan: LotPlan, r: Reasons, lang: str) -> list[Block]:
    m = plan.metrics
    one = len(plan.lots) == 1
    items = [text(lang, "s_plan", lots=text(lang, "s_one") if one else ntext(lang, "n_lots", len(plan.lots)))]
    better = r.better_divided() if one else r.better()
    if better:
        best = better[0]
        key = "s_better_divided" if one else "s_better"
        items.append(text(lang, key, k=len(better), alt=lower_first(alt_name(plan, best, lang)),
                          d=_money(plan, -best.d_objective)))
    else:
        items.append(text(lang, "s_best"))
    reg = law.regime(plan)
    if reg.known:
        n = reg.national
        items.append(text(lang, "s_regime", total=_money(plan, reg.total),
                          th=D.amount(n.value, n.currency, lang) if n.currency != "EUR" else _eur(lang, n.value),
                          status=_figure_status(lang, n),
                          ed=reg.edition, eur=_eur(lang, reg.eur.value) if reg.eur else "–"))
        if reg.close:
            items.append(text(lang, "s_close"))
    else:
        items.append(text(lang, "s_regime_none", cur=plan.scenario.currency))
    exempt = [l for l in plan.lots if l.exempt]
    if exempt:
        items.append(text(lang, "s_exempt", lots=lots_words(exempt, lang), share=_pct(plan, m["exempt_share"])))
    return [Block("h2", text(lang, "h_summary")), Block("list", rows=items)]


def _eur(lang: str, v: float) -> str:
    return text(lang, "eur", v=D.number(v, lang))


def _measures(plan: LotPlan, lang: str) -> list[Block]:
    m = plan.metrics
    obj = plan.scenario.config.objective
    rows = [(text(lang, "me_lots"), str(m["n_lots"])),
            (text(lang, "me_admin"), _money(plan, m["admin_cost"])),
            (text(lang, "me_comp"), _money(plan, m["competition_value"])),
            (text(lang, "me_net"), _money(plan, m["net_cost"])),
            (text(lang, "me_local"), _pct(plan, m["local_share"])),
            (text(lang, "me_sme"), _pct(plan, m["sme_share"])),
            (text(lang, "me_no_local"), str(m["lots_without_local_bidder"])),
            (text(lang, "me_no_sme"), str(m["lots_without_sme_bidder"])),
            (text(lang, "me_min_elig"), str(m["min_eligible_bidders"])),
            (text(lang, "me_bids"), D.number(m["expected_bids_mean"], lang, decimals=1)),
            (text(lang, "me_risk", p=_pct(plan, m["at_risk_no_bid_chance"], 0)), str(m["lots_at_risk"])),
            (text(lang, "me_objective", kind=text(lang, f"obj_{obj.kind}")), D.number(plan.objective, lang))]
    return [Block("h2", text(lang, "h_measures")), Block("meta", rows=rows)]


def _lots(plan: LotPlan, lang: str) -> list[Block]:
    s = plan.scenario
    cur = s.currency
    sup = s.suppliers
    B = [Block("h2", text(lang, "h_memo_lots")),
         Block("p", text(lang, "lots_intro", kinds=kind_word(plan, lang, 2), kind_one=kind_word(plan, lang)))]
    rows = []
    for l in plan.lots:
        local = sum(bool(sup.loc[x, "local"]) for x in l.eligible)
        sme = sum(bool(sup.loc[x, "sme"]) for x in l.eligible)
        rows.append([C.lot_label(l.id), D.number(l.annual_value, lang), str(l.n_eligible), str(local), str(sme),
                     D.number(l.expected_bids, lang, decimals=1), _pct(plan, l.no_bid_chance, 0),
                     _pct(plan, l.local_chance, 0), _pct(plan, l.sme_chance, 0), D.number(l.net_cost, lang)])
    B.append(Block("table", header=[text(lang, "col_no"), text(lang, "col_year", c=cur), text(lang, "col_elig"),
                                    text(lang, "col_elig_local"), text(lang, "col_elig_sme"), text(lang, "col_bids"),
                                    text(lang, "col_no_bid"), text(lang, "col_local"), text(lang, "col_sme"),
                                    text(lang, "col_net", c=cur)],
                   rows=rows, numeric=tuple(range(1, 10))))
    names = []
    for l in plan.lots:
        marked = []
        for x in l.eligible:
            flags = "".join(f for f, on in (("L", sup.loc[x, "local"]), ("S", sup.loc[x, "sme"])) if bool(on))
            marked.append(f"{sup.loc[x, 'name']}" + (f" ({flags})" if flags else ""))
        names.append([f"{C.lot_label(l.id)}: {C.lot_title(plan, l, lang)}", "; ".join(marked) or "–"])
    B.append(Block("table", header=[text(lang, "col_lot_title"), text(lang, "col_suppliers")], rows=names))
    return B


def _assumptions(plan: LotPlan, lang: str) -> list[Block]:
    s = plan.scenario
    cfg = s.config
    sup = s.suppliers
    costs = cfg.costs
    items = [text(lang, "a_eligible", kinds=kind_word(plan, lang, 2), kind_one=kind_word(plan, lang),
                  tau=D.number(s.turnover_multiple, lang, decimals=1)),
             text(lang, "a_propensity", lo=D.number(float(sup["propensity"].min()), lang, decimals=2),
                  hi=D.number(float(sup["propensity"].max()), lang, decimals=2)),
             text(lang, "a_local", n_local=int(sup["local"].astype(bool).sum()), n_sme=int(sup["sme"].astype(bool).sum()),
                  n=len(sup)),
             text(lang, "a_costs", per_lot=_money(plan, costs.per_lot), per_bid=_money(plan, costs.per_bid),
                  per_year=_money(plan, costs.per_contract_year), retender=_money(plan, costs.retender))]
    spread, sat = s.competition
    if cfg.competition.model == "none":
        items.append(text(lang, "a_competition_none"))
    else:
        d = s.defaults
        own_spread, own_sat = cfg.competition.price_spread is not None, cfg.competition.saturation_bids is not None
        items.append(text(lang, "a_competition", spread=_pct(plan, spread, 0), sat=D.number(sat, lang, decimals=0),
                          spread_status=text(lang, "a_set_in_scenario") if own_spread else
                          _status(lang, d.competition_price_spread.status),
                          sat_status=text(lang, "a_set_in_scenario") if own_sat else
                          f"{_status(lang, d.competition_saturation_bids.status)}: "
                          f"{d.competition_saturation_bids.source}"))
    obj = cfg.objective
    share = text(lang, f"share_{obj.access}")
    if obj.kind == "weighted":
        items.append(text(lang, "a_objective_weighted", share=share, price=_money(plan, obj.price_per_local_point)))
    elif obj.kind == "min_cost":
        items.append(text(lang, "a_objective_min_cost", share=share, target=_pct(plan, obj.local_share_target, 0)))
    else:
        items.append(text(lang, "a_objective_max_local", share=share, budget=_money(plan, obj.admin_budget or 0)))
    return [Block("h2", text(lang, "h_assumptions")), Block("list", rows=items)]


def _competition(plan: LotPlan, r: Reasons, lang: str) -> list[Block]:
    m, m1 = plan.metrics, r.single.plan.metrics
    return [Block("h2", text(lang, "h_competition")),
            Block("p", text(lang, "c_text", bids=D.number(m["expected_bids_mean"], lang, decimals=1),
                            value=_money(plan, m["competition_value"]),
                            bids1=ntext(lang, "n_bids", round(m1["expected_bids_mean"], 1)),
                            value1=_money(plan, m1["competition_value"])))]


def _alternatives(plan: LotPlan, r: Reasons, lang: str) -> list[Block]:
    cur = plan.scenario.currency
    others = sorted(r.splits + r.merges, key=lambda a: (not a.feasible, a.d_objective))[:MAX_NEIGHBOURS]
    shown = list(r.baselines) + others
    named = [(text(lang, "alt_this"), plan, None)] + [(alt_name(plan, a, lang), a.plan, a.d_objective) for a in shown]

    def signed(x: float) -> str:
        return ("+" if x > 0 else "−" if x < 0 else "±") + D.number(abs(x), lang)

    costs = [[name, str(p.metrics["n_lots"]), D.number(p.metrics["admin_cost"], lang),
              D.number(p.metrics["competition_value"], lang), D.number(p.metrics["net_cost"], lang)]
             for name, p, _ in named]
    access = [[name, _pct(plan, p.metrics["local_share"]), _pct(plan, p.metrics["sme_share"]),
               "–" if d is None else signed(d), text(lang, "no" if p.violations else "yes")] for name, p, d in named]
    B = [Block("h2", text(lang, "h_alternatives")), Block("p", text(lang, "alt_intro", k=len(r.all))),
         Block("table", header=[text(lang, "col_alt"), text(lang, "col_n"), text(lang, "col_admin", c=cur),
                                text(lang, "col_comp", c=cur), text(lang, "col_net", c=cur)],
               rows=costs, numeric=(1, 2, 3, 4)),
         Block("table", header=[text(lang, "col_alt"), text(lang, "col_localshare"), text(lang, "col_smeshare"),
                                text(lang, "col_dobj", c=cur), text(lang, "col_ok")], rows=access, numeric=(1, 2, 3))]
    departures = [text(lang, "alt_departure", alt=alt_name(plan, a, lang), what=_violations(a.plan))
                  for a in shown if a.plan.violations]
    if departures:
        B += [Block("p", text(lang, "alt_departures")), Block("list", rows=departures)]
    return B


def _violations(p: LotPlan, k: int = 3) -> str:
    v = p.violations
    more = f" (+{len(v) - k})" if len(v) > k else ""
    return "; ".join(violation_text(p, x) for x in v[:k]) + more


def _solver(plan: LotPlan, lang: str) -> list[Block]:
    o = plan.outcome
    B = [Block("h2", text(lang, "h_solver"))]
    if o is None:
        B.append(Block("p", text(lang, "sol_evaluated")))
        return B
    gap = "?" if o.gap is None else _pct(plan, o.gap, 2)
    solver = f"{o.solver} {o.version}".strip()
    secs = D.number(o.seconds, lang, decimals=1)
    if o.status.value == "optimal":
        B.append(Block("p", text(lang, "sol_optimal", gap=gap, solver=solver, secs=secs, cols=D.number(o.columns, lang),
                                 complete="" if o.complete else text(lang, "sol_incomplete"))))
    else:
        B.append(Block("p", text(lang, "sol_feasible", obj=D.number(o.objective or plan.objective, lang),
                                 bound="?" if o.bound is None else D.number(o.bound, lang), gap=gap, solver=solver,
                                 secs=secs)))
    return B


def _notes(plan: LotPlan, lang: str) -> list[Block]:
    s = plan.scenario
    items = []
    if plan.violations:
        items.append(text(lang, "n_departures", v="; ".join(violation_text(plan, v) for v in plan.violations)))
    no_sme = [l for l in plan.lots if l.sme_chance <= 0]
    if no_sme and len(plan.lots) > 1:
        items.append(text(lang, "n_no_sme", lots=lots_words(no_sme, lang)))
    single = [l for l in plan.lots if l.n_eligible == 1]
    if single:
        items.append(text(lang, "n_one_bidder", lots=lots_words(single, lang)))
    checks = [str(p) for p in s.notes if p.severity in ("warning", "note")]
    B = [Block("h2", text(lang, "h_notes"))]
    B.append(Block("list", rows=[sentence(i) for i in items]) if items else Block("p", text(lang, "n_none")))
    if checks:
        B += [Block("p", text(lang, "n_check")), Block("list", rows=checks)]
    return B


def _checklist(plan: LotPlan, r: Reasons, lang: str, date: dt.date) -> list[Block]:
    s = plan.scenario
    cfg = s.config
    one = len(plan.lots) == 1
    reg = law.regime(plan)
    items = [text(lang, "cl_review"), text(lang, "cl_equal")]
    annex = build_annex(plan, r, [], date=date)
    words = annex.all_text()
    for ref in law.REFERENCES.values():
        if ref.cite[lang] in words:
            items.append(text(lang, "cl_ref", cite=ref.cite[lang], subject=ref.subject[lang],
                              status=_status(lang, ref.status), source=ref.source)
                         + (text(lang, "cl_ref_secondary") if ref.status != "verified" else ""))
    n = reg.national
    if s.currency != "EUR" and (n is None or not n.current):
        items.append(text(lang, "cl_threshold", cur=s.currency, ed=reg.edition,
                          value=D.amount(n.value, n.currency, lang) if n else "–",
                          status=_figure_status(lang, n) if n else "–"))
    if reg.close:
        items.append(text(lang, "cl_close"))
    items.append(text(lang, "cl_value"))
    fields = _fields(annex)
    if fields:
        items.append(text(lang, "cl_fill", fields="; ".join(fields)))
    k = cfg.rules.max_lots_per_tenderer
    if k is not None and k < len(plan.lots):
        items.append(text(lang, "cl_cap", k=k))
    if lot_combinations(plan):
        items.append(text(lang, "cl_combinations"))
    if any(l.exempt for l in plan.lots):
        items.append(text(lang, "cl_exempt", share=_pct(plan, plan.metrics["exempt_share"])))
    cap = s.defaults.turnover_cap
    if cap.status != "verified":
        items.append(text(lang, "cl_turnover", tau=D.number(s.turnover_multiple, lang, decimals=1),
                          status=_status(lang, cap.status)))
    if reg.light:
        items.append(text(lang, "cl_light"))
    elif reg.known and not reg.above:
        items.append(text(lang, "cl_below"))
    if one and r.better_divided():
        items.append(text(lang, "cl_divided_better"))
    locale = [p.message for p in s.notes if p.where == LOCALE_FIELDS]
    if locale:
        items.append(text(lang, "cl_locale", what="; ".join(locale)))
    items.append(text(lang, "cl_cpv"))
    return [Block("h2", text(lang, "h_checklist")), Block("p", text(lang, "cl_intro")),
            Block("checklist", rows=items)]


def _fields(doc: D.Document) -> list[str]:
    """The fill-in fields of a document, each once, in order."""
    out = []
    for b in doc.blocks:
        for t in [b.text, *[c for r in b.rows for c in (r if isinstance(r, (list, tuple)) else [r])]]:
            for f in re.findall(f"{D.FILL_OPEN}\\[(.*?)\\]{D.FILL_CLOSE}", str(t)):
                if f not in out:
                    out.append(f)
    return out


def write_memo(plan: LotPlan, reasons: Reasons, directory: str | Path, *, date: dt.date) -> list[Path]:
    """Write ``memo.html`` and ``memo.pdf``."""
    return D.write(build(plan, reasons, date=date), directory, "memo", date=date)
