"""lotsplit — divide a public tender into lots by area and product range.

The pipeline, each stage a public function::

    scenario = load_scenario("scenarios/dalarna-food/scenario.toml")   # check
    plan = optimize(scenario)                                           # solve
    plan.metrics, plan.lots_table(), plan.outcome                       # results
    evaluate(scenario, assignment)                                      # score any plan
    frontier(scenario)                                                  # the trade-off curve
    compare([base, variant]); sweep(scenario, {"costs.per_lot": [...]}) # variants, sensitivity
    run_batch([...], out="out/b"); monte_carlo(scenario, samples=100)   # many runs, uncertainty

The names are imported on first use (PEP 562), so ``import lotsplit`` and ``lotsplit
--help`` do not pay for pandas, geopandas and HiGHS until something needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it
_LAZY = {
    **dict.fromkeys(("InfeasibleError", "LotsplitError", "NoPlanFoundError", "Problem", "ScenarioError",
                     "SolverError"), "lotsplit.errors"),
    **dict.fromkeys(("Lot", "LotPlan", "evaluate"), "lotsplit.plan"),
    **dict.fromkeys(("Scenario", "build_scenario", "load_scenario"), "lotsplit.scenario"),
    **dict.fromkeys(("optimize", "with_overrides"), "lotsplit.engine.optimize"),
    **dict.fromkeys(("SolveOutcome", "Status"), "lotsplit.engine.highs"),
    **dict.fromkeys(("Baseline", "baseline_plans"), "lotsplit.frontier.baselines"),
    **dict.fromkeys(("Frontier", "FrontierPoint", "frontier"), "lotsplit.frontier"),
    **dict.fromkeys(("Comparison", "Sweep", "compare", "sweep"), "lotsplit.batch.variants"),
    **dict.fromkeys(("BatchResult", "monte_carlo", "run_batch"), "lotsplit.batch.run"),
    "Uncertainty": "lotsplit.batch.samples",
}

__all__ = [*_LAZY, "__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from lotsplit.engine.highs import SolveOutcome, Status
    from lotsplit.engine.optimize import optimize, with_overrides
    from lotsplit.errors import (InfeasibleError, LotsplitError, NoPlanFoundError, Problem, ScenarioError,
                                 SolverError)
    from lotsplit.frontier import Frontier, FrontierPoint, frontier
    from lotsplit.frontier.baselines import Baseline, baseline_plans
    from lotsplit.plan import Lot, LotPlan, evaluate
    from lotsplit.scenario import Scenario, build_scenario, load_scenario
    from lotsplit.batch.run import BatchResult, monte_carlo, run_batch
    from lotsplit.batch.samples import Uncertainty
    from lotsplit.batch.variants import Comparison, Sweep, compare, sweep


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lotsplit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value          # the next access is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """``lotsplit.frontier`` is the function, as it was when everything was imported
    eagerly: importing the submodule ``lotsplit.frontier`` (which the import system
    binds on the package) must not hide it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "frontier" and isinstance(value, types.ModuleType) and hasattr(value, "frontier"):
            value = value.frontier
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
