"""One command's session, for :mod:`lotsplit.cli`: the display on stderr, progress events,
Ctrl-C, failures turned into one message and an exit code, the ``--json`` summary; and
what the commands share: solver options checked like scenario fields, the inputs to
protect, the command line without machine paths, writing a plan's folder.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

EXIT_NOT_PROVEN = 5
EXIT_OUTPUT = 6
EXIT_INTERRUPTED = 130


class Session:
    """What every command shares: the display on stderr, progress events, Ctrl-C, errors
    turned into one clear message and an exit code, and the ``--json`` summary."""

    def __init__(self, command: str, *, json_out: bool, quiet: bool, verbose: int, live: Optional[bool],
                 debug: bool):
        from lotsplit.console import Display, Timer

        self.command = command
        self.json_out = json_out
        self.debug = debug
        self.display = Display(verbosity=-1 if quiet else verbose, live=False if quiet else live)
        self.timer = Timer()
        self.summary: dict[str, Any] = {"command": command}
        self.ctrl_c = None

    @contextlib.contextmanager
    def running(self) -> Iterator[Session]:
        from lotsplit import progress
        from lotsplit.console import CtrlC

        code = 0
        with self.display, progress.scope(self.display.event) as run, CtrlC(self.display, run=run) as ctrl_c:
            self.ctrl_c = ctrl_c
            try:
                yield self
            except typer.Exit as exc:
                code = exc.exit_code
            except BaseException as exc:     # noqa: BLE001 - every failure becomes one message and a code
                code = self._failed(exc)
        self.summary.setdefault("exit_code", code)
        self.summary["seconds"] = {**self.timer.stages, "total": self.timer.total()}
        if self.json_out:
            typer.echo(json.dumps(self.summary, indent=2, ensure_ascii=False, default=_jsonable))
        if code:
            raise typer.Exit(code)

    def _failed(self, exc: BaseException) -> int:
        from lotsplit.errors import LotsplitError, OutputError, ScenarioError
        from lotsplit.export.atomic import _DISK_ERRORS, output_error

        if isinstance(exc, KeyboardInterrupt):
            message, code = "Aborted (Ctrl-C): nothing was written.", EXIT_INTERRUPTED
        elif isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
            err: LotsplitError = output_error(exc, exc.filename or "the output")
            message, code = str(err), EXIT_OUTPUT
        elif isinstance(exc, LotsplitError):
            message, code = str(exc), getattr(exc, "exit_code", 1)
            if isinstance(exc, ScenarioError):
                self.summary["problems"] = [vars(p) for p in exc.problems]
        else:
            if self.debug:
                raise exc
            message = (f"unexpected error ({type(exc).__name__}: {exc}); run again with --debug for the traceback "
                       f"and report it")
            code = 1
        if self.debug and not isinstance(exc, (KeyboardInterrupt, OutputError)):
            raise exc
        self.display.finish()
        typer.echo(message, err=True)
        self.summary["error"] = message
        self.summary["exit_code"] = code
        return code

    # ------------------------------------------------------------------ the stages
    def load(self, path: Path):
        from lotsplit import progress

        progress.report("stage", name="load", detail=Path(path).name)
        from lotsplit.scenario import load_scenario

        s = load_scenario(path)
        self.timer.lap("load")
        self.display.lang = s.config.language
        self.display.notes(s.notes)
        self.summary["scenario"] = s.name
        self.summary["warnings"] = [{"severity": p.severity, "text": str(p)} for p in s.notes
                                    if p.severity in ("warning", "note")]
        self.stop_point("after loading the scenario")
        return s

    def stop_point(self, where: str) -> None:
        """Between stages: a Ctrl-C so far means stop here, with nothing written."""
        from lotsplit.errors import InterruptedRunError

        if self.ctrl_c is not None and self.ctrl_c.interrupted:
            raise InterruptedRunError(f"Stopped (Ctrl-C) {where}: nothing was written.")

    def say(self, text: str) -> None:
        """The human summary: stdout, or nothing with --json."""
        self.display.finish()
        if not self.json_out:
            typer.echo(text)


def _session(command: str, json_out: bool, quiet: bool, verbose: int, live: Optional[bool], debug: bool) -> Session:
    return Session(command, json_out=json_out, quiet=quiet, verbose=verbose, live=live, debug=debug)


def solver_options(*, time_limit: Optional[float] = None, solver: Optional[str] = None,
                   mip_gap: Optional[float] = None, threads: Optional[int] = None) -> dict[str, Any]:
    """The solver options of the command line, checked by the rules of the scenario's
    ``[solver]`` fields (:class:`lotsplit.config.SolverConfig`); raises
    :class:`~lotsplit.errors.OptionError` (exit 2) listing every invalid one with its fix.

    >>> solver_options(time_limit=30, mip_gap=0.01)
    {'time_limit': 30.0, 'mip_gap': 0.01}
    """
    import pydantic

    from lotsplit.config import SolverConfig
    from lotsplit.errors import OptionError, Problem

    given = {k: v for k, v in (("time_limit", time_limit), ("name", solver), ("mip_gap", mip_gap),
                               ("threads", threads)) if v is not None}
    flags = {"time_limit": "--time-limit", "name": "--solver", "mip_gap": "--mip-gap", "threads": "--threads"}
    fixes = {"time_limit": "give a number of seconds above 0, or leave --time-limit out (no limit unless the "
                           "scenario's solver.time_limit sets one)",
             "name": "use --solver highs (the default) or --solver cbc",
             "mip_gap": "give a fraction from 0 (prove optimality) up to but not including 1, e.g. --mip-gap "
                        "0.01 for 1 %",
             "threads": "give a whole number of threads, 1 or more"}
    problems = []
    for key in ("time_limit", "mip_gap"):
        if key in given and isinstance(given[key], float) and not math.isfinite(given[key]):
            problems.append(Problem(flags[key], "", f"must be a finite number (got {given[key]!r})", fixes[key]))
            given.pop(key)
    try:
        cfg = SolverConfig.model_validate(given)
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            key = str(err["loc"][0]) if err["loc"] else ""
            problems.append(Problem(flags.get(key, key), "", f"{err['msg']} (got {err.get('input')!r})",
                                    fixes.get(key, "")))
    if problems:
        raise OptionError(problems)
    out = {k: getattr(cfg, k) for k in given}
    if "name" in out:
        out["solver"] = out.pop("name")
    return out


def _exports(text: Optional[str]) -> frozenset[str]:
    from lotsplit.errors import OptionError, Problem
    from lotsplit.export.writer import parse_exports

    try:
        return parse_exports(text)
    except ValueError as exc:
        raise OptionError([Problem("--exports", "", str(exc), "e.g. --exports tables,xlsx,annex")]) from None


def scenario_inputs(s) -> list[Path]:
    """Every file the scenario reads (the scenario file, its data files, legacy plans)."""
    files = [Path(f) for f in s.files.values()]
    if s.path is not None:
        files.insert(0, Path(s.path))
        files += [Path(s.path).parent / b.file for b in s.config.baselines.legacy]
    return files


def command_line(base: Optional[Path] = None) -> list[str]:
    """The command as typed (for manifest.json), with the program's name only and no
    machine paths: an absolute path becomes relative to the current folder (or to
    ``base``, the scenario's folder) when inside it, else just its name."""
    args = []
    for a in sys.argv[1:]:
        if a.startswith("--") and "=" in a:
            flag, _, value = a.partition("=")
            args.append(f"{flag}={_portable(value, base)}")
        else:
            args.append(_portable(a, base))
    return [Path(sys.argv[0]).name, *args]


def _portable(value: str, base: Optional[Path]) -> str:
    if not os.path.isabs(value):
        return value
    p = Path(value).resolve()
    for root in (Path.cwd(), base):
        if root is None:
            continue
        try:
            return p.relative_to(Path(root).resolve()).as_posix() or "."
        except ValueError:
            continue
    return p.name


def _interrupted_plan(plan, ctrl_c) -> bool:
    """Did Ctrl-C cut this solve short?  The engine says so in ``outcome.termination``;
    until it does, a stop request with a plan not proven optimal counts."""
    if ctrl_c is None or not ctrl_c.interrupted or plan.outcome is None:
        return False
    termination = getattr(plan.outcome, "termination", None)
    if termination is not None:
        return termination == "interrupted"
    return plan.outcome.status.value != "optimal"


def _mark_interrupted(plan):
    """The plan with its outcome message saying it was interrupted (plan.json carries it)."""
    import copy
    import dataclasses

    o = plan.outcome
    note = "interrupted (Ctrl-C): the best plan found so far, not proven optimal"
    marked = copy.copy(plan)
    marked.outcome = dataclasses.replace(o, message=f"{note}; {o.message}" if o.message else note)
    return marked


def _plan_json(plan) -> dict[str, Any]:
    o = plan.outcome
    return {"status": o.status.value if o else "evaluated", "objective": plan.objective,
            "bound": o.bound if o else None, "gap": o.gap if o else None, "n_lots": len(plan.lots),
            "metrics": plan.metrics, "violations": [str(v) for v in plan.violations]}


def _write_plan(ses: Session, plan, reservation, exports: frozenset[str], *, interrupted: bool = False) -> list[Path]:
    from lotsplit.export import output_directory, write_all

    with output_directory(reservation.out, overwrite=reservation.overwrite) as tmp:
        written = write_all(plan, tmp, command=reservation.command, exports=exports,
                            extra={"interrupted": interrupted, "timings": dict(ses.timer.stages)})
        names = [p.relative_to(tmp).as_posix() for p in written]
    ses.timer.lap("export")
    ses.summary["out"] = reservation.shown
    ses.summary["files"] = names
    return written


def _batch_notes(ses: Session, target, scenarios) -> None:
    """Print and record the warnings and notes of every scenario of a batch (once each)."""
    seen, texts = set(), []
    for sc in scenarios:
        if sc is None:
            continue
        fresh = [p for p in sc.notes if str(p) not in seen]
        seen |= {str(p) for p in fresh}
        ses.display.notes(fresh)
        texts += [str(p) for p in fresh if p.severity in ("warning", "note")]
    target.notes = texts
    ses.summary["warnings"] = texts


def _jsonable(x):
    if hasattr(x, "item"):
        return x.item()
    if isinstance(x, Path):
        return x.as_posix()
    if hasattr(x, "value"):
        return x.value
    return str(x)
