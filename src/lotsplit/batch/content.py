"""A scenario's content, ready to travel: the resolved configuration and its tables, with
no path of the machine that read them.

A worker on another machine has no access to the client's files, so a batch task does
not carry ``scenarios/x/scenario.toml`` but what the file says: the configuration (with
``extends`` merged, data-file paths relative to the scenario file, for the record only)
and every table as read (CSV/Excel cells, the GIS layer's polygons).  The worker checks
and builds the scenario from them (:meth:`ScenarioContent.scenario`) exactly as
``load_scenario`` would, so every check, note and geography step is the same.  Legacy
plans (``[[baselines.legacy]]``) are files of their own and are not carried: a batch run
compares its plan with the standard baselines.

Built scenarios are kept per process in a small cache (:data:`BUILT`, at most
``CACHE_SIZE``), so the samples of one scenario on one worker build it once.

>>> from lotsplit.synthetic import grid_scenario
>>> c = ScenarioContent.of(grid_scenario(1, 2, 2, 3, seed=1))
>>> c.scenario().name == c.name
True
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import os
import pickle
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lotsplit.scenario import Scenario

CACHE_SIZE = 8
"""Scenarios built per process (one batch item's samples reuse it; bounded memory)."""

FILE_FIELDS = (("areas", "file"), ("product_groups", "file"), ("demand", "file"), ("suppliers", "file"))


@dataclass(frozen=True, eq=False)
class ScenarioContent:
    """What a worker needs to build one scenario (picklable, no client paths).

    Either ``built`` (an in-memory Scenario, paths removed) or ``config`` + ``tables``
    (as read from the files) + ``names`` (each table's file name, for messages).
    """

    name: str
    key: str
    """Identifies the content (SHA-256 of its inputs, or a random id for an in-memory one):
    the worker cache's key."""
    file: str = ""
    """The scenario file's name (``scenario.toml``), for messages."""
    config: Any = None
    tables: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problems: tuple = ()
    locate: dict[str, str] = field(default_factory=dict)
    inputs: tuple[dict, ...] = ()
    """Every input file: role, path relative to the scenario file, SHA-256, bytes."""
    built: Any = None

    # ------------------------------------------------------------------ make
    @classmethod
    def read(cls, path: str | Path) -> ScenarioContent:
        """Read a scenario file (TOML or workbook) and its tables, without checking or
        building them (the worker does that).  Raises
        :class:`~lotsplit.errors.ScenarioError` when the scenario file itself is invalid."""
        from lotsplit.errors import ScenarioError
        from lotsplit.export.common import sha256_file
        from lotsplit.scenario.load import read_tables
        from lotsplit.scenario.tables import EXCEL_SUFFIXES

        path = Path(path)
        locate: dict[str, str] = {}
        if path.suffix.lower() in EXCEL_SUFFIXES:
            from lotsplit.scenario.workbook import read_workbook_config

            config, problems, locate = read_workbook_config(path)
        else:
            from lotsplit.scenario import read_config

            if not path.is_file():
                raise ScenarioError([_missing(path)])
            config, _ = read_config(path)          # raises, naming every invalid field
            problems = []
        if config is None:
            raise ScenarioError([p for p in problems if p.severity == "error"] or [_missing(path)])
        tables, files = read_tables(config, path, problems)
        base = path.resolve().parent
        inputs = [{"role": "scenario", "path": path.name, **_digest(path, sha256_file)}]
        inputs += [{"role": role, "path": _relative(f, base), **_digest(f, sha256_file)} for role, f in files.items()]
        stripped = strip_paths(config, base)
        key = hashlib.sha256(repr((stripped.model_dump_json(), [(i["role"], i["sha256"]) for i in inputs]))
                             .encode()).hexdigest()
        return cls(config.name, key, path.name, stripped, tables, {r: f.name for r, f in files.items()},
                   tuple(problems), locate, tuple(inputs))

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioContent:
        """An in-memory scenario, its paths removed (a notebook's, a test's)."""
        base = Path(scenario.path).resolve().parent if scenario.path is not None else None
        s = dataclasses.replace(scenario, config=strip_paths(scenario.config, base), path=None, files={})
        return cls(s.name, uuid.uuid4().hex, "", built=s)

    # ------------------------------------------------------------------ use
    def scenario(self) -> Scenario:
        """The checked scenario (built once per process and content, see :data:`BUILT`)."""
        if self.built is not None:
            return self.built
        with _LOCK:
            s = BUILT.get(self.key)
            if s is not None:
                BUILT.move_to_end(self.key)
                return s
        s = self._build()
        with _LOCK:
            BUILT[self.key] = s
            while len(BUILT) > CACHE_SIZE:
                BUILT.popitem(last=False)
        return s

    def _build(self) -> Scenario:
        from lotsplit.errors import InfeasibleError, ScenarioError
        from lotsplit.scenario.load import build_scenario, name_config_file

        t = self.tables
        path = Path(self.file)
        try:
            s = build_scenario(self.config, areas=t.get("areas"), groups=t.get("product_groups"),
                               demand=t.get("demand"), suppliers=t.get("suppliers"),
                               distance_matrix=t.get("distance_matrix"), path=path,
                               files={r: Path(n) for r, n in self.names.items()}, problems=list(self.problems),
                               locate=self.locate)
        except ScenarioError as exc:
            raise ScenarioError(name_config_file(list(exc.problems), path.name, self.locate)) from None
        except InfeasibleError:
            raise
        return dataclasses.replace(s, path=None, files={})

    def pickled_size(self) -> int:
        return len(pickle.dumps(self))


BUILT: collections.OrderedDict[str, Any] = collections.OrderedDict()
_LOCK = threading.Lock()


def strip_paths(config, base: Path | None):
    """The config with every data-file path relative to ``base`` (the scenario file's
    folder; just the name without it), an absolute ``extends`` reduced to its name, and no legacy plans."""
    def rel(v):
        if isinstance(v, str) and os.path.isabs(v):
            return _relative(Path(v), base) if base is not None else Path(v).name
        return v

    update: dict[str, Any] = {}
    for section, key in FILE_FIELDS:
        part = getattr(config, section)
        if getattr(part, key, None):
            update[section] = part.model_copy(update={key: rel(getattr(part, key))})
    dm = config.geography.distance_matrix
    if dm is not None:
        dm = dm.model_copy(update={"file": rel(dm.file)}) if hasattr(dm, "file") else rel(dm)
        update["geography"] = config.geography.model_copy(update={"distance_matrix": dm})
    if config.baselines.legacy:
        update["baselines"] = config.baselines.model_copy(update={"legacy": ()})
    if config.extends and os.path.isabs(config.extends):
        update["extends"] = Path(config.extends).name
    return config.model_copy(update=update)


def _relative(f: Path, base: Path | None) -> str:
    if base is None:
        return Path(f).name
    try:
        return Path(os.path.relpath(Path(f).resolve(), base)).as_posix()
    except ValueError:              # another drive (Windows)
        return Path(f).name


def _digest(f: Path, sha) -> dict:
    f = Path(f)
    if f.is_file():
        return {"sha256": sha(f), "bytes": f.stat().st_size}
    return {"sha256": None, "bytes": None}


def _missing(path: Path):
    from lotsplit.errors import Problem

    return Problem(path.name, "", "scenario file not found", "check the path (or the batch table's scenario column)")
