"""``lots.xlsx`` and ``lots.csv``: the plan in the scenario's language and a planner's words,
values formatted per value, totals as formulas, printable; the CSV with one meaning per
header and no float noise.  Fixtures: Malung-Sälen (Swedish, proven in about a second) and
the synthetic grid (English)."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

import lotsplit
from lotsplit.export import write_all
from lotsplit.export.xlsx import write_workbook
from lotsplit.export.xlsx_texts import word
from lotsplit.engine.optimize import with_overrides
from lotsplit.synthetic import grid_scenario

from test_export_helpers import FIXED, ROOT

openpyxl = pytest.importorskip("openpyxl")
MALUNG = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"


@pytest.fixture(scope="module")
def malung(tmp_path_factory):
    s = lotsplit.load_scenario(MALUNG)
    s = with_overrides(s, rules={"turnover_multiple": 1.5, "small_lots_exemption": True})
    plan = lotsplit.optimize(s)
    out = tmp_path_factory.mktemp("malung")
    write_all(plan, out, timestamp=FIXED)
    return plan, out


def rows_of(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def by_label(ws) -> dict:
    return {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def test_sheet_names_and_headers_are_swedish_words_with_the_currency(malung):
    plan, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    assert wb.sheetnames == ["Sammanfattning", "Delkontrakt", "Områden per delkontrakt",
                             "Leverantörer per delkontrakt", "Indata", "Varugrupper", "Leverantörer", "Kolumner"]
    header = [c.value for c in wb["Delkontrakt"][1]]
    assert header[:4] == ["Delkontrakt", "Benämning", "Områden", "Varugrupper"]
    assert "Värde per år (SEK)" in header and "Administrativ kostnad (SEK)" in header
    assert "Chans för anbud från SME" in header and "Konkurrensens värde (SEK)" in header
    for ws in wb.worksheets:
        for cell in ws[1]:
            assert cell.value is None or "_" not in str(cell.value), (ws.title, cell.value)   # no snake_case


def test_values_are_words_not_english_enums(malung):
    plan, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    lots = rows_of(wb["Delkontrakt"])
    header = lots[0]
    nature = header.index("Typ av kontrakt")
    regime = header.index("Förfarande")
    assert {r[nature] for r in lots[1:-1]} == {"tjänster"}
    assert all(r[regime].startswith(("EU-förfarande", "nationellt förfarande")) for r in lots[1:-1])
    summary = by_label(wb["Sammanfattning"])
    assert summary["Lösningens status"] == "bevisat optimal"
    assert summary["Mål för indelningen"] == "avvägning"
    assert summary["Upphandling"] == plan.scenario.name
    for value in summary.values():
        assert value not in ("optimal", "weighted", "services", "EU procedure (above threshold)")
    supp = rows_of(wb["Leverantörer per delkontrakt"])
    assert {r[2] for r in supp[1:]} <= {"ja", "nej"}


def test_numbers_are_formatted_per_value(malung):
    plan, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    ws = wb["Indata"]
    cells = {r[0].value: r[1] for r in ws.iter_rows(min_row=2) if r[0].value}
    tau = cells["Omsättningskrav (gånger årsvärdet)"]
    assert tau.value == 1.5 and tau.number_format == "0.0##"           # shows 1.5, not 2
    assert cells["Använd undantaget för små delkontrakt"].value == "ja"  # a word, not 0/1
    assert cells["Reparera ogiltiga polygoner"].value == "nej"
    per_lot = cells["Kostnad per delkontrakt (SEK)"]
    assert per_lot.value == 25000 and per_lot.number_format == "#,##0"
    assert cells["Samla varugrupper"].value == "alla kombinationer"
    summary = {r[0].value: r[1] for r in wb["Sammanfattning"].iter_rows(min_row=2) if r[0].value}
    objective = summary["Målvärde (SEK)"]
    assert objective.value == pytest.approx(plan.objective) and objective.number_format == "#,##0"
    assert summary["Lokalt tillgänglig värdeandel"].number_format == "0.0%"
    assert summary["Gap till bästa möjliga"].number_format == "0.00%"


def test_lots_sheet_matches_the_plan_and_totals_are_subtotal_formulas(malung):
    plan, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    ws = wb["Delkontrakt"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    lots, total = rows[:-1], rows[-1]
    assert [r["Delkontrakt"] for r in lots] == [l.id for l in plan.lots]
    for r, lot in zip(lots, plan.lots):
        assert r["Värde per år (SEK)"] == pytest.approx(lot.annual_value)
        assert r["Chans för lokalt anbud"] == pytest.approx(lot.local_chance)
        assert r["Chans för anbud från SME"] == pytest.approx(lot.sme_chance)
        assert r["Konkurrensens värde (SEK)"] == pytest.approx(lot.competition_value)
        assert r["Nettokostnad (SEK)"] == pytest.approx(lot.net_cost)
    assert total["Delkontrakt"] == word("sv", "total")
    n = len(lots)
    col = header.index("Värde per år (SEK)")
    letter = openpyxl.utils.get_column_letter(col + 1)
    assert total["Värde per år (SEK)"] == f"=SUBTOTAL(109,{letter}2:{letter}{n + 1})"
    cached = openpyxl.load_workbook(out / "lots.xlsx", data_only=True)["Delkontrakt"]
    assert cached.cell(row=n + 2, column=col + 1).value == pytest.approx(plan.metrics["annual_value"])
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{n + 1}"   # totals not filtered


def test_every_sheet_is_set_up_for_print_and_screen(malung):
    _, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title                    # A4
        # Fit to one page wide (1 is the file format's default, left out), as many pages down
        # as needed (0), except the one-page summary.
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        assert ws.page_setup.fitToHeight in ((None, 1) if ws.title == "Sammanfattning" else (0,)), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title                    # header row on every page
        assert ws.freeze_panes in ("A2", "B2"), ws.title
        assert ws.auto_filter.ref, ws.title
    title = wb["Delkontrakt"]["B2"]
    assert title.alignment.wrap_text                                     # long titles wrap, never cut


def test_columns_sheet_explains_every_column_including_the_new_metrics(malung):
    _, out = malung
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    rows = rows_of(wb["Kolumner"])
    assert rows[0] == ("Blad", "Kolumn", "Betydelse")
    explained = {(sheet, col): meaning for sheet, col, meaning in rows[1:]}
    for col in (c.value for c in wb["Delkontrakt"][1]):
        assert explained[("Delkontrakt", col)], col
    assert "litet eller medelstort" in explained[("Delkontrakt", "Chans för anbud från SME")]
    assert "6–8 anbud" in explained[("Delkontrakt", "Konkurrensens värde (SEK)")]
    assert all("{" not in m for m in explained.values())


def test_english_scenario_gets_english_words(tmp_path):
    plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
    write_workbook(plan, tmp_path / "lots.xlsx", date=FIXED.date())
    wb = openpyxl.load_workbook(tmp_path / "lots.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "Lots"]
    assert "Value per year (SEK)" in [c.value for c in wb["Lots"][1]]
    assert by_label(wb["Summary"])["Status of the solution"] == "proven optimal"


def test_lots_csv_has_one_meaning_per_header_no_repeated_cpv_and_no_float_noise(malung):
    plan, out = malung
    text = (out / "lots.csv").read_text("utf-8")
    df = pd.read_csv(out / "lots.csv", dtype=str, keep_default_na=False)
    assert list(df["lot_id"]) == [l.id for l in plan.lots]
    for r, lot in zip(df.to_dict("records"), plan.lots):
        assert r["area_ids"] == ";".join(lot.areas)                     # ids here …
        assert r["area_names"] == "; ".join(plan.scenario.areas.loc[a, "name"] for a in lot.areas)   # … names here
        codes = [r["main_cpv"]] + [c for c in r["additional_cpv"].split(";") if c]
        assert len(codes) == len(set(codes))                             # no CPV code twice
    for col, places in (("no_bid_chance", 6), ("local_chance", 6), ("expected_bids", 4), ("admin_cost_SEK", 2),
                        ("competition_value_SEK", 2)):
        for number in df[col]:
            float(number)
            assert "." not in number or len(number.split(".")[1]) <= places, (col, number)
    assert "99999" not in text and "00000000001" not in text
    assert float(df["annual_value_SEK"].astype(float).sum()) == pytest.approx(plan.metrics["annual_value"])


def test_fixed_decimals_drop_float_noise():
    from lotsplit.export.tables import _fixed

    assert _fixed(0.023999999999999997, 6) == "0.024"
    assert _fixed(2730000.0, 2) == "2730000"
    assert _fixed(-0.0000001, 2) == "0"
    assert _fixed(1.5, 4) == "1.5"


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice is not installed: the print layout is not rendered")
def test_workbook_converts_to_a_few_pdf_pages(malung, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    _, out = malung
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out / "lots.xlsx")],
                   check=True, capture_output=True, timeout=180)
    pages = len(pypdf.PdfReader(tmp_path / "lots.pdf").pages)
    # 8 sheets, 12 lots: one page each for the summary and the lots, a few for inputs and
    # the explanations (the English snake_case workbook printed 39 pages).
    assert 8 <= pages <= 16, pages
