"""What every Dask worker of a batch does first (imported only when Dask is used):
ignore Ctrl-C, as the workers of ``processes:N`` do, so that the first Ctrl-C in the
terminal stops the batch from handing out runs while the runs on the workers finish."""

from __future__ import annotations

import os
import signal

from distributed import WorkerPlugin


class IgnoreCtrlC(WorkerPlugin):
    """On each worker: Ctrl-C ignored, numeric libraries on one thread."""

    name = "lotsplit-ignore-ctrl-c"

    def setup(self, worker) -> None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:          # not the worker's main thread: nothing to do there
            pass
