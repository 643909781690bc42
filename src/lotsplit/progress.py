"""Progress events and stop requests: the seam between the engine and whoever shows them.

The engine never prints.  It *reports* what it is doing (:func:`report`) and asks whether
it should stop (:func:`stop_requested`); the command line, a notebook or the web app
listen and ask for a stop.  Everything is scoped with :func:`scope`, so two solves in two
threads (two browser tabs) never see each other's events or stop each other::

    with progress.scope(listener=lambda event, fields: print(event, fields)) as run:
        plan = optimize(scenario)          # events go to the listener
        ...                                # run.request_stop() from another thread stops it

Outside any scope events go nowhere and the process-wide stop flag applies (the CLI's
Ctrl-C handler sets it with :func:`request_stop`).

Events (``event`` name, then the fields):

- ``stage``: ``name`` (``load``, ``enumerate``, ``master``, ``solve``, ``frontier``,
  ``export``, …) and ``detail`` (a short text);
- ``lots``: ``count`` candidate lots so far, ``complete`` (bool);
- ``incumbent``: ``objective``, ``bound`` (or None), ``gap`` (or None) of the best plan
  so far, in the reported sign (``plan.objective_value``);
- ``frontier_point``: ``index``, ``cost``, ``local_share``, ``proven``;
- ``file``: ``name`` of an export written;
- ``warning``: ``message``.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

log = logging.getLogger("lotsplit")

Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class Scope:
    """The listeners and the stop flag of one run."""

    listeners: list[Listener] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def request_stop(self) -> None:
        self.stop.set()


_GLOBAL = Scope()
_current: contextvars.ContextVar[Scope] = contextvars.ContextVar("lotsplit_progress", default=_GLOBAL)


@contextlib.contextmanager
def scope(listener: Listener | None = None, *, stop: threading.Event | None = None) -> Iterator[Scope]:
    """A run with its own listener(s) and stop flag (fresh unless ``stop`` is given)."""
    s = Scope([listener] if listener is not None else [], stop if stop is not None else threading.Event())
    token = _current.set(s)
    try:
        yield s
    finally:
        _current.reset(token)


def current() -> Scope:
    return _current.get()


def report(event: str, **fields: Any) -> None:
    """Send an event to the current scope's listeners (a listener that fails is dropped
    from the run with a log line, never the solve)."""
    s = _current.get()
    for fn in list(s.listeners):
        try:
            fn(event, fields)
        except Exception:       # noqa: BLE001 - a display must not break a solve
            log.exception("progress listener failed; it is removed")
            s.listeners.remove(fn)


def stop_requested() -> bool:
    """True once a stop was asked for in this run (or process-wide)."""
    return _current.get().stop.is_set() or _GLOBAL.stop.is_set()


def stop_check():
    """A function that tells whether a stop was asked for in *this* run, for code that
    runs in other threads (HiGHS's callbacks, which do not see this thread's scope)."""
    scope = _current.get()
    return lambda: scope.stop.is_set() or _GLOBAL.stop.is_set()


def reporter():
    """:func:`report` bound to this run's listeners, for other threads (like :func:`stop_check`)."""
    scope = _current.get()

    def send(event: str, **fields: Any) -> None:
        token = _current.set(scope)
        try:
            report(event, **fields)
        finally:
            _current.reset(token)

    return send


def request_stop() -> None:
    """Ask the current run (outside a scope: every run of the process) to stop."""
    _current.get().stop.set()


# --------------------------------------------------------------------------- the events in words

STAGE_WORDS: dict[str, tuple[str, str, str]] = {
    "load": ("läser scenariot", "læser scenariet", "loading the scenario"),
    "enumerate": ("räknar upp kandidatdelkontrakt", "opregner kandidatdelkontrakter", "enumerating candidate lots"),
    "master": ("bygger modellen", "bygger modellen", "building the model"),
    "solve": ("söker den bästa indelningen", "søger den bedste opdeling", "solving"),
    "frontier": ("söker avvägningskurvan", "søger afvejningskurven", "finding the frontier"),
    "baselines": ("utvärderar jämförelseindelningarna", "vurderer sammenligningsopdelingerne",
                  "evaluating the baselines"),
    "export": ("skriver filerna", "skriver filerne", "writing files"),
    "runs": ("beräknar varianterna", "beregner varianterne", "solving the runs"),
    "evaluate": ("utvärderar indelningen", "vurderer opdelingen", "scoring the plan"),
}
"""Each ``stage`` in Swedish, Danish and English (the command line's display and the app)."""

DETAIL_WORDS: tuple[tuple[str, str, str], ...] = (
    (r"exact MIP", "exakt: alla kandidatdelkontrakt prövas", "eksakt: alle kandidatdelkontrakter prøves"),
    (r"lots generated", "delkontrakt tas fram efter hand", "delkontrakter dannes efterhånden"),
    (r"candidate lots", "kandidatdelkontrakt", "kandidatdelkontrakter"),
    (r"districting engine", "indelning i sammanhängande områden", "opdeling i sammenhængende områder"),
    (r"time limit (.+) s", "tidsgräns {0} s", "tidsgrænse {0} s"),
    (r"up to ([0-9]+) points", "högst {0} punkter", "højst {0} punkter"),
    (r"([0-9]+) files", "{0} filer", "{0} filer"),
    (r"([0-9]+) scenarios", "{0} varianter", "{0} varianter"),
    (r"(frontier|comparison|sweep) files", "filerna", "filerne"),
)
"""A stage's ``detail`` (English, as reported) in Swedish and Danish: pattern, sv, da."""


def translate(lang: str, text: str, table: tuple[tuple[str, str, str], ...]) -> str:
    """``text`` in Swedish or Danish by the first pattern of ``table`` it matches (as it is
    in English or when none matches)."""
    import re

    if lang not in ("sv", "da") or not text:
        return text
    for pattern, sv, da in table:
        m = re.fullmatch(pattern, text)
        if m:
            return (sv if lang == "sv" else da).format(*m.groups())
    return text


def stage_words(lang: str, name: str) -> str:
    """A stage in words (its own name when it has none).

    >>> stage_words("da", "frontier")
    'søger afvejningskurven'
    """
    words = STAGE_WORDS.get(name)
    if words is None:
        return name
    return words[("sv", "da", "en").index(lang)] if lang in ("sv", "da", "en") else words[2]


def detail_words(lang: str, text: str) -> str:
    """A stage's detail in ``lang``.

    >>> detail_words("sv", "up to 15 points")
    'högst 15 punkter'
    """
    return translate(lang, text, DETAIL_WORDS)
