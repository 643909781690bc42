"""Load and check a scenario: the scenario file (TOML or workbook), its tables, the geography.

``load_scenario(path)`` reads everything and raises one
:class:`~lotsplit.errors.ScenarioError` listing every problem, each naming the file, the
row or cell, what is wrong and how to fix it; ``build_scenario(config, ...)`` does the same
from in-memory tables.  The modules, one job each:

- ``config_file``: the TOML file, ``extends`` and ``unset``;
- ``workbook``: the scenario workbook (``.xlsx``), read like a TOML file and its tables;
- ``template``: writing that workbook (``lotsplit template``);
- ``tables``: one reader for CSV, Excel sheets and GIS layers; ``numbers``: numbers by locale;
- ``checks`` (tables), ``rule_checks`` (rules, the turnover cap, conflicts),
  ``suppliers`` (locations, distances, per-supplier warnings);
- ``model``: the checked :class:`Scenario` and the versioned defaults.
"""

from lotsplit.scenario.config_file import read_config
from lotsplit.scenario.load import build_scenario, legacy_plans, load_scenario
from lotsplit.scenario.model import Defaults, Scenario, Sourced, load_defaults

__all__ = ["Defaults", "Scenario", "Sourced", "build_scenario", "legacy_plans", "load_defaults", "load_scenario",
           "read_config"]
