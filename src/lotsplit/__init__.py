"""lotsplit — divide a public tender into lots by area and product range.

The pipeline, each stage a public function::

    scenario = load_scenario("scenarios/dalarna-food/scenario.toml")   # check
    plan = optimize(scenario)                                           # solve
    plan.metrics, plan.lots_table(), plan.outcome                       # results
    evaluate(scenario, assignment)                                      # score any plan
    frontier(scenario)                                                  # the trade-off curve
    compare([base, variant]); sweep(scenario, {"costs.per_lot": [...]}) # variants, sensitivity
"""

from lotsplit.errors import (InfeasibleError, LotsplitError, NoPlanFoundError, Problem, ScenarioError,
                             SolverError)
from lotsplit.plan import Lot, LotPlan, evaluate
from lotsplit.scenario import Scenario, build_scenario, load_scenario
from lotsplit.engine.optimize import optimize, with_overrides
from lotsplit.engine.highs import SolveOutcome, Status
from lotsplit.frontier.baselines import Baseline, baseline_plans
from lotsplit.frontier import Frontier, FrontierPoint, frontier
from lotsplit.variants import Comparison, Sweep, compare, sweep

__version__ = "0.1.0"

__all__ = [
    "InfeasibleError", "Lot", "LotPlan", "LotsplitError", "NoPlanFoundError", "Problem", "Scenario",
    "ScenarioError", "SolveOutcome", "SolverError", "Status", "build_scenario", "evaluate", "load_scenario",
    "optimize", "with_overrides", "__version__",
    "Baseline", "Comparison", "Frontier", "FrontierPoint", "Sweep", "baseline_plans", "compare", "frontier", "sweep",
]
