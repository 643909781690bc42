"""Words of the exports in Swedish, Danish and English, and the grammar they need.

``text(lang, key, **values)`` is the one entry point; ``ntext`` picks the singular or the
plural (``1 delkontrakt`` / ``2 delkontrakter`` in Danish, ``1 lot`` / ``2 lots``), and the
helpers below format what a sentence needs in each language: dates (``1 mars 2026``,
``1. marts 2026``, ``1 March 2026``), years with a decimal comma, lists joined with
"och"/"og"/"and", names in lower case mid-sentence and the words for the nature of a
contract (services are *tjänster*, not *varugrupper*).

The catalogue is split by document: this module holds the shared words, the maps, the web
map, the workbook and the rule texts; :mod:`~lotsplit.export.texts_annex` the public annex,
:mod:`~lotsplit.export.texts_memo` the internal memo and the frontier report.  An entry is
``{lang: text}`` or, when it depends on a count, ``{lang: (singular, plural)}``.

>>> ntext("da", "n_lots", 2)
'2 delkontrakter'
>>> date_text("sv", dt.date(2026, 3, 1))
'1 mars 2026'
"""

from __future__ import annotations

import datetime as dt

LANGS = ("sv", "da", "en")

Entry = dict[str, "str | tuple[str, str]"]

T: dict[str, Entry] = {
    # ---------------------------------------------------------------- counted words
    "n_lots": {"sv": ("{n} delkontrakt", "{n} delkontrakt"), "da": ("{n} delkontrakt", "{n} delkontrakter"),
               "en": ("{n} lot", "{n} lots")},
    "n_areas": {"sv": ("{n} område", "{n} områden"), "da": ("{n} område", "{n} områder"),
                "en": ("{n} area", "{n} areas")},
    "n_suppliers": {"sv": ("{n} leverantör", "{n} leverantörer"), "da": ("{n} leverandør", "{n} leverandører"),
                    "en": ("{n} supplier", "{n} suppliers")},
    "n_years": {"sv": ("{n} år", "{n} år"), "da": ("{n} år", "{n} år"), "en": ("{n} year", "{n} years")},
    "n_alternatives": {"sv": ("{n} alternativ", "{n} alternativ"), "da": ("{n} alternativ", "{n} alternativer"),
                       "en": ("{n} alternative", "{n} alternatives")},
    "n_points": {"sv": ("{n} procentenhet", "{n} procentenheter"), "da": ("{n} procentpoint", "{n} procentpoint"),
                 "en": ("{n} percentage point", "{n} percentage points")},
    "n_bids": {"sv": ("{n} anbud", "{n} anbud"), "da": ("{n} tilbud", "{n} tilbud"), "en": ("{n} bid", "{n} bids")},
    # ---------------------------------------------------------------- contract nature
    "nature_supplies": {"sv": "Varor", "da": "Varer", "en": "Supplies"},
    "nature_services": {"sv": "Tjänster", "da": "Tjenesteydelser", "en": "Services"},
    "nature_works": {"sv": "Byggentreprenad", "da": "Bygge- og anlægsarbejder", "en": "Works"},
    # What one product group is called, by nature (singular, plural).
    "kind_supplies": {"sv": ("varugrupp", "varugrupper"), "da": ("varegruppe", "varegrupper"),
                      "en": ("product group", "product groups")},
    "kind_services": {"sv": ("tjänst", "tjänster"), "da": ("tjenesteydelse", "tjenesteydelser"),
                      "en": ("service", "services")},
    "kind_works": {"sv": ("arbete", "arbeten"), "da": ("arbejde", "arbejder"), "en": ("works item", "works items")},
    # ---------------------------------------------------------------- generic
    "lot": {"sv": "Delkontrakt", "da": "Delkontrakt", "en": "Lot"},
    "per_year": {"sv": "per år", "da": "pr. år", "en": "per year"},
    "excl_vat": {"sv": "exkl. moms", "da": "ekskl. moms", "en": "excl. VAT"},
    "areas_short": {"sv": "{first} m.fl. ({n} områden)", "da": "{first} m.fl. ({n} områder)",
                    "en": "{first} and others ({n} areas)"},
    "and": {"sv": "och", "da": "og", "en": "and"},
    "or": {"sv": "eller", "da": "eller", "en": "or"},
    "and_also": {"sv": "samt", "da": "samt", "en": "as well as"},
    "none": {"sv": "ingen", "da": "ingen", "en": "none"},
    "yes": {"sv": "ja", "da": "ja", "en": "yes"},
    "no": {"sv": "nej", "da": "nej", "en": "no"},
    "page": {"sv": "Sida {p} av {n}", "da": "Side {p} af {n}", "en": "Page {p} of {n}"},
    "date": {"sv": "Datum", "da": "Dato", "en": "Date"},
    # ---------------------------------------------------------------- maps
    "map_title": {"sv": ("{name}: {n} delkontrakt", "{name}: {n} delkontrakt"),
                  "da": ("{name}: {n} delkontrakt", "{name}: {n} delkontrakter"),
                  "en": ("{name}: {n} lot", "{name}: {n} lots")},
    "map_title_groups": {"sv": ("{name}: {n} delkontrakt, en karta per {kind}",
                                "{name}: {n} delkontrakt, en karta per {kind}"),
                         "da": ("{name}: {n} delkontrakt, ét kort pr. {kind}",
                                "{name}: {n} delkontrakter, ét kort pr. {kind}"),
                         "en": ("{name}: {n} lot, one map per {kind}", "{name}: {n} lots, one map per {kind}")},
    "map_caption": {"sv": "Karta {k} av {n}: {lots} för {groups}", "da": "Kort {k} af {n}: {lots} for {groups}",
                    "en": "Map {k} of {n}: {lots} for {groups}"},
    "map_caption_one": {"sv": "Karta: {lots} för {groups}", "da": "Kort: {lots} for {groups}",
                        "en": "Map: {lots} for {groups}"},
    "map_caption_undivided": {"sv": "Karta: kontraktets område för {groups}", "da": "Kort: kontraktens område for {groups}",
                              "en": "Map: the contract's area for {groups}"},
    "map_title_one": {"sv": "{name}: ett kontrakt", "da": "{name}: én kontrakt", "en": "{name}: one contract"},
    "legend_head_one": {"sv": "Kontraktet – uppskattat värde per år exkl. moms", "da": "Kontrakten – anslået værdi pr. år ekskl. moms",
                        "en": "The contract – estimated value per year excl. VAT"},
    "map_note_one": {"sv": "Gränser: upphandlingens områden ({crs}).", "da": "Grænser: udbuddets områder ({crs}).",
                     "en": "Boundaries: the procurement's areas ({crs})."},
    "map_panel_title": {"sv": "Delkontrakt för {groups}", "da": "Delkontrakter for {groups}",
                        "en": "Lots for {groups}"},
    "legend_head": {"sv": "Delkontrakt – uppskattat värde per år exkl. moms",
                    "da": "Delkontrakt – anslået værdi pr. år ekskl. moms",
                    "en": "Lot – estimated value per year excl. VAT"},
    "legend_no_demand": {"sv": "Ingår inte (inget behov i området)", "da": "Indgår ikke (intet behov i området)",
                         "en": "Not included (no demand in the area)"},
    "link_ferry": {"sv": "Färjeförbindelse", "da": "Færgeforbindelse", "en": "Ferry link"},
    "link_bridge": {"sv": "Broförbindelse", "da": "Broforbindelse", "en": "Bridge link"},
    "link_road": {"sv": "Vägförbindelse", "da": "Vejforbindelse", "en": "Road link"},
    "link_other": {"sv": "Annan förbindelse", "da": "Anden forbindelse", "en": "Other link"},
    "link_nearest": {"sv": "Förbindelse till närmaste område", "da": "Forbindelse til nærmeste område",
                     "en": "Link to the nearest area"},
    "map_note": {"sv": "Gränser: upphandlingens områden ({crs}). Siffrorna är delkontraktens nummer.",
                 "da": "Grænser: udbuddets områder ({crs}). Tallene er delkontrakternes numre.",
                 "en": "Boundaries: the procurement's areas ({crs}). The numbers are the lot numbers."},
    "scale_km": {"sv": "{km} km", "da": "{km} km", "en": "{km} km"},
    "north": {"sv": "N", "da": "N", "en": "N"},
    # ---------------------------------------------------------------- web map
    "web_hint": {"sv": "Peka eller klicka på ett område för att se delkontraktet.",
                 "da": "Peg eller klik på et område for at se delkontrakten.",
                 "en": "Hover over or click an area to see its lot."},
    "web_show": {"sv": "Visa", "da": "Vis", "en": "Show"},
    "areas": {"sv": "Områden", "da": "Områder", "en": "Areas"},
    "groups": {"sv": "Varugrupper och tjänster", "da": "Varegrupper og tjenesteydelser",
               "en": "Product groups and services"},
    "value_year": {"sv": "Uppskattat värde per år exkl. moms", "da": "Anslået værdi pr. år ekskl. moms",
                   "en": "Estimated value per year excl. VAT"},
    "value_total": {"sv": "Uppskattat värde, hela avtalstiden, exkl. moms",
                    "da": "Anslået værdi, hele kontraktperioden, ekskl. moms",
                    "en": "Estimated value, whole contract, excl. VAT"},
    "eligible": {"sv": "Kända leverantörer som kan lämna anbud (internt)",
                 "da": "Kendte leverandører, der kan byde (internt)", "en": "Known eligible suppliers (internal)"},
    "expected_bids": {"sv": "Förväntat antal anbud (modellens uppskattning)",
                      "da": "Forventet antal tilbud (modellens skøn)", "en": "Expected bids (model estimate)"},
    "local_chance_cap": {"sv": "Chans för lokalt anbud (modellens uppskattning)",
                         "da": "Chance for lokalt tilbud (modellens skøn)", "en": "Local chance (model estimate)"},
    "sme_chance_cap": {"sv": "Chans för anbud från SMF (modellens uppskattning)",
                       "da": "Chance for tilbud fra SMV (modellens skøn)", "en": "SME chance (model estimate)"},
    "local_mark": {"sv": "lokal", "da": "lokal", "en": "local"},
    "web_internal": {"sv": "Internt arbetsmaterial: visar kända leverantörer och modellens uppskattningar.",
                     "da": "Internt arbejdsmateriale: viser kendte leverandører og modellens skøn.",
                     "en": "Internal working material: shows known suppliers and the model's estimates."},
    # ---------------------------------------------------------------- workbook: what each Lots column means
    "columns_sheet": {"en": 'Columns', "sv": 'Kolumner', "da": 'Kolonner'},
    "columns_column": {"en": 'column', "sv": 'kolumn', "da": 'kolonne'},
    "columns_meaning": {"en": 'meaning (sheet Lots)', "sv": 'betydelse (bladet Lots)', "da": 'betydning (arket Lots)'},
    "lots_col_lot_id": {"sv": 'Delkontraktets nummer i upphandlingen (eForms LOT-nnnn)', "da": 'Delkontraktens nummer i udbuddet (eForms LOT-nnnn)', "en": 'Lot number in the tender (eForms LOT-nnnn)'},
    "lots_col_title": {"sv": 'Delkontraktets rubrik', "da": 'Delkontraktens titel', "en": 'Lot title'},
    "lots_col_areas": {"sv": 'Områden som delkontraktet omfattar', "da": 'Områder, delkontrakten dækker', "en": 'Areas the lot covers'},
    "lots_col_area_ids": {"sv": 'Samma områden som id:n i områdesfilen', "da": "De samme områder som id'er fra områdefilen", "en": 'The same areas as ids from the areas file'},
    "lots_col_product_groups": {"sv": 'Varugrupper i delkontraktet', "da": 'Varegrupper i delkontrakten', "en": 'Product groups in the lot'},
    "lots_col_product_group_ids": {"sv": 'Samma varugrupper som id:n', "da": "De samme varegrupper som id'er", "en": 'The same groups as ids'},
    "lots_col_main_cpv": {"sv": 'Huvudsaklig CPV-kod', "da": 'Hoved-CPV-kode', "en": 'Main CPV code'},
    "lots_col_additional_cpv": {"sv": 'Ytterligare CPV-koder', "da": 'Supplerende CPV-koder', "en": 'Additional CPV codes'},
    "lots_col_nuts3": {"sv": 'Utförandeort (NUTS-3)', "da": 'Leveringssted (NUTS-3)', "en": 'Place of performance (NUTS-3)'},
    "lots_col_nature": {"sv": 'Varor, tjänster eller byggentreprenad', "da": 'Varer, tjenesteydelser eller bygge- og anlægsarbejder', "en": 'Supplies, services or works'},
    "lots_col_annual_value_CUR": {"sv": 'Uppskattat värde per år ({cur})', "da": 'Anslået værdi pr. år ({cur})', "en": 'Estimated value per year ({cur})'},
    "lots_col_contract_value_CUR": {"sv": 'Uppskattat värde för hela avtalsperioden ({cur})', "da": 'Anslået værdi for hele kontraktperioden ({cur})', "en": 'Estimated value over the whole contract period ({cur})'},
    "lots_col_n_eligible": {"sv": 'Kända leverantörer som kan lämna anbud (erbjuder alla varugrupper, når alla områden, tillräcklig kapacitet och omsättning)', "da": 'Kendte leverandører, der kan byde (tilbyder alle varegrupper, når alle områder, tilstrækkelig kapacitet og omsætning)', "en": 'Known suppliers that can bid (offer every group, reach every area, enough capacity and turnover)'},
    "lots_col_eligible_suppliers": {"sv": 'Deras namn', "da": 'Deres navne', "en": 'Their names'},
    "lots_col_local_eligible_suppliers": {"sv": 'De lokala bland dem', "da": 'De lokale blandt dem', "en": 'The local ones among them'},
    "lots_col_expected_bids": {"sv": 'Förväntat antal anbud (summan av varje leverantörs sannolikhet att lämna anbud)', "da": 'Forventet antal bud (summen af hver leverandørs sandsynlighed for at byde)', "en": "Expected number of bids (sum of each supplier's chance to bid)"},
    "lots_col_no_bid_chance": {"sv": 'Sannolikhet att ingen lämnar anbud (delkontraktet måste upphandlas igen)', "da": 'Sandsynlighed for, at ingen byder (delkontrakten må genudbydes)', "en": 'Chance that nobody bids (the lot fails and must be re-tendered)'},
    "lots_col_local_chance": {"sv": 'Sannolikhet att minst en lokal leverantör lämnar anbud', "da": 'Sandsynlighed for, at mindst én lokal leverandør byder', "en": 'Chance that at least one local supplier bids'},
    "lots_col_admin_cost_CUR": {"sv": 'Administrativ kostnad för delkontraktet under avtalstiden ({cur}): per delkontrakt, per anbud, per avtalsår och förväntad kostnad för ny upphandling', "da": 'Administrativ omkostning for delkontrakten i kontraktperioden ({cur}): pr. delkontrakt, pr. bud, pr. kontraktår og forventet omkostning ved genudbud', "en": 'Administrative cost of the lot over the contract ({cur}): per lot, per bid, per contract year and the expected cost of a re-tender'},
    "lots_col_procedure_regime": {"sv": 'Förfarande: EU (över tröskelvärdet) eller nationellt', "da": 'Procedure: EU (over tærskelværdien) eller national', "en": 'Procedure: EU (above the threshold) or national'},
    "lots_col_small_lot_exemption": {"sv": 'Litet delkontrakt som upphandlas enligt nationella regler (20 %-undantaget, direktiv 2014/24/EU art. 5)', "da": 'Lille delkontrakt, der udbydes efter nationale regler (20 %-undtagelsen, direktiv 2014/24/EU art. 5)', "en": 'Small lot awarded under the national rules (the 20 % exemption, Directive 2014/24/EU art. 5)'},
    # ---------------------------------------------------------------- rule violations (plan.Violation codes)
    "violation_unknown_areas": {"sv": "okända område-id:n i indelningen: {ids}", "da": "ukendte område-id'er i opdelingen: {ids}", "en": "unknown area ids in the plan: {ids}"},
    "violation_unknown_groups": {"sv": "okända varugrupper i indelningen: {ids}", "da": "ukendte varegrupper i opdelingen: {ids}", "en": "unknown product groups in the plan: {ids}"},
    "violation_uncovered": {"sv": "{area} × {group} ingår inte i något delkontrakt", "da": "{area} × {group} indgår ikke i nogen delkontrakt", "en": "{area} × {group} is in no lot"},
    "violation_covered_twice": {"sv": "{area} × {group} ingår i flera delkontrakt ({lots})", "da": "{area} × {group} indgår i flere delkontrakter ({lots})", "en": "{area} × {group} is in several lots ({lots})"},
    "violation_disconnected": {"sv": "delkontrakt {lot}: områdena hänger inte ihop ({areas})", "da": "delkontrakt {lot}: områderne hænger ikke sammen ({areas})", "en": "lot {lot}: its areas are not connected ({areas})"},
    "violation_bundle": {"sv": "delkontrakt {lot}: varugrupperna {bundle} får inte samlas i ett delkontrakt", "da": "delkontrakt {lot}: varegrupperne {bundle} må ikke samles i én delkontrakt", "en": "lot {lot}: the bundle {bundle} is not allowed by the bundling rules"},
    "violation_value_low": {"sv": "delkontrakt {lot}: årsvärdet {value_money} är under lägsta tillåtna {limit_money}", "da": "delkontrakt {lot}: årsværdien {value_money} er under mindste tilladte {limit_money}", "en": "lot {lot}: annual value {value_money} is below the minimum {limit_money}"},
    "violation_value_high": {"sv": "delkontrakt {lot}: årsvärdet {value_money} är över högsta tillåtna {limit_money}", "da": "delkontrakt {lot}: årsværdien {value_money} er over højeste tilladte {limit_money}", "en": "lot {lot}: annual value {value_money} is above the maximum {limit_money}"},
    "violation_few_eligible": {"sv": "delkontrakt {lot}: {n} möjliga anbudsgivare, villkoren kräver {need}", "da": "delkontrakt {lot}: {n} mulige tilbudsgivere, betingelserne kræver {need}", "en": "lot {lot}: {n} eligible suppliers, the rules need {need}"},
    "violation_few_bids": {"sv": "delkontrakt {lot}: {bids_dec} förväntade anbud, villkoren kräver {need_dec}", "da": "delkontrakt {lot}: {bids_dec} forventede bud, betingelserne kræver {need_dec}", "en": "lot {lot}: {bids_dec} expected bids, the rules need {need_dec}"},
    "violation_no_bid": {"sv": "delkontrakt {lot}: risken att inget anbud kommer in ({chance_pct}) är över {limit_pct}", "da": "delkontrakt {lot}: risikoen for, at der ikke kommer bud ({chance_pct}), er over {limit_pct}", "en": "lot {lot}: chance of no bid {chance_pct} is above {limit_pct}"},
    "violation_together": {"sv": "delkontrakt {lot}: innehåller bara några av områdena som ska ingå i samma delkontrakt ({areas})", "da": "delkontrakt {lot}: indeholder kun nogle af de områder, der skal være i samme delkontrakt ({areas})", "en": "lot {lot}: holds only some of the areas that must share a lot ({areas})"},
    "violation_apart": {"sv": "delkontrakt {lot}: innehåller områden som ska ingå i olika delkontrakt ({areas})", "da": "delkontrakt {lot}: indeholder områder, der skal være i forskellige delkontrakter ({areas})", "en": "lot {lot}: holds areas that must be in different lots ({areas})"},
    "violation_few_lots": {"sv": "{n} delkontrakt, villkoren kräver minst {need}", "da": "{n} delkontrakter, betingelserne kræver mindst {need}", "en": "{n} lots, the rules need at least {need}"},
    "violation_many_lots": {"sv": "{n} delkontrakt, villkoren tillåter högst {limit}", "da": "{n} delkontrakter, betingelserne tillader højst {limit}", "en": "{n} lots, the rules allow at most {limit}"},
    "violation_local_target": {"sv": "den lokalt tillgängliga värdeandelen {share_pct} är under målet {target_pct}", "da": "den lokalt tilgængelige værdiandel {share_pct} er under målet {target_pct}", "en": "local-accessible value share {share_pct} is below the target {target_pct}"},
    "violation_group_without_demand": {"sv": "delkontrakt {lot}: ingen efterfrågan på {groups} i dess områden (ett delkontrakt omfattar en varugrupp bara där den efterfrågas)", "da": "delkontrakt {lot}: ingen efterspørgsel efter {groups} i dens områder (en delkontrakt omfatter kun en varegruppe, hvor der er efterspørgsel)", "en": "lot {lot}: no demand for {groups} in its areas (a lot carries a product group only where it has demand for it)"},
    "violation_area_without_demand": {"sv": "delkontrakt {lot}: omfattar områden utan efterfrågan i dess varugrupper som inte behövs för att binda ihop det ({areas})", "da": "delkontrakt {lot}: omfatter områder uden efterspørgsel i dens varegrupper, som ikke er nødvendige for at binde den sammen ({areas})", "en": "lot {lot}: holds areas without demand in its product groups that are not needed to connect it ({areas})"},
    "violation_territory_overlap": {"sv": "{area} ingår i flera delkontrakt för {group} ({lots}): delkontrakten för en varugrupp får inte överlappa", "da": "{area} indgår i flere delkontrakter for {group} ({lots}): delkontrakterne for en varegruppe må ikke overlappe", "en": "{area} is in the territory of several {group} lots ({lots}): the lots of a product group may not overlap"},
    "violation_not_awardable": {"sv": "bara {n} av {lots} delkontrakt kan tilldelas när ingen anbudsgivare får tilldelas fler än {cap}", "da": "kun {n} af {lots} delkontrakter kan tildeles, når ingen tilbudsgiver må tildeles flere end {cap}", "en": "only {n} of the {lots} lots can be awarded when no tenderer may win more than {cap}"},
    "violation_budget": {"sv": "den administrativa kostnaden {cost_money} är över budgeten {budget_money}", "da": "den administrative omkostning {cost_money} er over budgettet {budget_money}", "en": "admin cost {cost_money} is above the budget {budget_money}"},
}


def _entry(lang: str, key: str):
    entry = T[key]
    return entry.get(lang) or entry["en"]


def text(lang: str, key: str, **kw) -> str:
    """The text ``key`` in ``lang`` (falling back to English), formatted with ``kw``."""
    s = _entry(lang, key)
    if isinstance(s, tuple):
        s = s[1]
    return s.format(**kw) if kw else s


def has_text(key: str) -> bool:
    return key in T


def ntext(lang: str, key: str, n: float, **kw) -> str:
    """The singular or the plural of ``key`` for the count ``n`` (given as ``{n}``, in the
    language's number format).

    >>> ntext("sv", "n_suppliers", 1), ntext("en", "n_lots", 3)
    ('1 leverantör', '3 lots')
    """
    s = _entry(lang, key)
    if isinstance(s, tuple):
        s = s[0] if n == 1 else s[1]
    return s.format(n=_count(n, lang), **kw)


def _count(n: float, lang: str) -> str:
    if float(n).is_integer():
        return str(int(n))
    return f"{n:g}".replace(".", ",") if lang in ("sv", "da") else f"{n:g}"


def word(lang: str, key: str, n: float = 2) -> str:
    """A word without a number, singular for ``n == 1``: ``word("da", "kind_services")``
    -> ``tjenesteydelser``."""
    s = _entry(lang, key)
    return (s[0] if n == 1 else s[1]) if isinstance(s, tuple) else s


MONTHS = {
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"),
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def date_text(lang: str, d: dt.date | dt.datetime) -> str:
    """A date the way a document in ``lang`` writes it; a date-time adds the time of day."""
    month = MONTHS.get(lang, MONTHS["en"])[d.month - 1]
    day = f"{d.day}." if lang == "da" else f"{d.day}"
    out = f"{day} {month} {d.year}"
    if isinstance(d, dt.datetime):
        t = f"{d.hour:02d}.{d.minute:02d}" if lang == "da" else f"{d.hour:02d}:{d.minute:02d}"
        out += {"sv": f" kl. {t}", "da": f" kl. {t}"}.get(lang, f" at {t}")
    return out


def join(items, lang: str, *, conj: str = "and") -> str:
    """``a, b och c`` / ``a, b og c`` / ``a, b and c``; ``kött och chark samt fisk`` when an
    item already holds the word.

    >>> join(["kött och chark", "fisk"], "sv")
    'kött och chark samt fisk'
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    word_ = text(lang, conj)
    if conj == "and" and any(f" {word_} " in i for i in items):
        word_ = text(lang, "and_also")
    return f"{', '.join(items[:-1])} {word_} {items[-1]}"


def lower_first(name: str) -> str:
    """A name as it reads mid-sentence: ``Mejeriprodukter`` -> ``mejeriprodukter``, but
    ``MSB-material`` and ``Bornholm`` stay (an acronym, or a name with a capital inside
    the first word is left alone; place names are not passed here)."""
    s = str(name)
    first = s.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].replace("-", "").replace("/", "").islower() \
            and not any(c.isupper() for c in first[1:]):
        return s[0].lower() + s[1:]
    return s


def _merge() -> None:
    from lotsplit.export.texts_annex import ANNEX
    from lotsplit.export.texts_memo import MEMO
    from lotsplit.export.texts_report import REPORT

    for part in (ANNEX, MEMO, REPORT):
        clash = set(part) & set(T)
        if clash:
            raise RuntimeError(f"text keys defined twice: {sorted(clash)}")
        T.update(part)


_merge()
