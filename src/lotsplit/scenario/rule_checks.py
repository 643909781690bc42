"""Checks of the scenario's rules: references, the legal turnover cap, and conflicts.

A *conflict* is a set of rules (or data) under which no lot plan can exist: bundling
``none`` with groups that must share a lot, families that split a must-together set, a
group limit below a must-together set's size, a pair that must and must not share a lot,
or no demand at all.  ``check`` names each with the rules involved and the fix; a
scenario that is otherwise valid then fails with :class:`~lotsplit.errors.InfeasibleError`
(exit code 3), so ``check``, ``run`` and ``frontier`` all say the same thing.

The turnover rule (Directive 2014/24/EU art. 58(3)): the authority requires a yearly
turnover of at least ``τ × v`` (``rules.turnover_multiple`` × the lot's annual value); the
directive caps that requirement at ``cap × V``, the estimated value of the lot over the
whole contract including options (``V = contract_years × v``; ``cap`` = 2, from
``defaults.toml``), except in duly justified cases.  So ``τ`` may go up to
``cap × contract_years``: τ = 3 on a 4-year contract is within the cap.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from lotsplit.config import ScenarioConfig
from lotsplit.errors import Problem
from lotsplit.scenario.checks import did_you_mean


def check_rules(config: ScenarioConfig, area_ids: list[str], group_ids: list[str], problems: list[Problem], *,
                turnover_cap: float, default_tau: float) -> None:
    """Unknown ids in the rules, families without bundling by family, and the turnover cap."""
    rules = config.rules
    for field_name in ("families", "must_together", "never_together"):
        for k, ids in enumerate(getattr(rules, field_name)):
            for g in ids:
                if group_ids and g not in group_ids:
                    problems.append(Problem("scenario", f"rules.{field_name}[{k}]", f"product group '{g}' is not "
                                            "defined", did_you_mean(g, group_ids, "product groups")))
    for field_name in ("areas_together", "areas_apart"):
        for k, ids in enumerate(getattr(rules, field_name)):
            for a in ids:
                if area_ids and a not in area_ids:
                    problems.append(Problem("scenario", f"rules.{field_name}[{k}]", f"area '{a}' is not in the areas "
                                            "file", did_you_mean(a, area_ids, "area ids")))
    if rules.bundling == "families" and not rules.families:
        problems.append(Problem("scenario", "rules.families", "bundling = 'families' but no families are listed",
                                "list families, e.g. families = [['dairy'], ['meat', 'fish']]"))
    tau = default_tau if rules.turnover_multiple is None else rules.turnover_multiple
    years = config.contract_years
    limit = turnover_cap * years
    if tau > limit + 1e-12:
        problems.append(Problem(
            "scenario", "rules.turnover_multiple",
            f"a yearly turnover of {tau:g} × the lot's annual value is above the cap of Directive 2014/24/EU art. "
            f"58(3): the minimum yearly turnover required may be at most {turnover_cap:g} × the estimated value of the "
            f"lot over the whole contract including options ({turnover_cap:g} × {years:g} years = {limit:g} × the "
            "annual value), except in duly justified cases",
            f"use at most {limit:g}, or state the justification in the procurement documents (the cap applies to "
            "contracts under the directive, above the EU threshold)", severity="warning"))


def must_sets(config: ScenarioConfig) -> list[set[str]]:
    """The must-together sets, with overlapping ones merged (``[a, b]`` and ``[b, c]``
    put ``a``, ``b`` and ``c`` into one lot)."""
    g = nx.Graph()
    for ids in config.rules.must_together:
        g.add_nodes_from(ids)
        g.add_edges_from(zip(ids, ids[1:]))
    return [set(c) for c in nx.connected_components(g) if len(c) > 1]


def rule_conflicts(config: ScenarioConfig, demand: pd.DataFrame | None, *, file: str = "scenario",
                   demand_file: str = "demand") -> list[Problem]:
    """Every combination of rules (and data) under which no lot plan exists, with the fix.

    >>> from lotsplit.config import RulesConfig
    >>> cfg = _example_config(RulesConfig(bundling="none", must_together=(("dairy", "bread"),)))
    >>> [p.where for p in rule_conflicts(cfg, None)]
    ['rules.bundling, rules.must_together[0]']
    """
    rules = config.rules
    out: list[Problem] = []
    sets = must_sets(config)

    def source(members: set[str]) -> str:
        ks = [k for k, ids in enumerate(rules.must_together) if set(ids) & members]
        return ", ".join(f"rules.must_together[{k}]" for k in ks)

    for s in sets:
        names = " + ".join(sorted(s))
        where = source(s)
        if rules.bundling == "none":
            out.append(Problem(file, f"rules.bundling, {where}",
                               f"{names} must share a lot, but bundling = 'none' allows one product group per lot",
                               "set bundling = 'any' (or 'families' with a family holding them all), or remove the "
                               "must_together"))
        elif rules.bundling == "families" and rules.families and not any(s <= set(f) for f in rules.families):
            out.append(Problem(file, f"rules.families, {where}",
                               f"{names} must share a lot, but no family holds them all, so no lot may bundle them",
                               f"put {names} into one family, or remove the must_together"))
        if rules.max_groups_per_lot is not None and len(s) > rules.max_groups_per_lot:
            out.append(Problem(file, f"rules.max_groups_per_lot, {where}",
                               f"{names} ({len(s)} groups) must share a lot, but max_groups_per_lot = "
                               f"{rules.max_groups_per_lot}", f"raise max_groups_per_lot to at least {len(s)}, or "
                               "remove the must_together"))
        for k, ids in enumerate(rules.never_together):
            both = sorted(set(ids) & s)
            if len(both) > 1:
                out.append(Problem(file, f"{where}, rules.never_together[{k}]",
                                   f"{' and '.join(both)} must share a lot (must_together) and may never share one "
                                   "(never_together)", "keep the pair in one of the two rules"))
    if demand is not None and demand.size and float(demand.to_numpy().sum()) <= 0:
        out.append(Problem(demand_file, "", "every annual value is 0: there is nothing to divide into lots",
                           "enter the estimated annual value of each area and product group"))
    return out


def _example_config(rules) -> ScenarioConfig:
    """A minimal config with ``rules``, for the examples above."""
    return ScenarioConfig(name="x", contract_years=1, areas={"file": "a.gpkg"}, product_groups={"file": "g.csv"},
                          demand={"file": "d.csv"}, suppliers={"file": "s.csv"}, costs={"per_lot": 1}, rules=rules)


LOCALE_FIELDS = "country, currency, language"


def check_locale(config: ScenarioConfig, defaults, problems: list[Problem]) -> None:
    """Country, currency and language that do not belong together: the exports cite the
    country's law, compare the value with the EU threshold in the currency and write in
    the language.  Another Nordic country's currency is an error; the rest are warnings."""
    country, cur, lang = config.country, config.currency, config.language
    own = {"SE": ("SEK", "sv", "Swedish law (LOU)"), "DK": ("DKK", "da", "Danish law (udbudsloven)")}
    if country in own:
        own_cur, own_lang, law = own[country]
        if cur in ("SEK", "DKK") and cur != own_cur:
            problems.append(Problem("scenario", LOCALE_FIELDS, f"country {country} with currency {cur}: the exports "
                                    f"would cite {law} and compare the value with the EU threshold in {cur}",
                                    f'set currency = "{own_cur}" (or "EUR"), or set country to the country whose law '
                                    "applies"))
        other = {"sv": "SE", "da": "DK"}.get(lang)
        if other is not None and other != country:
            problems.append(Problem("scenario", LOCALE_FIELDS, f"country {country} with language {lang}: the "
                                    f"documents would be in {lang} and cite {law}",
                                    f'set language = "{own_lang}" or "en", or country = "{other}"', severity="warning"))
    elif cur in ("SEK", "DKK"):
        problems.append(Problem("scenario", LOCALE_FIELDS, f"country 'other' with currency {cur}: the exports cite "
                                "only the Directive, not national law", 'set country = "SE" or "DK" if its law applies',
                                severity="warning"))
    if defaults.eu_threshold("supplies", cur) is None:
        problems.append(Problem("scenario", LOCALE_FIELDS, f"no EU threshold in {cur} in the defaults edition "
                                f"{defaults.edition}: whether the procurement is above the threshold is not decided",
                                'use currency "EUR", "SEK" or "DKK", or add the figure to lotsplit/data/defaults.toml',
                                severity="warning"))
