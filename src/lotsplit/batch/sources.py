"""What a batch runs: scenario files, folders, globs, or a table listing scenarios.

``lotsplit batch`` takes any mix of

- scenario files (``.toml`` or a scenario workbook ``.xlsx``);
- folders: every ``*.toml`` and ``*.xlsx`` scenario in it and every ``*/scenario.toml``
  one level down, sorted by path;
- globs (``"scenarios/*/scenario.toml"``, quoted so that lotsplit expands them);
- a **batch table** (``.csv`` or ``.xlsx`` whose first sheet has a ``scenario`` column):
  one row per run, ``scenario`` a path relative to the table, an optional ``label``,
  and any number of override columns ``section.key`` (sections ``costs``, ``rules``,
  ``objective``, ``competition``) and uncertainty columns ``uncertainty.propensity_sd``,
  ``uncertainty.demand_pct``, ``uncertainty.demand_by``, ``uncertainty.dropout``; an
  empty cell keeps the scenario's value (or the command line's uncertainty).

Each becomes a :class:`BatchItem` with a stable ``key`` (its folder name under ``runs/``:
the scenario's folder name for ``…/scenario.toml``, else the file's stem, else the label;
repeated keys get ``-2``, ``-3``): the same command gives the same keys, which is what
``--resume`` relies on.  Nothing is read here but the table: the scenarios are read one by
one as the batch reaches them.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.toml").write_text("name = 'a'"); _ = (d / "b.toml").write_text("name = 'b'")
>>> [i.key for i in batch_items([d])]
['a', 'b']
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lotsplit.batch.samples import Uncertainty
from lotsplit.errors import Problem, ScenarioError

TABLE_SUFFIXES = (".csv", ".xlsx")
UNCERTAINTY_COLUMNS = ("propensity_sd", "demand_pct", "demand_by", "dropout")


@dataclass(frozen=True)
class BatchItem:
    """One scenario of a batch (with its overrides): its base run and its samples."""

    index: int
    key: str
    label: str
    source: Any
    """A scenario file, or an in-memory Scenario / ScenarioContent."""
    overrides: tuple[tuple[str, str, Any], ...] = ()
    uncertainty: dict | None = None
    """Uncertainty fields this row sets (the rest from the batch's)."""

    def uncertainty_with(self, default: Uncertainty | None) -> Uncertainty | None:
        if not self.uncertainty:
            return default
        base = default or Uncertainty()
        return replace(base, **self.uncertainty)

    @property
    def source_name(self) -> str:
        return Path(self.source).name if isinstance(self.source, (str, Path)) else self.label


def batch_items(sources, *, labels: list[str] | None = None) -> list[BatchItem]:
    """Expand files, folders, globs and batch tables into batch items (see the module
    doc); raises :class:`~lotsplit.errors.ScenarioError` listing every source that names
    nothing and every bad cell of a table."""
    from lotsplit.scenario import Scenario

    problems: list[Problem] = []
    rows: list[tuple[Any, str | None, tuple, dict | None]] = []
    for src in sources:
        if not isinstance(src, (str, Path)):
            rows.append((src, getattr(src, "name", None), (), None))
            continue
        p = Path(src)
        if p.is_dir():
            found = sorted(set(p.glob("*.toml")) | set(p.glob("*.xlsx")) | set(p.glob("*/scenario.toml")))
            if not found:
                problems.append(Problem(p.name or str(p), "", "no scenario in this folder",
                                        "put scenario files (*.toml, *.xlsx or */scenario.toml) in it"))
            rows += [(f, None, (), None) for f in found]
        elif p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and _is_table(p):
            rows += _table_rows(p, problems)
        elif p.is_file():
            rows.append((p, None, (), None))
        elif any(c in str(src) for c in "*?["):
            found = sorted(Path(f) for f in glob.glob(str(src), recursive=True) if Path(f).is_file())
            if not found:
                problems.append(Problem(str(src), "", "the pattern matches no file", "check the pattern"))
            rows += [(f, None, (), None) for f in found]
        else:
            problems.append(Problem(p.name, "", "not found", "give a scenario file, a folder, a glob or a batch "
                                    "table (.csv/.xlsx with a 'scenario' column)"))
    if problems:
        raise ScenarioError(problems)
    items, keys = [], set()
    for i, (src, label, overrides, unc) in enumerate(rows):
        if labels is not None and i < len(labels):
            label = labels[i]
        if isinstance(src, Scenario):
            label = label or src.name
        key = _unique(_key_of(src, label), keys)
        items.append(BatchItem(i, key, label or _default_label(src, key), src, overrides, unc))
    return items


def _key_of(src, label: str | None) -> str:
    from lotsplit.frontier.baselines import slug

    if label:
        return slug(label) or "scenario"
    if isinstance(src, (str, Path)):
        p = Path(src)
        return slug(p.parent.name if p.stem == "scenario" else p.stem) or "scenario"
    return slug(getattr(src, "name", "scenario")) or "scenario"


def _default_label(src, key: str) -> str:
    if isinstance(src, (str, Path)):
        p = Path(src)
        return p.parent.name if p.stem == "scenario" else p.stem
    return getattr(src, "name", key)


def _unique(key: str, keys: set) -> str:
    out, n = key, 2
    while out in keys:
        out, n = f"{key}-{n}", n + 1
    keys.add(out)
    return out


def _is_table(p: Path) -> bool:
    return "scenario" in [str(c).strip().casefold() for c in _read(p, nrows=0).columns]


def _read(p: Path, nrows: int | None = None):
    import pandas as pd

    if p.suffix.lower() == ".csv":
        with open(p, encoding="utf-8-sig") as f:
            head = f.readline()
        sep = ";" if head.count(";") > head.count(",") else ","
        return pd.read_csv(p, dtype=str, keep_default_na=False, sep=sep, nrows=nrows, encoding="utf-8-sig")
    return pd.read_excel(p, sheet_name=0, dtype=str, nrows=nrows).fillna("")


def _table_rows(p: Path, problems: list[Problem]) -> list:
    from lotsplit.batch.variants import OVERRIDE_SECTIONS, check_key, parse_value

    df = _read(p)
    df.columns = [str(c).strip() for c in df.columns]
    cols = {c.casefold(): c for c in df.columns}
    out = []
    bad_cols = []
    for c in df.columns:
        low = c.casefold()
        if low in ("scenario", "label") or not c:
            continue
        section, _, key = c.partition(".")
        if section == "uncertainty":
            if key not in UNCERTAINTY_COLUMNS:
                bad_cols.append(Problem(p.name, f"column {c}", f"'{key}' is not an uncertainty field",
                                        f"use uncertainty.{', uncertainty.'.join(UNCERTAINTY_COLUMNS)}"))
            continue
        if section not in OVERRIDE_SECTIONS or not key:
            bad_cols.append(Problem(p.name, f"column {c}", "not a column of a batch table",
                                    f"use scenario, label, section.key with a section of {', '.join(OVERRIDE_SECTIONS)}"
                                    f", or uncertainty.<field>"))
            continue
        try:
            check_key(section, key, f"column {c}")
        except ScenarioError as exc:
            bad_cols += [Problem(p.name, q.where, q.message, q.fix) for q in exc.problems]
    problems += bad_cols
    if bad_cols:
        return []
    for i, row in df.iterrows():
        where = f"row {i + 2}"
        name = str(row[cols["scenario"]]).strip()
        if not name:
            if any(str(v).strip() for v in row):
                problems.append(Problem(p.name, where, "no scenario", "give the scenario file (relative to the table)"))
            continue
        f = (p.parent / name)
        if not f.is_file():
            problems.append(Problem(p.name, f"{where}, column scenario", f"scenario file '{name}' not found",
                                    "give its path relative to the table"))
            continue
        overrides, unc = [], {}
        for c in df.columns:
            v = str(row[c]).strip()
            if not v or c.casefold() in ("scenario", "label"):
                continue
            section, _, key = c.partition(".")
            if "," in v and not _decimal_comma(v):
                problems.append(Problem(p.name, f"{where}, column {c}", f"'{v}' is ambiguous (a thousands "
                                        "separator or a decimal comma?)", "write the number without grouping, with "
                                        "'.' or ',' as the decimal separator, e.g. 0.5 or 40000"))
                continue
            value = parse_value(v.replace(",", ".") if _decimal_comma(v) else v)
            if section == "uncertainty":
                if key != "demand_by" and not isinstance(value, (int, float)):
                    problems.append(Problem(p.name, f"{where}, column {c}", f"'{v}' is not a number", "give a number"))
                    continue
                unc[key] = value if key == "demand_by" else float(value)
            else:
                overrides.append((section, key, value))
        label = str(row[cols["label"]]).strip() if "label" in cols else ""
        out.append((f, label or None, tuple(overrides), unc or None))
    return out


def _decimal_comma(v: str) -> bool:
    """``0,5`` or ``1,25`` in a cell of a Swedish or Danish table: a decimal comma; ``1,500``
    could be either, and is refused."""
    head, sep, tail = v.partition(",")
    number = bool(sep) and head.lstrip("-").isdigit() and tail.isdigit()
    return number and (head.lstrip("-") == "0" or len(tail) != 3)
