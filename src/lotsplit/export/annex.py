"""The public tender annex, ``annex.html`` and ``annex.pdf``, in the scenario's language.

What a municipality can attach to the tender as it is: the procurement in brief (buyer,
procedure, type of contract, period with options, value excl. VAT, where it stands
against the EU threshold), the lots (title, scope, CPV codes main and additional, NUTS
place of performance, value per year and in total), the maps, the rules on tenders and
award (lots per tender, the cap on lots per tenderer with the rules the documents must
give, combinations of lots) and the reasons for the division — or for not dividing — in
terms of small and medium-sized enterprises, competition, the market and the
administrative burden.

It never names a supplier (an annex tailored to named or local firms invites a review
claim under the equal-treatment principle), prices nothing on locality, and carries no
model internals (solver, status, estimates stated as facts) and no unverified note: all of
that is in the internal memo (:mod:`lotsplit.export.memo`).  Legal duty text appears only
where the duty applies (above the threshold, not in the light regime).  What only the
authority can supply (award criteria, the rules for a tenderer over the cap, a national
threshold figure the data lacks) is a marked fill-in field.

>>> from lotsplit.synthetic import grid_scenario
>>> import lotsplit
>>> plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
>>> doc = build(plan, compare(plan), [], date=dt.date(2026, 3, 1))
>>> doc.blocks[0].text
'Annex – Division of the procurement into lots'
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export import document as D
from lotsplit.export import law
from lotsplit.export.document import Block, fill
from lotsplit.export.reasons import Reasons, compare
from lotsplit.export.texts import date_text, join, lower_first, ntext, text, word
from lotsplit.plan import Lot, LotPlan

__all__ = ["build", "write_annex", "lot_combinations", "lot_description", "duration_text", "compare"]


# --------------------------------------------------------------------------- shared words

def lot_no(lot: Lot) -> str:
    return C.lot_label(lot.id)


def lots_words(lots, lang: str) -> str:
    """``delkontrakt 10, 11 och 12`` / ``delkontrakterne 10, 11 og 12`` / ``lots 10, 11 and 12``."""
    labels = [lot_no(l) if isinstance(l, Lot) else C.lot_label(l) for l in lots]
    return ntext(lang, "lot_word", len(labels), x=join(labels, lang))


def groups_words(plan: LotPlan, lot: Lot, lang: str) -> str:
    return join([lower_first(n) for n in C.group_names(plan, lot)], lang)


def kind_word(plan: LotPlan, lang: str, n: int = 1) -> str:
    return word(lang, f"kind_{plan.scenario.main_nature}", n)


def years(lang: str, y: float) -> str:
    return ntext(lang, "n_years", y)


def duration_text(plan: LotPlan, lang: str) -> str:
    """``2 år med möjlighet till förlängning med 1 + 1 år, sammanlagt högst 4 år``."""
    cfg = plan.scenario.config
    ext = cfg.procedure.extensions
    base = years(lang, cfg.base_years)
    if not ext:
        return text(lang, "duration_plain", base=base)
    nums = " + ".join(ntext(lang, "n_years", e).split(" ")[0] for e in ext)
    unit = ntext(lang, "n_years", sum(ext)).split(" ", 1)[1]
    return text(lang, "duration_options", base=base, ext=f"{nums} {unit}", total=years(lang, cfg.contract_years))


def eur(lang: str, v: float) -> str:
    return text(lang, "eur", v=D.number(v, lang))


def threshold_text(plan: LotPlan, r: law.Regime, lang: str) -> str:
    """``216 000 euro, motsvarande [belopp i SEK för 2026–2027]`` — a national figure only
    when the data has this edition's."""
    out = eur(lang, r.eur.value) if r.eur else ""
    cur = plan.scenario.currency
    if cur != "EUR":
        if r.national is not None and r.national.current:
            out += f", {D.amount(r.national.value, cur, lang)}"
        else:
            out += ", " + fill(text(lang, "national_fill", cur=cur, ed=r.edition))
    return out


def regime_text(plan: LotPlan, lang: str) -> str:
    r = law.regime(plan)
    cat = text(lang, f"cat_{r.category}")
    th = threshold_text(plan, r, lang)
    if not r.known:
        return text(lang, "reg_unknown", cat=cat, th=th, fill=fill(text(lang, "fill_regime")))
    if not r.above:
        return text(lang, "reg_below", cat=cat, th=th)
    if len(plan.lots) == 1:
        return text(lang, "reg_above_one", cat=cat, th=th)
    exempt = [l for l in plan.lots if l.exempt]
    ex = ""
    if exempt:
        limit = law.small_lot_limit(plan, "EUR")
        ex = text(lang, "reg_exempt", lots=lots_words(exempt, lang), cite=law.cite("dir_5_10", lang),
                  limit=eur(lang, limit.value) if limit else "?",
                  share=C.percent(plan.metrics["exempt_share"], lang, decimals=1))
    cite = join([law.cite(f"dir_5_{p}", lang) for p in law.aggregation_article(plan).split("+")], lang)
    return text(lang, "reg_above", cat=cat, th=th, cite=cite, exempt=ex)


def lot_combinations(plan: LotPlan) -> list[list[Lot]]:
    """The combinations of lots the authority reserves the right to award together
    (``rules.combinations``, art. 46(3)): groups of at least two lots."""
    how = plan.scenario.config.rules.combinations
    lots = plan.lots
    if how == "all":
        groups = [list(lots)]
    elif how in ("same_areas", "same_groups"):
        by: dict = {}
        for l in lots:
            by.setdefault(frozenset(l.areas) if how == "same_areas" else l.groups, []).append(l)
        groups = list(by.values())
    else:
        groups = []
    return [g for g in groups if len(g) >= 2]


def lot_scope(plan: LotPlan, lot: Lot, lang: str) -> str:
    """``Utförande av snöröjning/plogning i Malung och Öje.``"""
    return text(lang, f"scope_{C.lot_nature(plan, lot)}", groups=groups_words(plan, lot, lang),
                areas=join(C.area_names(plan, lot), lang))


def lot_description(plan: LotPlan, lot: Lot, lang: str) -> str:
    """The lot in one public paragraph (scope, CPV, NUTS, value excl. VAT, period), for the
    eForms lot description (BT-24) and OCDS; nothing from the planner's notes."""
    cur = plan.scenario.currency
    cpv = C.lot_cpv(plan, lot)
    more = text(lang, "desc_cpv_more", codes=", ".join(cpv[1:])) if len(cpv) > 1 else ""
    return text(lang, "lot_desc", scope=lot_scope(plan, lot, lang), cpv=cpv[0], cpv_more=more,
                nuts=", ".join(C.lot_nuts(plan, lot)) or "–", year=D.amount(lot.annual_value, cur, lang),
                total=D.amount(lot.contract_value, cur, lang), period=duration_text(plan, lang))


def division_basis(plan: LotPlan, lang: str) -> str:
    """``geografiskt område och tjänst`` — what the plan divides by (for one lot: what a
    division could be by)."""
    s = plan.scenario
    kind = kind_word(plan, lang)
    groups = [g for g in s.groups.index if s.demand[g].sum() > 0]
    if len(plan.lots) == 1:
        by_area, by_group = len(s.areas) > 1, len(groups) > 1
    else:
        by_group = any(len(l.groups) < len(groups) for l in plan.lots)
        by_area = any(len([l for l in plan.lots if g in l.groups]) > 1 for g in groups)
    if by_area and by_group:
        return text(lang, "basis_both", kind=kind)
    return text(lang, "basis_area") if by_area else text(lang, "basis_group", kind=kind)


# --------------------------------------------------------------------------- the document

def build(plan: LotPlan, reasons: Reasons, map_pages, *, date: dt.date) -> D.Document:
    s = plan.scenario
    cfg = s.config
    lang = cfg.language
    cur = s.currency
    m = plan.metrics
    one = len(plan.lots) == 1
    money = lambda x: D.amount(x, cur, lang)  # noqa: E731

    title = text(lang, "annex_title_one" if one else "annex_title")
    B: list[Block] = [Block("h1", title)]
    proc = cfg.procedure
    r = law.regime(plan)
    rows = [(text(lang, "procurement"), s.name),
            (text(lang, "buyer"), cfg.buyer.name or fill(text(lang, "fill_buyer")))]
    if cfg.buyer.organisation_number:
        rows.append((text(lang, "org_number"), cfg.buyer.organisation_number))
    rows.append((text(lang, "procedure"), text(lang, f"proc_{proc.type}") if r.above or not r.known
                 else fill(text(lang, "fill_procedure"))))
    rows.append((text(lang, "nature"), text(lang, f"nature_{s.main_nature}")))
    rows.append((text(lang, "duration"), duration_text(plan, lang)))
    if proc.contract_start:
        rows.append((text(lang, "contract_start"), date_text(lang, proc.contract_start)))
    if proc.tender_deadline:
        rows.append((text(lang, "deadline"), date_text(lang, proc.tender_deadline)))
    rows.append((text(lang, "value"), text(lang, "value_v", year=money(m["annual_value"]),
                                           total=money(m["contract_value"]),
                                           opt=text(lang, "value_opt") if proc.extensions else "")))
    rows.append((text(lang, "threshold"), regime_text(plan, lang)))
    rows.append((text(lang, "lots_count"), text(lang, "lots_none") if one else ntext(lang, "n_lots", len(plan.lots))))
    rows.append((text(lang, "date"), date_text(lang, date)))
    B.append(Block("meta", rows=rows))

    B += _lots(plan, lang)
    if map_pages:
        B.append(Block("h2", text(lang, "h_maps" if len(map_pages) > 1 else "h_map")))
        for p in map_pages:
            B.append(Block("figure", p.caption, image=p.png, width_mm=p.width_mm, height_mm=p.height_mm,
                           landscape=True))
    B += _award(plan, lang)
    B += _reasons(plan, reasons, lang)
    return D.Document(lang, f"{title} – {s.name}", B, author=cfg.buyer.name)


def _lots(plan: LotPlan, lang: str) -> list[Block]:
    s = plan.scenario
    cur = s.currency
    one = len(plan.lots) == 1
    B = [Block("h2", text(lang, "h_scope" if one else "h_lots"))]
    if not one:
        rows = [[lot_no(l), C.lot_title(plan, l, lang), C.lot_cpv(plan, l)[0], ", ".join(C.lot_nuts(plan, l)) or "–",
                 D.number(l.annual_value, lang), D.number(l.contract_value, lang)] for l in plan.lots]
        B.append(Block("table", header=[text(lang, "col_no"), text(lang, "col_title"), text(lang, "col_cpv"),
                                        text(lang, "col_nuts"), text(lang, "col_value_year", c=cur),
                                        text(lang, "col_value_total", c=cur)], rows=rows, numeric=(4, 5)))
    for lot in plan.lots:
        if not one:
            B.append(Block("h3", text(lang, "lot_heading", no=lot_no(lot), id=lot.id,
                                      title=C.lot_title(plan, lot, lang))))
        cpv = C.lot_cpv(plan, lot)
        codes = text(lang, "cpv_main", code=cpv[0])
        if len(cpv) > 1:
            codes += "; " + text(lang, "cpv_more", codes=", ".join(cpv[1:]))
        rows = [(text(lang, "k_scope"), lot_scope(plan, lot, lang)),
                (text(lang, "k_cpv"), codes),
                (text(lang, "k_place"), text(lang, "place_v", nuts=", ".join(C.lot_nuts(plan, lot)) or "–",
                                             areas=", ".join(C.area_names(plan, lot)))),
                (text(lang, "k_value"), text(lang, "lot_value_v", year=D.amount(lot.annual_value, cur, lang),
                                             total=D.amount(lot.contract_value, cur, lang)))]
        if lot.exempt:
            rows.append((text(lang, "k_rules"), text(lang, "lot_exempt", cite=law.cite("dir_5_10", lang))))
        B.append(Block("meta", rows=rows))
    return B


def _award(plan: LotPlan, lang: str) -> list[Block]:
    rules = plan.scenario.config.rules
    proc = plan.scenario.config.procedure
    n = len(plan.lots)
    award = text(lang, "award_v", award=proc.award_criteria or fill(text(lang, "fill_award")))
    if n == 1:
        return [Block("h2", text(lang, "h_award_one")), Block("p", award)]
    B = [Block("h2", text(lang, "h_award"))]
    k_bid = rules.max_lots_per_bid
    if k_bid is None or k_bid >= n:
        B.append(Block("p", text(lang, "bids_all", cite=law.cite("dir_46_2_1", lang))))
    else:
        B.append(Block("p", ntext(lang, "bids_max", k_bid, k=k_bid, cite=law.cite("dir_46_2_1", lang))))
    k = rules.max_lots_per_tenderer
    if k is not None and k < n:
        B.append(Block("p", ntext(lang, "cap", k, k=k) + " " + text(
            lang, "cap_rule", cite=law.cite("dir_46_2_2", lang), rule=fill(text(lang, "fill_cap_rule")))))
    else:
        B.append(Block("p", text(lang, "no_cap")))
    combos = lot_combinations(plan)
    if combos:
        B.append(Block("p", text(lang, "comb_some", cite=law.cite("dir_46_3", lang))))
        B.append(Block("list", rows=[text(lang, "comb_group", k=i, lots=join([lot_no(l) for l in g], lang))
                                     for i, g in enumerate(combos, 1)]))
    else:
        B.append(Block("p", text(lang, "comb_none")))
    B.append(Block("p", award))
    return B


# --------------------------------------------------------------------------- reasons

SME_GAIN_POINTS = 2.0
"""Below this gain in SME-accessible share (points), dividing "does not appreciably"
improve SMEs' chances (wording of the undivided case)."""


def _duty(plan: LotPlan, lang: str) -> Block | None:
    if len(plan.lots) > 1 or not law.regime(plan).duty_applies:
        return None
    country = plan.scenario.config.country
    dir_ = law.cite("dir_46_1", lang)
    if country == "SE":
        return Block("p", text(lang, "duty_SE", cite=law.cite("lou_4_14", lang), cite_report=law.cite("lou_12_15", lang),
                               cite_dir=dir_))
    if country == "DK":
        return Block("p", text(lang, "duty_DK", cite=law.cite("ubl_49_2", lang), cite_dir=dir_))
    return Block("p", text(lang, "duty_other", cite=dir_))


def _reasons(plan: LotPlan, r: Reasons, lang: str) -> list[Block]:
    one = len(plan.lots) == 1
    B = [Block("h2", text(lang, "h_reasons_one" if one else "h_reasons"))]
    duty = _duty(plan, lang)
    if duty:
        B.append(duty)
    basis = division_basis(plan, lang)
    if one:
        B.append(Block("p", text(lang, "intro_one", basis=basis)))
        B.append(Block("list", rows=_reasons_undivided(plan, r, lang)))
    else:
        B.append(Block("p", text(lang, "intro_divided", lots=ntext(lang, "n_lots", len(plan.lots)), basis=basis)))
        B.append(Block("list", rows=_reasons_divided(plan, r, lang)))
    return B


def _sme_lots(plan: LotPlan) -> list[Lot]:
    return [l for l in plan.lots if l.sme_chance > 0]


def _market(single: LotPlan, lang: str) -> str:
    k = single.lots[0].n_eligible if single.lots else 0
    return text(lang, "market_none" if k == 0 else "market_few" if k <= 3 else "market_many")


def _reasons_divided(plan: LotPlan, r: Reasons, lang: str) -> list[str]:
    s = plan.scenario
    cur = s.currency
    m = plan.metrics
    out = []
    sme = _sme_lots(plan)
    if sme:
        single = r.single.plan
        vs = ""
        if single.lots and single.lots[0].sme_chance <= 0:
            vs = text(lang, "r_sme_vs_none")
        elif r.single.d_sme_points < -1e-9:
            vs = text(lang, "r_sme_vs_less")
        share = sum(l.contract_value for l in sme) / (m["contract_value"] or 1.0)
        out.append(text(lang, "r_sme", k=len(sme), n=ntext(lang, "n_lots", len(plan.lots)),
                        share=C.percent(share, lang), vs=vs))
    comp = text(lang, "comp_better") if r.single.plan.metrics["competition_value"] < m["competition_value"] else ""
    out.append(text(lang, "r_market", market=_market(r.single.plan, lang), comp=comp))
    bundled = max(len(l.groups) for l in plan.lots) > 1
    kind = kind_word(plan, lang)
    what = text(lang, "what_some", kinds=kind_word(plan, lang, 2)) if bundled else text(lang, "what_one", kind=kind)
    lo = min(l.annual_value for l in plan.lots)
    hi = max(l.annual_value for l in plan.lots)
    out.append(text(lang, "r_size", what=what, lo=D.amount(lo, cur, lang), hi=D.amount(hi, cur, lang)))
    worse_split = {a.lots[0] for a in r.splits if a.kind == "split_groups" and (a.d_objective >= 0 or not a.feasible)}
    kept = [l for l in plan.lots if len(l.groups) > 1 and l.id in worse_split]
    if kept:
        which = join([text(lang, "bundle_item", groups=groups_words(plan, l, lang), no=lot_no(l)) for l in kept], lang)
        out.append(text(lang, "r_bundle", which=which))
    finest = r.finest
    if len(finest.plan.lots) > len(plan.lots) and (finest.d_objective > 0 or not finest.feasible):
        out.append(text(lang, "r_admin", kind=kind, lots=ntext(lang, "n_lots", len(finest.plan.lots))))
    k = s.config.rules.max_lots_per_tenderer
    if k is not None and k < len(plan.lots):
        out.append(text(lang, "r_cap"))
    return out


def _reasons_undivided(plan: LotPlan, r: Reasons, lang: str) -> list[str]:
    m = plan.metrics
    out = []
    divided = [a for a in (r.per_group, r.finest) if a.divided]
    risky = max((a.plan.metrics["lots_at_risk"] for a in divided), default=0)
    empty = max((sum(l.n_eligible == 0 for l in a.plan.lots) for a in divided), default=0)
    k = max(risky, empty)
    if k:
        out.append(text(lang, "u_market", what=ntext(lang, "u_market_what", k, k=k)))
    best_sme = max((a.d_sme_points for a in r.all if a.divided and a.feasible), default=0.0)
    if best_sme < SME_GAIN_POINTS:
        why = "u_sme_why_none" if not any(l.sme_chance > 0 for a in divided for l in a.plan.lots) else "u_sme_why_same"
        out.append(text(lang, "u_sme", why=text(lang, why)))
    bids = m["expected_bids_mean"]
    if divided and all(a.plan.metrics["expected_bids_mean"] < bids - 1e-9 for a in divided):
        out.append(text(lang, "u_comp"))
    if divided and all(a.d_admin > 0 for a in divided):
        kind = kind_word(plan, lang)
        out.append(text(lang, "u_admin", kind=kind, k1=ntext(lang, "n_lots", len(r.per_group.plan.lots)),
                        k2=ntext(lang, "n_lots", len(r.finest.plan.lots))))
    out.append(text(lang, "u_own", fill=fill(text(lang, "fill_own"))))
    return out


# --------------------------------------------------------------------------- files

def write_annex(plan: LotPlan, reasons: Reasons, map_png: bytes, directory: str | Path, *,
                date: dt.date) -> list[Path]:
    """Write ``annex.html`` and ``annex.pdf``.  ``map_png`` (the overview map) tells
    whether the plan has maps: the annex draws its own, at print size
    (:func:`lotsplit.export.maps.print_pages`)."""
    from lotsplit.export import maps

    pages = maps.print_pages(plan) if map_png else []
    return D.write(build(plan, reasons, pages, date=date), directory, "annex", date=date)
