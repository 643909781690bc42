"""``lotsplit template``: the scenario workbook.  A TOML scenario written as a workbook and
read back gives the same configuration, the same tables and the same optimal plan; the
workbook is localized, has a comment on every field, drop-down lists and input styling;
every problem in it names the sheet, the cell and the fix."""

from __future__ import annotations

import re

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import lotsplit
from lotsplit import InfeasibleError, ScenarioError, load_scenario
from lotsplit.cli import app
from lotsplit.scenario import fields
from lotsplit.scenario.template import write_template

from test_export_helpers import HOSTILE, ROOT

openpyxl = pytest.importorskip("openpyxl")
MALUNG = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
TINY = ROOT / "tests" / "fixtures" / "tiny" / "scenario.toml"
TABLE_SECTIONS = ("product_groups", "demand", "suppliers", "extends")


@pytest.fixture(scope="module")
def malung():
    return load_scenario(MALUNG)


def round_trip(s, path: Path, language: str | None = None):
    write_template(s, path, language=language)
    return load_scenario(path)


def assert_same_scenario(a, b) -> None:
    """Same configuration (apart from where the tables live) and the same tables."""
    da, db = a.config.model_dump(), b.config.model_dump()
    for k in TABLE_SECTIONS:
        da.pop(k), db.pop(k)
    if a.config.areas.official:
        for d in (da, db):
            for k in ("file", "sheet", "codes"):
                d["areas"].pop(k)
    assert da == db
    pd.testing.assert_frame_equal(a.groups, b.groups)
    pd.testing.assert_frame_equal(a.demand, b.demand)
    pd.testing.assert_frame_equal(a.suppliers, b.suppliers)
    pd.testing.assert_frame_equal(pd.DataFrame(a.areas.drop(columns="geometry")),
                                  pd.DataFrame(b.areas.drop(columns="geometry")))
    assert a.areas.geometry.geom_equals(b.areas.geometry).all()
    assert {frozenset(e) for e in a.graph.edges()} == {frozenset(e) for e in b.graph.edges()}


@pytest.mark.parametrize("language", ["sv", "da", "en"])
def test_toml_to_workbook_and_back_is_the_same_scenario(malung, tmp_path, language):
    assert_same_scenario(malung, round_trip(malung, tmp_path / "scenario.xlsx", language))


def test_the_workbook_gives_the_same_plan(malung, tmp_path):
    from_workbook = round_trip(malung, tmp_path / "scenario.xlsx")
    a, b = lotsplit.optimize(malung), lotsplit.optimize(from_workbook)
    assert b.objective == pytest.approx(a.objective, rel=1e-12)
    assert sorted(map(tuple, b.assignment.to_numpy())) == sorted(map(tuple, a.assignment.to_numpy()))


def test_hostile_names_and_a_danish_scenario_survive_the_round_trip(tmp_path):
    s = load_scenario(HOSTILE)
    b = round_trip(s, tmp_path / "scenario.xlsx")
    assert_same_scenario(s, b)
    wb = openpyxl.load_workbook(tmp_path / "scenario.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_variants_dates_options_and_rule_lists_survive(tmp_path):
    d = tmp_path / "v"
    d.mkdir()
    (d / "variant.toml").write_text(
        f'extends = "{Path(TINY).as_posix()}"\nname = "tiny with everything"\n'
        'description = "two lines\\nof text"\n'
        '[procedure]\ntype = "restricted"\npublication_date = 2027-01-15\n'
        'tender_deadline = 2027-03-15T12:00:00+01:00\nbase_years = 1\nextensions = [0.5, 0.5]\n'
        '[rules]\nbundling = "families"\nfamilies = [["dairy", "bread"]]\nnever_together = [["dairy", "bread"]]\n'
        'areas_apart = [["101", "104"]]\nmax_lots = 4\nsmall_lots_exemption = true\n'
        '[objective]\nkind = "min_cost"\nlocal_share_target = 0.25\n'
        '[[geography.links]]\na = "101"\nb = "104"\nkind = "ferry"\nnote = "Färjan"\n', "utf-8")
    s = load_scenario(d / "variant.toml")
    assert_same_scenario(s, round_trip(s, d / "scenario.xlsx", "sv"))


def test_official_areas_round_trip(tmp_path):
    cfg = (Path(TINY).read_text("utf-8").replace('file = "areas.geojson"\nid_column = "id"\nname_column = "name"\n'
                                                  'nuts3 = "SE312"', 'official = "se_kommun"\ncodes = ["2021", "2023"]'))
    d = tmp_path / "official"
    shutil.copytree(Path(TINY).parent, d)
    (d / "scenario.toml").write_text(cfg, "utf-8")
    for f, old, new in (("demand.csv", "101,", "2021,"), ("demand.csv", "102,", "2023,"), ("demand.csv", "103,", "2021,"),
                        ("demand.csv", "104,", "2023,")):
        text = (d / f).read_text("utf-8")
        (d / f).write_text(text.replace(old, new), "utf-8")
    lines = (d / "demand.csv").read_text("utf-8").splitlines()
    (d / "demand.csv").write_text("\n".join(lines[:5]) + "\n", "utf-8")
    sup = (d / "suppliers.csv").read_text("utf-8").replace(",103,", ",2021,").replace(",102,", ",2023,")
    (d / "suppliers.csv").write_text(sup, "utf-8")
    s = load_scenario(d / "scenario.toml")
    assert list(s.areas.index) == ["2021", "2023"] and s.areas.loc["2023", "name"] == "Malung-Sälen"
    assert_same_scenario(s, round_trip(s, d / "scenario.xlsx", "sv"))


def test_sheets_comments_validation_and_input_cells(malung, tmp_path):
    write_template(malung, tmp_path / "scenario.xlsx", language="sv")
    wb = openpyxl.load_workbook(tmp_path / "scenario.xlsx")
    assert wb.sheetnames == ["Instruktioner", "Scenario", "Områden", "Varugrupper", "Efterfrågan", "Leverantörer",
                             "Kostnader", "Regler", "Förbindelser", "Tidigare indelningar"]
    for sheet in ("scenario", "costs", "rules"):
        ws = wb[fields.sheet_name(sheet, "sv")]
        labelled = {r[0].value: r[1] for r in ws.iter_rows(min_row=2) if r[0].value}
        for entry in fields.layout(sheet):
            if "key" not in entry:
                continue
            cell = next(c for label, c in labelled.items() if label.startswith(entry["label"]["sv"]))
            assert cell.comment is not None and cell.comment.text.strip(), entry["key"]     # a comment on every field
            assert cell.fill.fgColor.rgb.endswith("FFF2CC"), entry["key"]                   # a yellow input cell
    costs = wb["Kostnader"]
    per_lot = next(r[1] for r in costs.iter_rows(min_row=2) if r[0].value == "Kostnad per delkontrakt (SEK)")
    assert per_lot.value == 25000
    lists = [v for ws in wb.worksheets for v in ws.data_validations.dataValidation]
    sources = [v.formula1 for v in lists if v.type == "list"]
    assert '"ja,nej"' in sources                                                           # yes/no
    assert any("Områden" in (s or "") for s in sources)                                   # area ids from the sheet
    assert any(v.type == "decimal" and v.operator in (None, "between") for v in lists)      # ranges (propensity …)
    supp = [c.value for c in wb["Leverantörer"][1]]
    assert "Erbjuder: Snöröjning/plogning" in supp                                        # one yes/no column per group
    assert all(c.comment is not None for c in wb["Leverantörer"][1])
    demand = [c.value for c in wb["Efterfrågan"][1]]
    assert demand[:2] == ["Område-id", "Områdesnamn"] and "Snöbortforsling (SEK per år)" in demand


def test_the_labels_of_the_workbook_never_collide():
    assert fields.label_collisions() == []


def test_an_empty_template_names_what_is_missing_cell_by_cell(tmp_path):
    write_template(None, tmp_path / "blank.xlsx", language="da")
    with pytest.raises(ScenarioError) as e:
        load_scenario(tmp_path / "blank.xlsx")
    text = str(e.value)
    assert "blank.xlsx: sheet Scenarie, cell B3 (Udbuddets navn): required field is missing" in text
    assert "sheet Omkostninger, cell B3 (Omkostning pr. delkontrakt (DKK))" in text
    assert re.search(r"sheet Scenarie, cell B\d+ \(Officielle grænser\): the areas are missing", text)
    assert "codes in sheet Områder" in text


def test_a_planner_fills_in_an_empty_template_and_runs_it(tmp_path):
    path = tmp_path / "tom.xlsx"
    write_template(None, path, language="sv")
    wb = openpyxl.load_workbook(path)

    def put(sheet, label, value):
        row = next(r for r in wb[sheet].iter_rows(min_row=2) if r[0].value == label)
        row[1].value = value

    put("Scenario", "Upphandlingens namn", "Vinterväg Vansbro och Malung-Sälen")
    put("Scenario", "Avtalstid inklusive förlängningar (år)", 4)
    put("Scenario", "Officiella gränser", "svenska kommuner")
    put("Kostnader", "Kostnad per delkontrakt (SEK)", "25 000")            # typed as text, Swedish style
    areas = wb["Områden"]
    areas["A2"], areas["A3"] = "2021", "2023"                              # kommun codes; names come from SCB
    groups = wb["Varugrupper"]
    for j, v in enumerate(["plog", "Plogning", "90620000-9", "tjänster"]):
        groups.cell(row=2, column=j + 1).value = v
    demand = wb["Efterfrågan"]
    demand["C1"] = "Plogning (SEK per år)"                                 # a group column, by its name
    demand["A2"], demand["C2"], demand["A3"], demand["C3"] = "2021", 1_200_000, "2023", 2_730_000
    sup = wb["Leverantörer"]
    header = [c.value for c in sup[1]]
    for r, values in ((2, ("a", "Åkeri AB", None, None, "2023", "plog", 30, None, None, None, "ja", "ja", 0.6)),
                      (3, ("b", "Väg AB", 14.2, 60.5, None, "plog", None, None, None, None, "nej", "nej", "0,7"))):
        for j, v in enumerate(values):
            sup.cell(row=r, column=j + 1).value = v
    assert header[5] == "Varugrupper"
    wb.save(path)
    s = load_scenario(path)
    assert list(s.areas.index) == ["2021", "2023"] and s.areas.loc["2021", "name"] == "Vansbro"
    assert s.areas.loc["2023", "nuts3"] == "SE312" and s.areas.crs.to_epsg() == 3006
    assert s.config.costs.per_lot == 25000 and s.suppliers.loc["b", "propensity"] == 0.7
    plan = lotsplit.optimize(s)
    assert plan.outcome.status.value == "optimal" and plan.metrics["annual_value"] == 3_930_000


def fill(path: Path, sheet: str, label: str, value) -> str:
    """Put ``value`` next to ``label`` on a key/value sheet; returns the cell."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == label)
    row[1].value = value
    wb.save(path)
    return row[1].coordinate


def test_errors_name_the_sheet_the_cell_and_the_fix(malung, tmp_path):
    path = tmp_path / "scenario.xlsx"
    write_template(malung, path, language="sv")
    cell = fill(path, "Kostnader", "Kostnad per delkontrakt (SEK)", "många")
    fill(path, "Regler", "Samla varugrupper", "ibland")
    wb = openpyxl.load_workbook(path)
    wb["Leverantörer"]["M3"].value = "kanske"          # a yes/no cell
    wb.save(path)
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    text = str(e.value)
    assert f"scenario.xlsx: sheet Kostnader, cell {cell} (Kostnad per delkontrakt (SEK)): 'många' is not a number" \
        in text
    assert "sheet Regler, cell" in text and "'ibland' is not one of the choices" in text
    assert "alla kombinationer" not in text or "Fix: choose one of" in text
    assert "sheet Leverantörer, cell" in text and "'kanske' is not yes/no" in text


def test_rule_conflicts_in_a_workbook_name_the_cells(malung, tmp_path):
    path = tmp_path / "scenario.xlsx"
    write_template(malung, path, language="sv")
    fill(path, "Regler", "Samla varugrupper", "en varugrupp per delkontrakt")
    fill(path, "Regler", "Varugrupper som måste vara i samma delkontrakt", "plowing + gritting")
    with pytest.raises(InfeasibleError) as e:
        load_scenario(path)
    (reason,) = e.value.reasons
    assert reason.startswith("scenario.xlsx: sheet Regler, cell B")
    assert "bundling = 'none' allows one product group per lot" in reason


def test_template_command(tmp_path):
    runner = CliRunner()
    out = tmp_path / "s.xlsx"
    r = runner.invoke(app, ["template", str(MALUNG), "--out", str(out), "--language", "da"])
    assert r.exit_code == 0, r.output
    assert "Udfyld de gule celler" in r.output and "lotsplit check" in r.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "Vejledning"
    r = runner.invoke(app, ["template", "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    r = runner.invoke(app, ["template", "--out", str(tmp_path / "x.xlsx"), "--language", "fi"])
    assert r.exit_code != 0 and "sv, da or en" in r.output
    r = runner.invoke(app, ["check", str(out)])
    assert r.exit_code == 0 and "OK: scenariot är giltigt." in r.output     # the scenario speaks Swedish


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice is not installed: the print layout is not rendered")
def test_template_prints_on_a_few_pages(malung, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    write_template(malung, tmp_path / "scenario.xlsx", language="sv")
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / "scenario.xlsx")],
                   check=True, capture_output=True, timeout=180)
    assert len(pypdf.PdfReader(tmp_path / "scenario.pdf").pages) <= 14
