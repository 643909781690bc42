"""The frontier chart (``frontier.png``) and ``summary.txt`` in the scenario's language.
Fixture: the in-memory scenarios of ``test_export_annex``."""

from __future__ import annotations

import pytest

from lotsplit.frontier import frontier

from test_export_annex import make_scenario


@pytest.fixture(scope="module")
def fronts():
    return {lang: frontier(make_scenario(lang), points=None) for lang in ("sv", "da", "en")}


@pytest.mark.parametrize("lang, head, cheapest, verdict_words", [
    ("sv", "Exakt Paretofront för Vinterväghållning Testby", "  billigast: ",
     ("på fronten", "innanför fronten", "avviker från", "bortom fronten")),
    ("da", "Eksakt Paretofront for Vintertjeneste Testby", "  billigst: ",
     ("på fronten", "inden for fronten", "afviger fra", "ud over fronten")),
    ("en", "Exact Pareto frontier of Winter roads Testby", "  cheapest: ",
     ("on the frontier", "inside the frontier", "breaks", "beyond the frontier")),
])
def test_summary_is_in_the_scenarios_language(fronts, lang, head, cheapest, verdict_words):
    f = fronts[lang]
    text = f.describe()
    lines = text.splitlines()
    assert lines[0].startswith(head) and lines[1].startswith(cheapest)
    for b in f.baselines:
        assert b.verdict.startswith(verdict_words), b.verdict
    if lang != "en":
        for w in ("cheapest", "most local", "local share", "lot(s)", "breaks", "net cost"):
            assert w not in text, w
    assert "(s)" not in text and "(er)" not in text


def test_chart_is_labelled_in_the_scenarios_language(fronts, tmp_path):
    fig = fronts["sv"].plot()
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("lokalt tillgänglig värdeandel (%)")
    assert ax.get_ylabel().startswith("nettokostnad under avtalstiden (SEK)")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "ett samlat kontrakt" in labels and "ett delkontrakt per tjänst: 2 delkontrakt" in labels
    assert any(l.startswith("indelning på fronten (bevisad)") for l in labels)
    assert "Exakt Paretofront" in ax.get_title() or "exakt Paretofront" in ax.get_title()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert not any("," in t for t in ticks)                 # thousands by space in Swedish, never a comma
    out = fronts["da"].write(tmp_path / "fr")
    assert (out / "summary.txt").read_text("utf-8").startswith("Eksakt Paretofront for Vintertjeneste Testby")
    assert (out / "frontier.png").stat().st_size > 10_000
