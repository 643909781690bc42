"""Where the runs of a batch go: one ``concurrent.futures.Executor`` seam.

``--executor`` (and ``executor=`` in Python) names one of:

- ``inline`` (default): each run in this process, one after the other (easy to debug);
- ``processes:N``: a pool of ``N`` worker processes on this machine, started with the
  *spawn* method (a worker never inherits a running solver's threads) and ignoring
  Ctrl-C (the parent decides what stops: see below);
- ``dask://HOST:PORT``: a running Dask distributed cluster (``dask scheduler`` on one
  machine, ``dask worker tcp://HOST:PORT --nthreads 1`` on each of the others); the
  workers need lotsplit installed, nothing else: tasks carry the scenario's content;
- ``dask-local:N``: a Dask ``LocalCluster`` of ``N`` worker processes with one thread
  each, started for the batch and closed after it.

Dask needs the ``dask`` extra (``pip install "lotsplit[dask]"``).  Every run uses one
HiGHS thread, so ``N`` workers keep ``N`` cores busy, and a run gives the same result on
every executor (work budgets, not clocks, bound the search; each run has its own seed).

:func:`dispatch` keeps a bounded number of runs in flight (``window``), asks the task
source for the next one only when a slot is free (the parent never holds every scenario at
once), hands each result to the caller as it arrives, and stops handing out new runs once
a stop is requested (the first Ctrl-C): runs already on a worker finish and are kept.

>>> with open_executor("inline") as ex:
...     dispatch(ex, iter([(0, 2), (1, 3)]), lambda x: x * x, lambda key, fut: print(key, fut.result()))
0 4
1 9
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from lotsplit.errors import OptionError, Problem

EXECUTOR_HELP = "inline (default), processes:N, dask://HOST:PORT or dask-local:N"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class InlineExecutor(Executor):
    """Runs each task at once in the calling process (the default: easy to debug)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(exc)          # (Ctrl-C and SystemExit go straight up)
        return f


def worker_init() -> None:
    """Start of every pool worker: Ctrl-C is the parent's business (it stops dispatching
    and lets the runs in flight finish), and numeric libraries use one thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")


@dataclass(frozen=True)
class ExecutorSpec:
    """A parsed ``--executor``: ``kind`` is inline, processes, dask or dask-local."""

    kind: str
    workers: int = 1
    address: str = ""

    @property
    def text(self) -> str:
        return {"inline": "inline", "processes": f"processes:{self.workers}", "dask": f"dask://{self.address}",
                "dask-local": f"dask-local:{self.workers}"}[self.kind]


def parse_executor(text: str | int | None) -> ExecutorSpec:
    """``"processes:2"`` -> ExecutorSpec; raises :class:`~lotsplit.errors.OptionError`
    naming the option and the accepted forms.

    >>> parse_executor("dask-local:2")
    ExecutorSpec(kind='dask-local', workers=2, address='')
    >>> parse_executor(None).kind, parse_executor(3).text
    ('inline', 'processes:3')
    """
    if text is None or text == "" or text == 1:
        return ExecutorSpec("inline")
    if isinstance(text, int):
        return ExecutorSpec("processes", text) if text > 1 else ExecutorSpec("inline")
    t = str(text).strip()
    if t == "inline":
        return ExecutorSpec("inline")
    m = re.fullmatch(r"(processes|dask-local):(\d+)", t)
    if m and int(m.group(2)) >= 1:
        return ExecutorSpec(m.group(1), int(m.group(2)))
    m = re.fullmatch(r"(?:dask|tcp)://([^\s/:]+):(\d{1,5})", t)
    if m:
        return ExecutorSpec("dask", 1, f"{m.group(1)}:{m.group(2)}")
    raise OptionError([Problem("--executor", "", f"{t!r} is not an executor",
                               f"use {EXECUTOR_HELP}, e.g. --executor processes:2")])


class ExecutorHandle:
    """An open executor, how many runs it may hold at once, and a way to start it again
    after a worker process died (a broken pool fails every run still in it)."""

    def __init__(self, spec: ExecutorSpec, executor: Executor, window: int, restart: Callable[[], Executor] | None,
                 close: Callable[[], None]):
        self.spec = spec
        self.executor = executor
        self.window = window
        self._restart = restart
        self._close = close

    def restart(self) -> bool:
        if self._restart is None:
            return False
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._restart()
        return True

    def close(self, *, wait_for_runs: bool = True) -> None:
        self._close(wait_for_runs)


def _process_pool(n: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"), initializer=worker_init)


def _dask():
    try:
        import distributed
    except ImportError:
        raise OptionError([Problem("--executor", "", "Dask is not installed",
                                   'install it with pip install "lotsplit[dask]" (dask and distributed), or use '
                                   "--executor processes:N")]) from None
    return distributed


@contextlib.contextmanager
def open_executor(spec: str | int | ExecutorSpec | Executor | None) -> Iterator[ExecutorHandle]:
    """Open the executor named by ``spec`` (or wrap an Executor you made) and close it after
    the block: a pool is shut down, a ``dask-local`` cluster stopped, a ``dask://`` client
    disconnected (the cluster itself keeps running)."""
    if isinstance(spec, Executor):
        yield ExecutorHandle(ExecutorSpec("external"), spec, max(2, os.cpu_count() or 2), None, lambda w: None)
        return
    spec = spec if isinstance(spec, ExecutorSpec) else parse_executor(spec)
    if spec.kind == "inline":
        handle = ExecutorHandle(spec, InlineExecutor(), 1, None, lambda w: None)
    elif spec.kind == "processes":
        def close(w: bool) -> None:
            handle.executor.shutdown(wait=w, cancel_futures=not w)

        handle = ExecutorHandle(spec, _process_pool(spec.workers), 2 * spec.workers,
                                lambda: _process_pool(spec.workers), close)
    else:
        distributed = _dask()
        cluster = None
        if spec.kind == "dask-local":
            env = {var: "1" for var in _THREAD_VARS}
            cluster = distributed.LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None, env=env)
            client = distributed.Client(cluster)
        else:
            try:
                client = distributed.Client(f"tcp://{spec.address}", timeout="20s")
            except OSError as exc:
                raise OptionError([Problem("--executor", "", f"cannot reach the Dask scheduler at {spec.address} "
                                           f"({exc})", "start it with `dask scheduler` and the workers with `dask "
                                           f"worker tcp://{spec.address} --nthreads 1`, or check the address")]) \
                    from None
        if spec.kind == "dask-local":
            from lotsplit.batch.dask_worker import IgnoreCtrlC

            client.register_plugin(IgnoreCtrlC())
        threads = sum(client.nthreads().values()) or 1

        def close(w: bool) -> None:
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()

        handle = ExecutorHandle(spec, client.get_executor(pure=False), 2 * threads, None, close)
    try:
        yield handle
    except BaseException:
        handle.close(wait_for_runs=False)
        raise
    else:
        handle.close(wait_for_runs=True)


def dispatch(handle: ExecutorHandle | Executor, tasks: Iterator[tuple[Any, Any]], fn: Callable,
             on_done: Callable[[Any, Future], None], *, stop: Callable[[], bool] = lambda: False,
             more: Callable[[], list] | None = None) -> int:
    """Run ``fn(task)`` for every ``(key, task)`` from ``tasks`` with at most
    ``handle.window`` in flight; ``on_done(key, future)`` as each ends (in this thread).

    ``more()`` (optional) is asked for tasks that became ready (e.g. the samples of a
    scenario whose base run just ended); they go before the next one from ``tasks``.  Once
    ``stop()`` is true no new task is handed out; the ones in flight end and are reported.
    A worker process that dies takes every run in its pool down with it: the pool is
    started again and those runs are tried once more, one at a time, so that only the run
    that kills its worker fails (``on_done`` sees its exception).  Returns the number of
    tasks handed out.
    """
    if isinstance(handle, Executor):
        handle = ExecutorHandle(ExecutorSpec("external"), handle, 1 if isinstance(handle, InlineExecutor) else 4,
                                None, lambda w: None)
    ready: list = []
    suspects: list = []                 # runs of a pool that broke: again, one at a time
    in_flight: dict[Future, tuple] = {}
    exhausted = False
    handed = 0

    def next_task():
        nonlocal exhausted
        if more is not None:
            ready.extend(more())
        if ready:
            return ready.pop(0)
        if exhausted:
            return None
        try:
            return next(tasks)
        except StopIteration:
            exhausted = True
            return None

    def submit(item, retried: bool) -> None:
        key, task = item
        try:
            fut = handle.executor.submit(fn, task)
        except BrokenProcessPool as exc:
            fut = Future()
            fut.set_exception(exc)
        if fut.done() and isinstance(handle.executor, InlineExecutor):
            on_done(key, fut)
        else:
            in_flight[fut] = (item, retried)

    while True:
        if suspects and not in_flight:
            submit(suspects.pop(0), True)
        while not suspects and not stop() and len(in_flight) < handle.window:
            item = next_task()
            if item is None:
                break
            handed += 1
            submit(item, False)
        if not in_flight:
            if suspects:
                continue
            if stop() or (exhausted and not ready and (more is None or not _peek(more, ready))):
                return handed
            continue
        done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        broken = [f for f in done if isinstance(f.exception(), BrokenProcessPool)]
        if broken:
            wait(list(in_flight), timeout=30)       # the rest of the dead pool fails at once
            done = {f for f in in_flight if f.done()}
        for fut in sorted(done, key=lambda f: str(in_flight[f][0][0])):
            item, retried = in_flight.pop(fut)
            if isinstance(fut.exception(), BrokenProcessPool) and not retried and handle._restart is not None:
                suspects.append(item)
            else:
                on_done(item[0], fut)
        if broken:
            handle.restart()


def _peek(more: Callable[[], list], ready: list) -> bool:
    ready.extend(more())
    return bool(ready)
