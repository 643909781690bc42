"""What a command shows while it works, on stderr: progress, log lines, warnings; and Ctrl-C.

The engine never prints: it reports events through :mod:`lotsplit.progress` and logs to
the ``lotsplit`` logger.  :class:`Display` listens to both and shows them:

- on a terminal, a live display (rich): one line per stage (load, candidate lots, solve
  with the best plan, bound and gap as they move, frontier points, runs of a sweep,
  files written), each ticked off with its time when done;
- not on a terminal (a pipe, a log file, CI): nothing live unless ``--progress``; with
  ``-v`` each stage and event becomes a plain log line;
- warnings always (``-q`` keeps only warnings and errors), notes unless ``-q``.

:class:`CtrlC` turns the first Ctrl-C into :func:`lotsplit.progress.request_stop` (the
solve stops and the best plan found is written) and the second into an abort (nothing
written, exit 130).  It works while HiGHS is busy in C code: the signal is read by a
thread from a wakeup socket, not by the main thread.

Rich was chosen over tqdm because typer already depends on it (no new package), it
draws several live lines at once (stage, solve figures, files), and log lines printed
through it appear above the live lines instead of breaking them.

>>> with Display(verbosity=0, live=False) as d:
...     d.event("stage", {"name": "solve", "detail": ""})
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import socket
import sys
import threading
import time
from typing import Any, Iterator

from lotsplit import progress

log = logging.getLogger("lotsplit")

WORDS = {
    "lots": {"sv": "{n} kandidatdelkontrakt", "da": "{n} kandidatdelkontrakter", "en": "{n} candidate lots"},
    "lots_all": {"sv": " (alla)", "da": " (alle)", "en": " (all)"},
    "incumbent": {"sv": "bästa indelning {obj}, gräns {bound}, gap {gap}",
                  "da": "bedste opdeling {obj}, grænse {bound}, gap {gap}",
                  "en": "best plan {obj}, bound {bound}, gap {gap}"},
    "point": {"sv": "punkt {i}: kostnad {cost}, andel {share}", "da": "punkt {i}: omkostning {cost}, andel {share}",
              "en": "point {i}: cost {cost}, access {share}"},
    "not_proven": {"sv": " (inte bevisad)", "da": " (ikke bevist)", "en": " (not proven)"},
}
"""What the display says of the events, in Swedish, Danish and English (the scenario's
language once it is loaded, English before; the stages' words are in ``progress``)."""


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:,.0f}".replace(",", " ")


class Display:
    """Progress and log lines of one command on stderr (see the module docstring).

    ``verbosity``: -1 quiet, 0 normal, 1 verbose (-v), 2 debug (-vv).  ``live``: a live
    display (None: when stderr is a terminal and not quiet).
    """

    def __init__(self, *, verbosity: int = 0, live: bool | None = None):
        self.verbosity = verbosity
        self.stream = sys.stderr
        if live is None:
            live = verbosity >= 0 and _isatty(self.stream)
        self.live = bool(live)
        self._progress = None
        self._console = None
        self._tasks: dict[str, Any] = {}
        self._totals: dict[str, int] = {}
        self._stage: str | None = None
        self._handler: logging.Handler | None = None
        self._old_level = log.level
        self._lock = threading.RLock()
        self.lang = "en"
        """The language of what the display says (``session.load`` sets the scenario's)."""

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Display:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._console = Console(file=self.stream, stderr=True, highlight=False)
            self._progress = Progress(SpinnerColumn(finished_text="[green]✓"), TextColumn("{task.description}"),
                                      BarColumn(bar_width=24), _count_column(), TimeElapsedColumn(),
                                      console=self._console, transient=False, refresh_per_second=8)
            self._progress.start()
        self._handler = self._make_handler()
        log.addHandler(self._handler)
        log.setLevel({-1: logging.WARNING, 0: logging.WARNING, 1: logging.INFO}.get(self.verbosity, logging.DEBUG))
        log.propagate = False
        return self

    def __exit__(self, *exc) -> None:
        self.finish()
        if self._handler is not None:
            log.removeHandler(self._handler)
        log.setLevel(self._old_level)
        log.propagate = True

    def finish(self) -> None:
        """Tick off the last stage and stop the live display (before the summary)."""
        with self._lock:
            self._close_stage()
            if self._progress is not None:
                self._progress.stop()
                self._progress = None

    def _make_handler(self) -> logging.Handler:
        if self._console is not None:
            from rich.logging import RichHandler

            h: logging.Handler = RichHandler(console=self._console, show_time=False, show_path=False, markup=False,
                                             rich_tracebacks=False, show_level=True)
        else:
            h = logging.StreamHandler(self.stream)
            h.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        return h

    # ------------------------------------------------------------------ what commands say
    def say(self, text: str, *, level: int = 0) -> None:
        """A line on stderr, shown at ``verbosity >= level`` (above the live lines)."""
        if self.verbosity < level:
            return
        with self._lock:
            if self._console is not None:
                self._console.print(text, markup=False, highlight=False, soft_wrap=True)
            else:
                print(text, file=self.stream, flush=True)

    def notes(self, problems) -> None:
        """The scenario's warnings (always) and notes (unless quiet)."""
        for p in problems:
            if p.severity == "warning":
                log.warning("%s", p)
            elif p.severity == "note" and self.verbosity >= 0:
                self.say(f"note: {p}")

    # ------------------------------------------------------------------ progress events
    def event(self, name: str, fields: dict[str, Any]) -> None:
        """The :mod:`lotsplit.progress` listener."""
        with self._lock:
            handler = getattr(self, f"_on_{name}", None)
            if handler is not None:
                handler(**fields)

    def words(self, key: str, **kw: Any) -> str:
        """``WORDS[key]`` in the display's language."""
        entry = WORDS[key]
        return entry.get(self.lang, entry["en"]).format(**kw)

    def stage(self, name: str) -> str:
        """A stage's label, in the display's language."""
        words = progress.stage_words(self.lang, name)
        return words[:1].upper() + words[1:]

    def _percent(self, x: float, decimals: int) -> str:
        from lotsplit.export.common import percent

        return percent(x, self.lang, decimals=decimals)

    def _on_stage(self, name: str, detail: str = "", total: int | None = None, **_: Any) -> None:
        detail = progress.detail_words(self.lang, detail)
        label = self.stage(name)
        text = f"{label}: {detail}" if detail else label
        log.info("%s", text)
        if self._progress is None:
            return
        if total is not None:
            self._totals[name] = total
        if self._stage == name:
            self._progress.update(self._tasks[name], description=text, total=total)
            return
        self._close_stage()
        self._tasks[name] = self._progress.add_task(text, total=total)
        self._stage = name

    def _close_stage(self) -> None:
        if self._progress is not None and self._stage is not None:
            t = self._tasks[self._stage]
            if self._stage not in self._totals:       # a stage that counts keeps its count (2/3)
                self._progress.update(t, total=1, completed=1)
            self._progress.stop_task(t)
        self._stage = None

    def _detail(self, stage: str, text: str) -> None:
        if self._progress is None:
            return
        if self._stage != stage:
            self._on_stage(stage)
        self._progress.update(self._tasks[stage], description=f"{self.stage(stage)}: {text}")

    def _on_lots(self, count: int, complete: bool = False, **_: Any) -> None:
        text = self.words("lots", n=_fmt(count)) + (self.words("lots_all") if complete else "")
        log.debug("%s", text)
        self._detail(self._stage or "enumerate", text)

    def _on_incumbent(self, objective: float | None = None, bound: float | None = None, gap: float | None = None,
                      **_: Any) -> None:
        g = "–" if gap is None else self._percent(gap, 2)
        text = self.words("incumbent", obj=_fmt(objective), bound=_fmt(bound), gap=g)
        log.info("%s", text)
        self._detail("solve", text)

    def _on_frontier_point(self, index: int = 0, cost: float | None = None, local_share: float | None = None,
                           proven: bool = True, **_: Any) -> None:
        share = "–" if local_share is None else self._percent(local_share, 1)
        text = self.words("point", i=index + 1, cost=_fmt(cost), share=share) + \
            ("" if proven else self.words("not_proven"))
        log.info("%s", text)
        self._detail("frontier", text)

    def _on_runs(self, done: int, total: int, desc: str = "runs", **_: Any) -> None:
        log.info("%s: %d of %d runs done", desc, done, total)
        if self._progress is None:
            return
        if self._stage != "runs":
            self._on_stage("runs", desc, total=total)
        self._progress.update(self._tasks["runs"], completed=done, total=total)

    def _on_file(self, name: str, total: int | None = None, **_: Any) -> None:
        log.debug("wrote %s", name)
        if self._progress is None:
            return
        if self._stage != "export":
            self._on_stage("export", total=total)
        self._progress.update(self._tasks["export"], advance=1, description=f"{self.stage('export')}: {name}")

    def _on_warning(self, message: str, **_: Any) -> None:
        log.warning("%s", message)


def _count_column():
    """``done/total`` for stages that count (files, runs); nothing for the others."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Count(ProgressColumn):
        def render(self, task) -> Text:
            if task.total is None or task.total <= 1:
                return Text("")
            return Text(f"{task.completed:.0f}/{task.total:.0f}", style="green")

    return Count()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _NoBar:
    def advance(self) -> None:
        pass


class _Bar:
    def __init__(self, prog, task) -> None:
        self._prog, self._task = prog, task

    def advance(self) -> None:
        self._prog.update(self._task, advance=1)


@contextlib.contextmanager
def run_bar(total: int, desc: str, *, enabled: bool = True) -> Iterator[_Bar | _NoBar]:
    """A progress bar of ``total`` runs on stderr (rich; in a notebook it draws in the
    cell), for callers that show no :class:`Display` of their own; ``.advance()`` per run."""
    if not enabled or total <= 0:
        yield _NoBar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=sys.stderr, stderr=True), transient=False) as prog:
        yield _Bar(prog, prog.add_task(desc, total=total))


# --------------------------------------------------------------------------- Ctrl-C

class CtrlC:
    """First Ctrl-C: ask the run to stop (the best plan found is written).  Second: abort
    (temporary folders removed, nothing written, exit 130).  A third, or an abort the main
    thread does not act on within ``grace`` seconds (busy in C code), exits at once.

    ``interrupted`` tells afterwards whether a stop was asked for.
    """

    def __init__(self, display: Display | None = None, *, run: progress.Scope | None = None, grace: float = 3.0):
        self.display = display
        self.run = run
        self.grace = grace
        self.count = 0
        self._abort = False
        self._echo = 0
        self._installed = False
        self._timer: threading.Timer | None = None

    @property
    def interrupted(self) -> bool:
        return self.count > 0 or progress.stop_requested()

    def _python_handler(self, signum, frame) -> None:
        # The main thread's handler only acts on an abort; the watcher thread does the rest
        # (it runs even while the main thread is inside HiGHS).
        if self._abort:
            raise KeyboardInterrupt

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is not threading.main_thread():
            return self                  # signals can only be handled in the main thread
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._old_handler = signal.signal(signal.SIGINT, self._python_handler)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._installed = True
        threading.Thread(target=self._watch, name="lotsplit-ctrl-c", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        if self._timer is not None:
            self._timer.cancel()         # the main thread did stop: no hard exit
        if not self._installed:
            return
        signal.set_wakeup_fd(self._old_fd)
        signal.signal(signal.SIGINT, self._old_handler)
        self._installed = False
        self._writer.close()             # ends the watcher

    def _watch(self) -> None:
        while True:
            try:
                data = self._reader.recv(64)
            except OSError:
                return
            if not data:
                return
            for b in data:
                if b == signal.SIGINT:
                    self._on_sigint()

    def _on_sigint(self) -> None:
        if self._echo:                   # the SIGINT that interrupt_main() below simulates
            self._echo -= 1
            return
        self.count += 1
        if self.count == 1:
            if self.run is not None:
                self.run.request_stop()
            else:
                progress.request_stop()
            self._say("Stopping (Ctrl-C): the best plan found so far will be written; press Ctrl-C again to "
                      "abort without writing anything.")
            return
        if self.count == 2:
            self._say("Aborting (Ctrl-C twice): nothing is written.")
            import _thread

            self._abort = True
            self._echo += 1
            _thread.interrupt_main()     # a KeyboardInterrupt where the main thread is
            self._timer = threading.Timer(self.grace, self._hard_exit)
            self._timer.daemon = True
            self._timer.start()
            return
        self._hard_exit()

    def _hard_exit(self) -> None:
        from lotsplit.export.atomic import abort_cleanup

        abort_cleanup()
        try:
            sys.stderr.flush()
        finally:
            os._exit(130)

    def _say(self, text: str) -> None:
        if self.display is not None:
            self.display.say(text, level=-1)
        else:
            print(text, file=sys.stderr, flush=True)


class Timer:
    """Seconds per stage of a command, for ``--json`` and the manifest."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._t = self.start

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(self.stages.get(name, 0.0) + now - self._t, 3)
        self._t = now

    def total(self) -> float:
        return round(time.perf_counter() - self.start, 3)
