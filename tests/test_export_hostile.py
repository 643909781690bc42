"""Hostile names (formulas, HTML/script, quotes, emoji, å/ø) come out of every export as
plain text: never a formula, a link, markup or script.  Fixture: tests/fixtures/hostile/."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET

import pytest

import lotsplit
from lotsplit.export import write_all

from test_export_helpers import FIXED, HOSTILE, Page

openpyxl = pytest.importorskip("openpyxl")
pypdf = pytest.importorskip("pypdf")

AREA_NAMES = ["=cmd|' /C calc'!A0", '<script>alert("x")</script>', 'Rønne & Åkirkeby "quoted"', "🥛 Mælkeområdet æøå"]
SUPPLIER_NAMES = ["@SUM(1+1)*cmd|' /C calc'!A0", "+45 Bageri ÆØÅ", "Mejeri 🐄 </script><script>alert(1)</script>",
                  "-2+3 Økologisk ApS"]
GROUP_NAMES = ['=HYPERLINK("http://evil.example","klik")', "<img src=x onerror=alert(1)>Brød & kager"]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    plan = lotsplit.optimize(lotsplit.load_scenario(HOSTILE))
    out = tmp_path_factory.mktemp("hostile")
    write_all(plan, out, timestamp=FIXED)
    return plan, out


def test_fixture_is_hostile(exported):
    plan, _ = exported
    s = plan.scenario
    assert sorted(s.areas["name"]) == sorted(AREA_NAMES)
    assert set(SUPPLIER_NAMES) <= set(s.suppliers["name"])
    assert plan.scenario.config.language == "da" and plan.scenario.config.rules.max_lots_per_tenderer == 2


def test_workbook_keeps_text_as_text(exported):
    plan, out = exported
    wb = openpyxl.load_workbook(out / "lots.xlsx")
    seen = set()
    total = re.compile(r"^=SUBTOTAL\(109,([A-Z]+)2:\1(\d+)\)$")   # lotsplit's own totals rows, nothing else
    for ws in wb.worksheets:
        assert not ws._hyperlinks, f"{ws.title} has hyperlinks"
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    m = total.match(str(cell.value))
                    assert m and int(m.group(2)) == cell.row - 1, f"{ws.title}!{cell.coordinate}: {cell.value!r}"
                elif isinstance(cell.value, str):
                    seen.add(cell.value)
    for name in AREA_NAMES + SUPPLIER_NAMES:
        assert name in seen, name
    assert GROUP_NAMES[0] in seen
    summary = {r[0]: r[1] for r in wb["Oversigt"].iter_rows(min_row=2, values_only=True)}   # Danish scenario
    assert summary["Udbud"] == plan.scenario.name
    assert summary["Ordregiver"] == plan.scenario.config.buyer.name


def test_lots_csv_is_neutralised_and_assignment_exact(exported):
    plan, out = exported
    with open(out / "lots.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "@")), v
    assert any(r["area_names"] == "'=cmd|' /C calc'!A0" for r in rows)
    with open(out / "assignment.csv", encoding="utf-8", newline="") as f:
        a = list(csv.DictReader(f))
    assert {r["area_id"] for r in a} == {"a1", "a2", "b1", "bø"}


@pytest.mark.parametrize("name", ["map.html", "annex.html", "memo.html"])
def test_html_has_only_our_markup(exported, name):
    plan, out = exported
    html = (out / name).read_text("utf-8")
    page = Page(html)
    tags = [t for t, _ in page.tags]
    assert "img" not in tags or name == "annex.html"
    if name == "annex.html":
        imgs = [a for t, a in page.tags if t == "img"]
        assert len(imgs) == 2 and all(i["src"].startswith("data:image/png;base64,") for i in imgs)   # one map per group
    assert tags.count("script") == (2 if name == "map.html" else 0)
    assert not [a for t, a in page.tags for k in a if k.startswith("on")], "no event-handler attributes"
    assert not [u for u in page.urls if u and not u.startswith("data:image/png;base64,")]
    text = page.all_text
    for s in AREA_NAMES[:3] + [plan.scenario.name]:
        assert s in text, s
    if name == "annex.html":
        for s in SUPPLIER_NAMES:                           # public: no supplier is named
            assert s not in text
        assert "højst få tildelt 2 delkontrakter" in text     # max_lots_per_tenderer
        assert "artikel 46, stk. 2, andet afsnit" in text     # ... with the rules the documents must give
    elif name == "memo.html":
        for s in SUPPLIER_NAMES:                           # internal: every eligible supplier named
            assert s in text, s
    else:
        data = json.loads(next(s for s in page.scripts if s.lstrip().startswith("{")))
        assert SUPPLIER_NAMES[2] + " (lokal)" in [e for l in data["lots"].values() for e in l["eligible"]]
        assert "</script>" not in page.scripts[0]


def test_pdf_text_round_trips(exported):
    _, out = exported
    annex = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(out / "annex.pdf").pages).split())
    memo = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(out / "memo.pdf").pages).split())
    for s in ("Rønne & Åkirkeby", "Mælkeområdet æøå", "Bilag – Opdeling af udbuddet i delkontrakter",
              "artikel 46, stk. 2, andet afsnit"):
        assert s in annex, s
    assert "+45 Bageri ÆØÅ" in memo and "+45 Bageri ÆØÅ" not in annex
    assert "? Mælkeområdet" in annex              # the emoji has no glyph in DejaVu: replaced, not dropped


def test_geodata_and_xml_keep_names(exported):
    import pyogrio

    _, out = exported
    areas = pyogrio.read_dataframe(out / "lots.gpkg", layer="areas")
    assert sorted(areas["name"]) == sorted(AREA_NAMES)
    assert areas.crs.to_epsg() == 25833
    doc = json.loads((out / "lots.geojson").read_text("utf-8"))
    assert any("Rønne & Åkirkeby" in f["properties"]["areas"] for f in doc["features"])
    root = ET.parse(out / "eforms_notice.xml").getroot()
    names = [e.text for e in root.iter("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}Name")]
    assert any(GROUP_NAMES[1] in (n or "") for n in names)
