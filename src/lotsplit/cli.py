"""The ``lotsplit`` command.

Exit codes: 0 success (a proven optimum, or a plan within the requested gap); 2 invalid
input; 3 infeasible scenario; 4 time limit without any plan; 5 a plan was found but not
proven within the requested gap (files are written); 1 unexpected error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from lotsplit.errors import LotsplitError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Divide a public tender into lots by area and product range.")

EXIT_NOT_PROVEN = 5


def _fail(exc: Exception, debug: bool) -> None:
    if debug:
        raise exc
    typer.echo(str(exc), err=True)
    raise typer.Exit(getattr(exc, "exit_code", 1))


@app.command()
def check(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
          debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Check a scenario and print a summary; exit non-zero listing every problem."""
    from lotsplit.scenario import load_scenario

    try:
        s = load_scenario(scenario)
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(s.summary())
    typer.echo("OK: the scenario is valid.")


@app.command()
def run(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
        out: Path = typer.Option(..., "--out", help="Output directory"),
        time_limit: Optional[float] = typer.Option(None, help="Seconds; the best plan so far is reported with its gap"),
        solver: Optional[str] = typer.Option(None, help="highs (default) or cbc"),
        mip_gap: Optional[float] = typer.Option(None, help="Relative gap accepted as success"),
        overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
        debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Find the best lot plan and write it to --out."""
    from lotsplit.export import check_output_target, output_directory, write_all
    from lotsplit.report import plan_summary
    from lotsplit.scenario import load_scenario
    from lotsplit.solve import optimize

    if solver is not None and solver not in ("highs", "cbc"):
        _fail(LotsplitError(f"--solver must be highs or cbc, not {solver!r}"), debug)
    try:
        check_output_target(out, overwrite=overwrite)   # refuse before a long solve, not after
        s = load_scenario(scenario)
        plan = optimize(s, time_limit=time_limit, solver=solver, mip_gap=mip_gap)
        with output_directory(out, overwrite=overwrite) as tmp:
            write_all(plan, tmp, command=_command_line())
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(plan_summary(plan))
    typer.echo(f"Wrote {out}/")
    requested = s.config.solver.mip_gap if mip_gap is None else mip_gap
    o = plan.outcome
    if o.status.value != "optimal" and (o.gap is None or o.gap > requested + 1e-12):
        raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def evaluate(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
             plan_csv: Path = typer.Argument(..., help="Assignment CSV: area_id,product_group_id,lot_id"),
             out: Optional[Path] = typer.Option(None, "--out", help="Output directory"),
             overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
             debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Score an existing plan with the same metrics; list its rule violations."""
    from lotsplit.export import check_output_target, output_directory, write_all
    from lotsplit.report import plan_summary

    try:
        if out is not None:
            check_output_target(out, overwrite=overwrite)
        plan = _evaluate_plan_file(scenario, plan_csv)
        if out is not None:
            with output_directory(out, overwrite=overwrite) as tmp:
                write_all(plan, tmp, command=_command_line())
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(plan_summary(plan))
    if out is not None:
        typer.echo(f"Wrote {out}/")


@app.command()
def export(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
           plan_csv: Path = typer.Argument(..., help="Assignment CSV (area_id,product_group_id,lot_id), e.g. a "
                                                      "run's assignment.csv"),
           out: Path = typer.Option(..., "--out", help="Output directory"),
           overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
           debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Write every export (workbook, maps, GeoPackage, annex, eForms/OCDS, manifest) for an existing plan."""
    from lotsplit.export import check_output_target, output_directory, write_all

    try:
        check_output_target(out, overwrite=overwrite)
        plan = _evaluate_plan_file(scenario, plan_csv)
        with output_directory(out, overwrite=overwrite) as tmp:
            write_all(plan, tmp, command=_command_line())
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(f"Wrote {out}/ ({len(plan.lots)} lots" + (f", {len(plan.violations)} rule violation(s)"
                                                       if plan.violations else "") + ")")


def _evaluate_plan_file(scenario: Path, plan_csv: Path):
    """Load the scenario and score the plan in ``plan_csv`` (errors name the file); the
    same steps as ``evaluate``."""
    import pandas as pd

    from lotsplit.errors import Problem, ScenarioError
    from lotsplit.plan import evaluate as evaluate_plan
    from lotsplit.scenario import load_scenario

    s = load_scenario(scenario)
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


def _command_line() -> list[str]:
    """The command as typed (for manifest.json), with the program name only."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]


@app.command()
def frontier(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
             out: Path = typer.Option(..., "--out", help="Output directory"),
             points: int = typer.Option(25, "--points", min=2,
                                        help="At most this many points; a frontier with more plans is shown as "
                                             "this many plans spread along the curve"),
             legacy: Optional[list[Path]] = typer.Option(None, "--legacy",
                                                         help="Another plan to compare (assignment CSV "
                                                              "area_id,product_group_id,lot_id), besides the "
                                                              "scenario's [[baselines.legacy]]; repeatable"),
             baselines: bool = typer.Option(True, help="Evaluate the standard baselines (single lot, one lot per "
                                                       "product group, one lot per area × group)"),
             time_limit: Optional[float] = typer.Option(None, help="Seconds for the whole frontier; the points "
                                                                   "found by then are written"),
             point_time_limit: Optional[float] = typer.Option(None, help="Seconds per sampled point (default: the "
                                                                         "scenario's solver.time_limit, else 3); a "
                                                                         "point stopped by it is shown with its gap"),
             overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
             debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """The Pareto frontier of admin cost vs local-accessible value share, with baselines.

    Writes frontier.csv (one row per plan: metrics, lots, status, gap, plan file),
    frontier.png, summary.txt, frontier.json and plans/<label>/assignment.csv for every
    plan (export any of them with `lotsplit export`).  Exit code 5 when a point shown is
    not proven (see its gap)."""
    from lotsplit.export import check_output_target
    from lotsplit.frontier import frontier as compute_frontier
    from lotsplit.scenario import load_scenario

    try:
        check_output_target(out, overwrite=overwrite)
        s = load_scenario(scenario)
        result = compute_frontier(s, points=points, legacy=list(legacy or []), baselines=baselines,
                                  time_limit=time_limit, point_time_limit=point_time_limit)
        result.write(out, overwrite=overwrite)
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(result.describe())
    typer.echo(f"Wrote {out}/")
    if any(p.status.value != "optimal" for p in result.points):
        raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def compare(scenarios: list[Path] = typer.Argument(..., help="Scenario TOML files (e.g. a base scenario and "
                                                             "variants that extend it)"),
            out: Path = typer.Option(..., "--out", help="Output directory"),
            workers: int = typer.Option(1, "--workers", min=1, help="Solve in this many processes"),
            time_limit: Optional[float] = typer.Option(None, help="Seconds per scenario"),
            progress: bool = typer.Option(True, help="Show a progress bar"),
            overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
            debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Solve each scenario and write a side-by-side table of the headline metrics
    (compare.csv, compare.xlsx, compare.png) and each plan under plans/<label>/."""
    from lotsplit.export import check_output_target
    from lotsplit.variants import compare as run_compare

    try:
        check_output_target(out, overwrite=overwrite)
        result = run_compare(scenarios, workers=workers, time_limit=time_limit, progress=progress)
        result.write(out, overwrite=overwrite)
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(result.describe())
    typer.echo(f"Wrote {out}/")
    if not result.all_proven:
        raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def sweep(scenario: Path = typer.Argument(..., help="Scenario TOML file"),
          param: list[str] = typer.Option(..., "--param",
                                          help="section.key=start:stop:n (n evenly spaced values) or "
                                               "section.key=v1,v2,…; sections: costs, rules, objective; repeatable "
                                               "(the grid is every combination)"),
          out: Path = typer.Option(..., "--out", help="Output directory"),
          workers: int = typer.Option(1, "--workers", min=1, help="Solve in this many processes (HiGHS uses one "
                                                                  "thread in each)"),
          seed: int = typer.Option(0, help="Base seed; run i gets its own seed derived from it"),
          time_limit: Optional[float] = typer.Option(None, help="Seconds per run"),
          progress: bool = typer.Option(True, help="Show a progress bar"),
          overwrite: bool = typer.Option(False, help="Replace a non-empty --out"),
          debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Sensitivity: solve the scenario for every combination of parameter values and
    tabulate how the chosen plan changes (sweep.csv, sweep.xlsx, sweep.png, plans/)."""
    from lotsplit.export import check_output_target
    from lotsplit.variants import parse_param
    from lotsplit.variants import sweep as run_sweep

    try:
        check_output_target(out, overwrite=overwrite)
        grid = dict(parse_param(p) for p in param)
        result = run_sweep(scenario, grid, workers=workers, seed=seed, time_limit=time_limit, progress=progress)
        result.write(out, overwrite=overwrite)
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(result.describe())
    typer.echo(f"Wrote {out}/")
    if not result.all_proven:
        raise typer.Exit(EXIT_NOT_PROVEN)


@app.command()
def template(scenario: Optional[Path] = typer.Argument(None, help="Scenario to fill the workbook with (TOML or "
                                                                  ".xlsx); without it the workbook is empty"),
             out: Path = typer.Option(..., "--out", help="Workbook to write (.xlsx)"),
             language: Optional[str] = typer.Option(None, "--language", help="sv, da or en (default: the "
                                                                             "scenario's language, else en)"),
             overwrite: bool = typer.Option(False, help="Replace an existing --out"),
             debug: bool = typer.Option(False, help="Show tracebacks")) -> None:
    """Write a scenario workbook to fill in (instructions, scenario, areas, product groups,
    demand, suppliers, costs, rules, links); check, run, frontier and compare read it."""
    from lotsplit.errors import OutputExistsError
    from lotsplit.scenario import load_scenario
    from lotsplit.scenario.template import write_template

    try:
        if language is not None and language not in ("sv", "da", "en"):
            raise LotsplitError(f"--language must be sv, da or en, not {language!r}")
        if out.suffix.lower() != ".xlsx":
            raise LotsplitError(f"--out must be an .xlsx file, not {out.name!r}")
        if out.exists() and not overwrite:
            raise OutputExistsError(f"{out} exists; use --overwrite to replace it")
        s = load_scenario(scenario) if scenario is not None else None
        out.parent.mkdir(parents=True, exist_ok=True)
        write_template(s, out, language=language)
    except LotsplitError as exc:
        _fail(exc, debug)
    typer.echo(f"Wrote {out}" + (f" from {scenario.name}" if scenario is not None else "")
               + f". Fill in the yellow cells, then: lotsplit check {out}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
