"""Every export file, read back with an independent reader and checked against the plan.

Fixture: the 2 × 3 synthetic grid (10 km squares in EPSG:3006, 2 groups, 6 suppliers).
"""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET

import pandas as pd
import pyogrio
import pytest

import lotsplit
from lotsplit.export import write_all
from lotsplit.synthetic import grid_scenario

from test_export_helpers import CORE_FILES, FIXED, ROOT, Page

openpyxl = pytest.importorskip("openpyxl")
pypdf = pytest.importorskip("pypdf")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    plan = lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))
    out = tmp_path_factory.mktemp("grid")
    written = write_all(plan, out, command=["lotsplit", "run", "grid"], timestamp=FIXED)
    return plan, out, written


def test_every_file_is_written(exported):
    plan, out, written = exported
    assert {p.name for p in written} == CORE_FILES
    assert {p.name for p in out.iterdir()} == CORE_FILES


def test_workbook_matches_plan(exported):
    # The workbook's words, formats and print setup: tests/test_workbook_lots.py.
    plan, out, _ = exported
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    assert wb.sheetnames == ["Summary", "Lots", "Areas per lot", "Suppliers per lot", "Inputs", "Product groups",
                             "Suppliers", "Columns"]
    for ws in wb.worksheets:
        assert ws.freeze_panes in ("A2", "B2"), ws.title
        assert ws.auto_filter.ref, ws.title
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Procurement"] == plan.scenario.name
    assert summary["Status of the solution"] == "proven optimal"
    assert summary["Date"].date().isoformat() == "2026-03-01"
    assert summary["Number of lots"] == len(plan.lots)
    assert summary["Administrative cost (SEK)"] == pytest.approx(plan.metrics["admin_cost"])
    ws = wb["Lots"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, max_row=len(plan.lots) + 1, values_only=True)]
    assert [r["Lot"] for r in rows] == [l.id for l in plan.lots]
    for r, lot in zip(rows, plan.lots):
        assert r["Value per year (SEK)"] == pytest.approx(lot.annual_value)
        assert r["Value over the whole contract (SEK)"] == pytest.approx(lot.contract_value)
        assert r["Chance of a local bid"] == pytest.approx(lot.local_chance)
        assert r["Eligible suppliers (number)"] == lot.n_eligible
    value_col = header.index("Value per year (SEK)") + 1
    assert "#,##0" in ws.cell(row=2, column=value_col).number_format
    assert "%" in ws.cell(row=2, column=header.index("Chance of a local bid") + 1).number_format
    areas = list(wb["Areas per lot"].iter_rows(min_row=2, values_only=True))
    assert len(areas) == sum(len(l.areas) for l in plan.lots) + 1           # + the totals row
    sup = list(wb["Suppliers per lot"].iter_rows(min_row=2, values_only=True))
    assert len(sup) == sum(l.n_eligible for l in plan.lots)


def test_csv_tables(exported):
    plan, out, _ = exported
    a = pd.read_csv(out / "assignment.csv", dtype=str)
    pd.testing.assert_frame_equal(a, plan.assignment.astype(str))
    lots = pd.read_csv(out / "lots.csv")
    assert list(lots["lot_id"]) == [l.id for l in plan.lots]


def test_geopackage_layers(exported):
    plan, out, _ = exported
    path = out / "lots.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers = {name for name, _ in pyogrio.list_layers(path)}
        assert layers == {"areas", "lots", "adjacency"}
        lots = pyogrio.read_dataframe(path, layer="lots")
        areas = pyogrio.read_dataframe(path, layer="areas")
        adj = pyogrio.read_dataframe(path, layer="adjacency")
    assert lots.crs.to_epsg() == 3006 and areas.crs.to_epsg() == 3006
    assert list(lots["lot_id"]) == [l.id for l in plan.lots]
    for _, row in lots.iterrows():
        lot = next(l for l in plan.lots if l.id == row["lot_id"])
        # Dissolved: the lot's area is the sum of its 10 km squares.
        assert row.geometry.area == pytest.approx(len(lot.areas) * 1e8, rel=1e-6)
        assert row["annual_value_SEK"] == pytest.approx(lot.annual_value)
    assert len(areas) == 6 and set(areas["area_id"]) == set(plan.scenario.areas.index)
    for _, row in areas.iterrows():
        for g in plan.scenario.groups.index:
            lot = next(l for l in plan.lots if row["area_id"] in l.areas and g in l.groups)
            assert row[f"lot_{g}"] == lot.id
    assert len(adj) == plan.scenario.graph.number_of_edges()
    assert not adj["added"].any()
    assert (adj["shared_m"] > 9_000).all()
    info = pyogrio.read_info(path, layer="lots")
    assert info["geometry_type"] == "MultiPolygon"


def test_geojson_is_rfc7946(exported):
    plan, out, _ = exported
    doc = json.loads((out / "lots.geojson").read_text("utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert [f["properties"]["lot_id"] for f in doc["features"]] == [l.id for l in plan.lots]
    import shapely
    from shapely.geometry import shape

    for f in doc["features"]:
        g = shape(f["geometry"])
        minx, miny, maxx, maxy = g.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        for poly in getattr(g, "geoms", [g]):
            assert poly.exterior.is_ccw            # right-hand rule
            assert all(not r.is_ccw for r in poly.interiors)
        assert shapely.is_valid(g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf = pyogrio.read_dataframe(out / "lots.geojson")
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == len(plan.lots)


def test_static_maps_open(exported):
    _, out, _ = exported
    from PIL import Image

    with Image.open(out / "map.png") as im:
        assert im.format == "PNG" and im.width > 1000
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000)
        assert len(colours) > 20                      # a picture, not a blank page
    root = ET.parse(out / "map.svg").getroot()
    assert root.tag.endswith("svg")
    reader = pypdf.PdfReader(out / "map.pdf")
    assert len(reader.pages) == 1


def test_webmap_is_self_contained(exported):
    plan, out, _ = exported
    html = (out / "map.html").read_text("utf-8")
    page = Page(html)
    assert not [u for u in page.urls if u], "map.html must reference nothing"
    assert not [t for t, a in page.tags if t in ("link", "iframe", "object", "embed", "img", "base")]
    assert all("src" not in a for t, a in page.tags if t == "script")
    assert not re.search(r"url\((?!#lot-style-\d+\))", html) and "@import" not in html   # url(#…): a pattern in the page
    assert not re.search(r"(?i)\b(?:https?|ftp|wss?):|//[a-z0-9-]+\.[a-z]", html), "no URL in the page"
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    data = json.loads(next(s for s in page.scripts if s.lstrip().startswith("{")))
    assert set(data["lots"]) == {l.id for l in plan.lots}
    assert len([t for t, a in page.tags if t == "path" and a.get("class") == "area"]) == 6


def test_annex_html_and_pdf(exported):
    plan, out, _ = exported
    page = Page((out / "annex.html").read_text("utf-8"))
    assert not page.scripts
    assert all(u.startswith("data:image/png;base64,") for u in page.urls)
    text = page.all_text
    for lot in plan.lots:
        assert lot.id in text
    assert "Directive 2014/24/EU" in text and "Article 46" in text
    reader = pypdf.PdfReader(out / "annex.pdf")
    pdf_text = " ".join(p.extract_text() for p in reader.pages)
    assert "Annex – Division of the procurement into lots" in pdf_text
    for lot in plan.lots:
        assert lot.id in pdf_text
    fonts = {str(f.get("/BaseFont")) for p in reader.pages for f in (p["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()]}
    assert any("DejaVu" in f for f in fonts)
    assert reader.metadata.creation_date.date().isoformat() == "2026-03-01"


def test_manifest(exported):
    plan, out, written = exported
    from lotsplit.export.common import sha256_file

    m = json.loads((out / "manifest.json").read_text("utf-8"))
    assert m["command"] == ["lotsplit", "run", "grid"]
    assert m["created"] == "2026-03-01T12:00:00Z"
    assert m["outcome"]["status"] == plan.outcome.status.value and "seconds" in m["outcome"]
    assert m["scenario"]["config"]["name"] == plan.scenario.name
    assert m["versions"]["lotsplit"] and m["versions"]["highspy"]
    listed = {f["path"]: f["sha256"] for f in m["files"]}
    assert set(listed) == CORE_FILES - {"manifest.json"}
    for name, digest in listed.items():
        assert sha256_file(out / name) == digest


def test_manifest_inputs_of_a_scenario_file(tmp_path):
    """A scenario from files: every input hashed, paths relative to the scenario file."""
    from test_export_helpers import HOSTILE
    from lotsplit.export.common import sha256_file
    from lotsplit.export.manifest import inputs

    s = lotsplit.load_scenario(HOSTILE)
    plan = lotsplit.evaluate(s, pd.DataFrame({"area_id": ["a1", "a2", "b1", "bø"] * 2,
                                              "product_group_id": ["dairy"] * 4 + ["bread"] * 4, "lot_id": "X"}))
    rows = {r["role"]: r for r in inputs(plan)}
    assert set(rows) == {"scenario", "areas", "product_groups", "demand", "suppliers"}
    assert rows["scenario"]["path"] == "scenario.toml" and rows["areas"]["path"] == "areas.geojson"
    assert rows["suppliers"]["sha256"] == sha256_file(HOSTILE.parent / "suppliers.csv")


def test_no_machine_path_in_the_resolved_scenario():
    """The resolved scenario (manifest, workbook Inputs) names every file relative to the
    scenario file, legacy plans included."""
    from lotsplit.export.xlsx import config_dump

    s = lotsplit.load_scenario(ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml")
    plan = lotsplit.evaluate(s, pd.read_csv(ROOT / "scenarios" / "malung-salen-winter" / "legacy-2022.csv", dtype=str))
    text = json.dumps(config_dump(plan), ensure_ascii=False)
    assert str(ROOT) not in text
    assert [x["file"] for x in config_dump(plan)["baselines"]["legacy"]] == ["legacy-2022.csv"]


@pytest.mark.parametrize("columns", [2, 6, 9])
def test_annex_table_columns_fit_their_longest_word(columns):
    """PDF annex tables: every column is at least as wide as its longest word as printed
    (bold in the header), so fpdf never breaks a word; the columns fill the text width."""
    from fpdf import FPDF

    from lotsplit.export import common as C
    from lotsplit.export.document import col_widths

    pdf = FPDF(format="A4", unit="mm")
    for style, f in C.dejavu_fonts().items():
        pdf.add_font("DejaVu", style, str(f))
    pdf.add_page()
    pdf.set_font("DejaVu", "", 8.5)
    header = ["Alternativ", "Antal delkontrakt", "Adm. kostnad (SEK)", "Lokalt tillgänglig andel",
              "Minsta antal möjliga anbudsgivare", "Regelbrott", "Kolumn", "Varugrupper", "Områden"][:columns]
    rows = [["Finast möjliga indelning: ett delkontrakt per område och varugrupp (105 delkontrakt)", "105",
             "9 280 258", "40,4 %", "2", "1", "x", "Mejeriprodukter", "Malung-Sälen"][:columns]] * 3
    widths = col_widths(pdf, header, rows, columns, pdf.epw)
    assert sum(widths) == pytest.approx(pdf.epw) or sum(widths) > pdf.epw
    for j, w in enumerate(widths):
        pdf.set_font("DejaVu", "B", 8.5)
        head_word = max(pdf.get_string_width(x) for x in header[j].split())
        pdf.set_font("DejaVu", "", 8.5)
        body_word = max(pdf.get_string_width(x) for r in rows for x in r[j].split())
        assert w >= max(head_word, body_word) + 2, (header[j], w)


def test_rule_violations_are_worded_in_the_scenarios_language():
    """The annex quotes broken rules in the scenario's language, with local number format;
    every violation code the evaluator emits has a text in every language."""
    from lotsplit.frontier.baselines import per_cell_assignment
    from lotsplit.export.memo import violation_text
    from lotsplit.export.texts import LANGS, T

    s = lotsplit.load_scenario(ROOT / "scenarios" / "dalarna-food" / "scenario.toml")
    plan = lotsplit.evaluate(s, per_cell_assignment(s))
    (v,) = [v for v in plan.violations if v.code == "many_lots"]
    assert str(v) == f"{len(plan.lots)} lots, the rules allow at most 30"
    assert violation_text(plan, v) == f"{len(plan.lots)} delkontrakt, villkoren tillåter högst 30"
    source = "".join((ROOT / "src" / "lotsplit" / f).read_text("utf-8") for f in ("plan.py", "model/rules.py"))
    codes = set(re.findall(r'Violation\(\s*f?"[^"]*"(?:\s*f?"[^"]*")*,\s*"(\w+)"', source))
    assert len(codes) >= 19
    for code in codes:
        assert set(T[f"violation_{code}"]) == set(LANGS), code
