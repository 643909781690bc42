"""Rules that cannot all hold, and the turnover cap.  ``check`` names every conflict with the
rules involved and the fix, and exits 3 (like ``run`` and ``frontier``), never a traceback;
the turnover warning follows Directive 2014/24/EU art. 58(3): the yearly turnover required
may be at most 2 × the lot's value over the whole contract (incl. options), so τ up to
2 × contract_years is within the cap.  Fixture: tests/fixtures/tiny (2 years, groups
dairy and bread)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotsplit import InfeasibleError, ScenarioError, load_scenario
from lotsplit.cli import app

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    d = tmp_path / "tiny"
    shutil.copytree(TINY, d)
    return d


def with_rules(d: Path, rules: str, years: float | None = None) -> Path:
    toml = d / "scenario.toml"
    text = toml.read_text("utf-8").replace("turnover_multiple = 2.0", rules)
    if years is not None:
        text = text.replace("contract_years = 2", f"contract_years = {years:g}")
    toml.write_text(text, "utf-8")
    return toml


def conflicts(toml: Path) -> list[str]:
    with pytest.raises(InfeasibleError) as e:
        load_scenario(toml)
    return list(e.value.reasons)


@pytest.mark.parametrize("rules, where, words, fix", [
    ('bundling = "none"\nmust_together = [["dairy", "bread"]]', "rules.bundling, rules.must_together[0]",
     "bundling = 'none' allows one product group per lot", "set bundling = 'any'"),
    ('bundling = "families"\nfamilies = [["dairy"], ["bread"]]\nmust_together = [["dairy", "bread"]]',
     "rules.families, rules.must_together[0]", "no family holds them all", "put bread + dairy into one family"),
    ('max_groups_per_lot = 1\nmust_together = [["dairy", "bread"]]', "rules.max_groups_per_lot, rules.must_together[0]",
     "max_groups_per_lot = 1", "raise max_groups_per_lot to at least 2"),
    ('must_together = [["dairy", "bread"]]\nnever_together = [["bread", "dairy"]]',
     "rules.must_together[0], rules.never_together[0]", "must share a lot (must_together) and may never share one",
     "keep the pair in one of the two rules"),
])
def test_each_conflict_is_named_with_its_rules_and_the_fix(tiny, rules, where, words, fix):
    (reason,) = conflicts(with_rules(tiny, rules))
    assert reason.startswith(f"scenario.toml: {where}: ")
    assert words in reason and f"Fix: {fix}" in reason


def test_overlapping_must_together_sets_count_as_one(tiny):
    toml = with_rules(tiny, 'max_groups_per_lot = 2\nmust_together = [["dairy", "bread"], ["bread", "fish"]]')
    (tiny / "product_groups.csv").write_text((tiny / "product_groups.csv").read_text("utf-8")
                                             + "fish,Fish,15200000-0,supplies\n", "utf-8")
    (reason,) = conflicts(toml)
    assert "bread + dairy + fish (3 groups)" in reason
    assert "rules.must_together[0], rules.must_together[1]" in reason


def test_all_zero_demand_is_named(tiny):
    f = tiny / "demand.csv"
    f.write_text("\n".join(line.rsplit(",", 1)[0] + ",0" if i else line
                           for i, line in enumerate(f.read_text("utf-8").splitlines())) + "\n", "utf-8")
    (reason,) = conflicts(tiny / "scenario.toml")
    assert reason.startswith("demand.csv: every annual value is 0") and "enter the estimated annual value" in reason


def test_check_exits_3_with_the_explanation_and_no_traceback(tiny):
    toml = with_rules(tiny, 'bundling = "none"\nmust_together = [["dairy", "bread"]]')
    r = CliRunner().invoke(app, ["check", str(toml)])
    assert r.exit_code == 3
    assert "No lot plan satisfies the scenario's rules" in r.output and "bundling = 'none'" in r.output
    assert "Traceback" not in r.output


def test_conflicts_come_with_input_errors_in_one_round(tiny):
    toml = with_rules(tiny, 'bundling = "none"\nmust_together = [["dairy", "bread"]]')
    (tiny / "product_groups.csv").write_text((tiny / "product_groups.csv").read_text("utf-8")
                                             .replace("15810000-9", "1581"), "utf-8")
    with pytest.raises(ScenarioError) as e:
        load_scenario(toml)
    text = str(e.value)
    assert "'1581' is not a CPV code" in text and "bundling = 'none'" in text


# --------------------------------------------------------------------------- turnover cap

def turnover_notes(s) -> list[str]:
    return [str(p) for p in s.notes if p.where == "rules.turnover_multiple"]


@pytest.mark.parametrize("tau, years", [(3, 4), (2, 1), (4, 2), (8, 4)])
def test_a_requirement_within_two_times_the_contract_value_is_not_warned(tiny, tau, years):
    s = load_scenario(with_rules(tiny, f"turnover_multiple = {tau}", years))
    assert turnover_notes(s) == []


def test_a_requirement_above_the_cap_is_warned_with_the_article_and_the_limit(tiny):
    s = load_scenario(with_rules(tiny, "turnover_multiple = 9", 4))
    (note,) = turnover_notes(s)
    assert "Directive 2014/24/EU art. 58(3)" in note
    assert "2 × the estimated value of the lot over the whole contract including options" in note
    assert "(2 × 4 years = 8 × the annual value)" in note and "use at most 8" in note
    assert next(p for p in s.notes if p.where == "rules.turnover_multiple").severity == "warning"


def test_the_cap_is_read_from_the_versioned_defaults(tiny):
    s = load_scenario(with_rules(tiny, "turnover_multiple = 3", 1))      # 3 > 2 × 1 year
    assert s.defaults.turnover_cap.value == 2
    assert turnover_notes(s) and "at most 2" in turnover_notes(s)[0]
