"""What a contract notice says, shared by the eForms notice and the OCDS release package.

Identifiers (UUID version 4, deterministic: the same scenario and plan give the same
ids), the issue time, countries, the lot groups, the texts a notice needs in the
scenario's language, and the check that lists every field the scenario lacks
(:func:`missing_fields`, written to ``notice_missing_fields.txt`` by
:func:`write_missing_fields`).

>>> deterministic_uuid("example")
'50d858e0-985e-4c7f-a041-8aaf0cc5ab58'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from lotsplit import progress
from lotsplit.export.common import LotNumber, lot_nuts, numbered_lots
from lotsplit.plan import LotPlan

MISSING_FILE = "notice_missing_fields.txt"

# ISO 3166-1 alpha-2 -> alpha-3 (eForms code list "country") for the EU/EEA countries.
COUNTRY3 = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK", "EE": "EST",
    "ES": "ESP", "FI": "FIN", "FR": "FRA", "GR": "GRC", "HR": "HRV", "HU": "HUN", "IE": "IRL", "IS": "ISL",
    "IT": "ITA", "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MT": "MLT", "NL": "NLD", "NO": "NOR",
    "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK",
}
LANG3 = {"sv": "SWE", "da": "DAN", "en": "ENG"}


def deterministic_uuid(*parts: str) -> str:
    """A UUID in version-4 form whose bits come from a SHA-256 of ``parts``: what the
    eForms rules ask for (BR-BT-00701-0052: a v4 UUID), yet the same for the same input."""
    digest = bytearray(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x40      # version 4
    digest[8] = (digest[8] & 0x3F) | 0x80      # RFC 4122 variant
    return str(uuid.UUID(bytes=bytes(digest)))


def scenario_key(plan: LotPlan) -> str:
    """What identifies the procedure: the buyer, the scenario name and the buyer's
    reference (unchanged when the plan, the data or the dates change)."""
    c = plan.scenario.config
    return "\x1e".join([c.buyer.organisation_number, c.buyer.name, c.name, c.procedure.reference])


def plan_key(plan: LotPlan) -> str:
    """What identifies this notice: the procedure, the resolved scenario and the lots."""
    lots = "\n".join(f"{n.eforms_id}:{n.internal_id}:{','.join(n.lot.areas)}:{','.join(n.lot.groups)}"
                     for n in numbered_lots(plan))
    return "\x1e".join([scenario_key(plan), plan.scenario.config.model_dump_json(), lots])


def contract_folder_id(plan: LotPlan) -> str:
    """BT-04 procedure identifier (ContractFolderID), the same for every notice of the procedure."""
    return deterministic_uuid("procedure", scenario_key(plan))


def notice_id(plan: LotPlan) -> str:
    """BT-701 notice identifier."""
    return deterministic_uuid("notice", plan_key(plan))


def ocid(plan: LotPlan) -> str:
    """OCDS contracting process id: the registered prefix and the procedure identifier."""
    return f"{plan.scenario.config.procedure.ocid_prefix}-{contract_folder_id(plan)}"


def country2(plan: LotPlan, org_country: str | None = None) -> str | None:
    c = org_country or plan.scenario.config.country
    return c if c in COUNTRY3 else None


def issue_time(timestamp: dt.datetime) -> dt.datetime:
    """The notice's issue date and time (BT-05): midnight UTC of the export day, so the
    notice is the same all day (the eSender stamps the real dispatch time when sending)."""
    return timestamp.astimezone(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


# --------------------------------------------------------------------------- lot groups

@dataclass(frozen=True)
class LotGroup:
    """Lots the buyer may award together (Directive 2014/24/EU art. 46(3); eForms
    LotsGroup ``GLO-0001``, OCDS ``tender.lotGroups``)."""

    number: int
    lots: tuple[LotNumber, ...]
    title: str

    @property
    def eforms_id(self) -> str:
        return f"GLO-{self.number:04d}"

    @property
    def contract_value(self) -> float:
        return sum(n.lot.contract_value for n in self.lots)


def lot_groups(plan: LotPlan) -> list[LotGroup]:
    """The combinations of ``rules.combinations``: ``all`` lots as one group, the lots of
    the ``same_areas`` (one territory's product groups) or of the ``same_groups`` (one
    range over several territories); only groups of two lots or more."""
    s = plan.scenario
    kind = s.config.rules.combinations
    lots = numbered_lots(plan)
    lang = s.config.language
    if kind == "none" or len(lots) < 2:
        return []
    if kind == "all":
        buckets = {(): lots}
    else:
        buckets: dict[tuple, list[LotNumber]] = {}
        for n in lots:
            key = tuple(sorted(n.lot.areas)) if kind == "same_areas" else tuple(sorted(n.lot.groups))
            buckets.setdefault(key, []).append(n)
    out = []
    for key, members in buckets.items():
        if len(members) < 2:
            continue
        if kind == "all":
            title = text(lang, "group_all")
        elif kind == "same_areas":
            title = text(lang, "group_areas", names=", ".join(str(s.areas.loc[a, "name"]) for a in members[0].lot.areas))
        else:
            title = text(lang, "group_groups", names=", ".join(str(s.groups.loc[g, "name"]) for g in members[0].lot.groups))
        out.append(LotGroup(len(out) + 1, tuple(members), title))
    return out


# --------------------------------------------------------------------------- texts

TEXTS = {
    "group_all": {"sv": "Samtliga delkontrakt", "da": "Alle delkontrakter", "en": "All lots"},
    "group_areas": {"sv": "Delkontrakten för {names}", "da": "Delkontrakterne for {names}",
                    "en": "The lots for {names}"},
    "group_groups": {"sv": "Delkontrakten för {names}", "da": "Delkontrakterne for {names}",
                     "en": "The lots for {names}"},
    "group_desc": {"sv": "Den upphandlande myndigheten förbehåller sig rätten att tilldela dessa delkontrakt "
                         "tillsammans (kombination av delkontrakt).",
                   "da": "Ordregiveren forbeholder sig ret til at tildele disse delkontrakter samlet "
                         "(kombination af delkontrakter).",
                   "en": "The contracting authority reserves the right to award these lots together "
                         "(combination of lots)."},
    "criteria_placeholder": {"sv": "[ATT FYLLA I: tilldelningskriterier] Enligt upphandlingsdokumenten.",
                             "da": "[UDFYLDES: tildelingskriterier] Jf. udbudsmaterialet.",
                             "en": "[TO BE COMPLETED: award criteria] As stated in the procurement documents."},
    "criteria_name": {"price": {"sv": "Pris", "da": "Pris", "en": "Price"},
                      "cost": {"sv": "Kostnad", "da": "Omkostninger", "en": "Cost"},
                      "quality": {"sv": "Kvalitet och pris", "da": "Kvalitet og pris", "en": "Quality and price"}},
    "renewal": {"sv": "Avtalet kan förlängas med {periods} år.", "da": "Kontrakten kan forlænges med {periods} år.",
                "en": "The contract may be extended by {periods} year(s)."},
    "light_regime": {"sv": "{procedure} enligt reglerna för sociala tjänster och andra särskilda tjänster "
                           "(LOU 19 kap.), med de villkor som anges i upphandlingsdokumenten.",
                     "da": "{procedure} efter reglerne for sociale og andre specifikke tjenesteydelser "
                           "(udbudslovens afsnit III), på de vilkår, der fremgår af udbudsmaterialet.",
                     "en": "{procedure} under the rules for social and other specific services (Directive "
                           "2014/24/EU Title III Chapter I), on the terms set out in the procurement documents."},
    "type_open": {"sv": "Öppet förfarande", "da": "Offentligt udbud", "en": "Open procedure"},
    "type_restricted": {"sv": "Selektivt förfarande", "da": "Begrænset udbud", "en": "Restricted procedure"},
    "type_neg-w-call": {"sv": "Förhandlat förfarande med föregående annonsering", "da": "Udbud med forhandling",
                        "en": "Competitive procedure with negotiation"},
    "type_comp-dial": {"sv": "Konkurrenspräglad dialog", "da": "Konkurrencepræget dialog",
                       "en": "Competitive dialogue"},
    "type_innovation": {"sv": "Innovationspartnerskap", "da": "Innovationspartnerskab", "en": "Innovation partnership"},
    "missing_head": {
        "sv": "Kontraktsmeddelandet (eforms_notice.xml) saknar {n} uppgift(er) som eForms kräver. Filen är skriven, "
              "men TED avvisar den tills dessa är ifyllda i scenariofilen (eller i eSender-verktyget):",
        "da": "Udbudsbekendtgørelsen (eforms_notice.xml) mangler {n} oplysning(er), som eForms kræver. Filen er "
              "skrevet, men TED afviser den, indtil de er udfyldt i scenariefilen (eller i eSender-værktøjet):",
        "en": "The contract notice (eforms_notice.xml) lacks {n} field(s) eForms requires. The file is written, but "
              "TED rejects it until they are filled in, in the scenario file (or in the eSender tool):"},
    "warning": {"sv": "eforms_notice.xml: {n} obligatoriska uppgift(er) saknas ({fields}); se {file}",
                "da": "eforms_notice.xml: {n} obligatoriske oplysning(er) mangler ({fields}); se {file}",
                "en": "eforms_notice.xml: {n} required field(s) missing ({fields}); see {file}"},
}


def text(lang: str, key: str, **kw) -> str:
    return TEXTS[key][lang].format(**kw)


# --------------------------------------------------------------------------- missing fields

@dataclass(frozen=True)
class MissingField:
    """A field the notice needs that the scenario does not give: the eForms business term,
    the scenario field that supplies it, and what to write there."""

    bt: str
    field: str
    fix: str

    def __str__(self) -> str:
        return f"{self.bt}  [{self.field}]  {self.fix}"


# The fix for each field, in the scenario's language ({org}: "buyer" or
# "procedure.review_body", the TOML table the field is in).
_FIXES = {
    "name": {"sv": 'officiellt namn, t.ex. name = "Malung-Sälens kommun"',
             "da": 'officielt navn, fx name = "Skive Kommune"',
             "en": 'the official name, e.g. name = "Malung-Sälens kommun"'},
    "organisation_number": {"sv": 'organisationsnummer, t.ex. organisation_number = "NNNNNN-NNNN"',
                            "da": 'CVR-nummer, fx organisation_number = "NNNNNNNN" (otte cifre)',
                            "en": 'the national registration number, e.g. organisation_number = "NNNNNN-NNNN"'},
    "city": {"sv": 'ort, t.ex. city = "Malung"', "da": 'by, fx city = "Skive"', "en": 'the town, e.g. city = "Malung"'},
    "postcode": {"sv": 'postnummer, t.ex. postcode = "782 21"', "da": 'postnummer, fx postcode = "7800"',
                 "en": 'the postcode, e.g. postcode = "782 21"'},
    "country": {"sv": 'land (ISO 3166, två bokstäver), t.ex. country = "FI"',
                "da": 'land (ISO 3166, to bogstaver), fx country = "FI"',
                "en": 'the country (ISO 3166 alpha-2), e.g. country = "FI"'},
    "nuts3": {"sv": 'NUTS-3-kod för adressen, t.ex. nuts3 = "SE312"', "da": 'NUTS-3-kode for adressen, fx nuts3 = "DK041"',
              "en": 'the NUTS-3 code of the address, e.g. nuts3 = "SE312"'},
    "contact_email": {"sv": 'e-post till kontaktpunkten, t.ex. contact_email = "upphandling@kommun.se"',
                      "da": 'e-mail til kontaktpunktet, fx contact_email = "udbud@kommune.dk"',
                      "en": 'the contact e-mail, e.g. contact_email = "procurement@example.org"'},
    "contact_phone": {"sv": 'telefon till kontaktpunkten, t.ex. contact_phone = "+46 280 181 00"',
                      "da": 'telefon til kontaktpunktet, fx contact_phone = "+45 12 34 56 78"',
                      "en": 'the contact telephone, e.g. contact_phone = "+46 280 181 00"'},
    "review_body": {"sv": 'prövningsorgan: [procedure.review_body] name = "Förvaltningsrätten i …", city = "…"',
                    "da": 'klageorgan: [procedure.review_body] name = "Klagenævnet for Udbud", city = "…"',
                    "en": 'the review body: [procedure.review_body] name = "…", city = "…"'},
    "lot_nuts": {"sv": "NUTS-3-kod för varje område ([areas] nuts3_column, eller nuts3 för alla)",
                 "da": "NUTS-3-kode for hvert område ([areas] nuts3_column, eller nuts3 for alle)",
                 "en": "a NUTS-3 code for every area ([areas] nuts3_column, or nuts3 for all)"},
    "tender_deadline": {"sv": "sista dag för anbud med tid och UTC-offset, t.ex. tender_deadline = 2027-03-15T12:00:00+01:00",
                        "da": "frist for tilbud med tid og UTC-offset, fx tender_deadline = 2027-03-15T12:00:00+01:00",
                        "en": "the tender deadline with its UTC offset, e.g. tender_deadline = 2027-03-15T12:00:00+01:00"},
    "deadline_past": {"sv": "sista dag för anbud ({deadline}) ligger före meddelandets datum ({issued}): flytta den framåt",
                      "da": "tilbudsfristen ({deadline}) ligger før bekendtgørelsens dato ({issued}): flyt den frem",
                      "en": "the tender deadline ({deadline}) is before the notice's issue date ({issued}): move it forward"},
    "documents_url": {"sv": 'adress till upphandlingsdokumenten, t.ex. documents_url = "https://…"',
                      "da": 'adresse til udbudsmaterialet, fx documents_url = "https://…"',
                      "en": 'where the procurement documents are, e.g. documents_url = "https://…"'},
    "submission_url": {"sv": 'adress för elektronisk anbudsinlämning, t.ex. submission_url = "https://…"',
                       "da": 'adresse for elektronisk afgivelse af tilbud, fx submission_url = "https://…"',
                       "en": 'where tenders are submitted electronically, e.g. submission_url = "https://…"'},
    "award_criteria": {"sv": 'tilldelningskriterierna, t.ex. award_criteria = "Lägsta pris enligt prisbilagan"',
                       "da": 'tildelingskriterierne, fx award_criteria = "Laveste pris jf. tilbudslisten"',
                       "en": 'the award criteria, e.g. award_criteria = "Lowest price according to the price schedule"'},
}

# Organisation fields the eForms rules require (subtype 16 and 20; rules
# BR-BT-00500/00501/00513/00514/00507/00512-0022 of SDK 1.15): (key, BT).
_ORG_FIELDS = (("name", "BT-500"), ("organisation_number", "BT-501"), ("city", "BT-513"), ("country", "BT-514"),
               ("postcode", "BT-512"), ("nuts3", "BT-507"))


# The buyer's contact point is required too (BR-BT-00506-0022, BR-BT-00503-0022).
_BUYER_CONTACT = (("contact_email", "BT-506"), ("contact_phone", "BT-503"))


def _fix(lang: str, bt: str, field: str, key: str, **kw) -> MissingField:
    return MissingField(bt, field, _FIXES[key][lang].format(**kw))


def missing_fields(plan: LotPlan, *, issued: dt.datetime | None = None) -> list[MissingField]:
    """Every field the contract notice needs that the scenario lacks, each with its eForms
    business term (BT) and the fix, in the scenario's language.  Empty when the notice
    passes the SDK schematron (the tests check both directions)."""
    s = plan.scenario
    c = s.config
    p = c.procedure
    lang = c.language
    out: list[MissingField] = []
    for table, org in (("buyer", c.buyer), ("procedure.review_body", p.review_body)):
        if table != "buyer" and not org.name:
            out.append(_fix(lang, "OPT-301-Lot-ReviewOrg", table, "review_body"))
            continue
        for key, bt in _ORG_FIELDS + (_BUYER_CONTACT if table == "buyer" else ()):
            value = country2(plan, org.country) if key == "country" else getattr(org, key)
            if not value and (key not in ("postcode", "nuts3") or country2(plan, org.country)):
                out.append(_fix(lang, f"{bt}-Organization-Company", f"{table}.{key}", key))
    if any(not lot_nuts_codes(plan, n) for n in numbered_lots(plan)):
        out.append(_fix(lang, "BT-5071-Lot", "areas.nuts3", "lot_nuts"))
    if not p.tender_deadline:
        out.append(_fix(lang, "BT-131(d)-Lot", "procedure.tender_deadline", "tender_deadline"))
    elif issued is not None and deadline_datetime(p.tender_deadline) <= issued:
        out.append(_fix(lang, "BT-131(d)-Lot", "procedure.tender_deadline", "deadline_past",
                        deadline=deadline_datetime(p.tender_deadline).isoformat(), issued=issued.isoformat()))
    for key, bt in (("documents_url", "BT-15-Lot"), ("submission_url", "BT-18-Lot"), ("award_criteria", "BT-540-Lot")):
        if not getattr(p, key):
            out.append(_fix(lang, bt, f"procedure.{key}", key))
    return out


def lot_nuts_codes(plan: LotPlan, n: LotNumber) -> list[str]:
    """The lot's NUTS-3 codes (places of performance, BT-5071), empty values left out."""
    return [c for c in lot_nuts(plan, n.lot) if c and c.lower() not in ("nan", "none")]


def deadline_datetime(deadline: dt.date | dt.datetime) -> dt.datetime:
    """The tender deadline as an aware date-time: a date alone is 23:59 at UTC+01:00
    (Central European Time), what a Swedish or Danish buyer means by "the 15th"."""
    if isinstance(deadline, dt.datetime):
        return deadline
    return dt.datetime(deadline.year, deadline.month, deadline.day, 23, 59,
                       tzinfo=dt.timezone(dt.timedelta(hours=1)))


def write_missing_fields(plan: LotPlan, missing: list[MissingField], out_dir: str | Path) -> Path | None:
    """Write ``notice_missing_fields.txt`` and warn (a ``warning`` progress event and a
    ``lotsplit`` log warning, which the command line prints) when fields are missing;
    write nothing and return ``None`` when the notice is complete."""
    if not missing:
        return None
    lang = plan.scenario.config.language
    path = Path(out_dir) / MISSING_FILE
    lines = [text(lang, "missing_head", n=len(missing)), ""] + [f"- {m}" for m in missing]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    message = text(lang, "warning", n=len(missing), fields=", ".join(m.bt for m in missing), file=MISSING_FILE)
    progress.report("warning", message=message)
    progress.log.warning(message)
    return path
