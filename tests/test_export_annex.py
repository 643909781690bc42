"""The public annex: what it says, in which words, and what it never says.

Fixture (built in memory, drawn here): four 10 km squares, two services (winter roads)
or two product groups (food), one national firm and three local SMEs.

    a1 Norrby  | a2 Österby
    -----------+-----------
    a3 Västerby| a4 Söderby        (a4 is small: its lots fit the small-lots exemption)

Plans: *divided* (one lot per area for the first group, two area pairs for the second),
*undivided* (everything in one lot), and the *finest* (one lot per area × group).
"""

from __future__ import annotations

import datetime as dt
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import lotsplit
from lotsplit.config import ScenarioConfig
from lotsplit.errors import ScenarioError
from lotsplit.export import annex, law
from lotsplit.export.reasons import compare
from lotsplit.scenario import build_scenario

DATE = dt.date(2026, 3, 1)
SUPPLIERS = ("Riksväg Drift AB", "Norrby Traktor AB", "Österby Maskin HB", "Västerby Snö & Sand")
WORDS = {
    "sv": {"names": ("Norrby", "Österby", "Västerby", "Söderby"), "groups": ("Snöröjning", "Halkbekämpning"),
           "food": ("Mejeriprodukter", "Bröd och bageriprodukter")},
    "da": {"names": ("Nordby", "Østerby", "Vesterby", "Søndersø"), "groups": ("Snerydning", "Glatførebekæmpelse"),
           "food": ("Mejeriprodukter", "Brød og bagervarer")},
    "en": {"names": ("Northby", "Eastby", "Westby", "Southby"), "groups": ("Snow clearing", "Gritting"),
           "food": ("Dairy products", "Bread")},
}
COUNTRY = {"sv": ("SE", "SEK", "SE312"), "da": ("DK", "DKK", "DK014"), "en": ("other", "EUR", "SE312")}
# Annual demand per area × group; ``scale`` moves the whole above or below the threshold.
BELOW = 0.001
"""Scale that puts the whole (27 440 000 × scale over 4 years) below the threshold in SEK, DKK and EUR."""
DEMAND = {"a1": (2_000_000, 500_000), "a2": (2_000_000, 400_000), "a3": (1_500_000, 300_000), "a4": (100_000, 60_000)}


def make_scenario(lang: str = "sv", *, scale: float = 1.0, nature: str = "services", country: str | None = None,
                  currency: str | None = None, **config) -> lotsplit.Scenario:
    c, cur, nuts = COUNTRY[lang]
    words = WORDS[lang]
    areas = gpd.GeoDataFrame({"id": ["a1", "a2", "a3", "a4"], "name": list(words["names"])},
                             geometry=[box(0, 10_000, 10_000, 20_000), box(10_000, 10_000, 20_000, 20_000),
                                       box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000)], crs="EPSG:3006")
    names = words["groups" if nature == "services" else "food"]
    cpv = ("90620000-9", "90630000-2") if nature == "services" else ("15500000-3", "15810000-9")
    groups = pd.DataFrame({"id": ["g1", "g2"], "name": list(names), "cpv": list(cpv), "nature": [nature] * 2})
    demand = pd.DataFrame([(a, g, v * scale) for a, vals in DEMAND.items() for g, v in zip(("g1", "g2"), vals)],
                          columns=["area_id", "product_group_id", "annual_value"])
    sup = [("national", SUPPLIERS[0], "a1", "g1;g2", "", 1e9, 1e10, False, False, 0.7),
           ("s1", SUPPLIERS[1], "a1", "g1;g2", "a1;a3", 6e6, 15e6, True, True, 0.6),
           ("s2", SUPPLIERS[2], "a2", "g1", "a2;a4", 6e6, 15e6, True, True, 0.5),
           ("s3", SUPPLIERS[3], "a3", "g2", "a3;a4", 3e6, 8e6, True, True, 0.5)]
    suppliers = pd.DataFrame([{"id": i, "name": n, "lon": "", "lat": "", "area_id": a, "groups": g, "reach_km": "",
                               "reach_areas": r, "capacity": cap, "turnover": t, "local": loc, "sme": sme,
                               "propensity": p} for i, n, a, g, r, cap, t, loc, sme, p in sup])
    raw = {"name": {"sv": "Vinterväghållning Testby", "da": "Vintertjeneste Testby", "en": "Winter roads Testby"}[lang],
           "language": lang, "country": country or c, "currency": currency or cur, "contract_years": 4,
           "buyer": {"sv": "Testby kommun", "da": "Testby Kommune", "en": "Testby Council"}[lang],
           "areas": {"file": "areas.gpkg", "nuts3": nuts}, "product_groups": {"file": "g.csv"},
           "demand": {"file": "d.csv"}, "suppliers": {"file": "s.csv"},
           "geography": {"min_shared_border_m": 100.0, "snap_tolerance_m": 1.0},
           "costs": {"per_lot": 25_000, "per_bid": 2_000, "per_contract_year": 8_000, "retender": 40_000},
           "rules": {"turnover_multiple": 2.0},
           "objective": {"kind": "weighted", "price_per_local_point": 10_000}}
    for key, val in config.items():
        raw[key] = {**raw[key], **val} if isinstance(val, dict) and isinstance(raw.get(key), dict) else val
    return build_scenario(ScenarioConfig.model_validate(raw), areas=areas, groups=groups, demand=demand,
                          suppliers=suppliers)


def assignment(kind: str) -> pd.DataFrame:
    rows = []
    for a in ("a1", "a2", "a3", "a4"):
        for g in ("g1", "g2"):
            if kind == "undivided":
                lot = "L"
            elif kind == "finest":
                lot = f"{a}{g}"
            elif g == "g1":
                lot = f"{a}{g}"                                   # g1: one lot per area
            else:
                lot = "g2-north" if a in ("a1", "a2") else "g2-south"
            rows.append((a, g, lot))
    ids = {lot: f"LOT-{k:04d}" for k, lot in enumerate(dict.fromkeys(r[2] for r in rows), 1)}
    return pd.DataFrame([(a, g, ids[lot]) for a, g, lot in rows], columns=["area_id", "product_group_id", "lot_id"])


def make_plan(lang: str = "sv", kind: str = "divided", **kw):
    s = make_scenario(lang, **kw)
    return lotsplit.evaluate(s, assignment(kind))


def annex_text(plan) -> str:
    """Every word of the annex, no-break spaces read as spaces."""
    return annex.build(plan, compare(plan), [], date=DATE).all_text().replace("\u00a0", " ")


# Words that are model internals, unverified notes or prices on locality: never in the annex.
INTERNAL = ["HiGHS", "optimal", "bevisat", "bevist", "proven", "status", "lotsplit", "fallback", "reservvärde",
            "modell", "model", "ej verifierad", "ikke verificeret", "unverified", "Paragrafnummer", "Regelbrott",
            "Regelbrud", "violation", "lokal", "local", "sannolikhet", "sandsynlighed", "probability", "gap",
            "procentenhet", "procentpoint", "percentage point", "(er)", "(s)"]


# --------------------------------------------------------------------------- public, in every language

@pytest.mark.parametrize("lang", ["sv", "da", "en"])
@pytest.mark.parametrize("kind", ["divided", "undivided"])
@pytest.mark.parametrize("scale", [1.0, BELOW], ids=["above", "below"])
def test_annex_names_no_supplier_and_no_model_internals(lang, kind, scale):
    plan = make_plan(lang, kind, scale=scale)
    words = annex_text(plan)
    for name in SUPPLIERS:
        assert name not in words
    for w in INTERNAL:
        assert w.lower() not in words.lower(), w
    assert not re.search(r"\bALL\b", words)                       # the evaluator's one-lot id
    assert plan.scenario.config.description not in words or not plan.scenario.config.description


@pytest.mark.parametrize("lang, heading, not_heading", [
    ("sv", "Skäl för att inte dela upp kontraktet i delkontrakt", "Skäl för indelningen"),
    ("da", "Begrundelse for ikke at opdele i delkontrakter", "Begrundelse for opdelingen"),
    ("en", "Reasons for not dividing the contract into lots", "Reasons for the division"),
])
def test_undivided_plan_gives_reasons_for_not_dividing(lang, heading, not_heading):
    plan = make_plan(lang, "undivided")
    doc = annex.build(plan, compare(plan), [], date=DATE)
    headings = [b.text for b in doc.blocks if b.kind in ("h1", "h2", "h3")]
    assert heading in headings
    words = doc.all_text()
    assert not_heading not in words
    assert not re.search(r"\b[01] (av|af|of) 1\b", words)             # no "0 av 1 delkontrakt"
    assert not re.search(r"\b1 (delkontrakt|lots?)\b", words)       # one contract is not "1 lot"
    assert {"sv": "Kontraktet delas inte upp i delkontrakt", "da": "Kontrakten opdeles ikke i delkontrakter",
            "en": "The contract is not divided into lots"}[lang] in words


@pytest.mark.parametrize("lang, duty", [("sv", "4 kap. 14 §"), ("da", "udbudslovens § 49, stk. 2"),
                                        ("en", "Article 46(1), second subparagraph")])
def test_duty_to_give_reasons_only_where_it_applies(lang, duty):
    assert duty in annex_text(make_plan(lang, "undivided"))                     # above, undivided
    assert duty not in annex_text(make_plan(lang, "undivided", scale=BELOW))     # below the threshold
    assert duty not in annex_text(make_plan(lang, "divided"))                   # divided: nothing to explain
    if lang == "sv":
        words = annex_text(make_plan("sv", "undivided"))
        assert "12 kap. 15 § LOU" in words and "4 kap. 12 §" not in words


def test_light_regime_has_no_duty_text():
    """Social and other specific services (notice subtype 20): the 750 000 EUR threshold,
    and no duty to explain not dividing."""
    plan = make_plan("da", "undivided", procedure={"notice_subtype": "20"})
    r = law.regime(plan)
    assert r.light and r.eur.value == 750_000 and r.above
    words = annex_text(plan)
    assert "sociale og andre specifikke tjenesteydelser" in words and "750.000 euro" in words
    assert "§ 49" not in words


@pytest.mark.parametrize("lang, words_above, words_below", [
    ("sv", "överstiger EU:s tröskelvärde för varor och tjänster (216 000 euro", "understiger EU:s tröskelvärde"),
    ("da", "overstiger EU's tærskelværdi for varer og tjenesteydelser (216.000 euro", "er under EU's tærskelværdi"),
    ("en", "above the EU threshold for supplies and services (EUR 216,000)", "below the EU threshold"),
])
def test_threshold_of_the_edition_and_a_field_for_the_national_figure(lang, words_above, words_below):
    above = annex_text(make_plan(lang))
    assert words_above in above and words_below not in above, above[:600]
    assert words_below in annex_text(make_plan(lang, scale=BELOW))
    if lang != "en":      # no 2026-2027 figure in SEK/DKK in the data: a field for the planner, not the old one
        cur = COUNTRY[lang][1]
        assert f"[{'motsvarande belopp' if lang == 'sv' else 'tilsvarende beløb'} i {cur} för 2026–2027]" \
            .replace("för", "för" if lang == "sv" else "for") in above
        assert "2 389 585" not in above and "1.644.638" not in above


def test_aggregation_is_cited_by_paragraph():
    assert "artikel 5.8 i direktiv 2014/24/EU" in annex_text(make_plan("sv"))                     # services
    food = annex_text(make_plan("sv", nature="supplies"))
    assert "artikel 5.9 i direktiv 2014/24/EU" in food and "artikel 5 " not in food.replace("artikel 5.", "")
    assert "Article 5(8) of Directive 2014/24/EU" in annex_text(make_plan("en"))


def test_small_lots_exemption_is_stated_with_the_share_used():
    plan = make_plan("sv", "finest", rules={"small_lots_exemption": True}, costs={"per_lot_exempt": 5_000})
    exempt = [l for l in plan.lots if l.exempt]
    assert exempt and plan.metrics["exempt_share"] <= 0.2
    words = annex_text(plan)
    share = f"{100 * plan.metrics['exempt_share']:.1f}".replace(".", ",")
    assert f"tillsammans utgör de {share} % av upphandlingens värde, av högst 20 %" in words
    assert "understiger 80 000 euro" in words
    assert "artikel 5.10 i direktiv 2014/24/EU" in words
    assert "alla delkontrakt upphandlas därför enligt reglerna över tröskelvärdet, utom delkontrakt" in words
    assert words.count("Tilldelas enligt undantaget för små delkontrakt") == len(exempt)


@pytest.mark.parametrize("lang, one, two", [("sv", "1 delkontrakt", "2 delkontrakt"),
                                            ("da", "1 delkontrakt", "2 delkontrakter"), ("en", "1 lot", "2 lots")])
def test_plurals(lang, one, two):
    from lotsplit.export.texts import ntext

    assert ntext(lang, "n_lots", 1) == one and ntext(lang, "n_lots", 2) == two
    words = annex_text(make_plan(lang, "divided", rules={"max_lots_per_tenderer": 2}))
    assert two in words
    assert not re.search(r"\w\((er|s|e|r)\)", words)


@pytest.mark.parametrize("lang, date, vat, ok", [("sv", "1 mars 2026", "exkl. moms", "Datum"),
                                                 ("da", "1. marts 2026", "ekskl. moms", "Dato"),
                                                 ("en", "1 March 2026", "excl. VAT", "Date")])
def test_dates_vat_and_numbers_the_local_way(lang, date, vat, ok):
    doc = annex.build(make_plan(lang), compare(make_plan(lang)), [], date=DATE)
    meta = dict(doc.blocks[1].rows)
    assert meta[ok] == date
    words = doc.all_text().replace("\u00a0", " ")
    assert vat in words and "2026-03-01" not in words
    per_year = {"sv": "6 860 000 SEK per år exkl. moms", "da": "6.860.000 DKK pr. år ekskl. moms",
                "en": "6,860,000 EUR per year excl. VAT"}[lang]
    assert per_year in words
    odd = annex_text(make_plan(lang, procedure={"base_years": 3.5, "extensions": [0.5]}))
    half = {"sv": "3,5 år med möjlighet till förlängning med 0,5 år", "da": "3,5 år med option på forlængelse med 0,5 år",
            "en": "3.5 years with options to extend by 0.5 years"}[lang]
    assert half in odd and ("0.5 år" not in odd)


def test_services_are_services_and_names_are_lower_case_mid_sentence():
    words = annex_text(make_plan("sv"))
    assert "Utförande av snöröjning i Norrby." in words
    assert "efter geografiskt område och tjänst" in words and "varugrupp" not in words
    food = annex_text(make_plan("sv", nature="supplies"))
    assert "Leverans av mejeriprodukter till Norrby." in food and "efter geografiskt område och varugrupp" in food
    assert "Levering af snerydning" not in annex_text(make_plan("da"))
    assert "Udførelse af snerydning i Nordby." in annex_text(make_plan("da"))


def test_period_with_options_award_criteria_cap_and_combinations():
    plan = make_plan("sv", procedure={"base_years": 2, "extensions": [1, 1], "award_criteria": "Lägsta pris."},
                     rules={"max_lots_per_tenderer": 2, "combinations": "same_groups"})
    doc = annex.build(plan, compare(plan), [], date=DATE)
    words = doc.all_text()
    assert "2 år med möjlighet till förlängning med 1 + 1 år, sammanlagt högst 4 år" in words
    assert "exkl. moms för hela avtalstiden inklusive förlängningar" in words
    assert "Tilldelningsgrund: Lägsta pris." in words
    assert "En anbudsgivare kan tilldelas högst 2 delkontrakt." in words
    assert "(artikel 46.2 andra stycket i direktiv 2014/24/EU)" in words
    assert "[regler, t.ex." in words                        # the rules are the authority's: a field to fill in
    assert "artikel 46.3 i direktiv 2014/24/EU" in words
    combos = annex.lot_combinations(plan)
    assert len(combos) == 2 and all(len({l.groups for l in g}) == 1 for g in combos)
    assert "Kombination 1:" in words
    # Without award criteria: a marked placeholder.
    bare = annex_text(make_plan("sv"))
    assert "Tilldelningsgrund: [tilldelningsgrund, utvärderingskriterier och deras viktning]" in bare
    assert "Varje delkontrakt tilldelas för sig" in bare


def test_lot_list_has_cpv_main_and_additional_without_duplicates_and_nuts():
    plan = make_plan("en", "undivided")
    words = annex_text(plan)
    assert "90620000-9 (main); 90630000-2 (additional)" in words
    s = make_scenario("en")
    s.groups.loc["g2", "cpv"] = "90620000-9"                  # the same code twice: listed once
    doc = annex.build(lotsplit.evaluate(s, assignment("undivided")), compare(make_plan("en")), [], date=DATE)
    assert "90620000-9 (main)" in doc.all_text() and "(additional)" not in doc.all_text()
    assert "SE312 (NUTS-3)" in words


def test_reasons_speak_of_smes_competition_market_and_burden():
    words = annex_text(make_plan("sv"))
    for w in ("Små och medelstora företag:", "Marknad och konkurrens:", "Administrativ börda:"):
        assert w in words
    one = annex_text(make_plan("sv", "undivided"))
    assert "Övriga skäl: [" in one                            # the authority's own reasons: a field


def test_country_currency_and_language_are_checked():
    with pytest.raises(ScenarioError) as err:
        make_scenario("sv", currency="DKK")
    assert "country SE with currency DKK" in str(err.value) and 'set currency = "SEK"' in str(err.value)
    s = make_scenario("da", country="SE", currency="SEK")
    (w,) = [p for p in s.notes if "language da" in p.message]
    assert w.severity == "warning" and w.where == "country, currency, language"
    s = make_scenario("en", currency="NOK")
    assert any("no EU threshold in NOK" in p.message for p in s.notes)


# --------------------------------------------------------------------------- the files

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    plan = make_plan("sv", rules={"max_lots_per_tenderer": 2})
    out = tmp_path_factory.mktemp("annex")
    from lotsplit.export import write_all

    write_all(plan, out, timestamp=dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc))
    return plan, out


def _pdf_text(path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(path).pages).split())


def test_no_supplier_name_in_the_public_files_and_every_name_in_the_memo(written):
    from test_export_helpers import Page

    plan, out = written
    names = list(plan.scenario.suppliers["name"])
    annex_html = Page((out / "annex.html").read_text("utf-8")).all_text
    annex_pdf = _pdf_text(out / "annex.pdf")
    memo_pdf = _pdf_text(out / "memo.pdf")
    for name in names:
        assert name not in annex_html and name not in annex_pdf, name
    assert all(n in memo_pdf for n in names[1:])              # every eligible supplier is in the memo


def test_annex_html_prints_on_a4_with_page_numbers_and_unbroken_codes(written):
    _, out = written
    html = (out / "annex.html").read_text("utf-8")
    assert "@page { size: A4;" in html and "counter(page)" in html and '"Sida " counter(page) " av "' in html
    assert "@page landscape { size: A4 landscape;" in html
    assert '<span class="nw">90620000-9</span>' in html and '<span class="nw">LOT-0001</span>' in html
    assert "break-after: avoid" in html and "break-inside: avoid" in html


def test_annex_pdf_numbers_its_pages_and_keeps_maps_at_print_size(written):
    pypdf = pytest.importorskip("pypdf")
    from lotsplit.export.maps import PRINT_MM

    _, out = written
    reader = pypdf.PdfReader(out / "annex.pdf")
    n = len(reader.pages)
    for k, page in enumerate(reader.pages, 1):
        assert f"Sida {k} av {n}" in page.extract_text()
    # Every map is placed at its printed width (the figure was drawn at that size).
    widths = []
    for page in reader.pages:
        ops = pypdf.generic.ContentStream(page.get_contents(), reader).operations
        widths += [float(args[0]) for args, op in ops if op == b"cm" and float(args[0]) > 100]
        if page.mediabox.width > page.mediabox.height:     # a map page is a landscape page
            assert page.mediabox.width == pytest.approx(841.89, abs=0.5)
    assert widths and all(w == pytest.approx(PRINT_MM[0] / 25.4 * 72, abs=0.5) for w in widths)


def pdf_font_sizes(path) -> set[float]:
    """The size (pt, after the text and graphics matrices) of every piece of text in a PDF."""
    pypdf = pytest.importorskip("pypdf")
    sizes = set()
    for page in pypdf.PdfReader(path).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
                c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
                sizes.add(round(size * abs(a * d - b * c) ** 0.5, 2))
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("name", ["annex.pdf", "memo.pdf"])
def test_no_pdf_text_below_7_pt(written, name):
    _, out = written
    sizes = pdf_font_sizes(out / name)
    assert sizes and min(sizes) >= 7.0, sorted(sizes)


def test_documents_are_deterministic(tmp_path):
    plan = make_plan("da", "undivided")
    r = compare(plan)
    a = annex.write_annex(plan, r, b"", tmp_path, date=DATE)
    first = {p.name: p.read_bytes() for p in a}
    annex.write_annex(plan, r, b"", tmp_path, date=DATE)
    assert {p.name: p.read_bytes() for p in a} == first
