"""Plain-text reports for the terminal: the scenario summary and the plan summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from lotsplit.plan import LotPlan
    from lotsplit.scenario import Scenario


def money(x: float, currency: str) -> str:
    return f"{x:,.0f} {currency}".replace(",", " ")


def scenario_summary(s: Scenario) -> str:
    """The scenario in a few lines for the terminal (``lotsplit check``), in its language."""
    from lotsplit.export import common as C
    from lotsplit.export.texts import ntext, text

    lang, cur = s.config.language, s.currency
    comps = list(nx.connected_components(s.graph))
    links = [(a, b, d) for a, b, d in s.graph.edges(data=True) if d.get("kind") != "border"]
    crs = s.areas.crs.to_string() if getattr(s.areas, "crs", None) else text(lang, "rs_none")
    lines = [
        text(lang, "rs_scenario", name=s.name),
        text(lang, "rs_buyer", buyer=s.config.buyer.name or "-", cur=cur,
             years=C.number(s.config.contract_years, lang, decimals=0 if float(s.config.contract_years).is_integer()
                            else 1)),
        text(lang, "rs_areas", n=len(s.areas), crs=crs),
        text(lang, "rs_adjacency", edges=s.graph.number_of_edges(), comps=ntext(lang, "rs_parts", len(comps)))
        + (text(lang, "rs_links", n=len(links)) if links else ""),
    ]
    for a, b, d in links:
        lines.append(text(lang, "rs_link", a=s.areas.loc[a, "name"], b=s.areas.loc[b, "name"], kind=d["kind"],
                          note=d.get("note", "")))
    lines.append(text(lang, "rs_groups", n=len(s.groups)))
    per_group = s.demand.sum(axis=0)
    offers = {g: [sid for sid, gs in s.suppliers["groups"].items() if g in gs] for g in s.groups.index}
    width = max((len(str(n)) for n in s.groups["name"]), default=10)
    for g, row in s.groups.iterrows():
        local = sum(bool(s.suppliers.loc[sid, "local"]) for sid in offers[g])
        lines.append(f"  {str(row['name']):<{width}}  {row['cpv']}  "
                     + text(lang, "rs_group", value=f"{C.money(per_group[g], cur, lang):>18}",
                            n=ntext(lang, "n_suppliers", len(offers[g])), local=ntext(lang, "rs_local", local)))
    total = s.total_annual_value
    lines.append(f"  {text(lang, 'rs_total'):<{width}}  {'':10}  "
                 + text(lang, "rs_total_value", value=f"{C.money(total, cur, lang):>18}",
                        contract=C.money(total * s.config.contract_years, cur, lang)))
    th = s.defaults.eu_threshold(s.main_nature, cur)
    if th:
        above = total * s.config.contract_years >= th.value
        lines.append(text(lang, "rs_threshold_above" if above else "rs_threshold_below",
                          nature=text(lang, f"nature_{s.main_nature}").lower(),
                          value=C.money(th.value, cur, lang), status=th.status))
    lines.append(text(lang, "rs_suppliers", n=len(s.suppliers), sme=int(s.suppliers["sme"].sum()),
                      local=ntext(lang, "rs_local", int(s.suppliers["local"].sum()))))
    notes = [p for p in s.notes if p.severity in ("warning", "note")]
    if notes:
        lines.append(text(lang, "rs_notes"))
        lines += [f"  - {p}" for p in notes]
    return "\n".join(lines)


def plan_summary(plan: LotPlan) -> str:
    """The plan in a few lines for the terminal, in the scenario's language."""
    from lotsplit.export import common as C
    from lotsplit.export.memo import violation_text
    from lotsplit.export.texts import ntext, text
    from lotsplit.export.xlsx import regime_key
    from lotsplit.export.xlsx_texts import word

    s = plan.scenario
    lang, cur = s.config.language, s.currency
    m = plan.metrics
    o = plan.outcome
    obj = C.number(plan.objective, lang, decimals=2)
    if o is not None:
        secs = C.number(o.seconds, lang, decimals=1)
        if o.status.value == "optimal":
            lines = [text(lang, "rp_optimal", obj=obj, secs=secs, version=o.version, cols=C.number(o.columns, lang))]
        else:
            unknown = text(lang, "rp_unknown")
            bound = unknown if o.bound is None else C.number(o.bound, lang, decimals=2)
            gap = unknown if o.gap is None else C.percent(o.gap, lang, decimals=2)
            lines = [text(lang, "rp_feasible", obj=obj, bound=bound, gap=gap, secs=secs, version=o.version)]
    else:
        lines = [text(lang, "rp_evaluated", kind=s.config.objective.kind, obj=obj)]
    lines.append(text(lang, "rp_metrics", n=m["n_lots"], admin=C.money(m["admin_cost"], cur, lang),
                      share=C.percent(m["local_share"], lang, decimals=1), eligible=m["min_eligible_bidders"],
                      risk=m["lots_at_risk"]))
    lines.append(text(lang, "rp_regime", regime=word(lang, f"regime_{regime_key(plan)}")))
    names = s.areas["name"]
    for lot in plan.lots:
        groups = " + ".join(str(s.groups.loc[g, "name"]) for g in lot.groups)
        lines.append(text(lang, "rp_lot", id=lot.id, groups=groups,
                          areas=", ".join(str(names[a]) for a in lot.areas), value=C.money(lot.annual_value, cur, lang),
                          eligible=ntext(lang, "rp_eligible", lot.n_eligible),
                          bids=C.number(lot.expected_bids, lang, decimals=1),
                          chance=C.percent(lot.local_chance, lang)))
    if plan.violations:
        lines.append(text(lang, "rp_violations"))
        lines += [f"  - {violation_text(plan, v)}" for v in plan.violations]
    return "\n".join(lines)
