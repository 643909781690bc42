"""What one browser tab works on: a :class:`Workspace` holds the scenario it opened (or
the problems that stopped it), its variants, the plans computed, the frontier, the
comparison, the chosen plan, the tender pack written and the one job running.

Each tab opens its own workspace (a random id in its address), so two tabs never share a
job or overwrite each other's results.  The app reads only what the planner opens: a
bundled example, a scenario file or folder named on this computer, or an uploaded
workbook, kept in a private folder of its own.

>>> reg = Registry()
>>> ws = reg.new(lang="en")
>>> reg.get(ws.id) is ws
True
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lotsplit.app.jobs import Job
from lotsplit.errors import Problem

log = logging.getLogger("lotsplit.app")

MAX_WORKSPACES = 40
UPLOAD_MB = 20
SCENARIO_SUFFIXES = (".toml", ".xlsx")


@dataclass
class Variant:
    """The base scenario, or the base with changed fields (``changes``: section → fields)."""

    name: str
    scenario: Any
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_base(self) -> bool:
        return not self.changes


@dataclass
class PlanEntry:
    """A plan the workspace shows: a run's, a frontier point's or a baseline's."""

    key: str
    label: str
    plan: Any
    source: str                   # run, frontier, baseline
    variant: str
    interrupted: bool = False


@dataclass
class Pack:
    """A tender pack written: where, for which plan, which files."""

    folder: Path
    plan_key: str
    files: list[str]


class Workspace:
    def __init__(self, wid: str, lang: str):
        self.id = wid
        self.lang = lang
        self.lock = threading.RLock()
        self.source: Path | None = None          # the scenario file opened
        self.shown_name = ""                     # its name as the planner knows it
        self.uploaded = False
        self.problems: tuple[Problem, ...] = ()  # why it could not be opened
        self.variants: dict[str, Variant] = {}
        self.current = ""
        self.plans: dict[str, PlanEntry] = {}
        self.last_run: dict[str, str] = {}       # variant -> plan key of its latest run
        self.frontier = None
        self.frontier_variant = ""
        self.frontier_prefix = ""
        self.comparison = None
        self.comparison_keys: dict[str, str] = {}     # compared label -> plan key
        self.uncertainty = None                  # (variant name, lotsplit.monte_carlo's BatchResult)
        self.chosen: str | None = None
        self.pack: Pack | None = None
        self.job: Job | None = None
        self.message: tuple[str, str] | None = None   # (kind, text) shown once
        self.private_dir: Path | None = None     # uploads

    # ------------------------------------------------------------------ state
    @property
    def base(self) -> Variant | None:
        return next(iter(self.variants.values()), None)

    @property
    def variant(self) -> Variant | None:
        return self.variants.get(self.current) or self.base

    @property
    def scenario(self):
        v = self.variant
        return v.scenario if v else None

    def busy(self) -> bool:
        return self.job is not None and self.job.running

    def flash(self, kind: str, text: str) -> None:
        self.message = (kind, text)

    def take_message(self) -> tuple[str, str] | None:
        m, self.message = self.message, None
        return m

    def add_plan(self, entry: PlanEntry, *, choose: bool = False) -> None:
        with self.lock:
            self.plans[entry.key] = entry
            if choose or self.chosen is None:
                self.chosen = entry.key

    # ------------------------------------------------------------------ opening
    def open(self, path: Path, *, shown: str | None = None, uploaded: bool = False) -> bool:
        """Load the scenario at ``path``; on failure keep its problems.  True when loaded."""
        from lotsplit.errors import ScenarioError
        from lotsplit.scenario import load_scenario

        self.source, self.shown_name, self.uploaded = path, shown or path.name, uploaded
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            self.problems = exc.problems
            return False
        self.lang = s.config.language
        self.problems = ()
        self.variants = {s.name: Variant(s.name, s)}
        self.current = s.name
        return True

    def close(self) -> None:
        if self.job is not None and self.job.running:
            self.job.request_stop()
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)

    def upload_dir(self) -> Path:
        if self.private_dir is None:
            self.private_dir = Path(tempfile.mkdtemp(prefix="lotsplit-upload-"))
        return self.private_dir


class Registry:
    """The open workspaces, by id; the least recently used without a running job goes
    when there are too many."""

    def __init__(self, limit: int = MAX_WORKSPACES):
        self.limit = limit
        self._items: OrderedDict[str, Workspace] = OrderedDict()
        self._lock = threading.Lock()

    def new(self, *, lang: str) -> Workspace:
        with self._lock:
            ws = Workspace(secrets.token_urlsafe(12), lang)
            self._items[ws.id] = ws
            while len(self._items) > self.limit:
                idle = next((k for k, w in self._items.items() if not w.busy()), None)
                if idle is None:
                    break
                self._items.pop(idle).close()
            return ws

    def get(self, wid: str) -> Workspace | None:
        with self._lock:
            ws = self._items.get(wid)
            if ws is not None:
                self._items.move_to_end(wid)
            return ws

    def close_all(self) -> None:
        with self._lock:
            for ws in self._items.values():
                ws.close()
            self._items.clear()


# --------------------------------------------------------------------------- finding scenarios

def bundled_examples() -> list[Path]:
    """The example scenarios that come with lotsplit (``scenarios/*/scenario.toml`` of the
    source tree), when they are there."""
    import lotsplit

    root = Path(lotsplit.__file__).resolve().parents[2] / "scenarios"
    return sorted(root.glob("*/scenario.toml")) if root.is_dir() else []


def scenarios_in(folder: Path) -> list[Path]:
    """Scenario files in a folder: its ``.toml`` and ``.xlsx`` files and those of its
    ``variants/`` folder (names only: nothing is read until one is opened)."""
    found = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SCENARIO_SUFFIXES
             and not p.name.startswith((".", "~$"))]
    variants = folder / "variants"
    if variants.is_dir():
        found += [p for p in sorted(variants.iterdir()) if p.is_file() and p.suffix.lower() == ".toml"]
    return found


def safe_upload_name(name: str) -> str:
    """An uploaded file's name without folders or odd characters (``.xlsx`` kept).

    >>> safe_upload_name("../../etc/Scenario 2027 (ny).xlsx")
    'Scenario 2027 (ny).xlsx'
    """
    base = Path(name.replace("\\", "/")).name
    clean = "".join(c for c in base if c.isalnum() or c in " ._-()åäöæøÅÄÖÆØ").strip(" .")
    return clean or "scenario.xlsx"
