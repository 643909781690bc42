"""Baseline plans, evaluated on the same metrics as the optimizer's, and the frontier chart.

The standard baselines are the plans a buyer would draw without a model:

- **single lot**: every cell in one lot (cheapest to run; often only national firms qualify,
  and it may have no eligible supplier at all);
- **one lot per product group**: each group over the whole territory;
- **one lot per area × group**: the finest split.

Legacy plans (last year's lots, a planner's draft) are assignment tables
``area_id, product_group_id, lot_id``.  Every baseline goes through
:func:`lotsplit.plan.evaluate`, so a baseline that breaks a rule (a lot with no eligible
supplier, a lot that is not connected, more lots than ``max_lots``…) is listed with its
violations instead of failing, and ``verdict`` says how far it is from the frontier in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from lotsplit.errors import Problem, ScenarioError
from lotsplit.plan import LotPlan, evaluate, lot_ids
from lotsplit.scenario import Scenario

if TYPE_CHECKING:
    from lotsplit.frontier import Frontier


@dataclass
class Baseline:
    """A baseline plan with its metrics (``plan.metrics``), violations and verdict."""

    key: str
    """Short label used for files and charts (``single-lot``, ``legacy-1``…)."""
    name: str
    plan: LotPlan
    source: str = "standard baseline"
    verdict: str = ""
    """How far from the frontier, in words (empty until compared with a frontier)."""


# --------------------------------------------------------------------------- assignments

def _cells(scenario: Scenario) -> list[tuple[str, str]]:
    d = scenario.demand
    return [(a, g) for a in d.index for g in d.columns if d.loc[a, g] > 0]


def single_lot_assignment(scenario: Scenario) -> pd.DataFrame:
    """Every cell with demand in one lot."""
    (lot,) = lot_ids(1)
    return pd.DataFrame([(a, g, lot) for a, g in _cells(scenario)], columns=["area_id", "product_group_id", "lot_id"])


def per_group_assignment(scenario: Scenario) -> pd.DataFrame:
    """One lot per product group, over every area with demand for it."""
    groups = [g for g in scenario.groups.index if (scenario.demand[g] > 0).any()]
    ids = dict(zip(groups, lot_ids(len(groups))))
    return pd.DataFrame([(a, g, ids[g]) for a, g in _cells(scenario)],
                        columns=["area_id", "product_group_id", "lot_id"])


def per_cell_assignment(scenario: Scenario) -> pd.DataFrame:
    """One lot per area × product group with demand."""
    cells = _cells(scenario)
    return pd.DataFrame([(a, g, lot) for (a, g), lot in zip(cells, lot_ids(len(cells)))],
                        columns=["area_id", "product_group_id", "lot_id"])


def read_assignment(path: str | Path) -> pd.DataFrame:
    """Read a plan CSV (``area_id,product_group_id,lot_id``); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", "plan file not found", "check the path")])
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"area_id", "product_group_id", "lot_id"} - set(table.columns)
    if missing:
        raise ScenarioError([Problem(path.name, "header", f"missing column(s) {sorted(missing)}",
                                     "the plan needs columns area_id,product_group_id,lot_id")])
    return table


# --------------------------------------------------------------------------- baselines

def neutral(scenario: Scenario) -> Scenario:
    """The scenario without its objective's constraints (local-share target, admin budget),
    so evaluating a plan lists only rule violations."""
    from lotsplit.engine.optimize import with_overrides

    return with_overrides(scenario, objective={"kind": "min_cost", "local_share_target": 0.0,
                                               "compactness_weight": 0.0})


def baseline_plans(scenario: Scenario, *, legacy=(), standard: bool = True,
                   frontier: Frontier | None = None) -> list[Baseline]:
    """The standard baselines, the scenario's legacy plans (``[[baselines.legacy]]``) and
    any others given, evaluated (and compared with ``frontier`` when given).

    ``legacy``: more plans, as CSV paths, assignment DataFrames, or ``(name, path_or_table)``
    pairs.
    """
    from lotsplit.scenario import legacy_plans

    s = neutral(scenario)
    out = []
    if standard:
        out += [Baseline("single-lot", "single lot", evaluate(s, single_lot_assignment(s))),
                Baseline("per-group", "one lot per product group", evaluate(s, per_group_assignment(s))),
                Baseline("per-area-group", "one lot per area × group", evaluate(s, per_cell_assignment(s)))]
    listed = [(name, table, f"legacy plan ({Path(item.file).name})")
              for item, (name, table) in zip(scenario.config.baselines.legacy, legacy_plans(scenario))]
    for i, item in enumerate(legacy, len(listed) + 1):
        name, table = (item if isinstance(item, tuple) else (None, item))
        if isinstance(table, (str, Path)):
            name = name or f"legacy plan {Path(table).name}"
            listed.append((name, read_assignment(table), f"legacy plan ({Path(table).name})"))
        else:
            listed.append((name or f"legacy plan {i}", table, "legacy plan"))
    for i, (name, table, source) in enumerate(listed, 1):
        out.append(Baseline(f"legacy-{i}", name, evaluate(s, table), source=source))
    if frontier is not None:
        for b in out:
            b.verdict = verdict(b.plan, frontier)
    return out


def verdict(plan: LotPlan, frontier: Frontier) -> str:
    """Where a plan stands relative to the frontier, in words."""
    from lotsplit.report import money

    cur = frontier.scenario.currency
    c, l = plan.metrics["net_cost"], plan.metrics["local_share"]
    tol = 1e-7 * max(1.0, abs(c))
    broken = ""
    if plan.violations:
        n = len(plan.violations)
        broken = f"breaks {n} rule{'s' if n != 1 else ''} ({plan.violations[0]}{'; …' if n > 1 else ''})"
    if not frontier.points:
        return broken or "no frontier to compare with"
    at_least = "at least " if not frontier.exact else ""
    cost_here = frontier.cost_at(l)
    local_here = frontier.local_at(c)
    parts = []
    if cost_here is None:
        parts.append(f"reaches more local share ({l:.1%}) than any plan that keeps the rules"
                     + ("" if plan.violations else " (the frontier may be incomplete)"))
    elif c < cost_here - tol and (local_here is None or local_here <= l + 1e-9):
        parts.append("beyond the frontier" + (": only possible because it breaks the rules" if plan.violations
                                               else " (the frontier is not proven here)"))
    elif abs(c - cost_here) <= tol and (local_here is None or local_here <= l + 1e-9):
        parts.append("on the frontier")
    else:
        saving = c - cost_here
        more = (local_here - l) * 100 if local_here is not None else None
        text = (f"inside the frontier: the same local share ({l:.1%}) costs {at_least}"
                f"{money(saving, cur)} less in net cost" + (f" ({saving / c:.0%} less)" if c > 0 else "")
                if saving > tol else
                "inside the frontier: the same net cost buys more local share")
        if more is not None and more > 1e-6:
            text += f", or the same net cost buys {at_least}{more:.1f} more points of local share"
        parts.append(text)
    return "; ".join(([broken] if broken else []) + parts)


# --------------------------------------------------------------------------- chart

_MARKERS = {"single-lot": "s", "per-group": "D", "per-area-group": "^"}
_LEGACY_COLOURS = ["tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan"]


def plot_frontier(frontier: Frontier, ax=None, *, title: str | None = None):
    """Local share (x, %) vs net cost (y, currency over the contract: admin cost minus the
    value of competition).

    Frontier points are blue dots (hollow when a time limit stopped the proof), each
    labelled with its number of lots; the step line is the least net cost that reaches
    each local share.  Baselines are orange markers, legacy plans coloured stars; a plan
    that breaks a rule is hollow with a red edge.  A baseline far above the frontier is
    drawn on the top edge with an arrow and its cost in the legend, so the frontier keeps
    the height of the chart."""
    import matplotlib

    if ax is None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from lotsplit.report import money

    s = frontier.scenario
    cur = s.currency
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 6.5))
    else:
        fig = ax.figure
    pts = frontier.points
    xs = [100 * p.local_share for p in pts]
    ys = [p.cost for p in pts]
    # Vertical room: the frontier, and baselines up to 1.6 times its height.
    base_ys = [b.plan.metrics["net_cost"] for b in frontier.baselines]
    top, bottom = max(ys + [0.0]), min(ys + [0.0])
    height = max(top - bottom, 1.0)
    room = max([top] + [y for y in base_ys if y <= top + 0.6 * height])
    floor = min([bottom] + [y for y in base_ys if y >= bottom - 0.6 * height])
    ylim = room + 0.12 * max(room - floor, 1.0)
    ybottom = floor - 0.05 * max(room - floor, 1.0) if floor < 0 else 0.0
    if pts:
        stairs = sorted(frontier.staircase or list(zip(ys, [p.local_share for p in pts])), key=lambda t: t[1])
        ax.step([100 * l for _, l in stairs], [c for c, _ in stairs], where="pre", color="tab:blue", lw=1,
                alpha=0.45, zorder=2, label="least net cost " + ("" if frontier.exact else "found ")
                + "for at least this local share")
        proven = [i for i, p in enumerate(pts) if p.status.value == "optimal"]
        other = [i for i, p in enumerate(pts) if p.status.value != "optimal"]
        ax.plot([xs[i] for i in proven], [ys[i] for i in proven], "o", color="tab:blue", ms=6, zorder=4,
                label="frontier plan (proven)")
        if other:
            ax.plot([xs[i] for i in other], [ys[i] for i in other], "o", mfc="white", color="tab:blue", ms=6,
                    zorder=4, label="frontier plan (time limit: not proven, see gap in frontier.csv)")
        for x, y, p in zip(xs, ys, pts):
            ax.annotate(str(p.n_lots), (x, y), textcoords="offset points", xytext=(-3, 7), fontsize=8,
                        color="tab:blue", ha="right", zorder=5)
    legacy = 0
    for b in frontier.baselines:
        m = b.plan.metrics
        bad = bool(b.plan.violations)
        if b.key.startswith("legacy"):
            marker, colour, size = "*", _LEGACY_COLOURS[legacy % len(_LEGACY_COLOURS)], 15
            legacy += 1
        else:
            marker, colour, size = _MARKERS.get(b.key, "P"), "tab:orange", 10
        x, y = 100 * m["local_share"], m["net_cost"]
        label = f"{b.name}: {m['n_lots']} lot{'s' if m['n_lots'] != 1 else ''}"
        if bad:
            label += " (breaks rules)"
        if y > ylim:
            label += f" — {money(y, cur)}, off the chart"
            span = ylim - ybottom
            ax.annotate("", (x, ylim - 0.005 * span), xytext=(x, ylim - 0.1 * span),
                        arrowprops=dict(arrowstyle="->", color=colour, lw=1.5), zorder=3)
            y = ylim - 0.1 * span
        ax.plot(x, y, marker, ms=size, mfc="white" if bad else colour, mec="tab:red" if bad else colour,
                mew=1.5, alpha=0.9, zorder=3, label=label)
    ax.set_ylim(ybottom, ylim)
    lo_x = min(xs + [100 * b.plan.metrics["local_share"] for b in frontier.baselines] + [0.0])
    hi_x = max(xs + [100 * b.plan.metrics["local_share"] for b in frontier.baselines] + [1.0])
    pad = 0.04 * (hi_x - lo_x)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_xlabel("local-accessible value share (%): value-weighted chance that a local supplier bids")
    ax.set_ylabel(f"net cost over the contract ({cur}): admin cost − value of competition")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "\u202f")))
    kind = frontier.headline().replace(" Pareto frontier", " frontier")
    shown = f"{len(pts)} of {frontier.found} plans shown" if frontier.found > len(pts) else f"{len(pts)} plans"
    ax.set_title(title or f"{s.name}\nNet cost vs local access — {kind.lower()}, {shown}; "
                          "numbers: lots in the plan", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    fig.tight_layout()
    return fig


def slug(text: str) -> str:
    """A file-name-safe label: ``Vinterväghållning Malung-Sälen`` → ``vintervaghallning-malung-salen``."""
    import unicodedata

    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "plan"
