"""The legal facts the annex and the memo rest on: which regime applies, the thresholds
of the edition with their status, and every legal reference with where it was checked.

Nothing here decides for the lawyer.  :func:`regime` says whether the whole is above the
EU threshold the way the engine decides it (the plan's value against the figure in the
scenario's currency) and adds what a lawyer needs to trust that: the EUR figure of the
edition, whether the national figure is this edition's or an older one (a *fallback*), and
whether the value is close enough to the threshold for that to matter.  :data:`REFERENCES`
lists each citation the documents use with its status (``verified``: the text was seen in
a retrieved source; ``secondary``: cited by a secondary source, not checked against the
statute), so the memo's checklist can name what must still be verified.

>>> from lotsplit.synthetic import grid_scenario
>>> import lotsplit
>>> r = regime(lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1)))
>>> r.above, r.eur.value, r.national.status
(True, 216000.0, 'fallback')
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

from lotsplit.plan import LotPlan

LIGHT_SUBTYPES = {"20"}
"""eForms notice subtypes of the light regime (social and other specific services)."""
CLOSE = 0.10
"""A value within this share of the threshold counts as close to it."""


@dataclass(frozen=True)
class Figure:
    """One threshold figure as ``defaults.toml`` has it."""

    value: float
    currency: str
    status: str
    edition: str
    source: str
    todo: str = ""

    @property
    def current(self) -> bool:
        """This edition's figure (not a fallback from an older edition, not derived)."""
        return self.status == "verified"


@dataclass(frozen=True)
class Regime:
    """Where the whole procurement stands against the EU threshold."""

    category: str
    """``supplies_services``, ``works`` or ``social_services`` (the light regime)."""
    total: float
    """Estimated value of all lots together over the whole contract, options included."""
    eur: Figure | None
    """The edition's threshold in EUR."""
    national: Figure | None
    """The threshold in the scenario's currency, as the data has it (may be a fallback)."""
    edition: str

    @property
    def light(self) -> bool:
        return self.category == "social_services"

    @property
    def compared(self) -> Figure | None:
        """The figure the value is compared with (the one in the scenario's currency)."""
        return self.national

    @property
    def known(self) -> bool:
        return self.compared is not None

    @property
    def above(self) -> bool:
        return self.known and self.total >= self.compared.value

    @property
    def close(self) -> bool:
        """The value is within :data:`CLOSE` of the threshold compared with, so a fallback
        figure could decide the regime wrongly."""
        return self.known and abs(self.total - self.compared.value) <= CLOSE * self.compared.value

    @property
    def duty_applies(self) -> bool:
        """The duty to give reasons for not dividing (Directive art. 46(1); LOU 4 kap. 14 §;
        udbudsloven § 49, stk. 2) applies: above the threshold and not the light regime."""
        return self.above and not self.light


@functools.lru_cache(maxsize=4)
def _raw_defaults(edition: str) -> dict:
    data = tomllib.loads(resources.files("lotsplit").joinpath("data/defaults.toml").read_text("utf-8"))
    return data.get(edition, {})


def figure(edition: str, table: str, category: str, currency: str) -> Figure | None:
    """A threshold figure of ``defaults.toml`` (``table`` ``threshold`` or ``small_lot_limit``)."""
    entry = _raw_defaults(edition).get(table, {}).get(category, {}).get(currency)
    if entry is None:
        return None
    return Figure(float(entry["value"]), currency, entry["status"], entry.get("edition", ""), entry["source"],
                  entry.get("todo", ""))


def edition_years(edition: str) -> str:
    """``2026`` -> ``2026–2027`` (from the edition's ``valid`` field when it has one)."""
    valid = _raw_defaults(edition).get("valid", "")
    parts = [p.strip()[:4] for p in valid.split(" to ")] if valid else []
    return "–".join(parts) if len(parts) == 2 else edition


def is_light(plan: LotPlan) -> bool:
    return (plan.scenario.config.procedure.notice_subtype or "") in LIGHT_SUBTYPES


def regime(plan: LotPlan) -> Regime:
    s = plan.scenario
    if is_light(plan):
        category = "social_services"
    else:
        category = "works" if s.main_nature == "works" else "supplies_services"
    ed = s.defaults.edition
    return Regime(category, float(plan.metrics["contract_value"]), figure(ed, "threshold", category, "EUR"),
                  figure(ed, "threshold", category, s.currency), edition_years(ed))


def small_lot_limit(plan: LotPlan, currency: str | None = None) -> Figure | None:
    s = plan.scenario
    category = "works" if s.main_nature == "works" else "supplies_services"
    return figure(s.defaults.edition, "small_lot_limit", category, currency or s.currency)


def aggregation_article(plan: LotPlan) -> str:
    """Which paragraph of art. 5 aggregates the lots: 5(8) for works and services, 5(9)
    for supplies (``"8"``, ``"9"`` or ``"8+9"`` when both natures are in the plan)."""
    natures = set(plan.scenario.groups.loc[[g for l in plan.lots for g in l.groups], "nature"])
    paras = sorted({"9" if n == "supplies" else "8" for n in natures}) or ["9"]
    return "+".join(paras)


# --------------------------------------------------------------------------- references

@dataclass(frozen=True)
class Reference:
    key: str
    cite: dict[str, str]
    """How the documents cite it, per language."""
    subject: dict[str, str]
    """What it says, per language (for the memo's list)."""
    status: str
    """``verified`` or ``secondary`` (see the module docstring)."""
    source: str


def _r(key, sv, da, en, subject, status, source):
    return Reference(key, {"sv": sv, "da": da, "en": en}, subject, status, source)


_SUBJ = {
    "agg": {"sv": "delkontraktens sammanlagda värde avgör om direktivet gäller",
            "da": "delkontrakternes samlede værdi afgør, om direktivet gælder",
            "en": "the aggregate value of all lots decides whether the Directive applies"},
    "small": {"sv": "undantaget för små delkontrakt (under 80 000 euro, högst 20 % av värdet)",
              "da": "undtagelsen for små delkontrakter (under 80 000 euro, højst 20 % af værdien)",
              "en": "the small-lots exemption (under EUR 80 000, at most 20 % of the value)"},
    "reasons": {"sv": "skälen för att inte dela upp ska anges i upphandlingsdokumenten eller den individuella rapporten",
                "da": "begrundelsen for ikke at opdele skal angives i udbudsmaterialet eller den individuelle rapport",
                "en": "reasons for not dividing go in the procurement documents or the individual report"},
    "bids": {"sv": "annonsen anger om anbud får lämnas för ett, flera eller alla delkontrakt",
             "da": "bekendtgørelsen angiver, om der kan bydes på én, flere eller alle delkontrakter",
             "en": "the notice says whether tenders may be submitted for one, several or all lots"},
    "cap": {"sv": "högsta antal delkontrakt per anbudsgivare anges i annonsen; reglerna för vilka delkontrakt som då tilldelas anges i upphandlingsdokumenten",
            "da": "højeste antal delkontrakter pr. tilbudsgiver angives i bekendtgørelsen; reglerne for, hvilke delkontrakter der så tildeles, angives i udbudsdokumenterne",
            "en": "the maximum lots per tenderer is stated in the notice; the rules for which lots are then awarded go in the procurement documents"},
    "comb": {"sv": "tilldelning av kombinationer av delkontrakt, om annonsen förbehållit det (en möjlighet för medlemsstaterna)",
             "da": "tildeling af kombinationer af delkontrakter, hvis bekendtgørelsen har taget forbehold herfor (en mulighed for medlemsstaterne)",
             "en": "awarding combinations of lots, where the notice reserved it (an option for Member States)"},
    "report": {"sv": "den individuella rapporten", "da": "den individuelle rapport", "en": "the individual report"},
}

REFERENCES = {r.key: r for r in (
    _r("dir_5_8", "artikel 5.8 i direktiv 2014/24/EU", "artikel 5, stk. 8, i direktiv 2014/24/EU",
       "Article 5(8) of Directive 2014/24/EU", _SUBJ["agg"], "verified",
       "Directive 2014/24/EU art. 5 (aggregation of lots: works and services 5(8), supplies 5(9)); domain facts §2, lexnet.dk"),
    _r("dir_5_9", "artikel 5.9 i direktiv 2014/24/EU", "artikel 5, stk. 9, i direktiv 2014/24/EU",
       "Article 5(9) of Directive 2014/24/EU", _SUBJ["agg"], "verified", "as art. 5(8)"),
    _r("dir_5_10", "artikel 5.10 i direktiv 2014/24/EU", "artikel 5, stk. 10, i direktiv 2014/24/EU",
       "Article 5(10) of Directive 2014/24/EU", _SUBJ["small"], "verified",
       "Directive 2014/24/EU art. 5(10); lexnet.dk Nordic Procurement c3-9.5.a.3; tenderradar.io"),
    _r("dir_46_1", "artikel 46.1 andra stycket i direktiv 2014/24/EU",
       "artikel 46, stk. 1, andet afsnit, i direktiv 2014/24/EU",
       "Article 46(1), second subparagraph, of Directive 2014/24/EU", _SUBJ["reasons"], "verified",
       "legislation.gov.uk/eudr/2014/24/article/46"),
    _r("dir_46_2_1", "artikel 46.2 första stycket i direktiv 2014/24/EU",
       "artikel 46, stk. 2, første afsnit, i direktiv 2014/24/EU",
       "Article 46(2), first subparagraph, of Directive 2014/24/EU", _SUBJ["bids"], "verified",
       "legislation.gov.uk/eudr/2014/24/article/46"),
    _r("dir_46_2_2", "artikel 46.2 andra stycket i direktiv 2014/24/EU",
       "artikel 46, stk. 2, andet afsnit, i direktiv 2014/24/EU",
       "Article 46(2), second subparagraph, of Directive 2014/24/EU", _SUBJ["cap"], "verified",
       "legislation.gov.uk/eudr/2014/24/article/46"),
    _r("dir_46_3", "artikel 46.3 i direktiv 2014/24/EU", "artikel 46, stk. 3, i direktiv 2014/24/EU",
       "Article 46(3) of Directive 2014/24/EU", _SUBJ["comb"], "verified",
       "legislation.gov.uk/eudr/2014/24/article/46"),
    _r("lou_4_14", "4 kap. 14 § lagen (2016:1145) om offentlig upphandling (LOU)",
       "4 kap. 14 § i den svenske lov om offentlig upphandling (LOU, 2016:1145)",
       "chapter 4 section 14 of the Swedish Public Procurement Act (LOU, 2016:1145)", _SUBJ["reasons"],
       "secondary", "SKL (SKR), Q&A 'Har skyldigheten att motivera…'; Upphandlingsmyndigheten, frågeportalen "
       "1452204: 4 kap. 13–17 §§"),
    _r("lou_12_15", "12 kap. 15 § LOU", "12 kap. 15 § LOU", "chapter 12 section 15 LOU", _SUBJ["report"],
       "secondary", "SKL (SKR), Q&A 'Har skyldigheten att motivera…'"),
    _r("ubl_49_2", "49 § stk. 2 i den danska udbudsloven", "udbudslovens § 49, stk. 2",
       "section 49(2) of the Danish Public Procurement Act (udbudsloven)", _SUBJ["reasons"], "verified",
       "quoted by A-2, 'Opdel din kontrakt – eller forklar dig!' (a-2.dk); KFST FAQ 'opdel eller forklar'"),
)}


def cite(key: str, lang: str) -> str:
    return REFERENCES[key].cite.get(lang) or REFERENCES[key].cite["en"]
