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
    s = plan.scenario
    cur = s.currency
    m = plan.metrics
    o = plan.outcome
    lines = []
    if o is not None:
        if o.status.value == "optimal":
            lines.append(f"Optimal plan (proven), objective {plan.objective:,.2f}; {o.seconds:.1f} s, {o.version}, "
                         f"{o.columns} candidate lots")
        else:
            b = "unknown" if o.bound is None else f"{o.bound:,.2f}"
            g = "unknown" if o.gap is None else f"{o.gap:.2%}"
            lines.append(f"Best plan found (not proven optimal): objective {plan.objective:,.2f}, bound {b}, gap {g}; "
                         f"{o.seconds:.1f} s, {o.version}")
    else:
        lines.append(f"Evaluated plan, objective ({s.config.objective.kind}) {plan.objective:,.2f}")
    lines.append(f"  lots: {m['n_lots']}   admin cost: {money(m['admin_cost'], cur)}   local-accessible value share: "
                 f"{m['local_share']:.1%}   min eligible bidders: {m['min_eligible_bidders']}   lots at risk: "
                 f"{m['lots_at_risk']}")
    lines.append(f"  regime: {m['regime']}")
    names = s.areas["name"]
    for lot in plan.lots:
        areas = ", ".join(str(names[a]) for a in lot.areas)
        groups = " + ".join(str(s.groups.loc[g, "name"]) for g in lot.groups)
        lines.append(f"  {lot.id}  {groups}: {areas}  — {money(lot.annual_value, cur)}/yr, {lot.n_eligible} eligible, "
                     f"{lot.expected_bids:.1f} expected bids, local chance {lot.local_chance:.0%}")
    if plan.violations:
        lines.append("Rule violations:")
        lines += [f"  - {v}" for v in plan.violations]
    return "\n".join(lines)
