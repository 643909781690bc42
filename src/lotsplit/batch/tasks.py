"""One run of a batch, on whatever worker the executor chose: :func:`run_task`.

A :class:`Task` is picklable and self-contained (the scenario's content, overrides, the
run's seed, the uncertainty, the chosen plan to evaluate), so a worker on another machine
needs lotsplit and nothing else.  Kinds of run:

- ``base``: optimise the scenario as given; its plan is *the chosen plan* of the item;
- ``sample``: draw sample ``run`` of the uncertain inputs from the run's seed, optimise
  that sample (which plan would be best if the world were like this?) and evaluate the
  chosen plan and the baselines (one single lot, one lot per product group) under it;
- ``robust``: evaluate every plan that was optimal in some sample (and the chosen one)
  under every sample, and pick the robust plan (:func:`lotsplit.batch.report.robust_choice`).

Whatever goes wrong becomes a result with ``status = "failed"`` and the message (the
batch goes on); infeasible samples and time limits are results like any other.  With
``exports`` the run's files (``write_all``) are made in a temporary folder on the worker
and sent back as bytes: the client writes them, so no shared filesystem is needed.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lotsplit.batch.content import ScenarioContent
from lotsplit.batch.samples import Uncertainty, apply_sample, draw_sample

STATUSES = ("optimal", "feasible", "infeasible", "no_plan", "interrupted", "failed")
"""What a run ended with: proven optimum; best found (time limit, see the gap); no plan
satisfies the rules; no plan within the time limit; stopped (Ctrl-C) before it ended;
an error (the message says which)."""

FIGURES = ("n_lots", "admin_cost", "competition_value", "net_cost", "local_share", "sme_share", "expected_bids_mean",
           "expected_bids_min", "min_eligible_bidders", "lots_at_risk", "lots_without_local_bidder", "exempt_lots",
           "largest_lot_value", "annual_value")


@dataclass(frozen=True)
class Task:
    """One run, as sent to a worker."""

    key: str
    """``<item>/<run>``, the run's folder below ``runs/``."""
    item: int
    item_key: str
    label: str
    run: int
    """0: the base run; 1…N: sample N."""
    kind: str
    content: ScenarioContent
    overrides: tuple[tuple[str, str, Any], ...] = ()
    seed: int = 0
    uncertainty: Uncertainty | None = None
    time_limit: float | None = None
    exports: frozenset[str] | None = None
    """Files to make (``write_all``'s names); None: none (an in-memory batch)."""
    command: tuple[str, ...] | None = None
    chosen: tuple[tuple[str, str, str], ...] = ()
    """The item's chosen plan (the base run's), evaluated under each sample."""
    samples: tuple[tuple[int, int], ...] = ()
    """``robust``: ``(run, seed)`` of every sample."""
    candidates: tuple[tuple[str, tuple], ...] = ()
    """``robust``: ``(plan_key, assignment)`` of every plan to compare."""
    robust: str = "expected"


@dataclass
class TaskResult:
    """What a run gives back (and what its ``result.json`` holds, less ``files``)."""

    key: str
    item: int
    item_key: str
    label: str
    run: int
    kind: str
    seed: int
    status: str
    scenario: str = ""
    language: str = ""
    """The scenario's (empty when it could not be read: the batch's language is then that of
    the others)."""
    currency: str = ""
    objective_kind: str = ""
    termination: str = ""
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    metrics: dict = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    plan: tuple = ()
    plan_key: str = ""
    chosen: dict = field(default_factory=dict)
    """The chosen plan's figures under this sample."""
    baselines: dict = field(default_factory=dict)
    """``single_lot`` / ``per_group``: the baselines' figures under this run's inputs."""
    sample: dict = field(default_factory=dict)
    robust: list[dict] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def has_plan(self) -> bool:
        return bool(self.plan)

    def record(self) -> dict:
        """The result as JSON-ready data (``result.json``)."""
        d = asdict(self)
        d.pop("files")
        d["plan"] = [list(r) for r in self.plan]
        return d

    @classmethod
    def from_record(cls, d: dict) -> TaskResult:
        d = dict(d)
        d["plan"] = tuple(tuple(r) for r in d.get("plan") or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in known})


def plan_key(assignment) -> str:
    """An id of a plan independent of lot numbering and row order (the same plan found by
    two runs gets the same key)."""
    lots: dict[str, list] = {}
    for a, g, lot in assignment:
        lots.setdefault(str(lot), []).append(f"{a}\x1f{g}")
    text = "\x1e".join(sorted("\x1d".join(sorted(c)) for c in lots.values()))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def figures(plan) -> dict:
    """A plan's headline figures, with its chance of no bid: ``no_bid_any`` (that at least
    one lot gets no bid), ``no_bid_max`` (the worst lot's) and ``lots_without_bid``
    (expected number of lots that get none)."""
    m = plan.metrics
    p0 = np.array([lot.no_bid_chance for lot in plan.lots], dtype=float)
    out = {k: m.get(k) for k in FIGURES}
    out |= {"no_bid_any": float(1 - np.prod(1 - p0)) if len(p0) else 0.0,
            "no_bid_max": float(p0.max()) if len(p0) else 0.0,
            "lots_without_bid": float(p0.sum()),
            "objective": plan.objective, "violations": len(plan.violations)}
    return out


def minimised(kind: str, objective: float) -> float:
    """The objective in the sense the optimizer minimises (``max_local`` is maximised)."""
    return -objective if kind == "max_local" else objective


def scenario_of(task: Task):
    """The task's scenario: content built (cached per worker), overrides applied, and the
    sample drawn from the run's seed (``sample`` runs)."""
    from lotsplit.batch.variants import OVERRIDE_SECTIONS, apply_overrides

    s = task.content.scenario()
    s = apply_overrides(s, task.overrides, sections=OVERRIDE_SECTIONS, option=task.label)
    sample = None
    if task.kind == "sample" and task.uncertainty is not None:
        sample = draw_sample(s, task.uncertainty, seed=task.seed)
        s = apply_sample(s, sample)
    return s, sample


def run_task(task: Task) -> TaskResult:
    """Run one task; never raises for what the run itself does wrong (status ``failed``)."""
    start = time.perf_counter()
    res = TaskResult(task.key, task.item, task.item_key, task.label, task.run, task.kind, task.seed, "failed",
                     scenario=task.content.name, params={f"{s}.{k}": v for s, k, v in task.overrides})
    plan = None
    try:
        if task.kind == "robust":
            _robust(task, res)
        else:
            plan = _solve(task, res)
    except Exception as exc:  # noqa: BLE001 - any failure is a row of the batch, never its end
        res.status = "failed"
        res.message = _message(exc)
    res.seconds = round(time.perf_counter() - start, 3)
    if task.exports is not None and res.status not in ("failed", "interrupted"):
        try:
            res.files = _files(task, res, plan)
        except Exception as exc:  # noqa: BLE001
            res.status, res.message, res.files = "failed", f"writing the files: {_message(exc)}", {}
    return res


def _message(exc: BaseException) -> str:
    from lotsplit.errors import LotsplitError

    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, LotsplitError) else f"{type(exc).__name__}: {text}"


def _solve(task: Task, res: TaskResult):
    """Optimise the task's scenario (and evaluate the chosen plan and the baselines under
    it); fills ``res`` and returns the plan (None without one)."""
    from lotsplit import progress
    from lotsplit.engine.optimize import optimize
    from lotsplit.errors import InfeasibleError, NoPlanFoundError
    from lotsplit.frontier.baselines import per_group_assignment, single_lot_assignment
    from lotsplit.plan import evaluate

    s, sample = scenario_of(task)
    cfg = s.config
    res.scenario, res.language, res.currency, res.objective_kind = s.name, cfg.language, s.currency, \
        cfg.objective.kind
    if sample is not None:
        res.sample = sample.summary()
    if task.chosen:
        chosen = evaluate(s, pd.DataFrame(list(task.chosen), columns=["area_id", "product_group_id", "lot_id"]))
        res.chosen = figures(chosen)
    res.baselines = {name: figures(evaluate(s, fn(s))) for name, fn in (("single_lot", single_lot_assignment),
                                                                       ("per_group", per_group_assignment))}
    try:
        plan = optimize(s, time_limit=task.time_limit, threads=1, seed=task.seed)
    except InfeasibleError as exc:
        res.status, res.message = "infeasible", "; ".join(exc.reasons)
        return None
    except NoPlanFoundError as exc:
        res.status = "interrupted" if progress.stop_requested() else "no_plan"
        res.message = str(exc)
        return None
    o = plan.outcome
    termination = getattr(o.termination, "value", str(o.termination or ""))
    res.status = "interrupted" if termination == "interrupted" else o.status.value
    res.termination, res.objective, res.bound, res.gap = termination, plan.objective, o.bound, o.gap
    res.metrics = figures(plan)
    res.violations = [str(v) for v in plan.violations]
    res.plan = tuple(tuple(str(x) for x in r) for r in plan.assignment.itertuples(index=False, name=None))
    res.plan_key = plan_key(res.plan)
    res.message = o.message
    if task.kind == "base":
        res.chosen = dict(res.metrics)          # the chosen plan is this one
    return plan


def _robust(task: Task, res: TaskResult) -> None:
    """Every candidate plan under every sample: objective (and rules broken) per pair."""
    from dataclasses import replace

    from lotsplit.batch.report import robust_choice
    from lotsplit.plan import evaluate

    rows = []
    tables = {k: pd.DataFrame(list(a), columns=["area_id", "product_group_id", "lot_id"]) for k, a in task.candidates}
    kind = ""
    for run, seed in task.samples:
        s, _ = scenario_of(replace(task, kind="sample", run=run, seed=seed))
        kind = s.config.objective.kind
        res.scenario, res.language, res.currency, res.objective_kind = s.name, s.config.language, s.currency, kind
        for key, table in tables.items():
            p = evaluate(s, table)
            rows.append({"plan_key": key, "run": run, "objective": p.objective, "violations": len(p.violations),
                         "local_share": p.metrics["local_share"], "net_cost": p.metrics["net_cost"],
                         "admin_cost": p.metrics["admin_cost"]})
    res.robust = rows
    best = robust_choice(pd.DataFrame(rows), kind, criterion=task.robust)
    res.plan_key = best or ""
    res.plan = tuple(a for k, a in task.candidates if k == best)[0] if best else ()
    res.status = "optimal" if best else "infeasible"
    res.message = (f"robust plan ({task.robust}): {best}" if best else "no candidate plan")


def _files(task: Task, res: TaskResult, plan) -> dict[str, bytes]:
    """The run's files as bytes: ``write_all``'s exports (base runs: ``task.exports``;
    samples: the tables only), ``result.json``, and the manifest listing both."""
    from lotsplit.export import write_all
    from lotsplit.export.common import sha256_file

    with tempfile.TemporaryDirectory(prefix="lotsplit-run-") as tmp:
        d = Path(tmp)
        batch = {"item": task.item_key, "run": task.run, "kind": task.kind, "seed": task.seed,
                 "uncertainty": asdict(task.uncertainty) if task.uncertainty else None,
                 "sample": res.sample or None}
        if plan is not None and task.kind != "robust":
            exports = task.exports if task.kind == "base" else frozenset({"tables"})
            write_all(plan, d, command=list(task.command) if task.command else None, exports=exports, workers=1,
                      extra={"inputs": list(task.content.inputs), "batch": batch})
        (d / "result.json").write_text(json.dumps(res.record(), indent=2, ensure_ascii=False, default=_jsonable)
                                       + "\n", "utf-8")
        manifest = d / "manifest.json"
        if manifest.exists():
            doc = json.loads(manifest.read_text("utf-8"))
            doc["files"] = sorted(doc["files"] + [{"path": "result.json", "sha256": sha256_file(d / "result.json"),
                                                   "bytes": (d / "result.json").stat().st_size}],
                                  key=lambda f: f["path"])
            manifest.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable) + "\n", "utf-8")
        return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "value"):
        return x.value
    return str(x)
