"""Many runs at once: scenario variants side by side, sensitivity sweeps, batches over many
scenarios and Monte Carlo samples of the uncertain inputs, on one machine or a Dask cluster.

- ``variants``: :func:`compare` (scenarios side by side) and :func:`sweep` (a grid of
  parameter values);
- ``executors``: the Executor seam (inline, ``processes:N``, ``dask://HOST:PORT``,
  ``dask-local:N``) and the bounded dispatcher every batch runs through;
- ``content``: a scenario's content without client paths, built on the worker;
- ``samples``: :class:`Uncertainty` and reproducible samples of propensities, demand and
  suppliers that drop out;
- ``tasks``: one run on a worker (optimise, evaluate the chosen plan under a sample);
- ``run``: :func:`run_batch`, the batch of runs with one atomic folder per run, resume
  and failure rows; :func:`monte_carlo`, the same in memory for a notebook;
- ``report`` and ``charts``: the combined tables and charts.
"""

from lotsplit.batch.executors import InlineExecutor, open_executor, parse_executor
from lotsplit.batch.samples import Uncertainty
from lotsplit.batch.variants import Comparison, Sweep, compare, sweep

__all__ = ["Comparison", "InlineExecutor", "Sweep", "Uncertainty", "compare", "open_executor", "parse_executor",
           "sweep"]
