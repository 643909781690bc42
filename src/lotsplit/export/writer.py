"""``write_all``: every export of a plan into one directory (the files of issue #4).

Same plan, same files: everything is byte-identical between runs except ``manifest.json``
(export time, solve seconds) and the export *date* (day) carried by ``lots.xlsx`` (Summary
sheet and document properties) and ``annex.html``/``annex.pdf``.  Set
``SOURCE_DATE_EPOCH`` (or pass ``timestamp``) to pin that too.

The exports are named (``EXPORTS``; ``--exports`` picks some of them).  Each is one job
below, run in one of two lanes: on Linux with two or more cores, the ``side`` lane runs
in a forked copy of the process (the plan is already in its memory: nothing to send),
while this process runs the ``main`` lane; the static maps and the PDF annex, which
dominate, end up in different processes.  Elsewhere, on a machine with no free core, or
with ``workers=1``, the lanes run one after the other.  A new export is one line in ``_jobs`` and one in ``EXPORTS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import signal
import sys
import traceback
import warnings
from pathlib import Path
from typing import Callable, Iterable

from lotsplit import progress
from lotsplit.export.manifest import write_manifest
from lotsplit.export.tables import write_plan_files
from lotsplit.plan import LotPlan

log = logging.getLogger("lotsplit")

EXPORTS: dict[str, tuple[str, ...]] = {
    "tables": ("assignment.csv", "lots.csv", "plan.json"),
    "xlsx": ("lots.xlsx",),
    "geo": ("lots.gpkg", "lots.geojson"),
    "maps": ("map.png", "map.svg", "map.pdf"),
    "webmap": ("map.html",),
    "annex": ("annex.html", "annex.pdf"),
    "memo": ("memo.html", "memo.pdf"),
    "eforms": ("eforms_notice.xml",),
    "ocds": ("ocds_release_package.json",),
}
"""Every export by name, with its files; ``tables`` and ``manifest.json`` are always written."""


def export_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def parse_exports(text: str | Iterable[str] | None) -> frozenset[str]:
    """``"xlsx,annex"`` -> the export names (``all``: every one); ``tables`` is always in.
    Raises ValueError naming the unknown names and the allowed ones."""
    if text is None:
        return frozenset(EXPORTS)
    items = [x.strip() for x in (text.split(",") if isinstance(text, str) else text) if x.strip()]
    if "all" in items:
        return frozenset(EXPORTS)
    unknown = [x for x in items if x not in EXPORTS]
    if unknown or not items:
        raise ValueError(f"unknown export(s) {', '.join(map(repr, unknown)) or '(none given)'}; choose from "
                         f"{', '.join(EXPORTS)} or all (comma-separated)")
    return frozenset(items) | {"tables"}


def write_all(plan: LotPlan, out_dir: str | Path, *, command: list[str] | None = None,
              timestamp: dt.datetime | None = None, exports: Iterable[str] | None = None,
              workers: int | None = None, extra: dict | None = None) -> list[Path]:
    """Write the exports of ``plan`` into ``out_dir`` (an existing, usually temporary,
    directory; see :func:`lotsplit.export.output_directory`) and return the paths.

    ``exports``: names from ``EXPORTS`` (default: all).  ``workers``: 1 renders in this
    process only, 2 in two lanes; default two lanes where the system can fork and a core
    is free.  ``extra``: more fields
    for ``manifest.json`` (the CLI records ``interrupted`` and the timings).  Reports a
    ``file`` progress event per file.

    >>> from lotsplit.synthetic import grid_scenario
    >>> import lotsplit, tempfile
    >>> plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_all(plan, d))[:3]
    ['annex.html', 'annex.pdf', 'assignment.csv']
    """
    from lotsplit.export.common import has_geometry

    d = Path(out_dir)
    timestamp = timestamp or export_time()
    chosen = parse_exports(exports)
    if not has_geometry(plan):
        chosen -= {"geo", "maps", "webmap"}
    jobs = [(lane, fn) for name, lane, fn in _jobs(plan, d, timestamp) if name in chosen]
    total = sum(len(EXPORTS[n]) for n in chosen) + 1
    progress.report("stage", name="export", detail=f"{total} files", total=total)

    side = [fn for lane, fn in jobs if lane == "side"]
    main = [fn for lane, fn in jobs if lane == "main"]
    if side and main and _can_fork(workers):
        child = _Forked(side)
        try:
            written = _run(main)
        finally:
            paths = child.join()
        written += paths
        for p in paths:
            progress.report("file", name=p.name)
    else:
        written = _run(main + side)
    written.append(write_manifest(plan, written, d, command=command, timestamp=timestamp, extra=extra))
    progress.report("file", name="manifest.json")
    return sorted(written)


def _jobs(plan: LotPlan, d: Path, timestamp: dt.datetime) -> list[tuple[str, str, Callable]]:
    """(export name, lane, job) in the order each lane runs them; each job returns the
    paths it wrote.  ``map.png`` comes first: the annex embeds it.  Modules are imported
    inside the jobs, so that each process imports only what its lane needs, at the same
    time as the other."""
    date = timestamp.astimezone(dt.timezone.utc).date()

    def png():
        from lotsplit.export import maps

        return [maps.save(maps.plan_figure(plan), d / "map.png")]

    def vector_maps():
        from lotsplit.export import maps

        fig = maps.plan_figure(plan)
        return [maps.save(fig, d / f"map.{ext}") for ext in ("svg", "pdf")]

    def workbook():
        from lotsplit.export import xlsx

        return [xlsx.write_workbook(plan, d / "lots.xlsx", date=date)]

    def geopackage():
        from lotsplit.export import geo

        return [geo.write_geopackage(plan, d / "lots.gpkg")]

    def geojson():
        from lotsplit.export import geo

        return [geo.write_geojson(plan, d / "lots.geojson")]

    def web_map():
        from lotsplit.export import webmap

        return [webmap.write_webmap(plan, d / "map.html")]

    reasons_cache: list = []

    def reasons():
        from lotsplit.export.reasons import compare

        if not reasons_cache:
            reasons_cache.append(compare(plan))
        return reasons_cache[0]

    def annex_files():
        from lotsplit.export import annex, maps
        from lotsplit.export.common import has_geometry

        png_file = d / "map.png"                      # written just before when maps are chosen
        if png_file.exists():
            map_png = png_file.read_bytes()
        elif has_geometry(plan):                      # the annex needs the map, not the file
            scratch = maps.save(maps.plan_figure(plan), d / ".annex-map.png")
            map_png = scratch.read_bytes()
            scratch.unlink()
        else:
            map_png = b""
        return annex.write_annex(plan, reasons(), map_png, d, date=date)

    def memo_files():
        from lotsplit.export import memo

        return memo.write_memo(plan, reasons(), d, date=date)

    def eforms_notice():
        from lotsplit.export import eforms

        return eforms.write_eforms(plan, d, timestamp=timestamp)

    def ocds_package():
        from lotsplit.export import ocds

        return [ocds.write_ocds(plan, d / "ocds_release_package.json", date=date)]

    return [
        ("maps", "main", png),
        ("maps", "side", vector_maps),
        ("tables", "main", lambda: write_plan_files(plan, d)),
        ("xlsx", "side", workbook),
        ("geo", "side", geopackage),
        ("geo", "side", geojson),
        ("webmap", "main", web_map),
        ("annex", "main", annex_files),
        ("memo", "main", memo_files),
        ("eforms", "side", eforms_notice),
        ("ocds", "side", ocds_package),
    ]


def _run(fns: list[Callable]) -> list[Path]:
    written: list[Path] = []
    for fn in fns:
        for p in fn():
            written.append(Path(p))
            progress.report("file", name=Path(p).name)
    return written


def _can_fork(workers: int | None) -> bool:
    """Two lanes when asked (``workers`` ≥ 2), or by default when the system can fork and
    a core is free: on a machine already busy (load average at or above cores − 1) the
    second process only competes for the same cores and imports the plotting libraries a
    second time, so one lane is faster there (measured: benchmarks/commands.py)."""
    env = os.environ.get("LOTSPLIT_EXPORT_WORKERS", "").strip()
    if workers is None and env in ("1", "2"):
        workers = int(env)
    if workers is not None and workers <= 1:
        return False
    if not (sys.platform.startswith("linux") and hasattr(os, "fork")):
        return False
    if workers is not None:
        return True
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return cores > 1 and busy < cores - 1


class _Forked:
    """Run jobs in a forked child; ``join`` returns their paths or raises their error.

    The child inherits the plan (no pickling), ignores Ctrl-C (the parent decides), dies
    with the parent (``PR_SET_PDEATHSIG``), and touches no lock another thread may hold
    at the fork: no logging, no progress events, no terminal output.
    """

    def __init__(self, fns: list[Callable]):
        self.paths: list[Path] = []
        pid = -1
        r, w = os.pipe()
        old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)   # fork with threads: see the docstring
                pid = os.fork()
            if pid == 0:                                              # the child
                os.close(r)
                self._child(fns, w)
        finally:
            if pid != 0:
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        os.close(w)
        self.pid, self._r = pid, r

    @staticmethod
    def _child(fns: list[Callable], w: int) -> None:   # pragma: no cover - runs in the child
        code = 1
        try:
            _die_with_parent()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            sys.stdout = sys.stderr = open(os.devnull, "w")
            logging.disable(logging.CRITICAL)
            warnings.simplefilter("ignore")
            with progress.scope():
                paths = [str(p) for fn in fns for p in fn()]
            payload, code = pickle.dumps(("ok", paths)), 0
        except BaseException as exc:        # noqa: BLE001 - everything goes back to the parent
            try:
                payload = pickle.dumps(("error", exc))
                pickle.loads(payload)
            except Exception:               # noqa: BLE001 - an exception that does not pickle
                payload = pickle.dumps(("error", RuntimeError("".join(traceback.format_exception(exc))[-4000:])))
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
        finally:
            os._exit(code)

    def join(self) -> list[Path]:
        """Wait for the child; its paths, or its exception raised here."""
        chunks = []
        while chunk := os.read(self._r, 1 << 16):
            chunks.append(chunk)
        os.close(self._r)
        _, status = os.waitpid(self.pid, 0)
        if not chunks:
            raise RuntimeError(f"the export process ended without a result (wait status {status})")
        kind, value = pickle.loads(b"".join(chunks))
        if kind == "error":
            raise value
        self.paths = [Path(p) for p in value]
        return list(self.paths)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
