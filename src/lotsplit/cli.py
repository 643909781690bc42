"""The ``lotsplit`` command.

Exit codes (README "Exit codes"):

- 0 success: a proven optimum, or a plan within the requested ``--mip-gap``;
- 1 unexpected error (a bug: run again with ``--debug`` and report the traceback);
- 2 invalid input: the scenario, a plan file or an option (every problem listed, each
  with the fix), or an ``--out`` the safety rules refuse;
- 3 infeasible scenario (explained); 4 time limit before any plan;
- 5 a plan was written but is not proven within the gap (time limit, or Ctrl-C: the
  best plan found so far, marked ``interrupted``);
- 6 the output cannot be written: no permission, read-only or full disk, or another run
  is writing the same ``--out``;
- 130 interrupted (Ctrl-C) before any plan: nothing written.

Only the names a command needs are imported, inside it: ``lotsplit --help`` starts in a
fraction of a second.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from lotsplit.session import (EXIT_INTERRUPTED, EXIT_NOT_PROVEN, EXIT_OUTPUT, Session, _batch_notes, _exports,
                              _interrupted_plan, _mark_interrupted, _plan_json, _session, _write_plan, command_line,
                              scenario_inputs, solver_options)

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Divide a public tender into lots by area and product range.")

__all__ = ["EXIT_INTERRUPTED", "EXIT_NOT_PROVEN", "EXIT_OUTPUT", "Session", "app", "command_line", "main",
           "scenario_inputs", "solver_options"]


def text(lang: str, key: str, **kw) -> str:
    """A line of the command line's own in the scenario's language."""
    from lotsplit.export.texts import text as words

    return words(lang, key, **kw)


def ntext(lang: str, key: str, n: int, **kw) -> str:
    from lotsplit.export.texts import ntext as words

    return words(lang, key, n, **kw)


TIME_LIMIT_HELP = ("Seconds for the solve (loading the scenario and writing the files come on top); the best "
                   "plan found by then is written with its bound and gap. Default: the scenario's solver.time_limit")

# Options every command has.
JSON = typer.Option(False, "--json", help="Print a machine-readable summary (JSON) on stdout instead of the text")
QUIET = typer.Option(False, "--quiet", "-q", help="Only warnings and errors on stderr (no progress, no notes)")
VERBOSE = typer.Option(0, "--verbose", "-v", count=True, help="Say more on stderr: each stage (-v), details (-vv)")
PROGRESS = typer.Option(None, "--progress/--no-progress",
                        help="Live progress on stderr (default: only when stderr is a terminal)")
DEBUG = typer.Option(False, "--debug", help="Show tracebacks")
OVERWRITE = typer.Option(False, "--overwrite",
                         help="Replace a non-empty --out, only if lotsplit wrote it (its manifest.json) and it holds "
                              "no input")


def _version(value: bool) -> None:
    if value:
        from lotsplit import __version__

        typer.echo(f"lotsplit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit")) -> None:
    """Divide a public tender into lots by area and product range."""


# --------------------------------------------------------------------------- check

@app.command()
def check(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
          json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE, debug: bool = DEBUG) -> None:
    """Check a scenario and print a summary; exit non-zero listing every problem."""
    ses = _session("check", json_out, quiet, verbose, False, debug)
    with ses.running():
        from lotsplit.scenario import load_scenario

        s = load_scenario(scenario)
        ses.timer.lap("load")
        ses.summary |= {"scenario": s.name, "ok": True, "areas": len(s.areas), "product_groups": len(s.groups),
                        "suppliers": len(s.suppliers),
                        "warnings": [{"severity": p.severity, "text": str(p)} for p in s.notes
                                     if p.severity in ("warning", "note")]}
        ses.say(s.summary() + "\n" + text(s.config.language, "cli_valid"))


# --------------------------------------------------------------------------- run

@app.command()
def run(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
        out: Path = typer.Option(..., "--out", help="Output folder (written atomically; see --overwrite)"),
        time_limit: Optional[float] = typer.Option(None, help=TIME_LIMIT_HELP),
        solver: Optional[str] = typer.Option(None, help="highs (default) or cbc"),
        mip_gap: Optional[float] = typer.Option(None, help="Relative gap accepted as success, 0 <= gap < 1"),
        threads: Optional[int] = typer.Option(None, help="Solver threads (default: the scenario's solver.threads)"),
        exports: Optional[str] = typer.Option(None, help="Which files to write, comma-separated: tables, xlsx, "
                                                         "geo, maps, webmap, annex, memo, eforms, ocds, or all (the "
                                                         "default); tables and manifest.json always"),
        overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
        show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Find the best lot plan and write it to --out.

    Ctrl-C stops the solve: the best plan found so far is written, marked interrupted
    (exit 5), or nothing when there is none (exit 130); Ctrl-C twice aborts."""
    ses = _session("run", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit import progress
        from lotsplit.errors import InterruptedRunError, NoPlanFoundError
        from lotsplit.export import reserve_output

        opts = solver_options(time_limit=time_limit, solver=solver, mip_gap=mip_gap, threads=threads)
        chosen = _exports(exports)
        cmd = command_line(Path(scenario).resolve().parent)
        with reserve_output(out, overwrite=overwrite, inputs=[scenario], command=cmd) as target:
            s = ses.load(scenario)
            target.protect(scenario_inputs(s))
            target.notes = [w["text"] for w in ses.summary["warnings"]]
            from lotsplit.engine.optimize import optimize

            progress.report("stage", name="solve", detail=f"time limit {opts['time_limit']:g} s"
                            if "time_limit" in opts else "")
            try:
                plan = optimize(s, **opts)
            except NoPlanFoundError:
                ses.timer.lap("solve")
                if ses.ctrl_c.interrupted:
                    raise InterruptedRunError("Stopped (Ctrl-C) before any plan was found: nothing was "
                                              "written.") from None
                raise
            ses.timer.lap("solve")
            interrupted = _interrupted_plan(plan, ses.ctrl_c)
            if interrupted:
                plan = _mark_interrupted(plan)
            _write_plan(ses, plan, target, chosen, interrupted=interrupted)
        from lotsplit.report import plan_summary

        ses.summary |= {"interrupted": interrupted, **_plan_json(plan)}
        requested = s.config.solver.mip_gap if "mip_gap" not in opts else opts["mip_gap"]
        o = plan.outcome
        lines = [plan_summary(plan)]
        if interrupted:
            lines.append(text(s.config.language, "cli_interrupted_plan"))
        lines.append(text(s.config.language, "cli_wrote", out=f"{out}/"))
        ses.say("\n".join(lines))
        if interrupted or (o.status.value != "optimal" and (o.gap is None or o.gap > requested + 1e-12)):
            raise typer.Exit(EXIT_NOT_PROVEN)


# --------------------------------------------------------------------------- evaluate / export

@app.command()
def evaluate(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
             plan_csv: Path = typer.Argument(..., help="Assignment CSV: area_id,product_group_id,lot_id"),
             out: Optional[Path] = typer.Option(None, "--out", help="Output folder (every export of the plan)"),
             exports: Optional[str] = typer.Option(None, help="Which files to write with --out (see run --help)"),
             overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
             show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Score an existing plan with the same metrics; list its rule violations."""
    ses = _session("evaluate", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit.report import plan_summary

        plan = _score_plan_file(ses, scenario, plan_csv, out, overwrite, exports)
        lang = plan.scenario.config.language
        ses.say(plan_summary(plan) + ("\n" + text(lang, "cli_wrote", out=f"{out}/") if out is not None else ""))


@app.command()
def export(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
           plan_csv: Path = typer.Argument(..., help="Assignment CSV (area_id,product_group_id,lot_id), e.g. a "
                                                      "run's assignment.csv"),
           out: Path = typer.Option(..., "--out", help="Output folder"),
           exports: Optional[str] = typer.Option(None, help="Which files to write (see run --help)"),
           overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
           show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Write every export (workbook, maps, GeoPackage, annex, eForms/OCDS, manifest) for an existing plan."""
    ses = _session("export", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        plan = _score_plan_file(ses, scenario, plan_csv, out, overwrite, exports)
        lang = plan.scenario.config.language
        broken = ntext(lang, "cli_broken", len(plan.violations)) if plan.violations else ""
        ses.say(text(lang, "cli_wrote_lots", out=f"{out}/", lots=ntext(lang, "n_lots", len(plan.lots)), broken=broken))


def _score_plan_file(ses, scenario: Path, plan_csv: Path, out: Optional[Path], overwrite: bool,
                     exports: Optional[str]):
    """Load the scenario, evaluate the plan file and, with ``out``, write its exports (the
    shared body of ``evaluate`` and ``export``)."""
    chosen = _exports(exports)
    with _maybe_reserve(out, overwrite, [scenario, plan_csv], scenario) as target:
        s = ses.load(scenario)
        if target is not None:
            target.protect(scenario_inputs(s))
        plan = _evaluate_plan_file(s, plan_csv)
        ses.timer.lap("evaluate")
        if target is not None:
            _write_plan(ses, plan, target, chosen)
    ses.summary |= _plan_json(plan)
    return plan


@contextlib.contextmanager
def _maybe_reserve(out: Optional[Path], overwrite: bool, inputs: list, scenario: Path):
    if out is None:
        yield None
        return
    from lotsplit.export import reserve_output

    with reserve_output(out, overwrite=overwrite, inputs=inputs,
                        command=command_line(Path(scenario).resolve().parent)) as target:
        yield target


def _evaluate_plan_file(s, plan_csv: Path):
    """Score the plan in ``plan_csv`` on scenario ``s`` (errors name the file)."""
    import pandas as pd

    from lotsplit.errors import Problem, ScenarioError
    from lotsplit.plan import evaluate as evaluate_plan

    if plan_csv.is_dir():
        raise ScenarioError([Problem(str(plan_csv), "", "is a folder, not a plan file",
                                     "give the assignment CSV inside it, e.g. " f"{plan_csv.as_posix()}/assignment.csv")])
    if not plan_csv.is_file():
        raise ScenarioError([Problem(str(plan_csv), "", "plan file not found", "check the path")])
    try:
        table = pd.read_csv(plan_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(plan_csv.name, "", f"cannot read the plan ({type(exc).__name__}: {exc})",
                                     "save it as a UTF-8, comma-separated CSV with columns "
                                     "area_id,product_group_id,lot_id")]) from None
    missing = {"area_id", "product_group_id", "lot_id"} - set(table.columns)
    if missing:
        raise ScenarioError([Problem(plan_csv.name, "header", f"missing column(s) {sorted(missing)}",
                                     "the plan needs columns area_id,product_group_id,lot_id")])
    return evaluate_plan(s, table)


# --------------------------------------------------------------------------- frontier, compare, sweep

@app.command()
def frontier(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
             out: Path = typer.Option(..., "--out", help="Output folder"),
             points: int = typer.Option(25, "--points", min=2,
                                        help="At most this many points; a frontier with more plans is shown as "
                                             "this many plans spread along the curve"),
             legacy: Optional[list[Path]] = typer.Option(None, "--legacy",
                                                         help="Another plan to compare (assignment CSV "
                                                              "area_id,product_group_id,lot_id), besides the "
                                                              "scenario's [[baselines.legacy]]; repeatable"),
             baselines: bool = typer.Option(True, help="Evaluate the standard baselines (single lot, one lot per "
                                                       "product group, one lot per area × group)"),
             time_limit: Optional[float] = typer.Option(None, help="Seconds for the whole frontier search (loading "
                                                                   "and writing come on top); the points found by "
                                                                   "then are written"),
             point_time_limit: Optional[float] = typer.Option(None, help="Seconds per sampled point (default: the "
                                                                         "scenario's solver.time_limit, else 3); a "
                                                                         "point stopped by it is shown with its gap"),
             overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
             show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """The Pareto frontier of admin cost vs local-accessible value share, with baselines.

    Writes frontier.csv (one row per plan: metrics, lots, status, gap, plan file),
    frontier.png, summary.txt, frontier.json and plans/<label>/assignment.csv for every
    plan (export any of them with `lotsplit export`).  Exit code 5 when a point shown is
    not proven (see its gap), or when Ctrl-C stopped the search (the points found so far
    are written)."""
    ses = _session("frontier", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit import progress
        from lotsplit.export import reserve_output

        opts = solver_options(time_limit=time_limit)
        if point_time_limit is not None:
            solver_options(time_limit=point_time_limit)        # same rule, same message
        legacy = list(legacy or [])
        cmd = command_line(Path(scenario).resolve().parent)
        with reserve_output(out, overwrite=overwrite, inputs=[scenario, *legacy], command=cmd) as target:
            s = ses.load(scenario)
            target.protect(scenario_inputs(s))
            target.notes = [w["text"] for w in ses.summary["warnings"]]
            from lotsplit.frontier import frontier as compute_frontier

            progress.report("stage", name="frontier", detail=f"up to {points} points")
            result = compute_frontier(s, points=points, legacy=legacy, baselines=baselines,
                                      time_limit=opts.get("time_limit"), point_time_limit=point_time_limit)
            ses.timer.lap("solve")
            interrupted = bool(ses.ctrl_c and ses.ctrl_c.interrupted)
            progress.report("stage", name="export", detail="frontier files")
            result.write(out, overwrite=overwrite)
            ses.timer.lap("export")
        ses.summary |= {"out": Path(out).as_posix(), "interrupted": interrupted, "points": len(result.points),
                        "proven": sum(p.status.value == "optimal" for p in result.points)}
        ses.say(result.describe() + ("\n" + text(s.config.language, "cli_interrupted_points") if interrupted else "")
                + "\n" + text(s.config.language, "cli_wrote", out=f"{out}/"))
        if interrupted or any(p.status.value != "optimal" for p in result.points):
            raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def compare(scenarios: list[Path] = typer.Argument(..., help="Scenario TOML files (e.g. a base scenario and "
                                                             "variants that extend it)"),
            out: Path = typer.Option(..., "--out", help="Output folder"),
            workers: int = typer.Option(1, "--workers", min=1, help="Solve in this many processes"),
            executor: Optional[str] = typer.Option(None, "--executor", help="Where the runs go (instead of "
                                                   "--workers): inline, processes:N, dask://HOST:PORT or "
                                                   "dask-local:N"),
            time_limit: Optional[float] = typer.Option(None, help="Seconds per scenario's solve (loading and "
                                                                  "writing come on top)"),
            overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
            show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Solve each scenario and write a side-by-side table of the headline metrics
    (compare.csv, compare.xlsx, compare.png) and each plan under plans/<label>/."""
    ses = _session("compare", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit import progress
        from lotsplit.export import reserve_output
        from lotsplit.batch.variants import compare as run_compare

        from lotsplit.batch.executors import parse_executor

        opts = solver_options(time_limit=time_limit)
        spec = parse_executor(executor) if executor is not None else None
        with reserve_output(out, overwrite=overwrite, inputs=list(scenarios), command=command_line()) as target:
            progress.report("stage", name="runs", detail=f"{len(scenarios)} scenarios", total=len(scenarios))
            result = run_compare(scenarios, executor=spec, workers=workers, time_limit=opts.get("time_limit"),
                                 progress=False)
            ses.timer.lap("solve")
            _batch_notes(ses, target, result.scenarios)
            progress.report("stage", name="export", detail="comparison files")
            result.write(out, overwrite=overwrite)
            ses.timer.lap("export")
        ses.summary |= {"out": Path(out).as_posix(), "all_proven": result.all_proven}
        ses.say(result.describe() + "\n" + text(result.lang, "cli_wrote", out=f"{out}/"))
        if not result.all_proven:
            raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def sweep(scenario: Path = typer.Argument(..., help="Scenario file (.toml, or an .xlsx scenario workbook)"),
          param: list[str] = typer.Option(..., "--param",
                                          help="section.key=start:stop:n (n evenly spaced values) or "
                                               "section.key=v1,v2,…; sections: costs, rules, objective; repeatable "
                                               "(the grid is every combination)"),
          out: Path = typer.Option(..., "--out", help="Output folder"),
          workers: int = typer.Option(1, "--workers", min=1, help="Solve in this many processes (HiGHS uses one "
                                                                  "thread in each)"),
          executor: Optional[str] = typer.Option(None, "--executor", help="Where the runs go (instead of "
                                                 "--workers): inline, processes:N, dask://HOST:PORT or "
                                                 "dask-local:N"),
          seed: int = typer.Option(0, help="Base seed; run i gets its own seed derived from it"),
          time_limit: Optional[float] = typer.Option(None, help="Seconds per run's solve (loading and writing "
                                                                "come on top)"),
          overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
          show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Sensitivity: solve the scenario for every combination of parameter values and
    tabulate how the chosen plan changes (sweep.csv, sweep.xlsx, sweep.png, plans/)."""
    ses = _session("sweep", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit.export import reserve_output
        from lotsplit.batch.variants import parse_param
        from lotsplit.batch.variants import sweep as run_sweep

        from lotsplit.batch.executors import parse_executor

        opts = solver_options(time_limit=time_limit)
        spec = parse_executor(executor) if executor is not None else None
        cmd = command_line(Path(scenario).resolve().parent)
        with reserve_output(out, overwrite=overwrite, inputs=[scenario], command=cmd) as target:
            grid = dict(parse_param(p) for p in param)
            s = ses.load(scenario)
            target.protect(scenario_inputs(s))
            target.notes = [w["text"] for w in ses.summary["warnings"]]
            # each run carries the loaded scenario's content (no path of this machine)
            result = run_sweep(s, grid, executor=spec, workers=workers, seed=seed,
                               time_limit=opts.get("time_limit"), progress=False)
            ses.timer.lap("solve")
            from lotsplit import progress

            progress.report("stage", name="export", detail="sweep files")
            result.write(out, overwrite=overwrite)
            ses.timer.lap("export")
        ses.summary |= {"out": Path(out).as_posix(), "all_proven": result.all_proven}
        ses.say(result.describe() + "\n" + text(result.lang, "cli_wrote", out=f"{out}/"))
        if not result.all_proven:
            raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def batch(scenarios: list[str] = typer.Argument(..., help="Scenario files (.toml/.xlsx), folders, globs (quoted) or "
                                                         "batch tables (.csv/.xlsx with a 'scenario' column and "
                                                         "override columns section.key)"),
          out: Path = typer.Option(..., "--out", help="Batch folder: one folder per run under runs/, the combined "
                                                      "tables and charts at the top"),
          executor: str = typer.Option("inline", "--executor", help="Where the runs go: inline, processes:N, "
                                                                    "dask://HOST:PORT or dask-local:N"),
          samples: int = typer.Option(0, "--samples", min=0, help="Monte Carlo samples per scenario (with "
                                                                  "--propensity-sd, --demand-pct or --dropout)"),
          seed: int = typer.Option(0, "--seed", min=0, help="Batch seed: every run's seed (its sample, HiGHS, the "
                                                            "heuristics) derives from it and the run's index"),
          propensity_sd: float = typer.Option(0.0, "--propensity-sd", help="Standard deviation of each supplier's "
                                              "bid propensity (Beta around its value), e.g. 0.1"),
          demand_pct: float = typer.Option(0.0, "--demand-pct", help="Demand varies uniformly within ± this "
                                           "percentage, e.g. 15"),
          demand_by: str = typer.Option("cell", "--demand-by", help="One demand factor per cell (area × group), "
                                                                    "area, group, or all"),
          dropout: float = typer.Option(0.0, "--dropout", help="Chance that a supplier is absent, e.g. 0.05"),
          robust: Optional[str] = typer.Option(None, "--robust", help="Also pick a robust plan among the samples' "
                                               "optimal plans: expected (best mean objective) or worst (best worst "
                                               "case)"),
          exports: Optional[str] = typer.Option(None, help="Files of each base run (see run --help; default: tables); "
                                                           "samples write the tables only"),
          time_limit: Optional[float] = typer.Option(None, help="Seconds per run's solve (default: each scenario's "
                                                                "solver.time_limit)"),
          resume: bool = typer.Option(False, "--resume", help="Continue the batch in --out: skip the runs that have "
                                                              "their folder, run the rest (failed ones again)"),
          overwrite: bool = OVERWRITE, json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE,
          show_progress: Optional[bool] = PROGRESS, debug: bool = DEBUG) -> None:
    """Run many scenarios (and Monte Carlo samples of their uncertain inputs) as one batch.

    Each run is written to runs/<scenario>/<run>/ as it ends; batch.csv, batch.xlsx,
    scenarios.csv, plans.csv and the charts when the batch ends.  Failed runs are rows
    with their message; --resume runs them again.  Ctrl-C stops handing out runs: those
    in flight end and everything that ended is written (exit 5).  Exit 5 also when a run
    failed or is not proven optimal (the rows say which)."""
    ses = _session("batch", json_out, quiet, verbose, show_progress, debug)
    with ses.running():
        from lotsplit.batch.executors import parse_executor
        from lotsplit.batch.run import option_problems, run_batch
        from lotsplit.batch.samples import Uncertainty
        from lotsplit.errors import OptionError

        problems, opts, spec, chosen, unc = [], {}, None, None, None
        for check in ("time", "executor", "exports", "uncertainty"):
            try:
                if check == "time":
                    opts = solver_options(time_limit=time_limit)
                elif check == "executor":
                    spec = parse_executor(executor)
                elif check == "exports":
                    chosen = _exports(exports) if exports is not None else None
                else:
                    unc = Uncertainty(propensity_sd=propensity_sd, demand_pct=demand_pct, demand_by=demand_by,
                                      dropout=dropout)
            except OptionError as exc:
                problems += exc.problems
        problems += option_problems(samples, robust, unc if unc is not None and unc.any else None) \
            if unc is not None else []
        if problems:
            raise OptionError(problems)
        try:
            result = run_batch(scenarios, out=out, executor=spec, samples=samples, seed=seed,
                               uncertainty=unc if unc.any else None, exports=chosen,
                               time_limit=opts.get("time_limit"), robust=robust, resume=resume, overwrite=overwrite,
                               command=command_line())
        except KeyboardInterrupt:
            message = (f"Aborted (Ctrl-C twice): the runs that had ended are in {Path(out).as_posix()}/runs, the "
                       f"combined tables were not written; the same command with --resume finishes the batch.")
            ses.display.finish()
            typer.echo(message, err=True)
            ses.summary |= {"error": message, "exit_code": EXIT_INTERRUPTED}
            raise typer.Exit(EXIT_INTERRUPTED) from None
        ses.timer.lap("runs")
        runs = result.runs
        counts = runs["status"].value_counts().to_dict() if len(runs) else {}
        ses.summary |= {"out": Path(out).as_posix(), "executor": spec.text, "runs": len(runs),
                        "scenarios": int(result.scenarios["item"].nunique()) if len(result.scenarios) else 0,
                        "statuses": counts, "resumed": result.resumed, "interrupted": result.interrupted,
                        "failures": [{"run": f"{r['item']}/{r['run']}", "status": r["status"], "message": r["message"]}
                                     for _, r in result.failures.iterrows()]}
        ses.say(result.describe() + "\n" + text(result.lang, "cli_wrote", out=f"{out}/"))
        unproven = any(v for k, v in counts.items() if k not in ("optimal", "infeasible"))
        if result.interrupted or unproven:
            raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def template(scenario: Optional[Path] = typer.Argument(None, help="Scenario to fill the workbook with (TOML or "
                                                                  ".xlsx); without it the workbook is empty"),
             out: Path = typer.Option(..., "--out", help="Workbook to write (.xlsx)"),
             language: Optional[str] = typer.Option(None, "--language", help="sv, da or en (default: the "
                                                                             "scenario's language, else en)"),
             overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out"),
             json_out: bool = JSON, quiet: bool = QUIET, verbose: int = VERBOSE, debug: bool = DEBUG) -> None:
    """Write a scenario workbook to fill in (instructions, scenario, areas, product groups,
    demand, suppliers, costs, rules, links); check, run, frontier and compare read it."""
    ses = _session("template", json_out, quiet, verbose, False, debug)
    with ses.running():
        import os
        import tempfile

        from lotsplit.errors import OutputExistsError, Problem, ScenarioError
        from lotsplit.scenario.template import write_template

        if language is not None and language not in ("sv", "da", "en"):
            raise ScenarioError([Problem("--language", "", f"{language!r} is not a language lotsplit writes",
                                         "use sv, da or en")])
        if out.suffix.lower() != ".xlsx":
            raise ScenarioError([Problem("--out", "", f"{out.name!r} is not an .xlsx file", "name it ….xlsx")])
        if out.exists() and not overwrite:
            raise OutputExistsError(f"{out} exists; use --overwrite to replace it")
        s = ses.load(scenario) if scenario is not None else None
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial.xlsx", dir=out.parent)
        os.close(fd)
        try:
            write_template(s, Path(tmp), language=language)
            os.replace(tmp, out)                       # complete, or not there at all
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        ses.summary |= {"out": out.as_posix()}
        lang = language or (s.config.language if s is not None else "en")
        source = text(lang, "cli_template_from", name=scenario.name) if scenario is not None else ""
        ses.say(text(lang, "cli_template", out=out, source=source))


@app.command("app")
def app_command(scenario: Optional[Path] = typer.Argument(None, help="Scenario to open (.toml or .xlsx), or a folder "
                                                                     "whose scenarios the start page lists"),
                port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to serve on"),
                host: str = typer.Option("127.0.0.1", "--host",
                                         help="Address to serve on; anything but 127.0.0.1/localhost lets other "
                                              "computers in"),
                out: Path = typer.Option(Path("lotsplit-app-out"), "--out",
                                         help="Folder the tender packs are written into (one folder per plan)"),
                quiet: bool = QUIET, verbose: int = VERBOSE, debug: bool = DEBUG) -> None:
    """The planner's app: a local web app to open a scenario, change it, run it, see the
    plan and the trade-off, and download the tender pack. Works with no network; Ctrl-C stops it."""
    ses = _session("app", False, quiet, verbose, False, debug)
    with ses.running():
        import socket

        from lotsplit.errors import OptionError, Problem

        if scenario is not None and not scenario.exists():
            raise OptionError([Problem(str(scenario), "", "not found", "give a scenario file (.toml, .xlsx) or a "
                                                                          "folder that holds one")])
        loopback = host in ("127.0.0.1", "localhost", "::1")
        try:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
        except OSError as exc:
            raise OptionError([Problem("--port", "", f"cannot serve on {host}:{port} ({exc.strerror or exc})",
                                       "choose another --port (or --host)")]) from None
        from lotsplit.app import create_app, serve

        # Served to other computers on purpose: a wildcard address answers to any host name.
        hosts = ("127.0.0.1", "localhost", "[::1]") + (() if loopback else ("*",) if host in ("0.0.0.0", "::")
                                                       else (host,))
        web = create_app(scenario, out_root=out, hosts=hosts)
        if not loopback:
            typer.echo(f"Warning: serving on {host}: other computers that reach this address can open the "
                       f"scenarios and files of this app. Use --host 127.0.0.1 unless you mean it.", err=True)
        shown = f"[{host}]" if ":" in host else host
        where = "/start" if scenario is not None and scenario.is_file() else "/"
        ses.say(f"lotsplit app: open http://{shown}:{port}{where} in your browser (Ctrl-C stops it). "
                f"Tender packs are written into {out}/.")
        serve(web, host=host, port=port)



def main() -> None:  # pragma: no cover - the installed command; tests call ``app``
    """Run the command and leave without tearing down the interpreter.

    Once the command is done and its output flushed, nothing is left to clean up (output
    folders are complete, locks released, worker pools shut down), while finalising the
    modules of pandas, geopandas, matplotlib and HiGHS costs 0.3-1 s of a 3 s run."""
    import logging

    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):        # a closed pipe: nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
