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
    file: str | None = None
    """A legacy plan's file name (None: a standard baseline, or a legacy plan given as a table)."""
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
    listed = [(name, table, Path(item.file).name)
              for item, (name, table) in zip(scenario.config.baselines.legacy, legacy_plans(scenario))]
    for i, item in enumerate(legacy, len(listed) + 1):
        name, table = (item if isinstance(item, tuple) else (None, item))
        if isinstance(table, (str, Path)):
            name = name or f"legacy plan {Path(table).name}"
            listed.append((name, read_assignment(table), Path(table).name))
        else:
            listed.append((name or f"legacy plan {i}", table, None))
    for i, (name, table, file) in enumerate(listed, 1):
        out.append(Baseline(f"legacy-{i}", name, evaluate(s, table), file=file))
    if frontier is not None:
        for b in out:
            b.verdict = verdict(b.plan, frontier)
    return out


def verdict(plan: LotPlan, frontier: Frontier) -> str:
    """Where a plan stands relative to the frontier, in words, in the scenario's language
    (``on the frontier``, ``inside the frontier: the same local share (9.2%) costs …``)."""
    from lotsplit.export.frontier_report import verdict as words

    return words(plan, frontier)


# --------------------------------------------------------------------------- chart

def plot_frontier(frontier: Frontier, ax=None, *, title: str | None = None):
    """Local share (x, %) vs net cost (y, currency over the contract: admin cost minus the
    value of competition), labelled in the scenario's language.

    Frontier points are blue dots (hollow when a time limit stopped the proof), each
    labelled with its number of lots; the step line is the least net cost that reaches
    each local share.  Baselines are orange markers, legacy plans coloured stars; a plan
    that breaks a rule is hollow with a red edge (see
    :func:`lotsplit.export.frontier_report.plot`)."""
    from lotsplit.export.frontier_report import plot

    return plot(frontier, ax=ax, title=title)


def slug(text: str) -> str:
    """A file-name-safe label: ``Vinterväghållning Malung-Sälen`` → ``vintervaghallning-malung-salen``."""
    import unicodedata

    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "plan"
