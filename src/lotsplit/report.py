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
    cur = s.currency
    comps = list(nx.connected_components(s.graph))
    links = [(a, b, d) for a, b, d in s.graph.edges(data=True) if d.get("kind") != "border"]
    lines = [
        f"Scenario: {s.name}",
        f"  buyer: {s.config.buyer.name or '-'}   currency: {cur}   contract years: {s.config.contract_years:g}",
        f"Areas: {len(s.areas)}  (CRS {s.areas.crs.to_string() if getattr(s.areas, 'crs', None) else 'none'})",
        f"  adjacency: {s.graph.number_of_edges()} neighbour pairs, {len(comps)} connected component(s)"
        + (f", {len(links)} added link(s)" if links else ""),
    ]
    for a, b, d in links:
        lines.append(f"    link {s.areas.loc[a, 'name']} – {s.areas.loc[b, 'name']} ({d['kind']}) {d.get('note', '')}")
    lines.append(f"Product groups: {len(s.groups)}")
    per_group = s.demand.sum(axis=0)
    offers = {g: [sid for sid, gs in s.suppliers["groups"].items() if g in gs] for g in s.groups.index}
    width = max((len(str(n)) for n in s.groups["name"]), default=10)
    for g, row in s.groups.iterrows():
        local = sum(bool(s.suppliers.loc[sid, "local"]) for sid in offers[g])
        lines.append(f"  {str(row['name']):<{width}}  {row['cpv']}  {money(per_group[g], cur):>18}/yr  "
                     f"{len(offers[g])} supplier(s), {local} local")
    total = s.total_annual_value
    lines.append(f"  {'total':<{width}}  {'':10}  {money(total, cur):>18}/yr  "
                 f"({money(total * s.config.contract_years, cur)} over the contract)")
    th = s.defaults.eu_threshold(s.main_nature, cur)
    if th:
        above = total * s.config.contract_years >= th.value
        lines.append(f"  EU threshold ({s.main_nature}): {money(th.value, cur)} [{th.status}] -> whole is "
                     f"{'above' if above else 'below'} the threshold")
    n_local = int(s.suppliers["local"].sum())
    lines.append(f"Suppliers: {len(s.suppliers)} ({n_local} local, {int(s.suppliers['sme'].sum())} SME)")
    notes = [p for p in s.notes if p.severity in ("warning", "note")]
    if notes:
        lines.append("Warnings and notes:")
        lines += [f"  - {p}" for p in notes]
    return "\n".join(lines)


def plan_summary(plan: LotPlan) -> str:
    """The plan in a few lines for the terminal, in the scenario's language."""
    from lotsplit.export import common as C
    from lotsplit.export.memo import violation_text
    from lotsplit.export.texts import text
    from lotsplit.export.xlsx import regime_key

    s = plan.scenario
    lang, cur = s.config.language, s.currency
    m = plan.metrics
    o = plan.outcome
    obj = C.number(plan.objective, lang, decimals=2)
    if o is not None:
        secs = C.number(o.seconds, lang, decimals=1)
        if o.status.value == "optimal":
            lines = [text(lang, "rp_optimal", obj=obj, secs=secs, version=o.version, cols=o.columns)]
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
    key = regime_key(plan)
    lines.append(text(lang, "rp_regime", regime=text(lang, f"rp_regime_{key if key != 'exempt' else 'national'}")))
    names = s.areas["name"]
    for lot in plan.lots:
        lines.append(text(lang, "rp_lot", id=lot.id, groups=" + ".join(str(s.groups.loc[g, "name"]) for g in lot.groups),
                          areas=", ".join(str(names[a]) for a in lot.areas), value=C.money(lot.annual_value, cur, lang),
                          eligible=lot.n_eligible, bids=C.number(lot.expected_bids, lang, decimals=1),
                          chance=C.percent(lot.local_chance, lang)))
    if plan.violations:
        lines.append(text(lang, "rp_violations"))
        lines += [f"  - {violation_text(plan, v)}" for v in plan.violations]
    return "\n".join(lines)
