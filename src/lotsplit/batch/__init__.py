"""Many runs at once: scenario variants side by side, sensitivity sweeps, batches over many
scenarios and Monte Carlo samples of the uncertain inputs, on one machine or a Dask cluster.

- ``variants``: :func:`compare` (scenarios side by side) and :func:`sweep` (a grid of
  parameter values);
- ``executors``: the Executor seam (inline, ``processes:N``, ``dask://HOST:PORT``,
  ``dask-local:N``) and the bounded dispatcher every batch runs through;
- ``content``: a scenario's content without client paths, built on the worker;
- ``samples``: :class:`Uncertainty` and reproducible samples of propensities, demand and
  suppliers that drop out;
- ``sources``: what a batch runs (files, folders, globs, batch tables);
- ``tasks``: one run on a worker (optimise, evaluate the chosen plan under a sample);
- ``run``: :func:`run_batch`, the batch of runs with one atomic folder per run, resume
  and failure rows; :func:`monte_carlo`, the same in memory for a notebook;
- ``report``, ``charts`` and ``texts``: the combined tables and charts, in sv/da/en.
"""

from lotsplit.batch.executors import InlineExecutor, open_executor, parse_executor
from lotsplit.batch.run import BatchResult, monte_carlo, run_batch
from lotsplit.batch.samples import Uncertainty
from lotsplit.batch.variants import Comparison, Sweep, compare, sweep

__all__ = ["BatchResult", "Comparison", "InlineExecutor", "Sweep", "Uncertainty", "compare", "monte_carlo",
           "open_executor", "parse_executor", "run_batch", "sweep"]
