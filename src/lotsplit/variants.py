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
holds everything it needs (scenario file or in-memory scenario, overrides, seed, time
limit) and :func:`run_spec` turns it into a picklable :class:`RunResult`.  Runs go through
an Executor: inline by default (:class:`InlineExecutor`), a process pool with
``workers=N``, or any Executor you pass (for example a Dask ``Client.get_executor()``).
HiGHS gets one thread per run, so N workers use N cores.  A run is reproducible from its
parameters and seed alone: the solver is deterministic (fixed HiGHS seed, one thread) and
the seed, recorded in every table, seeds Python's and NumPy's random generators for any
stochastic step.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import random
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from lotsplit.errors import LotsplitError, Problem, ScenarioError

SECTIONS = ("costs", "rules", "objective")
HEADLINE = ["n_lots", "admin_cost", "local_share", "expected_bids_mean", "expected_bids_min", "min_eligible_bidders",
            "lots_at_risk", "lots_without_local_bidder", "exempt_lots", "largest_lot_value", "regime"]


# --------------------------------------------------------------------------- the Executor seam

class InlineExecutor(Executor):
    """Runs each task at once in the calling process (the default: easy to debug)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(exc)
        return f


def make_executor(workers: int | None = None) -> Executor:
    """Inline for ``workers`` None/1, else a pool of ``workers`` processes (spawned, so a
    worker never inherits a running solver's threads)."""
    if workers is None or workers <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def run_many(fn: Callable, tasks: list, *, executor: Executor | None = None, workers: int | None = None,
             progress: bool = False, desc: str = "runs") -> list:
    """``[fn(t) for t in tasks]`` through an Executor; results in task order.  A ``runs``
    progress event (``done``, ``total``, ``desc``) as each run ends; with ``progress`` a
    bar on stderr too (scripts, notebooks: the CLI shows the events instead)."""
    from lotsplit import progress as events
    from lotsplit.console import run_bar

    own = executor is None
    ex = make_executor(workers) if own else executor
    results: list = [None] * len(tasks)
    try:
        with run_bar(len(tasks), desc, enabled=progress) as bar:
            def done(k: int, i: int, value) -> None:
                results[i] = value
                bar.advance()
                events.report("runs", done=k, total=len(tasks), desc=desc)

            if isinstance(ex, InlineExecutor):      # one at a time, so the bar moves as each run ends
                for k, (i, t) in enumerate(enumerate(tasks), 1):
                    done(k, i, fn(t))
            else:
                futures = {ex.submit(fn, t): i for i, t in enumerate(tasks)}
                for k, f in enumerate(as_completed(futures), 1):
                    done(k, futures[f], f.result())
        return results
    finally:
        if own:
            ex.shutdown(wait=True)


# --------------------------------------------------------------------------- one run

@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs; picklable, so it can go to another process or machine."""

    index: int
    label: str
    scenario: Any
    """A scenario file (str/Path: loaded once per process) or an in-memory Scenario."""
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


_CACHE: dict[str, Any] = {}


def _load(scenario):
    from lotsplit.scenario import load_scenario

    if not isinstance(scenario, (str, Path)):
        return scenario
    key = str(Path(scenario).resolve())
    if key not in _CACHE:
        _CACHE[key] = load_scenario(key)
    return _CACHE[key]


def apply_overrides(scenario, overrides: Iterable[tuple[str, str, Any]]):
    """The scenario with ``(section, key, value)`` overrides applied; invalid values raise
    :class:`~lotsplit.errors.ScenarioError` naming the parameter."""
    import pydantic

    from lotsplit.engine.optimize import with_overrides

    parts: dict[str, dict] = {}
    for section, key, value in overrides:
        if section not in SECTIONS:
            raise ScenarioError([Problem("--param", f"{section}.{key}", f"unknown section '{section}'",
                                         f"use one of {', '.join(SECTIONS)}")])
        parts.setdefault(section, {})[key] = value
    if not parts:
        return scenario
    try:
        return with_overrides(scenario, **parts)
    except pydantic.ValidationError as exc:
        problems = [Problem("--param", ".".join(str(x) for x in e["loc"]) or "", e["msg"],
                            "check the value against the scenario format") for e in exc.errors()]
        raise ScenarioError(problems) from None


def run_spec(spec: RunSpec) -> RunResult:
    """Solve one run (in whatever process the Executor chose).  Infeasible scenarios and
    time limits are results, not errors."""
    from lotsplit.errors import InfeasibleError, NoPlanFoundError
    from lotsplit.engine.optimize import optimize

    random.seed(spec.seed)
    np.random.seed(spec.seed % (2**32))
    start = time.perf_counter()
    params = {f"{s}.{k}": v for s, k, v in spec.overrides}
    base = _load(spec.scenario)
    try:
        s = apply_overrides(base, spec.overrides)
        plan = optimize(s, time_limit=spec.time_limit, threads=1)
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

    def describe(self) -> str:
        from lotsplit.report import money

        lines = [f"Compared {len(self.runs)} scenario(s):"]
        for r, (_, row) in zip(self.runs, self.table.iterrows()):
            if r.has_plan:
                cur = self.scenarios[r.index].currency if self.scenarios else ""
                lines.append(f"  {r.label}: {r.status}, {r.metrics['n_lots']} lots, admin "
                             f"{money(r.metrics['admin_cost'], cur)}, local share {r.metrics['local_share']:.1%}"
                             + (f" — differs: {row['differs_from_first']}" if row.get("differs_from_first") else ""))
            else:
                lines.append(f"  {r.label}: {r.status} — {r.message}")
        return "\n".join(lines)

    def plot(self):
        currencies = sorted({s.currency for s in self.scenarios})
        return _bar_chart(self.table, "label", "Scenario comparison: the chosen plan of each scenario",
                          currency=" / ".join(currencies))

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """compare.csv, compare.xlsx (sheets compare, lots), compare.png, plans/<label>/."""
        from lotsplit.frontier.baselines import slug
        from lotsplit.export import output_directory, write_plan_files

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
            lots = []
            for label, plan in plans.items():
                d = tmp / "plans" / keys[label]
                d.mkdir(parents=True)
                write_plan_files(plan, d)
                lots.append(plan.lots_table().assign(scenario=label))
            _write_xlsx(tmp / "compare.xlsx", {"compare": table, "lots": _lots_sheet(lots)})
            _save(self.plot(), tmp / "compare.png")
        return out


def compare(scenarios: list, *, executor: Executor | None = None, workers: int | None = None,
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

    loaded = [s if isinstance(s, Scenario) else _load(s) for s in scenarios]
    labels = _labels(scenarios, loaded)
    specs = [RunSpec(i, labels[i], str(Path(s).resolve()) if isinstance(s, (str, Path)) else s,
                     time_limit=time_limit) for i, s in enumerate(scenarios)]
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


def _fmt(v) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


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
    _check_key(section, key, text)
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
    return name, [_value(v.strip()) for v in spec.split(",") if v.strip()]


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


def _value(s: str):
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


def _check_key(section: str, key: str, where: str) -> None:
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

    def describe(self) -> str:
        n = len(self.runs)
        distinct = sorted({p for p in self.plan_ids if p})
        lines = [f"Sweep over {', '.join(self.params)}: {n} run(s), {len(distinct)} distinct plan(s)."]
        for pid in distinct:
            rows = self.table[self.table["plan_id"] == pid]
            m = rows.iloc[0]
            where = "; ".join(", ".join(f"{p}={_fmt(r[p])}" for p in self.params) for _, r in rows.head(4).iterrows())
            more = f" (+{len(rows) - 4} more)" if len(rows) > 4 else ""
            lines.append(f"  {pid}: {int(m['n_lots'])} lots, local share {m['local_share']:.1%} — chosen for "
                         f"{where}{more}")
        for a, b in self.ties():
            lines.append(f"  {a} and {b} tie (the same objective wherever either was chosen): which of them a run "
                         "reports is arbitrary, not an effect of the parameters")
        bad = [r for r in self.runs if r.status not in ("optimal",)]
        for r in bad:
            lines.append(f"  run {r.index} ({', '.join(f'{k}={_fmt(v)}' for k, v in r.params.items())}): {r.status}"
                         + (f" — {r.message}" if r.message and r.status != "feasible" else ""))
        return "\n".join(lines)

    def plot(self):
        return _sweep_chart(self.table, self.params, currency=self.scenario.currency if self.scenario else "")

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """sweep.csv, sweep.xlsx (sheets runs, plans), sweep.png, plans/<plan id>/."""
        from lotsplit.export import output_directory, write_plan_files

        out = Path(out)
        plans = self.plans()
        with output_directory(out, overwrite=overwrite) as tmp:
            table = self.table.copy()
            table["plan"] = [f"plans/{p}/assignment.csv" if p else "" for p in table["plan_id"]]
            table.to_csv(tmp / "sweep.csv", index=False, lineterminator="\n")
            lots = []
            for pid, plan in plans.items():
                d = tmp / "plans" / pid
                d.mkdir(parents=True)
                write_plan_files(plan, d)
                lots.append(plan.lots_table().assign(plan_id=pid))
            _write_xlsx(tmp / "sweep.xlsx", {"runs": table, "plans": _lots_sheet(lots)})
            _save(self.plot(), tmp / "sweep.png")
        return out


def _overrides_of(r: RunResult) -> tuple:
    return tuple((k.split(".", 1)[0], k.split(".", 1)[1], v) for k, v in r.params.items())


def run_seed(seed: int, index: int) -> int:
    """The seed of run ``index`` of a sweep with base ``seed`` (independent streams)."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def sweep(scenario, grid: dict[str, list], *, executor: Executor | None = None, workers: int | None = None,
          seed: int = 0, time_limit: float | None = None, progress: bool = False) -> Sweep:
    """Solve the scenario for every combination of the parameter values in ``grid``
    (``{"costs.per_lot": [10000, 30000], "rules.max_lots": [4, 8]}``) and tabulate the
    chosen plan of each run (``plan_id``: runs with the same plan share an id).

    ``scenario`` is a file (each worker loads it once) or an in-memory Scenario (sent to
    each worker).  Every run is independent: ``executor`` (default inline; ``workers=N``
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
        _check_key(*name.split("."), name)
        if not grid[name]:
            raise ScenarioError([Problem("--param", name, "no values", "give at least one value")])
    base = scenario if isinstance(scenario, Scenario) else _load(scenario)
    ref = scenario if isinstance(scenario, Scenario) else str(Path(scenario).resolve())
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


# --------------------------------------------------------------------------- files and charts

def _lots_sheet(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    df = pd.concat(parts, ignore_index=True)
    first = [c for c in ("scenario", "plan_id") if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for i, col in enumerate(df.columns):
                width = min(60, max(10, len(str(col)) + 2,
                                    int(df[col].astype(str).str.len().max() or 0) + 2 if len(df) else 0))
                ws.set_column(i, i, width)
            ws.freeze_panes(1, 0)


def _save(fig, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def _figure(n: int, width: float = 12, height: float = 4):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(1, n, figsize=(width, height))


def _bar_chart(table: pd.DataFrame, label: str, title: str, *, currency: str = ""):
    """Horizontal bars, one row per scenario (long names wrap), three metrics side by side."""
    import textwrap

    from matplotlib.ticker import FuncFormatter, MaxNLocator

    n = len(table)
    fig, axes = _figure(3, width=13, height=1.2 + 0.55 * max(n, 2))
    ok = table["n_lots"].notna().to_numpy()
    labels = ["\n".join(textwrap.wrap(str(x), 38)) for x in table[label]]
    metrics = [("admin_cost", f"admin cost over the contract ({currency})", 1.0, "{:,.0f}"),
               ("local_share", "local-accessible value share (%)", 100.0, "{:.1f}"),
               ("n_lots", "number of lots", 1.0, "{:.0f}")]
    ys = np.arange(n)[::-1]
    for k, (ax, (col, name, scale, fmt)) in enumerate(zip(axes, metrics)):
        vals = [float(v) * scale if good else 0.0 for v, good in zip(table[col].fillna(0), ok)]
        ax.barh(ys, vals, color=["tab:blue" if good else "lightgrey" for good in ok])
        top = max(vals + [1e-9])
        for y, v, good, st in zip(ys, vals, ok, table["status"]):
            text = fmt.format(v).replace(",", " ") if good else str(st)
            ax.text(v + 0.01 * top, y, text, va="center", fontsize=7)
        ax.set_xlim(0, top * 1.25)
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=col == "n_lots"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ")))
        ax.set_yticks(ys)
        ax.set_yticklabels(labels if k == 0 else [""] * n, fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _sweep_chart(table: pd.DataFrame, params: list[str], *, currency: str = ""):
    """One panel per headline metric against the first parameter (one line per value of
    the others); each point labelled with the id of the plan chosen."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig, axes = _figure(3, height=4.2)
    x = params[0]
    others = params[1:]
    groups = [((), table)] if not others else list(table.groupby(others, sort=False))
    metrics = [("admin_cost", f"admin cost over the contract ({currency})", 1.0),
               ("local_share", "local-accessible value share (%)", 100.0),
               ("n_lots", "number of lots", 1.0)]
    for ax, (col, name, scale) in zip(axes, metrics):
        for key, part in groups[:8]:
            key = key if isinstance(key, tuple) else (key,)
            lab = ", ".join(f"{p}={_fmt(v)}" for p, v in zip(others, key)) or None
            xs = part[x].to_numpy()
            ys = pd.to_numeric(part[col], errors="coerce").to_numpy() * scale
            numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in xs)
            ax.plot(xs if numeric else range(len(xs)), ys, "o-", label=lab, ms=4)
            if not numeric:
                ax.set_xticks(range(len(xs)))
                ax.set_xticklabels([str(v) for v in xs], fontsize=7)
            for xv, yv, pid in zip(xs if numeric else range(len(xs)), ys, part["plan_id"]):
                if pid and not (isinstance(yv, float) and math.isnan(yv)):
                    ax.annotate(pid, (xv, yv), textcoords="offset points", xytext=(0, 5), fontsize=6, ha="center")
        ax.set_xlabel(x + (f" ({currency})" if x.startswith("costs.") and currency else ""), fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.yaxis.set_major_locator(MaxNLocator(integer=col == "n_lots"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ") if abs(v) >= 1000
                                                   else f"{v:g}"))
        ax.grid(alpha=0.3)
        if others and len(groups) > 1:
            ax.legend(fontsize=6)
    fig.suptitle("Sensitivity sweep (labels: chosen plan)", fontsize=10)
    fig.tight_layout()
    return fig
