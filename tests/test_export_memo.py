"""The internal decision memo: the analysis behind the annex, as estimates with their
assumptions, the alternatives, the proof, the warnings and the lawyer's checklist.
Fixture: the in-memory scenarios of ``test_export_annex``."""

from __future__ import annotations

import pytest

import lotsplit
from lotsplit.export import memo
from lotsplit.export.reasons import compare

from test_export_annex import DATE, SUPPLIERS, assignment, make_plan, make_scenario


def memo_text(plan) -> str:
    return memo.build(plan, compare(plan), date=DATE).all_text().replace("\u00a0", " ")


def blocks(plan, heading: str):
    """The blocks under the h2 ``heading``."""
    doc = memo.build(plan, compare(plan), date=DATE)
    out, on = [], False
    for b in doc.blocks:
        if b.kind == "h2":
            on = b.text == heading
        elif on:
            out.append(b)
    return out


@pytest.mark.parametrize("lang", ["sv", "da", "en"])
def test_memo_is_marked_internal_and_names_every_eligible_supplier_per_lot(lang):
    plan = make_plan(lang)
    doc = memo.build(plan, compare(plan), date=DATE)
    assert doc.internal and doc.blocks[1].kind == "banner"
    words = doc.all_text()
    for lot in plan.lots:
        for sid in lot.eligible:
            assert plan.scenario.suppliers.loc[sid, "name"] in words
    table = [b for b in doc.blocks if b.kind == "table" and len(b.header) == 2][0]
    assert [r[0].split(":")[0] for r in table.rows] == [l.id.replace("LOT-000", "") for l in plan.lots]
    assert "Norrby Traktor AB (LS)" in table.rows[0][1]          # local SME marked


def test_estimates_are_estimates_with_their_assumptions():
    words = memo_text(make_plan("sv"))
    assert "Indelningens mått (modellens uppskattningar)" in words
    assert "är planerarens antagande per leverantör (0,50–0,70)" in words
    assert "en årsomsättning på minst 2,0 gånger årsvärdet" in words
    assert "Lokal förankring får inte vara ett krav eller en tilldelningsgrund" in words
    assert "Konkurrensens värde: fler anbud antas sänka priset med upp till 10 %" in words
    assert "en procentenhet lokalt tillgänglig värdeandel värderas till 10 000 SEK" in words


def test_alternatives_compared_include_the_baselines_and_the_legacy_plan(tmp_path):
    plan = make_plan("sv")
    r = compare(plan)
    assert [a.kind for a in r.baselines] == ["single", "per_group", "finest"]
    assert r.single.plan.metrics["n_lots"] == 1 and r.per_group.plan.metrics["n_lots"] == 2
    assert r.finest.plan.metrics["n_lots"] == 8
    words = memo_text(plan)
    for name in ("Ett samlat kontrakt", "Ett delkontrakt per tjänst", "Ett delkontrakt per område och tjänst",
                 "Vald indelning"):
        assert name in words
    # A legacy plan from the scenario file is compared too.
    legacy = tmp_path / "legacy.csv"
    assignment("finest").to_csv(legacy, index=False)
    s = make_scenario("sv", baselines={"legacy": [{"name": "Anbudsområden 2022", "file": str(legacy)}]})
    r = compare(lotsplit.evaluate(s, assignment("divided")))
    assert [a.name for a in r.legacy] == ["Anbudsområden 2022"]
    assert "Tidigare indelning: Anbudsområden 2022" in memo_text(r.base)


def test_planner_conditions_are_departures_not_breaches():
    plan = make_plan("sv", "finest", rules={"max_lots": 4})
    assert plan.violations
    words = memo_text(plan)
    assert "avviker från följande villkor i underlaget (planerarens regler och mål, inte lagkrav)" in words
    assert "8 delkontrakt, villkoren tillåter högst 4" in words
    for w in ("Regelbrott", "bryter mot", "breach"):
        assert w not in words


def test_solver_proof_or_evaluated():
    s = make_scenario("sv")
    optimised = lotsplit.optimize(s)
    assert "Indelningen är bevisat bäst enligt modellen (gap 0,00 %; highs HiGHS" in memo_text(optimised)
    assert "har utvärderats, inte optimerats" in memo_text(make_plan("sv"))


def test_undivided_plan_says_when_the_authoritys_own_weights_favour_dividing():
    plan = make_plan("sv", "undivided")
    r = compare(plan)
    assert r.better_divided()                     # the fixture's weights do favour a division
    words = memo_text(plan)
    assert "enligt myndighetens egna vikter vore en uppdelning bättre än ett samlat kontrakt" in words
    assert "Myndighetens egna vikter talar för en uppdelning" in words             # ... and the checklist asks
    # A divided plan that is the best is not flagged.
    best = lotsplit.optimize(make_scenario("sv"))
    assert "Inget av de prövade alternativen ger ett bättre resultat" in memo_text(best)


def test_checklist_lists_every_reference_figure_and_field_to_verify():
    plan = make_plan("sv", "undivided")
    (check,) = [b for b in blocks(plan, "Checklista för juridisk granskning") if b.kind == "checklist"]
    items = "\n".join(check.rows).replace("\u00a0", " ")
    assert "Hänvisning: 4 kap. 14 § lagen (2016:1145) om offentlig upphandling (LOU)" in items
    assert "(sekundärkälla; källa: SKL (SKR), Q&A" in items and "Kontrollera mot lagtexten." in items
    assert "Hänvisning: 12 kap. 15 § LOU" in items
    assert "Fyll i tröskelvärdet i SEK för 2026–2027" in items
    assert "Modellen använde 2 389 585 SEK (reservvärde: 2024–2025 års belopp, inte det gällande)" in items
    assert "tilldelningsgrund, utvärderingskriterier och deras viktning" in items      # a field to fill in
    assert "artikel 58.3" in items                                                      # unverified cap
    exempt = make_plan("sv", "finest", rules={"small_lots_exemption": True, "max_lots_per_tenderer": 3,
                                              "combinations": "same_areas"}, costs={"per_lot_exempt": 5_000})
    (check,) = [b for b in blocks(exempt, "Checklista för juridisk granskning") if b.kind == "checklist"]
    items = "\n".join(check.rows).replace("\u00a0", " ")
    assert "Undantaget för små delkontrakt" in items and "(nu 2,3 %)" in items
    assert "Högsta antal delkontrakt per anbudsgivare (3)" in items
    assert "Kombinationer av delkontrakt (artikel 46.3)" in items
    assert "Hänvisning: artikel 5.10 i direktiv 2014/24/EU" in items


def test_threshold_and_exemption_in_the_summary():
    plan = make_plan("sv", "finest", rules={"small_lots_exemption": True}, costs={"per_lot_exempt": 5_000})
    words = memo_text(plan)
    assert "modellen jämförde upphandlingens värde 27 440 000 SEK med 2 389 585 SEK" in words
    assert "EU:s tröskelvärde 2026–2027: 216 000 euro" in words
    assert "de utgör 2,3 % av värdet, av högst 20 %" in words


def test_description_only_in_its_own_language():
    sv = "Vinterväghållning i fyra byområden; entreprenörerna är fiktiva och värdena är antaganden."
    plan = make_plan("sv", description=sv)
    assert sv in memo_text(plan)
    plan = make_plan("en", description=sv)
    words = memo_text(plan)
    assert sv not in words and "written in another language" in words
    assert memo.guess_language("The roads of four villages; the contractors are fictional and so are the values.") \
        == "en"


def test_memo_pdf_has_the_internal_mark_on_every_page(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    plan = make_plan("da")
    html, pdf = memo.write_memo(plan, compare(plan), tmp_path, date=DATE)
    pages = pypdf.PdfReader(pdf).pages
    assert len(pages) >= 2
    for k, page in enumerate(pages, 1):
        t = page.extract_text()
        assert "INTERNT – MÅ IKKE OFFENTLIGGØRES" in t and f"Side {k} af {len(pages)}" in t
    assert "Internt arbejdsmateriale – må ikke offentliggøres" in html.read_text("utf-8")
    assert all(n in " ".join(p.extract_text() for p in pages) for n in SUPPLIERS[1:])
