"""Every error lotsplit raises, in one place.

Input problems are collected, never raised one at a time: a planner fixes everything in
one round.  Each :class:`Problem` names the file, the row or field, what is wrong and how
to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth knowing) about the input."""

    file: str
    """The file (as named in the scenario) or ``scenario`` for parameters."""
    where: str
    """Row, column or field, e.g. ``row 14, column groups``."""
    message: str
    """What is wrong."""
    fix: str = ""
    """How to fix it."""
    severity: Literal["error", "warning", "note"] = "error"

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        fix = f" Fix: {_sentence(self.fix)}" if self.fix else ""
        return f"{self.file}:{where} {_sentence(self.message)}{fix}"


def _sentence(text: str) -> str:
    """``text`` ending in a full stop: one is added only where none is (a path, a range
    such as ``-180..180`` or an ellipsis inside the text is left as it is)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


class LotsplitError(ValueError):
    """Base class of every error lotsplit raises on purpose."""

    exit_code = 1


class ScenarioError(LotsplitError):
    """The scenario or its data files are invalid; ``problems`` lists every problem."""

    exit_code = 2
    where = "in the scenario"

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} {self.where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class InfeasibleError(LotsplitError):
    """No plan satisfies the rules; ``reasons`` explains why in the planner's words."""

    exit_code = 3

    def __init__(self, reasons: list[str] | tuple[str, ...]):
        self.reasons = tuple(reasons)
        lines = ["No lot plan satisfies the scenario's rules:"]
        lines += [f"  - {r}" for r in self.reasons]
        super().__init__("\n".join(lines))


class NoPlanFoundError(LotsplitError):
    """The time limit ran out before any plan was found (the scenario may be feasible)."""

    exit_code = 4


class SolverError(LotsplitError):
    """The solver failed or returned a status lotsplit does not understand."""

    exit_code = 1


class OutputExistsError(LotsplitError):
    """``--out`` may not be written: it exists and is not empty (use ``--overwrite``), it
    was not written by lotsplit, or it holds (or is above) an input of the run."""

    exit_code = 2


class OutputError(LotsplitError):
    """The output cannot be written: no permission, a read-only or full disk, or another
    run is writing the same ``--out`` (one line, naming the folder and the fix)."""

    exit_code = 6


class OptionError(ScenarioError):
    """A command-line option is invalid (checked by the same rules as the scenario
    field it overrides)."""

    where = "in the command-line options"


class InterruptedRunError(LotsplitError):
    """Stopped (Ctrl-C) before any plan was found: nothing was written."""

    exit_code = 130


def raise_if_errors(problems: list[Problem]) -> None:
    """Raise :class:`ScenarioError` with every error in ``problems`` (warnings pass)."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(errors)
