"""Numbers as planners write them: per column, by the scenario's locale, never guessed silently.

A spreadsheet saved as CSV writes numbers as they are displayed: ``2.700.000`` and
``240.000`` in a Danish file (``.`` groups thousands, ``,`` is the decimal separator),
``2 700 000`` or ``0,5`` in a Swedish one, ``2,700,000.50`` in an English one.  A lone
``240.000`` can be 240 000 or 240.0; reading it as 240 would be a silent 1000× error.

So every column is read as a whole.  Each cell either decides the column's decimal
separator (``0.5``, ``1,25``, ``2.700.000``, ``1.234,5``) or is ambiguous (one separator
followed by exactly three digits: ``240.000``, ``1,500``).  The column's deciding cells
settle the ambiguous ones; a column with none takes the evidence of the table's other
amount columns, then the scenario's locale, and says so in a warning.  Cells that
contradict their column are errors naming the cell.  Columns that never group thousands
(coordinates, probabilities) read every separator as the decimal one.

Numbers that arrive as numbers (Excel cells, GeoPackage fields, in-memory tables) are
taken as they are.

>>> read_number("2.700.000", decimal=",")
2700000.0
>>> read_number("0,5", decimal=",")
0.5
>>> separator_of("240.000") is None      # ambiguous on its own
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SPACES = (" ", "\u00a0", "\u202f", "\u2009")
_MINUS = ("-", "\u2212", "\u2013")
_PLAIN = re.compile(r"^\d+$")
_EXPONENT = re.compile(r"^(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$")
_GROUPED = re.compile(r"^\d{1,3}(X\d{3})+$")


def locale_decimal(language: str, country: str) -> str:
    """The decimal separator of the scenario's locale: ``,`` in Swedish and Danish
    (language sv/da or country SE/DK), ``.`` otherwise."""
    return "," if language in ("sv", "da") or country in ("SE", "DK") else "."


def _unsign(text: str) -> tuple[float, str]:
    t = text
    for s in SPACES:
        t = t.replace(s, "")
    sign = 1.0
    if t[:1] in _MINUS:
        sign, t = -1.0, t[1:]
    elif t[:1] == "+":
        t = t[1:]
    return sign, t


def separator_of(text: str, *, grouping: bool = True) -> str | None:
    """The decimal separator ``text`` shows on its own (``.`` or ``,``), ``""`` when it has
    none (an integer, or not a number), ``None`` when it is ambiguous (``240.000``)."""
    _, t = _unsign(text)
    if _PLAIN.match(t) or _EXPONENT.match(t):
        return "" if _PLAIN.match(t) else "."
    dots, commas = t.count("."), t.count(",")
    if dots and commas:
        return "." if t.rfind(".") > t.rfind(",") else ","
    if not grouping:
        return "." if dots == 1 else "," if commas == 1 else ""
    if dots > 1:
        return ","          # 2.700.000: the dots group thousands
    if commas > 1:
        return "."
    sep = "." if dots else "," if commas else ""
    if not sep:
        return ""
    head, _, tail = t.partition(sep)
    if len(tail) == 3 and 1 <= len(head) <= 3 and head.isdigit() and tail.isdigit() and head != "0":
        return None
    return sep


def read_number(text: str, *, decimal: str, grouping: bool = True) -> float | None:
    """``text`` as a number with ``decimal`` as the decimal separator (the other of ``.``
    and ``,`` and spaces group thousands, in groups of three); ``None`` when it is not one."""
    if not text:
        return None
    sign, t = _unsign(text)
    if _EXPONENT.match(t):
        return sign * float(t)
    group = "," if decimal == "." else "."
    whole, sep, frac = t.partition(decimal)
    if sep and (not frac.isdigit() or decimal in frac):
        return None
    if group in whole:
        if not grouping or not _GROUPED.match(whole.replace(group, "X")):
            return None
        whole = whole.replace(group, "")
    if not (whole.isdigit() or (whole == "" and sep and frac)):
        return None
    value = float(f"{whole or '0'}.{frac}" if sep else whole)
    return sign * value if math.isfinite(value) else None


@dataclass(frozen=True)
class Column:
    """How one column's numbers are read: its decimal separator and how it was decided."""

    decimal: str
    decided_by: str
    """``cells`` (the column's own), ``table`` (the table's other amount columns),
    ``setting`` (the table's ``decimal`` option) or ``locale``."""
    conflicts: tuple[int, ...] = ()
    """Positions of cells whose own separator contradicts the column's."""
    ambiguous: tuple[int, ...] = ()
    """Positions of cells that only the column's decision could read."""


def column_decimal(cells: list, *, grouping: bool, fallback: str, setting: str | None = None,
                   table_evidence: str | None = None) -> Column:
    """Decide the decimal separator of a column of cells (strings or numbers).

    The majority of the cells that show a separator decides; the others are conflicts.
    ``setting`` (the table's ``decimal`` option) wins over everything; ``table_evidence``
    (the decision of the table's other amount columns) comes before the locale
    ``fallback``.

    >>> column_decimal(["240.000", "2.700.000"], grouping=True, fallback=".").decimal
    ','
    >>> column_decimal(["240.000"], grouping=True, fallback=",").decided_by
    'locale'
    """
    votes: dict[str, list[int]] = {".": [], ",": []}
    ambiguous = []
    for i, v in enumerate(cells):
        if not isinstance(v, str) or not v:
            continue
        sep = separator_of(v, grouping=grouping)
        if sep is None:
            ambiguous.append(i)
        elif sep:
            votes[sep].append(i)
    if setting:
        decimal, how = setting, "setting"
    elif votes["."] or votes[","]:
        decimal = "." if len(votes["."]) >= len(votes[","]) else ","
        how = "cells"
    elif table_evidence:
        decimal, how = table_evidence, "table"
    else:
        decimal, how = fallback, "locale"
    other = "," if decimal == "." else "."
    return Column(decimal, how, tuple(votes[other]), tuple(ambiguous))


def example(decimal: str, *, grouping: bool = True) -> str:
    """Numbers written the way a column reads them, for hints (spaces group thousands in
    every locale)."""
    if not grouping:
        return "0,5" if decimal == "," else "0.5"
    return "2412000 or 2 412 000,50" if decimal == "," else "2412000 or 2,412,000.50"
