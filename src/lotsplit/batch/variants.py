"""Scenario variants side by side (``compare``), sensitivity grids (``sweep``) and the
``concurrent.futures.Executor`` seam both run on.

Variants
--------
A scenario file can extend another and override a few settings, so "what if at most 6
lots?" is a three-line file::

    # scenarios/dalarna-food/variants/max-6-lots.toml
    extends = "../scenario.toml"
    name = "Dalarna food: at most 6 lots"
    [rules]
    max_lots = 6

How ``extends`` merges (``scenario._read_toml_chain``):

- the base file is read first (it may itself extend another; a loop is an error);
- **tables merge key by key**: ``[rules] max_lots = 6`` changes that one rule and keeps
  every other rule of the base; nested tables merge the same way;
- **every other value replaces** the base's value, lists included: ``families = [...]``
  replaces the whole list, it does not append;
- **data-file paths stay relative to the file that names them**: the base's
  ``demand.file = "demand.csv"`` still means the base's folder; a variant that names its own
  ``[demand] file = "demand-2027.csv"`` means a file beside the variant;
- ``extends`` itself is resolved relative to the file that contains it.

A variant should set its own ``name``: it labels the variant in every table and chart.

Runs
----
Every run (one scenario with some parameters replaced) is independent: a :class:`RunSpec`
holds everything it needs (the scenario's content — configuration and tables, no path of
this machine, see :mod:`lotsplit.batch.content` — overrides, seed, time limit) and
:func:`run_spec` turns it into a picklable :class:`RunResult`.  Runs go through the
Executor seam of :mod:`lotsplit.batch.executors`: inline by default, ``workers=N`` (or
``executor="processes:N"``) for a process pool, ``"dask://HOST:PORT"`` or
``"dask-local:N"`` for Dask, or any Executor you pass.  HiGHS gets one thread per run, so N
workers use N cores.  A run is reproducible from its parameters and seed alone: every
internal budget of the solver counts work, and the seed, recorded in every table, is
HiGHS's ``random_seed`` and the districting heuristic's (``optimize(seed=)``).
"""

from __future__ import annotations

import itertools
import math
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from lotsplit.batch.charts import bar_chart, lots_sheet, save_figure, sweep_chart, write_xlsx
from lotsplit.batch.charts import fmt_value as _fmt
from lotsplit.batch.content import ScenarioContent
from lotsplit.batch.executors import InlineExecutor, dispatch, open_executor
from lotsplit.batch.samples import MAX_SEED
from lotsplit.errors import InfeasibleError, LotsplitError, NoPlanFoundError, Problem, ScenarioError

__all__ = ["Comparison", "InlineExecutor", "RunResult", "RunSpec", "Sweep", "apply_overrides", "compare",
           "parse_param", "run_many", "run_seed", "run_spec", "sweep"]

SECTIONS = ("costs", "rules", "objective")
OVERRIDE_SECTIONS = ("costs", "rules", "objective", "competition")
"""Sections a batch table may override (a sweep varies the first three)."""
HEADLINE = ["n_lots", "admin_cost", "local_share", "expected_bids_mean", "expected_bids_min", "min_eligible_bidders",
            "lots_at_risk", "lots_without_local_bidder", "exempt_lots", "largest_lot_value", "regime"]


def run_many(fn: Callable, tasks: list, *, executor: Executor | str | None = None, workers: int | None = None,
             progress: bool = False, desc: str = "runs") -> list:
    """``[fn(t) for t in tasks]`` through an Executor; results in task order.  A ``runs``
    progress event (``done``, ``total``, ``desc``) as each run ends; with ``progress`` a
    bar on stderr too (scripts, notebooks: the CLI shows the events instead).

    ``executor``: an Executor, or a name (``"processes:2"``, ``"dask-local:2"``, see
    :func:`lotsplit.batch.executors.parse_executor`); ``workers=N``: a pool of N processes.
    """
    from lotsplit import progress as events
    from lotsplit.console import run_bar

    results: list = [None] * len(tasks)
    spec = executor if executor is not None else workers
    with open_executor(spec) as ex, run_bar(len(tasks), desc, enabled=progress) as bar:
        done = 0

        def finished(i: int, fut) -> None:
            nonlocal done
            results[i] = fut.result()           # a run that raised stops the whole call
            done += 1
            bar.advance()
            events.report("runs", done=done, total=len(tasks), desc=desc)

        dispatch(ex, iter(enumerate(tasks)), fn, finished)
    return results


# --------------------------------------------------------------------------- one run

@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; picklable, so it can go to another process or machine."""

    index: int
    label: str
    scenario: Any
    """The scenario's content (:class:`~lotsplit.batch.content.ScenarioContent`); a file or an
    in-memory Scenario is turned into one by :func:`content_of`."""
    overrides: tuple[tuple[str, str, Any], ...] = ()
    """``(section, key, value)`` replacing the scenario's parameters (costs, rules, objective)."""
    seed: int = 0
    time_limit: float | None = None


@dataclass
class RunResult:
    """The outcome of one run: headline metrics and the chosen plan's assignment."""

    index: int
    label: str
    params: dict
    seed: int
    scenario_name: str
    status: str
    """optimal | feasible (time limit; see gap) | infeasible | time_limit_no_plan | error"""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    metrics: dict = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    assignment: list[tuple[str, str, str]] = field(default_factory=list)
    exempt: tuple[str, ...] = ()
    message: str = ""
    seconds: float = 0.0

    @property
    def has_plan(self) -> bool:
        return bool(self.assignment)


def content_of(scenario) -> ScenarioContent:
    """A scenario file (read here, built on the worker) or an in-memory Scenario as the
    content a task carries."""
    if isinstance(scenario, ScenarioContent):
        return scenario
    if isinstance(scenario, (str, Path)):
        return ScenarioContent.read(scenario)
    return ScenarioContent.of(scenario)


def _load(scenario):
    """The checked scenario of a file, a content or a Scenario (built once per process
    and content, in a bounded cache)."""
    if isinstance(scenario, (str, Path, ScenarioContent)):
        return content_of(scenario).scenario()
    return scenario


def apply_overrides(scenario, overrides: Iterable[tuple[str, str, Any]], *, sections=SECTIONS,
                    option: str = "--param"):
    """The scenario with ``(section, key, value)`` overrides applied; invalid values raise
    :class:`~lotsplit.errors.ScenarioError` naming the parameter."""
    import pydantic

    from lotsplit.engine.optimize import with_overrides

    parts: dict[str, dict] = {}
    for section, key, value in overrides:
        if section not in sections:
            raise ScenarioError([Problem(option, f"{section}.{key}", f"unknown section '{section}'",
                                         f"use one of {', '.join(sections)}")])
        parts.setdefault(section, {})[key] = value
    if not parts:
        return scenario
    try:
        return with_overrides(scenario, **parts)
    except pydantic.ValidationError as exc:
        problems = [Problem(option, ".".join(str(x) for x in e["loc"]) or "", e["msg"],
                            "check the value against the scenario format") for e in exc.errors()]
        raise ScenarioError(problems) from None


def run_spec(spec: RunSpec) -> RunResult:
    """Solve one run (in whatever process the Executor chose).  Infeasible scenarios and
    time limits are results, not errors."""
    from lotsplit.engine.optimize import optimize

    start = time.perf_counter()
    params = {f"{s}.{k}": v for s, k, v in spec.overrides}
    base = _load(spec.scenario)
    try:
        s = apply_overrides(base, spec.overrides)
        plan = optimize(s, time_limit=spec.time_limit, threads=1, seed=spec.seed)
    except InfeasibleError as exc:
        return RunResult(spec.index, spec.label, params, spec.seed, base.name, "infeasible",
                         message="; ".join(exc.reasons), seconds=time.perf_counter() - start)
    except NoPlanFoundError as exc:
        return RunResult(spec.index, spec.label, params, spec.seed, base.name, "time_limit_no_plan",
                         message=str(exc), seconds=time.perf_counter() - start)
    except LotsplitError as exc:
        return RunResult(spec.index, spec.label, params, spec.seed, base.name, "error", message=str(exc),
                         seconds=time.perf_counter() - start)
    o = plan.outcome
    return RunResult(spec.index, spec.label, params, spec.seed, s.name, o.status.value, plan.objective, o.bound,
                     o.gap, dict(plan.metrics), list(plan.violations),
                     [tuple(r) for r in plan.assignment.itertuples(index=False, name=None)],
                     tuple(l.id for l in plan.lots if l.exempt), o.message, time.perf_counter() - start)


def _plan_of(scenario, r: RunResult, overrides=()):
    """Re-create a run's LotPlan in this process (same assignment, same exempt lots)."""
    from lotsplit.plan import evaluate

    s = apply_overrides(scenario, overrides)
    table = pd.DataFrame(r.assignment, columns=["area_id", "product_group_id", "lot_id"])
    return evaluate(s, table, exempt=set(r.exempt) if r.exempt else None)


def _row(r: RunResult) -> dict:
    m = r.metrics
    return {"status": r.status, "gap": r.gap, "objective": r.objective, **{k: m.get(k) for k in HEADLINE},
            "violations": "; ".join(r.violations), "seconds": round(r.seconds, 3), "message": r.message}


# --------------------------------------------------------------------------- compare

@dataclass
class Comparison:
    """Scenarios side by side: ``table`` (one row per scenario) and each run's result."""

    table: pd.DataFrame
    runs: list[RunResult]
    sources: list
    """What was compared: scenario files or in-memory scenarios."""
    scenarios: list = field(default_factory=list)

    @property
    def all_proven(self) -> bool:
        return all(r.status in ("optimal", "infeasible") for r in self.runs)

    def plans(self) -> dict:
        """label → LotPlan (scenarios with a plan only)."""
        return {r.label: _plan_of(s, r) for r, s in zip(self.runs, self.scenarios) if r.has_plan}

    @property
    def lang(self) -> str:
        """The language of the first scenario (the summary's and the chart's)."""
        return self.scenarios[0].config.language if self.scenarios else "en"

    def describe(self) -> str:
        from lotsplit.batch import texts as T
        from lotsplit.export.common import money, percent

        lang = self.lang
        lines = [T.word(lang, "cmp_head", n=len(self.runs))]
        for r, (_, row) in zip(self.runs, self.table.iterrows()):
            if r.has_plan:
                cur = self.scenarios[r.index].currency if self.scenarios else ""
                differs = row.get("differs_from_first")
                lines.append(T.word(lang, "cmp_row", label=r.label, status=T.status_word(lang, r.status),
                                    lots=r.metrics["n_lots"],
                                    admin=money(r.metrics["admin_cost"], cur, lang),
                                    share=percent(r.metrics["local_share"], lang, decimals=1))
                             + (T.word(lang, "cmp_differs", d=differs) if differs else ""))
            else:
                lines.append(f"  {r.label}: {T.status_word(lang, r.status)} — {r.message}")
        return "\n".join(lines)

    def plot(self):
        from lotsplit.batch import texts as T

        currencies = sorted({s.currency for s in self.scenarios})
        return bar_chart(self.table, "label", T.word(self.lang, "cmp_title"), currency=" / ".join(currencies),
                         lang=self.lang)

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """compare.csv, compare.xlsx (sheets compare, lots), compare.png, plans/<label>/."""
        from lotsplit.frontier.baselines import slug
        from lotsplit.export import output_directory

        out = Path(out)
        plans = self.plans()
        with output_directory(out, overwrite=overwrite) as tmp:
            table = self.table.copy()
            keys: dict[str, str] = {}
            for label, src in zip(table["label"], self.sources):
                if isinstance(src, (str, Path)):
                    src = Path(src)
                    k = slug(src.parent.name if src.stem == "scenario" else src.stem)
                else:
                    k = slug(label)
                base, n = k, 2
                while k in keys.values():
                    k, n = f"{base}-{n}", n + 1
                keys[label] = k
            table["plan"] = [f"plans/{keys[l]}/assignment.csv" if l in plans else "" for l in table["label"]]
            table.to_csv(tmp / "compare.csv", index=False, lineterminator="\n")
            lots = _write_plans(tmp, {keys[label]: plan for label, plan in plans.items()}, "scenario",
                                list(plans))
            write_xlsx(tmp / "compare.xlsx", {"compare": table, "lots": lots_sheet(lots)})
            save_figure(self.plot(), tmp / "compare.png")
        return out


def compare(scenarios: list, *, executor: Executor | str | None = None, workers: int | None = None,
            time_limit: float | None = None, progress: bool = False) -> Comparison:
    """Solve each scenario (files, typically a base and variants that ``extends`` it) and
    tabulate the headline metrics side by side.

    Examples
    --------
    >>> c = compare(["scenarios/dalarna-food/scenario.toml",
    ...              "scenarios/dalarna-food/variants/max-6-lots.toml"])       # doctest: +SKIP
    >>> c.table[["label", "n_lots", "admin_cost", "local_share"]]             # doctest: +SKIP
    """
    from lotsplit.scenario import Scenario

    contents = [content_of(s) for s in scenarios]
    loaded = [s if isinstance(s, Scenario) else c.scenario() for s, c in zip(scenarios, contents)]
    labels = _labels(scenarios, loaded)
    specs = [RunSpec(i, labels[i], c, time_limit=time_limit) for i, c in enumerate(contents)]
    runs = run_many(run_spec, specs, executor=executor, workers=workers, progress=progress, desc="compare")
    first = _flat(loaded[0].config) if loaded else {}
    rows = []
    for r, s, src in zip(runs, loaded, scenarios):
        flat = _flat(s.config)
        diff = [f"{k}: {_fmt(first.get(k))} → {_fmt(v)}" for k, v in flat.items() if first.get(k) != v]
        diff += [f"{k}: {_fmt(v)} → (unset)" for k, v in first.items() if k not in flat]
        rows.append({"label": r.label, "scenario": s.name,
                     "file": Path(src).name if isinstance(src, (str, Path)) else "",
                     "extends": s.config.extends or "", "objective_kind": s.config.objective.kind, **_row(r),
                     "differs_from_first": "; ".join(diff) if r.index else ""})
    return Comparison(pd.DataFrame(rows), runs, list(scenarios), loaded)


def _labels(sources, loaded) -> list[str]:
    names = [s.name for s in loaded]
    out = []
    for src, name in zip(sources, names):
        if names.count(name) > 1 and isinstance(src, (str, Path)):
            name = f"{name} ({Path(src).stem})"
        while name in out:
            name += "'"
        out.append(name)
    return out


_IGNORED = ("name", "description", "buyer", "extends")


def _flat(cfg) -> dict:
    """The scenario's parameters as ``section.key -> value`` (data files and texts left out)."""
    d = cfg.model_dump()
    out = {}
    for k, v in d.items():
        if k in _IGNORED or k in ("areas", "product_groups", "demand", "suppliers", "baselines"):
            continue
        if isinstance(v, dict):
            for k2, v2 in v.items():
                if k == "geography" and k2 == "distance_matrix":
                    continue
                out[f"{k}.{k2}"] = v2
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------- sweep

def parse_param(text: str) -> tuple[str, list]:
    """``costs.per_lot=10000:50000:5`` → ("costs.per_lot", [10000, 20000, …, 50000]);
    ``rules.max_lots=4,6,8`` → ("rules.max_lots", [4, 6, 8])."""
    def bad(msg: str) -> ScenarioError:
        return ScenarioError([Problem("--param", text, msg, "write section.key=start:stop:n or "
                                                            "section.key=v1,v2,… (sections: costs, rules, "
                                                            "objective)")])

    if "=" not in text:
        raise bad("no '='")
    name, spec = (x.strip() for x in text.split("=", 1))
    if name.count(".") != 1:
        raise bad(f"'{name}' is not section.key")
    section, key = name.split(".")
    check_key(section, key, text)
    if not spec:
        raise bad("no values")
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise bad("a range needs start:stop:n")
        try:
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise bad("start and stop must be numbers, n a whole number") from None
        if n < 1:
            raise bad("n must be at least 1")
        vals = list(np.linspace(a, b, n)) if n > 1 else [a]
        if all(float(v).is_integer() for v in vals) and all(_is_int(p) for p in parts[:2]):
            return name, [int(round(v)) for v in vals]
        return name, [float(v) for v in vals]
    return name, [parse_value(v.strip()) for v in spec.split(",") if v.strip()]


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


def parse_value(s: str):
    """A value as written on the command line or in a table: bool, None, int, float or text."""
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if _is_int(s):
        return int(s)
    try:
        return float(s)
    except ValueError:
        return s


def check_key(section: str, key: str, where: str) -> None:
    from lotsplit.config import CostsConfig, ObjectiveConfig, RulesConfig

    models = {"costs": CostsConfig, "rules": RulesConfig, "objective": ObjectiveConfig}
    if section not in models:
        raise ScenarioError([Problem("--param", where, f"unknown section '{section}'",
                                     f"use one of {', '.join(SECTIONS)}")])
    fields = models[section].model_fields
    if key not in fields:
        raise ScenarioError([Problem("--param", where, f"'{key}' is not a field of [{section}]",
                                     f"use one of {', '.join(sorted(fields))}")])


@dataclass
class Sweep:
    """A sensitivity grid: ``table`` (one row per run) and which plan each run chose."""

    table: pd.DataFrame
    runs: list[RunResult]
    params: list[str]
    scenario: Any = None
    plan_ids: list[str] = field(default_factory=list)

    @property
    def all_proven(self) -> bool:
        return all(r.status in ("optimal", "infeasible") for r in self.runs)

    def plans(self) -> dict:
        """plan id → LotPlan of the first run that chose it."""
        out = {}
        for r, pid in zip(self.runs, self.plan_ids):
            if pid and pid not in out:
                out[pid] = _plan_of(self.scenario, r, _overrides_of(r))
        return out

    def ties(self) -> list[tuple[str, str]]:
        """Pairs of distinct plans that score the same objective under the parameters of
        every run that chose either (the optimizer's choice between them is arbitrary)."""
        from lotsplit.plan import evaluate

        first = {}
        for r, pid in zip(self.runs, self.plan_ids):
            if pid and r.status == "optimal":
                first.setdefault(pid, []).append(r)
        out = []
        ids = sorted(first)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                ra, rb = first[a][0], first[b][0]
                if ra.metrics.get("n_lots") != rb.metrics.get("n_lots") or \
                        not math.isclose(ra.metrics["local_share"], rb.metrics["local_share"], abs_tol=1e-9):
                    continue
                table = pd.DataFrame(rb.assignment, columns=["area_id", "product_group_id", "lot_id"])
                scored = [(evaluate(apply_overrides(self.scenario, _overrides_of(r)), table), r) for r in first[a]]
                if all(not p.violations and math.isclose(p.objective, r.objective, rel_tol=1e-9, abs_tol=1e-6)
                       for p, r in scored):
                    out.append((a, b))
        return out

    @property
    def lang(self) -> str:
        return self.scenario.config.language if self.scenario is not None else "en"

    def describe(self) -> str:
        from lotsplit.batch import texts as T
        from lotsplit.export.common import percent

        lang = self.lang
        n = len(self.runs)
        distinct = sorted({p for p in self.plan_ids if p})
        lines = [T.word(lang, "sw_head", params=", ".join(self.params), n=n, k=len(distinct))]
        for pid in distinct:
            rows = self.table[self.table["plan_id"] == pid]
            m = rows.iloc[0]
            where = "; ".join(", ".join(f"{p}={_fmt(r[p])}" for p in self.params) for _, r in rows.head(4).iterrows())
            more = T.word(lang, "sw_more", n=len(rows) - 4) if len(rows) > 4 else ""
            lines.append(T.word(lang, "sw_row", pid=pid, lots=int(m["n_lots"]),
                                share=percent(m["local_share"], lang, decimals=1), where=where, more=more))
        for a, b in self.ties():
            lines.append(T.word(lang, "sw_tie", a=a, b=b))
        bad = [r for r in self.runs if r.status not in ("optimal",)]
        for r in bad:
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in r.params.items())
            lines.append(T.word(lang, "sw_run", i=r.index, params=params, status=T.status_word(lang, r.status))
                         + (f" — {r.message}" if r.message and r.status != "feasible" else ""))
        return "\n".join(lines)

    def plot(self):
        return sweep_chart(self.table, self.params, currency=self.scenario.currency if self.scenario else "",
                           lang=self.lang)

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """sweep.csv, sweep.xlsx (sheets runs, plans), sweep.png, plans/<plan id>/."""
        from lotsplit.export import output_directory

        out = Path(out)
        plans = self.plans()
        with output_directory(out, overwrite=overwrite) as tmp:
            table = self.table.copy()
            table["plan"] = [f"plans/{p}/assignment.csv" if p else "" for p in table["plan_id"]]
            table.to_csv(tmp / "sweep.csv", index=False, lineterminator="\n")
            lots = _write_plans(tmp, plans, "plan_id", list(plans))
            write_xlsx(tmp / "sweep.xlsx", {"runs": table, "plans": lots_sheet(lots)})
            save_figure(self.plot(), tmp / "sweep.png")
        return out


def _write_plans(tmp, plans: dict, column: str, tags: list) -> list:
    """Each plan's files into ``plans/<folder>/`` (``plans``: folder -> plan); returns their
    lot tables, each with ``column`` set to its plan's tag (``tags``, in the same order)."""
    from lotsplit.export import write_plan_files

    lots = []
    for (folder, plan), tag in zip(plans.items(), tags):
        d = tmp / "plans" / folder
        d.mkdir(parents=True)
        write_plan_files(plan, d)
        lots.append(plan.lots_table().assign(**{column: tag}))
    return lots


def _overrides_of(r: RunResult) -> tuple:
    return tuple((k.split(".", 1)[0], k.split(".", 1)[1], v) for k, v in r.params.items())


def run_seed(seed: int, index: int) -> int:
    """The seed of run ``index`` of a sweep with base ``seed`` (independent streams; below
    HiGHS's largest ``random_seed``)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0]) & MAX_SEED


def sweep(scenario, grid: dict[str, list], *, executor: Executor | str | None = None, workers: int | None = None,
          seed: int = 0, time_limit: float | None = None, progress: bool = False) -> Sweep:
    """Solve the scenario for every combination of the parameter values in ``grid``
    (``{"costs.per_lot": [10000, 30000], "rules.max_lots": [4, 8]}``) and tabulate the
    chosen plan of each run (``plan_id``: runs with the same plan share an id).

    ``scenario`` is a file or an in-memory Scenario; each run carries its content (each
    worker builds it once).  Every run is independent: ``executor`` (default inline; ``workers=N``
    for a process pool) decides where it runs; the results do not depend on it.

    Examples
    --------
    >>> sw = sweep("scenarios/malung-salen-winter/scenario.toml",
    ...            {"costs.per_lot": [10000, 30000, 50000]}, workers=2)       # doctest: +SKIP
    >>> sw.table[["costs.per_lot", "n_lots", "admin_cost", "plan_id"]]        # doctest: +SKIP
    """
    from lotsplit.scenario import Scenario

    if not grid:
        raise ScenarioError([Problem("--param", "", "no parameter to sweep", "give at least one --param")])
    names = list(grid)
    for name in names:
        if name.count(".") != 1:
            raise ScenarioError([Problem("--param", name, "not section.key", "e.g. costs.per_lot")])
        check_key(*name.split("."), name)
        if not grid[name]:
            raise ScenarioError([Problem("--param", name, "no values", "give at least one value")])
    ref = content_of(scenario)
    base = scenario if isinstance(scenario, Scenario) else ref.scenario()
    specs = []
    for i, combo in enumerate(itertools.product(*(grid[n] for n in names))):
        ov = tuple((n.split(".")[0], n.split(".")[1], v) for n, v in zip(names, combo))
        apply_overrides(base, ov)            # fail here, before any solve, on an invalid value
        label = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(names, combo))
        specs.append(RunSpec(i, label, ref, ov, run_seed(seed, i), time_limit))
    runs = run_many(run_spec, specs, executor=executor, workers=workers, progress=progress, desc="sweep")
    ids: dict[frozenset, str] = {}
    plan_ids = []
    for r in runs:
        if not r.has_plan:
            plan_ids.append("")
            continue
        key = _signature(r.assignment)
        if key not in ids:
            ids[key] = f"P{len(ids) + 1:02d}"
        plan_ids.append(ids[key])
    # plan_changed: the plan differs from the run with the previous value of the first
    # parameter and the same values of the others.
    previous: dict[tuple, str] = {}
    changed = [False] * len(runs)
    for i in sorted(range(len(runs)), key=lambda i: (_key(runs[i].params, names[1:]), grid[names[0]].index(
            runs[i].params[names[0]]))):
        k = _key(runs[i].params, names[1:])
        changed[i] = k in previous and previous[k] != plan_ids[i]
        previous[k] = plan_ids[i]
    rows = [{"run": r.index, "seed": r.seed, **r.params, "plan_id": pid, "plan_changed": ch, **_row(r)}
            for r, pid, ch in zip(runs, plan_ids, changed)]
    return Sweep(pd.DataFrame(rows), runs, names, base, plan_ids)


def _key(params: dict, names: list[str]) -> tuple:
    return tuple(repr(params[n]) for n in names)


def _signature(assignment) -> frozenset:
    """A plan as a set of lots (each a frozenset of cells), independent of lot numbering."""
    lots: dict[str, set] = {}
    for a, g, lot in assignment:
        lots.setdefault(lot, set()).add((a, g))
    return frozenset(frozenset(c) for c in lots.values())
