"""The app without a browser: the change form reads values like the workbook and checks
them like the files (every problem at once, named by the field's label), variant files
load back as the same scenario, and jobs in two workspaces keep their own progress and
stop flags (a stop in one tab leaves the other's solve alone)."""

from __future__ import annotations

import shutil
import time

import pytest

import lotsplit
from conftest import ROOT, SCENARIOS
from lotsplit import progress
from lotsplit.app import actions, forms
from lotsplit.app.jobs import Job
from lotsplit.app.views import status_text
from lotsplit.app.workspace import Registry, safe_upload_name
from lotsplit.errors import ScenarioError

MALUNG = SCENARIOS / "malung-salen-winter" / "scenario.toml"


@pytest.fixture(scope="module")
def malung():
    return lotsplit.load_scenario(MALUNG)


def _form(s, **changes) -> dict[str, str]:
    values = forms.current_values(s.config, s.config.language)
    return values | {k.replace("__", "."): v for k, v in changes.items()}


def test_unchanged_form_changes_nothing(malung):
    s, changes = forms.read_form(malung, _form(malung), lang="sv", file="formuläret")
    assert changes == {}
    assert s.config == malung.config


def test_values_are_read_like_workbook_cells(malung):
    form = _form(malung, costs__per_lot="30 000", competition__price_spread="0,08", rules__max_lots="6",
                 rules__must_together="plowing + gritting", rules__small_lots_exemption="true")
    s, changes = forms.read_form(malung, form, lang="sv", file="formuläret")
    assert changes == {"costs": {"per_lot": 30000.0}, "competition": {"price_spread": 0.08},
                       "rules": {"max_lots": 6, "must_together": (("plowing", "gritting"),),
                                 "small_lots_exemption": True}}
    assert s.config.rules.max_lots == 6 and malung.config.rules.max_lots is None   # the base is untouched


def test_every_problem_at_once_with_the_fields_label(malung):
    form = _form(malung, costs__per_lot="många", rules__max_lots="0", objective__local_share_target="1,5",
                 rules__bundling="somehow")
    with pytest.raises(ScenarioError) as err:
        forms.read_form(malung, form, lang="sv", file="formuläret")
    got = {p.where: p.message for p in err.value.problems}
    assert got["Kostnad per delkontrakt"] == "'många' is not a number"
    assert "greater than or equal to 1" in got["Högsta antal delkontrakt"]
    assert "less than or equal to 1" in got["Målandel tillgängligt värde"]
    assert "not one of the choices" in got["Samla varugrupper"]
    assert all(p.file == "formuläret" and p.fix for p in err.value.problems)


def test_a_required_field_left_empty(malung):
    with pytest.raises(ScenarioError) as err:
        forms.read_form(malung, _form(malung, costs__per_lot=""), lang="en", file="the form")
    assert [p.message for p in err.value.problems] == ["required field is missing"]


def test_variant_file_loads_back_as_the_same_scenario(malung, tmp_path):
    root = tmp_path / "scenarios" / "malung-salen-winter"
    shutil.copytree(MALUNG.parent, root, ignore=shutil.ignore_patterns("variants"))
    (tmp_path / "geodata").mkdir()
    shutil.copy(ROOT / "geodata" / "malung_salen_districts.gpkg", tmp_path / "geodata")
    form = _form(malung, rules__max_lots="5", rules__max_groups_per_lot="", costs__per_bid="2500",
                 objective__kind="min_cost")
    s, changes = forms.read_form(malung, form, lang="sv", file="formuläret")
    text = forms.variant_toml(extends="../scenario.toml", name='Fem "lotter" – test', changes=changes)
    assert 'unset = ["rules.max_groups_per_lot"]' in text
    path = root / "variants" / "fem.toml"
    path.parent.mkdir()
    path.write_text(text, "utf-8")
    back = lotsplit.load_scenario(path)
    assert back.name == 'Fem "lotter" – test'
    for section in forms.SECTIONS:
        assert getattr(back.config, section) == getattr(s.config, section)


def test_upload_names_are_cleaned():
    assert safe_upload_name("..\\..\\Users\\x\\<plan>.xlsx") == "plan.xlsx"
    assert safe_upload_name("/") == "scenario.xlsx"


def test_jobs_keep_their_own_progress_and_stop():

    def body(name):
        def work(job):
            k = 0
            while not progress.stop_requested() and k < 400:
                progress.report("stage", name=name, detail=str(k))
                k += 1
                time.sleep(0.01)
            return progress.stop_requested()
        return work

    a, b = Job("a", body("a")).start(), Job("b", body("b")).start()
    time.sleep(0.1)
    a.request_stop()
    assert a.join(5).result is True                 # a saw its stop
    assert b.running and not b.stop.is_set()         # b did not
    assert b.state()["stage"] == "b" and a.state()["stage"] == "a"
    b.request_stop()
    assert b.join(5).result is True


def test_stop_ends_a_long_solve_in_one_workspace_only(malung):
    """Dalarna takes about 13 s to prove; a stop after its first second ends it with the
    best plan so far (marked interrupted) or no plan, while Malung-Sälen in another
    workspace solves to the proven optimum."""
    reg = Registry()
    long_, short = reg.new(lang="sv"), reg.new(lang="sv")
    assert long_.open(SCENARIOS / "dalarna-food" / "scenario.toml")
    assert short.open(MALUNG)
    long_.job = actions.run(long_, time_limit=120).start()
    deadline = time.monotonic() + 60
    while long_.job.state()["stage"] in ("", "enumerate") and time.monotonic() < deadline:
        time.sleep(0.05)
    short.job = actions.run(short, time_limit=60).start()
    assert short.job.join(60).status == "done"
    long_.job.request_stop()
    start = time.monotonic()
    long_.job.join(60)
    assert time.monotonic() - start < 15
    assert long_.job.status in ("done", "failed")
    if long_.job.status == "done":
        entry = long_.plans[long_.job.result]
        words, css = status_text(entry.plan, interrupted=entry.interrupted)
        assert css == "unproven" and "optimal" in words
    else:
        assert isinstance(long_.job.error, lotsplit.NoPlanFoundError)
    plan = short.plans[short.job.result].plan
    assert plan.outcome.status.value == "optimal" and len(plan.lots) == 12
    reg.close_all()


def test_problems_are_shown_in_the_scenarios_language():
    """The loaders word their problems in English; the app shows the common ones in Swedish
    or Danish, drops the "missing" that follows a refused value, and leaves the rest as
    they are."""
    from lotsplit.app.views import problem_rows
    from lotsplit.errors import Problem

    where = "sheet Kostnader, cell B3 (Kostnad per delkontrakt (SEK))"
    problems = [Problem("v.xlsx", where, "'många' is not a number", "enter a number, without units"),
                Problem("v.xlsx", where, "required field is missing", "fill in the cell"),
                Problem("v.xlsx", "rules.max_lots", "Input should be greater than or equal to 1 (got 0)",
                        "correct the value (each field is documented in src/lotsplit/config.py)"),
                Problem("v.xlsx", "", "something new", "do this")]
    sv = problem_rows(problems, "sv")
    assert [r["message"] for r in sv] == ["'många' är inte ett tal", "värdet ska vara minst 1 (angivet: 0)",
                                          "something new"]
    assert sv[0]["where"] == "blad Kostnader, cell B3 (Kostnad per delkontrakt (SEK))"
    assert "src/lotsplit" not in sv[1]["fix"]
    da = problem_rows(problems, "da")
    assert da[0]["message"] == "'många' er ikke et tal" and da[0]["where"].startswith("ark Kostnader, celle B3")
    assert [r["message"] for r in problem_rows(problems, "en")][:2] == ["'många' is not a number",
                                                                       "Input should be greater than or equal to 1 (got 0)"]


def test_the_uncertainty_reading_of_the_chosen_plan(tmp_path):
    """The compare page's Monte Carlo reading: samples of the current variant, each
    optimised, the chosen plan's figures over them in the scenario's language."""
    from lotsplit.app.views import uncertainty_view

    reg = Registry()
    ws = reg.new(lang="sv")
    assert ws.open(MALUNG)
    assert uncertainty_view(ws) is None
    ws.job = actions.uncertainty(ws, samples=3, time_limit=60).start()
    assert ws.job.join(300).status == "done", ws.job.error
    view = uncertainty_view(ws)
    got = dict(view["rows"])
    assert view["variant"] == ws.variant.name
    assert got["Stickprov"] == "3"
    assert got["Vald indelning: lokal andel, medel"].endswith("%")
    assert "Andel stickprov där vald indelning är bäst" in got
    assert any("(SEK)" in label for label in got)            # money rows carry the currency
    # the compare page shows it (the app's own template, in Swedish)
    import functools

    import jinja2

    from lotsplit.app.texts import t

    env = jinja2.Environment(loader=jinja2.PackageLoader("lotsplit.app", "templates"), autoescape=True)
    env.filters["json"] = str
    html = env.get_template("compare.html").render(T=functools.partial(t, "sv"), ws=ws, mc=view, samples=20,
                                                   time_limit=60, lang="sv")
    assert 'id="uncertainty-table"' in html and "Hur säkra är siffrorna?" in html and "Stickprov" in html
    reg.close_all()
