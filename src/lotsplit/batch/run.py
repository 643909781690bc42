"""A batch of runs: many scenarios, each with its base run and Monte Carlo samples, on any
executor, written one atomic folder per run as each finishes.

:func:`run_batch` (the ``lotsplit batch`` command) and :func:`monte_carlo` (the same for
one scenario, in memory, for a notebook) share one loop (:class:`_Batch`):

1. each scenario's **base run** is dispatched as the executor has room (its content is
   read just before: the parent never holds every scenario, and keeps at most a few
   contents at a time);
2. when a base run ends, its plan is *the chosen plan*, and the scenario's **samples**
   (runs 1…N, each drawn from its own seed) go out before any new scenario: each
   optimises its sample and evaluates the chosen plan and the baselines under it;
3. with ``robust``, when a scenario's samples have ended, one more task compares every
   plan that was optimal in some sample under every sample and picks the robust one;
4. each result is written at once into ``runs/<scenario>/<run>/`` (atomically; a failed
   run gets no folder, only its row), and when the batch ends — or stops on Ctrl-C, once
   the runs in flight have ended — the combined tables and charts are written.

``--resume`` reads the runs that have a folder with a manifest and runs only the others
(failed and interrupted runs again).  The batch's settings are kept in ``batch.json``; a
resume with other settings (seed, uncertainty, exports, time limit) is refused, since its
runs would not belong together; ``--samples`` may grow.

Folder layout::

    OUT/batch.json            settings and the scenarios (keys, sources)
    OUT/batch.csv, .xlsx      one row per run (xlsx: sheets Scenarios, Runs, Plans, Failures)
    OUT/scenarios.csv         one row per scenario, with the uncertainty of its chosen plan
    OUT/plans.csv             one row per scenario × plan found
    OUT/batch.png             across scenarios; OUT/uncertainty*.png with samples
    OUT/runs/KEY/base/        the base run (assignment.csv, lots.csv, plan.json, …)
    OUT/runs/KEY/sample-0001/ each sample (tables only), result.json in every run folder
    OUT/runs/KEY/robust/      the robust comparison (with ``--robust``)
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import shutil
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from lotsplit.batch import report as R
from lotsplit.batch.content import ScenarioContent
from lotsplit.batch.executors import dispatch, open_executor
from lotsplit.batch.samples import Uncertainty, sample_seed
from lotsplit.batch.sources import BatchItem, batch_items
from lotsplit.batch.tasks import Task, TaskResult, run_task
from lotsplit.errors import OptionError, Problem

BATCH_MARKER = "lotsplit_batch"
DEFAULT_EXPORTS = frozenset({"tables"})
ROBUST = ("expected", "worst")


def run_name(run: int) -> str:
    """``base``, ``sample-0001`` …"""
    return "base" if run == 0 else f"sample-{run:04d}"


@dataclass
class BatchResult:
    """What a batch found: the tables (runs, scenarios, plans) and where it wrote them."""

    runs: pd.DataFrame
    scenarios: pd.DataFrame
    plans: pd.DataFrame
    results: list[TaskResult]
    out: Path | None = None
    interrupted: bool = False
    resumed: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def failures(self) -> pd.DataFrame:
        return self.runs[self.runs["status"].isin(["failed", "interrupted"])] if len(self.runs) else self.runs

    @property
    def all_done(self) -> bool:
        return not self.interrupted and self.failures.empty

    def plot(self, item: str | None = None):
        """The uncertainty chart of one scenario (the first by default), in its language:
        the chosen plan's local share and net cost against the single lot's across the
        samples, the chance that some lot gets no bid, and how often each plan is optimal."""
        from lotsplit.batch import charts as C
        from lotsplit.batch import texts as T

        sc = self.scenarios if item is None else self.scenarios[self.scenarios["item"] == item]
        if sc.empty or "samples" not in sc:
            raise ValueError("no samples to plot: run the batch with samples")
        row = sc.iloc[0]
        res = next(r for r in self.results if r.item_key == row["item"])
        part = self.runs[self.runs["item"] == row["item"]]
        robust = row.get("robust_plan") if isinstance(row.get("robust_plan"), str) else ""
        title = f"{row['scenario']}: " + T.word(res.language, "chart_share_title", n=int(row["samples"]))
        return C.uncertainty_chart(part, lang=res.language, currency=row["currency"], title=title,
                                   chosen_lots=int(row["n_lots"]) if pd.notna(row["n_lots"]) else None,
                                   chosen_id=row["plan_id"], robust_id=robust)

    @property
    def lang(self) -> str:
        """The scenarios' language when they share one, else English (the report's)."""
        langs = sorted({r.language for r in self.results if r.language})
        return langs[0] if len(langs) == 1 else "en"

    def describe(self) -> str:
        from lotsplit.batch import texts as T
        from lotsplit.export.common import percent

        lang = self.lang

        def pct(x, decimals: int = 1) -> str:
            return percent(float(x), lang, decimals=decimals)

        n_items = self.scenarios["item"].nunique() if len(self.scenarios) else 0
        st = self.runs["status"].value_counts().to_dict() if len(self.runs) else {}
        lines = [T.word(lang, "b_head", n=n_items, runs=len(self.runs))
                 + ", ".join(f"{v} {T.status_word(lang, k)}" for k, v in sorted(st.items()))
                 + (T.word(lang, "b_resumed", n=self.resumed) if self.resumed else "")]
        for _, r in self.scenarios.head(12).iterrows():
            if pd.isna(r.get("local_share")):
                lines.append(f"  {r['label']}: {T.status_word(lang, r['status'])}")
                continue
            line = T.word(lang, "b_row", label=r["label"], lots=int(r["n_lots"]), share=pct(r["local_share"]),
                          single=pct(r["single_lot_local_share"]))
            if pd.notna(r.get("local_share_mean")):
                line += T.word(lang, "b_samples", n=int(r["samples"]), p5=pct(r["local_share_p5"]),
                               p95=pct(r["local_share_p95"]), helps=pct(r["split_helps"], 0),
                               optimal=pct(r["chosen_optimal"] or 0, 0))
            if isinstance(r.get("robust_plan"), str):
                line += T.word(lang, "b_robust", plan=r["robust_plan"])
            lines.append(line)
        if n_items > 12:
            lines.append(T.word(lang, "b_more", n=n_items - 12))
        for _, r in self.failures.head(8).iterrows():
            lines.append(T.word(lang, "b_failed", item=r["item"], run=r["run"],
                                status=T.status_word(lang, r["status"]), message=r["message"]))
        if self.interrupted:
            lines.append(T.word(lang, "b_stopped"))
        return "\n".join(lines)


class _Batch:
    """The loop shared by :func:`run_batch` and :func:`monte_carlo` (see the module doc)."""

    def __init__(self, items: list[BatchItem], *, samples: int, seed: int, uncertainty: Uncertainty | None,
                 time_limit: float | None, exports: frozenset[str] | None, robust: str | None,
                 command: list[str] | None, done: dict[str, TaskResult], write: Callable | None,
                 window: int = 4):
        self.items = items
        self.samples = samples
        self.seed = seed
        self.uncertainty = uncertainty
        self.time_limit = time_limit
        self.exports = exports
        self.robust = robust if samples > 0 else None
        self.command = tuple(command) if command else None
        self.results: dict[str, TaskResult] = {}
        self.write = write
        self._contents: collections.OrderedDict[int, ScenarioContent] = collections.OrderedDict()
        self._keep = max(2, window + 2)
        self._ready: list = []
        self._plans: dict[tuple[int, str], tuple] = {}
        """One copy of each plan a scenario's samples found, until its robust task is out
        (the results themselves keep only the plan's key: a batch of many samples stays small)."""
        for r in done.values():
            self._slim(r)
        self.total = sum(1 + samples + (1 if self.robust else 0) for _ in items)
        self.finished = sum(1 for _ in done)

    # ------------------------------------------------------------------ contents, bounded
    def content(self, item: BatchItem) -> ScenarioContent:
        c = self._contents.get(item.index)
        if c is None:
            src = item.source
            c = src if isinstance(src, ScenarioContent) else (
                ScenarioContent.read(src) if isinstance(src, (str, Path)) else ScenarioContent.of(src))
            self._contents[item.index] = c
            while len(self._contents) > self._keep:
                self._contents.popitem(last=False)
        else:
            self._contents.move_to_end(item.index)
        return c

    def key(self, item: BatchItem, run: int | str) -> str:
        return f"{item.key}/{run if isinstance(run, str) else run_name(run)}"

    def task(self, item: BatchItem, run: int, kind: str, **extra) -> Task:
        return Task(self.key(item, run if kind != "robust" else "robust"), item.index, item.key, item.label, run, kind,
                    self.content(item), item.overrides, sample_seed(self.seed, item.index, run),
                    item.uncertainty_with(self.uncertainty), self.time_limit, self.exports, self.command, **extra)

    # ------------------------------------------------------------------ scheduling
    def tasks(self):
        """Base runs, one scenario at a time (and, for scenarios whose base run is
        already done, their missing samples)."""
        for item in self.items:
            base = self.results.get(self.key(item, 0))
            if base is None:
                t = self._make(item, 0, "base")
                if t is not None:
                    yield t
            else:
                self._schedule_rest(item)
                while self._ready:
                    yield self._ready.pop(0)

    def _make(self, item: BatchItem, run: int, kind: str, **extra):
        try:
            return self.key(item, run if kind != "robust" else "robust"), self.task(item, run, kind, **extra)
        except Exception as exc:  # noqa: BLE001 - a scenario that cannot be read is a failed row
            from lotsplit.batch.tasks import _message

            self._record(TaskResult(self.key(item, run), item.index, item.key, item.label, run, kind,
                                    sample_seed(self.seed, item.index, run), "failed", message=_message(exc)))
            return None

    def more(self) -> list:
        out, self._ready = self._ready, []
        return out

    def _schedule_rest(self, item: BatchItem) -> None:
        base = self.results.get(self.key(item, 0))
        if base is None or base.status in ("failed", "interrupted"):
            return
        pending = [j for j in range(1, self.samples + 1) if self.key(item, j) not in self.results]
        for j in pending:
            t = self._make(item, j, "sample", chosen=base.plan)
            if t is not None:
                self._ready.append(t)
        if not pending:
            self._schedule_robust(item)

    def _schedule_robust(self, item: BatchItem) -> None:
        if not self.robust or self.key(item, "robust") in self.results:
            return
        runs = [self.results.get(self.key(item, j)) for j in range(self.samples + 1)]
        if any(r is None for r in runs):
            return
        cands = {}
        for r in runs:
            if r.plan_key and r.plan_key not in cands:
                cands[r.plan_key] = r.plan or self._plans.get((r.item, r.plan_key), ())
        for key in list(self._plans):
            if key[0] == item.index:
                del self._plans[key]
        samples = tuple((r.run, r.seed) for r in runs[1:])
        t = self._make(item, 0, "robust", samples=samples, candidates=tuple(sorted(cands.items())),
                       robust=self.robust)
        if t is not None:
            self._ready.append(t)

    # ------------------------------------------------------------------ results
    def done(self, key: str, fut: Future) -> None:
        exc = fut.exception()
        if exc is not None:
            from lotsplit.batch.tasks import _message

            item_key, _, run = key.partition("/")
            item = next(i for i in self.items if i.key == item_key)
            r = 0 if run in ("base", "robust") else int(run.split("-")[1])
            res = TaskResult(key, item.index, item.key, item.label, r, "robust" if run == "robust" else
                             ("base" if r == 0 else "sample"), sample_seed(self.seed, item.index, r), "failed",
                             message=f"the worker failed: {_message(exc)}")
        else:
            res = fut.result()
        if self.write is not None and res.status not in ("failed", "interrupted"):
            try:
                self.write(res)
            except Exception as exc:  # noqa: BLE001 - a run that cannot be written is a failed row
                from lotsplit.batch.tasks import _message
                from lotsplit.errors import OutputError

                if isinstance(exc, OutputError):
                    raise                       # a full disk stops the batch: nothing more can be written
                res.status, res.message = "failed", f"writing its folder: {_message(exc)}"
        res.files = {}
        self._record(res)
        item = self.items[res.item]
        if res.kind == "base":
            self._schedule_rest(item)
        elif res.kind == "sample" and all(self.key(item, j) in self.results for j in range(self.samples + 1)):
            self._schedule_robust(item)

    def _slim(self, res: TaskResult) -> None:
        if res.kind == "sample" and res.plan:
            if self.robust:
                self._plans.setdefault((res.item, res.plan_key), res.plan)
            res.plan = ()
        self.results[res.key] = res

    def _record(self, res: TaskResult) -> None:
        from lotsplit import progress

        self._slim(res)
        self.finished += 1
        progress.report("runs", done=self.finished, total=self.total, desc="batch")

    # ------------------------------------------------------------------ the tables
    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        results = list(self.results.values())
        ids = R.plan_ids(results)
        runs = R.runs_table(results, ids)
        robust_rows, robust, kinds = {}, {}, {}
        for r in results:
            if r.kind == "robust" and r.robust:
                robust_rows[r.item_key] = pd.DataFrame(r.robust)
                robust[r.item_key] = ids.get((r.item, r.plan_key), "")
                kinds[r.item_key] = r.objective_kind
        return runs, R.scenarios_table(runs, robust), R.plans_table(runs, robust_rows, robust, kinds)


def _settings(samples, seed, uncertainty, time_limit, exports, robust) -> dict:
    return {"seed": seed, "samples": samples, "uncertainty": asdict(uncertainty) if uncertainty else None,
            "time_limit": time_limit, "exports": sorted(exports) if exports is not None else None,
            "robust": robust}


def run_batch(sources, *, out: str | Path, executor=None, samples: int = 0, seed: int = 0,
              uncertainty: Uncertainty | None = None, exports=None, time_limit: float | None = None,
              robust: str | None = None, resume: bool = False, overwrite: bool = False,
              command: list[str] | None = None) -> BatchResult:
    """Run a batch and write it to ``out`` (see the module doc).

    ``sources``: scenario files, folders, globs, batch tables or in-memory scenarios;
    ``executor``: ``"inline"``, ``"processes:N"``, ``"dask://HOST:PORT"``,
    ``"dask-local:N"`` or an Executor; ``samples``: Monte Carlo samples per scenario (with
    ``uncertainty``); ``seed``: the batch seed (every run's seed derives from it and the
    run's index); ``exports``: the files of each base run (default ``tables``; samples
    always write the tables only); ``robust``: ``"expected"`` or ``"worst"`` (see
    :func:`lotsplit.batch.report.robust_choice`).

    Examples
    --------
    >>> r = run_batch(["scenarios/malung-salen-winter/scenario.toml"], out="out/mc", samples=20,
    ...               uncertainty=Uncertainty(propensity_sd=0.1), executor="processes:2")  # doctest: +SKIP
    >>> r.scenarios[["label", "local_share", "local_share_p5", "split_helps"]]             # doctest: +SKIP
    """
    from lotsplit.export import output_directory, parse_exports, reserve_output
    from lotsplit.export.atomic import MARKER, write_folder_manifest

    _check(samples, robust, uncertainty)
    exports = DEFAULT_EXPORTS if exports is None else parse_exports(exports)
    items = batch_items(sources)
    out = Path(out)
    settings = _settings(samples, seed, uncertainty, time_limit, exports, robust)
    files_in = [i.source for i in items if isinstance(i.source, (str, Path))]
    existing = resume and (out / "batch.json").is_file()
    if resume and out.exists() and any(out.iterdir()) and not existing:
        raise OptionError([Problem("--resume", "", f"{out.as_posix()} is not a lotsplit batch folder (no batch.json)",
                                   "give the --out of the batch to resume, or leave --resume out")])
    with reserve_output(out, overwrite=overwrite or existing, inputs=files_in, command=command) as target:
        done: dict[str, TaskResult] = {}
        if existing:
            _check_resume(out, settings, items)
            for p in list(out.glob(".batch-report-*")) + list(out.glob(".*.tmp")):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            done = _finished_runs(out, items, samples)
        elif out.exists():
            for p in out.iterdir():           # --overwrite: the earlier batch (check_output_target allowed it)
                shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        out.mkdir(parents=True, exist_ok=True)
        _write_json(out / "batch.json", {BATCH_MARKER: 1, "settings": settings, "command": command,
                                          "items": [{"key": i.key, "label": i.label, "source": i.source_name,
                                                     "overrides": [list(o) for o in i.overrides],
                                                     "uncertainty": i.uncertainty} for i in items]})
        _write_manifest(out, command, MARKER, started=True)

        def write(res: TaskResult) -> None:
            d = out / "runs" / res.key
            d.parent.mkdir(parents=True, exist_ok=True)
            with output_directory(d, overwrite=d.exists()) as tmp:
                for name, data in res.files.items():
                    (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                    (tmp / name).write_bytes(data)
                if not res.files:
                    _write_json(tmp / "result.json", res.record())
                    write_folder_manifest(tmp, command=command)

        result = _execute(items, executor, samples=samples, seed=seed, uncertainty=uncertainty,
                          time_limit=time_limit, exports=exports, robust=robust, command=command, done=done,
                          write=write)
        result.out, result.resumed, result.settings = out, len(done), settings
        _write_report(out, result, command)
        _write_manifest(out, command, MARKER, started=False, interrupted=result.interrupted)
        target.notes = []
    return result


def monte_carlo(scenario, *, samples: int = 100, uncertainty: Uncertainty | None = None, seed: int = 0,
                executor=None, time_limit: float | None = None, robust: str | None = "expected") -> BatchResult:
    """Monte Carlo over the uncertain inputs of one scenario, in memory: the base run (the
    chosen plan), ``samples`` samples (each optimised, and the chosen plan evaluated under
    it) and, with ``robust``, the robust plan.  Nothing is written.

    >>> import lotsplit
    >>> from lotsplit.synthetic import grid_scenario
    >>> mc = lotsplit.monte_carlo(grid_scenario(1, 2, 2, 4, seed=1), samples=3,
    ...                           uncertainty=lotsplit.Uncertainty(propensity_sd=0.1), seed=5)
    >>> len(mc.runs), mc.runs["kind"].tolist()
    (4, ['base', 'sample', 'sample', 'sample'])
    """
    _check(samples, robust, uncertainty)
    items = batch_items([scenario])
    return _execute(items, executor, samples=samples, seed=seed, uncertainty=uncertainty or Uncertainty(),
                    time_limit=time_limit, exports=None, robust=robust, command=None, done={}, write=None)


def _execute(items, executor, *, done, write, **kw) -> BatchResult:
    from lotsplit import progress

    with open_executor(executor) as ex:
        b = _Batch(items, done=done, write=write, window=ex.window, **kw)
        progress.report("stage", name="runs", detail=f"{len(items)} scenario(s), {b.total} run(s)", total=b.total)
        dispatch(ex, b.tasks(), run_task, b.done, stop=progress.stop_requested, more=b.more)
    interrupted = progress.stop_requested()
    runs, scenarios, plans = b.tables()
    return BatchResult(runs, scenarios, plans, sorted(b.results.values(), key=lambda r: (r.item, r.run, r.kind)),
                       interrupted=interrupted)


def _check(samples: int, robust: str | None, uncertainty: Uncertainty | None) -> None:
    problems = option_problems(samples, robust, uncertainty)
    if problems:
        raise OptionError(problems)


def option_problems(samples: int, robust: str | None, uncertainty: Uncertainty | None) -> list[Problem]:
    """What is wrong with these batch options (every problem, each with its fix)."""
    problems = []
    if samples < 0:
        problems.append(Problem("--samples", "", f"{samples} is negative", "give 0 (no samples) or more"))
    if robust is not None and robust not in ROBUST:
        problems.append(Problem("--robust", "", f"{robust!r} is not a robustness criterion",
                                "use expected (best mean objective) or worst (best worst case)"))
    if samples > 0 and (uncertainty is None or not uncertainty.any):
        problems.append(Problem("--samples", "", "samples without any uncertainty would all be the base scenario",
                                "give --propensity-sd, --demand-pct or --dropout (or uncertainty columns in the "
                                "batch table)"))
    return problems


def _check_resume(out: Path, settings: dict, items: list[BatchItem]) -> None:
    doc = json.loads((out / "batch.json").read_text("utf-8"))
    before = doc.get("settings", {})
    differ = [k for k in settings if k != "samples" and before.get(k) != settings[k]]
    problems = [Problem("--resume", k, f"the batch in {out.as_posix()} ran with {k} = {before.get(k)!r}, not "
                        f"{settings[k]!r}", "resume with the same options, or write a new batch to another --out")
                for k in differ]
    keys = [i["key"] for i in doc.get("items", [])]
    if keys and keys != [i.key for i in items][:len(keys)]:
        problems.append(Problem("--resume", "scenarios", "the scenarios are not those of the batch being resumed",
                                "give the same scenarios in the same order (new ones may follow at the end)"))
    if problems:
        raise OptionError(problems)


def _finished_runs(out: Path, items: list[BatchItem], samples: int) -> dict[str, TaskResult]:
    """The runs of an earlier batch that have a complete folder (manifest and result)."""
    done = {}
    for item in items:
        for name in [run_name(j) for j in range(samples + 1)] + ["robust"]:
            d = out / "runs" / item.key / name
            if (d / "manifest.json").is_file() and (d / "result.json").is_file():
                try:
                    r = TaskResult.from_record(json.loads((d / "result.json").read_text("utf-8")))
                except (ValueError, TypeError):
                    continue
                done[r.key] = r
    return done


def _write_json(path: Path, doc: dict) -> None:
    from lotsplit.batch.tasks import _jsonable

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=_jsonable) + "\n", "utf-8")
    os.replace(tmp, path)


def _write_manifest(out: Path, command, marker: str, *, started: bool, interrupted: bool = False) -> None:
    """The batch folder's manifest: the marker, and the run folders (``runs/*/*``) as
    lotsplit's own, each judged by its own manifest (so ``--resume`` and ``--overwrite``
    accept the folder)."""
    from lotsplit.export.common import sha256_file

    top = sorted(p for p in out.iterdir() if p.is_file() and p.name != "manifest.json" and not p.name.startswith("."))
    _write_json(out / "manifest.json", {
        marker: 1, "batch": True, "complete": not started and not interrupted, "interrupted": interrupted,
        "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "command": command, "folders": ["runs/*/*"],
        "files": [{"path": p.name, "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in top]})


def _write_report(out: Path, result: BatchResult, command) -> None:
    """The combined tables and charts (each file replaced atomically)."""
    import tempfile

    from lotsplit.batch import charts as C
    from lotsplit.batch import texts as T

    currencies = sorted({r.currency for r in result.results if r.currency})
    lang = result.lang
    currency = currencies[0] if len(currencies) == 1 else " / ".join(currencies)
    s = result.settings
    unc = Uncertainty(**s["uncertainty"]) if s.get("uncertainty") else None
    w = T.word
    about = [(w(lang, "about_command"), " ".join(command or [])), (w(lang, "about_seed"), str(s.get("seed"))),
             (w(lang, "about_samples"), str(s.get("samples"))),
             (w(lang, "about_uncertainty"), unc.describe(lang) if unc else w(lang, "none")),
             (w(lang, "about_robust"), w(lang, f"robust_{s['robust']}") if s.get("robust") else "—"),
             (w(lang, "about_exports"), ", ".join(s.get("exports") or [])),
             (w(lang, "about_interrupted"), w(lang, "yes") if result.interrupted else w(lang, "no"))]
    with tempfile.TemporaryDirectory(prefix=".batch-report-", dir=out) as tmp:
        d = Path(tmp)
        R.write_tables(d, runs=result.runs, scenarios=result.scenarios, plans=result.plans, lang=lang,
                       currency=currency, about=about)
        if len(result.scenarios) and result.scenarios["local_share"].notna().any():
            C.save_figure(C.batch_chart(result.scenarios, lang=lang, currency=currency), d / "batch.png")
        if s.get("samples"):
            sc = result.scenarios
            sampled = sc[sc["local_share_mean"].notna()] if "local_share_mean" in sc else sc.iloc[0:0]
            if len(sampled) > 1:
                C.save_figure(C.band_chart(result.scenarios, lang=lang), d / "uncertainty.png")
            for _, row in sampled.head(20).iterrows():
                part = result.runs[result.runs["item"] == row["item"]]
                name = "uncertainty.png" if len(sampled) == 1 else f"uncertainty-{row['item']}.png"
                name_shown = row["scenario"] or row["label"]
                title = f"{name_shown}: " + T.word(lang, "chart_share_title", n=int(row["samples"]))
                robust = row.get("robust_plan") if isinstance(row.get("robust_plan"), str) else ""
                C.save_figure(C.uncertainty_chart(part, lang=lang, currency=row["currency"] or currency, title=title,
                                                  chosen_lots=int(row["n_lots"]) if pd.notna(row["n_lots"]) else None,
                                                  chosen_id=row["plan_id"], robust_id=robust), d / name)
        for p in sorted(d.iterdir()):
            os.replace(p, out / p.name)
