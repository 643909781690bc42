"""``ocds_release_package.json``: the plan as an OCDS 1.1 release package (tender stage).

One release (``tag: ["tender"]``) of the contracting process ``ocid`` (the scenario's
registered prefix, ``procedure.ocid_prefix``, and the eForms procedure identifier), with
the lots extension and the location extension:

- ``parties``: the buyer (roles ``buyer``, identifier scheme ``SE-ON`` organisationsnummer
  or ``DK-CVR``, address, contact point) and the review body (``reviewBody``);
  ``buyer`` refers to it;
- ``tender``: the procedure (id = the eForms procedure identifier, title, description,
  status ``planned``, value, procurement method, main category, tender and contract
  periods), ``lots`` numbered as in every export (``LOT-0001``, the same ids as the eForms
  notice; the plan's own lot id in ``identifiers``), ``lotDetails`` (the lots a tenderer
  may bid for and win, BT-31/BT-33), ``lotGroups`` (``rules.combinations``), and one
  item per lot and product group, classified by CPV, with the lot's places of performance
  as ``deliveryAddresses`` (NUTS-3 code in ``region``, as the OCDS for eForms mapping does
  with BT-5071).

The release date is the export date (midnight UTC), so the file is stable within a day.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export import notice as N
from lotsplit.export.annex import lot_description
from lotsplit.plan import LotPlan

CATEGORY = {"supplies": "goods", "services": "services", "works": "works"}
METHOD = {"open": "open", "restricted": "selective", "neg-w-call": "selective", "comp-dial": "selective",
          "innovation": "selective"}
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/master/extension.json",
]
SCHEME = {"SE": "SE-ON", "DK": "DK-CVR"}   # org-id.guide lists for the registration numbers
COUNTRY_NAME = {"SE": {"sv": "Sverige", "da": "Sverige", "en": "Sweden"},
                "DK": {"sv": "Danmark", "da": "Danmark", "en": "Denmark"}}


def _midnight(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def _party_id(plan: LotPlan, org, fallback: str) -> str:
    """``SE-ON-212000-2171`` (scheme and registration number), or the notice's ``ORG-000n``."""
    scheme = SCHEME.get(N.country2(plan, org.country) or "")
    return f"{scheme}-{org.organisation_number}" if scheme and org.organisation_number else fallback


def _party(plan: LotPlan, org, party_id: str, role: str) -> dict:
    lang = plan.scenario.config.language
    country = N.country2(plan, org.country)
    party: dict = {"id": party_id, "name": org.name or "?", "roles": [role]}
    if org.organisation_number:
        scheme = SCHEME.get(country or "", f"{country}-?" if country else "XX-?")
        party["identifier"] = {"scheme": scheme, "id": org.organisation_number, "legalName": org.name or "?"}
    address = {k: v for k, v in (("streetAddress", getattr(org, "street", "")), ("locality", org.city),
                                 ("region", org.nuts3 or ""), ("postalCode", org.postcode),
                                 ("countryName", COUNTRY_NAME.get(country or "", {}).get(lang, country or "")))
               if v}
    if address:
        party["address"] = address
    contact = {k: v for k, v in (("name", getattr(org, "contact_name", "")), ("email", org.contact_email),
                                 ("telephone", org.contact_phone), ("url", org.url)) if v}
    if contact:
        party["contactPoint"] = contact
    return party


def release(plan: LotPlan, *, date: dt.date) -> dict:
    """The release (a dict) of the plan at the tender stage."""
    s = plan.scenario
    c = s.config
    p = c.procedure
    lang = c.language
    cur = s.currency
    lots = C.numbered_lots(plan)
    country = N.country2(plan)
    buyer_id = _party_id(plan, c.buyer, "ORG-0001")
    parties = [_party(plan, c.buyer, buyer_id, "buyer")]
    if p.review_body.name:
        parties.append(_party(plan, p.review_body, _party_id(plan, p.review_body, "ORG-0002"), "reviewBody"))
    base_days = int(round(c.base_years * 365))
    items, out_lots = [], []
    for n in lots:
        lot = n.lot
        out_lots.append({
            "id": n.eforms_id,
            "identifiers": [{"scheme": "internal", "id": n.internal_id}],
            "title": C.lot_title(plan, lot, lang),
            "description": lot_description(plan, lot, lang),
            "status": "planned",
            "value": {"amount": round(lot.contract_value, 2), "currency": cur},
            "mainProcurementCategory": CATEGORY.get(C.lot_nature(plan, lot), "goods"),
            "contractPeriod": {"durationInDays": base_days},
        })
        places = [{"region": code, **({"countryName": COUNTRY_NAME[country][lang]} if country in COUNTRY_NAME else {})}
                  for code in N.lot_nuts_codes(plan, n)]
        for g in lot.groups:
            item = {
                "id": f"{n.eforms_id}-{g}",
                "description": str(s.groups.loc[g, "name"]),
                "classification": {"scheme": "CPV", "id": str(s.groups.loc[g, "cpv"]).split("-")[0],
                                   "description": str(s.groups.loc[g, "name"])},
                "relatedLot": n.eforms_id,
            }
            if places:
                item["deliveryAddresses"] = places
            items.append(item)
    tender: dict = {
        "id": N.contract_folder_id(plan),
        "title": s.name,
        "description": c.description or s.name,
        "status": "planned",
        "value": {"amount": round(plan.metrics["contract_value"], 2), "currency": cur},
        "procurementMethod": METHOD[p.type],
        "procurementMethodDetails": p.type,
        "mainProcurementCategory": CATEGORY.get(s.main_nature, "goods"),
        "awardCriteriaDetails": p.award_criteria or N.text(lang, "criteria_placeholder"),
        "submissionMethod": ["electronicSubmission"],
        "contractPeriod": {"durationInDays": base_days},
        "items": items,
        "lots": out_lots,
        "lotDetails": {"maximumLotsBidPerSupplier": min(c.rules.max_lots_per_bid or len(lots), len(lots))},
    }
    if p.submission_url:
        tender["submissionMethodDetails"] = p.submission_url
    if p.tender_deadline or p.publication_date:
        period = {}
        if p.publication_date:
            period["startDate"] = _midnight(p.publication_date)
        if p.tender_deadline:
            period["endDate"] = N.deadline_datetime(p.tender_deadline).isoformat()
        tender["tenderPeriod"] = period
    if p.contract_start:
        tender["contractPeriod"]["startDate"] = _midnight(p.contract_start)
    if c.rules.max_lots_per_tenderer is not None:
        tender["lotDetails"]["maximumLotsAwardedPerSupplier"] = min(c.rules.max_lots_per_tenderer, len(lots))
    groups = N.lot_groups(plan)
    if groups:
        tender["lotGroups"] = [{"id": g.eforms_id, "title": g.title, "relatedLots": [n.eforms_id for n in g.lots],
                                "optionToCombine": True,
                                "maximumValue": {"amount": round(g.contract_value, 2), "currency": cur}}
                               for g in groups]
    if p.documents_url:
        tender["documents"] = [{"id": "DOC-0001", "documentType": "biddingDocuments", "url": p.documents_url}]
    return {
        "ocid": N.ocid(plan),
        "id": f"{N.notice_id(plan)}-tender",
        "date": _midnight(date),
        "tag": ["tender"],
        "initiationType": "tender",
        "language": lang,
        "parties": parties,
        "buyer": {"id": buyer_id, "name": c.buyer.name or "?"},
        "tender": tender,
    }


def release_package(plan: LotPlan, *, date: dt.date) -> dict:
    """The release package: ``uri`` (a URN from the notice id: the file is not published
    at a URL yet), ``version``, ``publishedDate`` (the export date), ``publisher`` (the
    buyer), ``extensions`` and the one release."""
    c = plan.scenario.config
    publisher = {"name": c.buyer.name or "?"}
    country = N.country2(plan, c.buyer.country)
    if c.buyer.organisation_number and country in SCHEME:
        publisher.update(scheme=SCHEME[country], uid=c.buyer.organisation_number)
    return {
        "uri": f"urn:uuid:{N.deterministic_uuid('ocds-package', N.plan_key(plan))}",
        "version": "1.1",
        "publishedDate": _midnight(date),
        "publisher": publisher,
        "extensions": list(EXTENSIONS),
        "releases": [release(plan, date=date)],
    }


def write_ocds(plan: LotPlan, path: str | Path, *, date: dt.date) -> Path:
    path = Path(path)
    data = json.dumps(release_package(plan, date=date), indent=2, ensure_ascii=False)
    path.write_text(data + "\n", "utf-8")
    return path
