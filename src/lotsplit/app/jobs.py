"""Long work off the request thread: one :class:`Job` runs in its own thread, inside its
own :func:`lotsplit.progress.scope`, so two browser tabs never see each other's progress
or stop each other's solve.

The page polls :meth:`Job.state` (stage, candidate lots, the best plan's objective, the
bound and the gap as the engine reports them) and may :meth:`Job.request_stop`: the
engine sees the stop inside HiGHS and returns the best plan found so far (marked
interrupted) or raises :class:`~lotsplit.errors.NoPlanFoundError`.

>>> job = Job("demo", lambda job: 6 * 7).start()
>>> job.join().result
42
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from lotsplit import progress

log = logging.getLogger("lotsplit.app")

RENDER_LOCK = threading.Lock()
"""Held while matplotlib draws (maps, charts): pyplot keeps global state, so two tabs
writing their tender packs at once take turns."""


class Job:
    """One piece of work (a run, a frontier, a comparison, a tender pack) in a thread."""

    def __init__(self, kind: str, fn: Callable[["Job"], Any], *, label: str = ""):
        self.kind = kind
        self.label = label
        self.fn = fn
        self.stop = threading.Event()
        self.status = "queued"            # running, done, failed
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = time.monotonic()
        self.ended: float | None = None
        self.stage = ""
        self.detail = ""
        self.lots: int | None = None
        self.incumbent: dict[str, Any] | None = None
        self.points = 0
        self.files = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._main, name=f"lotsplit-{kind}", daemon=True)

    def start(self) -> Job:
        self.status = "running"
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> Job:
        self._thread.join(timeout)
        return self

    @property
    def running(self) -> bool:
        return self.status == "running"

    def request_stop(self) -> None:
        self.stop.set()

    def _main(self) -> None:
        with progress.scope(self._event, stop=self.stop):
            try:
                self.result = self.fn(self)
                self.status = "done"
            except BaseException as exc:    # noqa: BLE001 - shown on the page, never a traceback
                from lotsplit.errors import LotsplitError

                if not isinstance(exc, LotsplitError):
                    log.exception("the %s job failed", self.kind)
                self.error = exc
                self.status = "failed"
            finally:
                self.ended = time.monotonic()

    def _event(self, event: str, fields: dict[str, Any]) -> None:
        with self._lock:
            if event == "stage":
                self.stage, self.detail = str(fields.get("name", "")), str(fields.get("detail", ""))
            elif event == "lots":
                self.lots = int(fields.get("count", 0))
            elif event == "incumbent":
                self.incumbent = {k: fields.get(k) for k in ("objective", "bound", "gap")}
            elif event == "frontier_point":
                self.points += 1
            elif event == "file":
                self.files += 1

    def state(self) -> dict[str, Any]:
        """What the progress box shows (JSON)."""
        with self._lock:
            end = self.ended if self.ended is not None else time.monotonic()
            return {"kind": self.kind, "label": self.label, "status": self.status, "stopping": self.stop.is_set(),
                    "stage": self.stage, "detail": self.detail, "lots": self.lots,
                    "incumbent": dict(self.incumbent) if self.incumbent else None, "points": self.points,
                    "files": self.files, "seconds": round(end - self.started, 1)}
