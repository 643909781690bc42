"""``eforms_notice.xml``: the plan as a complete eForms contract notice (UBL 2.3).

Subtype 16 (contract notice, Directive 2014/24/EU, notice type ``cn-standard``) unless the
scenario's ``procedure.notice_subtype`` is ``20`` (light regime, ``cn-social``).  The notice
passes the eForms SDK 1.15 schemas and the SDK schematron phase of its subtype with no
error when the scenario gives every field it needs; otherwise it is still written and
every missing field is listed with its business term and the fix
(:func:`lotsplit.export.notice.missing_fields`, ``notice_missing_fields.txt``).

What the notice carries (field ids in ``shared/domain-facts.md`` §8 and the SDK's
``fields.json``):

- notice: BT-701 notice id and BT-04 procedure id (UUID v4, deterministic), BT-05 issue
  date/time (the export time), BT-757 version ``01``, BT-01 legal basis, BT-02/BT-03
  notice type, BT-702 language;
- organisations: ``ORG-0001`` the buyer (BT-500 name, BT-501 number, address, NUTS,
  contact), ``ORG-0002`` the review body; BT-11 buyer legal type and BT-10 activity;
- procedure: BT-22 reference, BT-21/BT-24 title and description, BT-23 nature, BT-27
  estimated value, BT-262 CPV, BT-5071 places (NUTS-3), BT-105 procedure type, BT-106,
  exclusion grounds in the documents; LotDistribution: BT-31 (lots a tenderer may bid
  for, always), BT-33 (lots one tenderer may win, when capped), the lot groups
  (``rules.combinations``, art. 46(3)) with BT-330/BT-1375;
- each lot (numbered by :func:`lotsplit.export.common.numbered_lots`): BT-137
  ``LOT-dddd``, BT-22 the plan's lot id (``schemeName="InternalID"``), title,
  description, nature, value, CPV, NUTS-3 places, BT-36 duration of the initial period,
  BT-58/BT-57 renewals (``procedure.extensions``), BT-539/BT-540 award criterion, BT-131
  deadline, BT-15 documents, BT-17/BT-18 electronic submission, BT-98 tender validity,
  BT-97 language, BT-115 GPA, and the "none/no/not allowed" answers a municipal tender of
  this kind gives (variants, EU funds, reservation, auction, framework, DPS, strategic
  procurement) — review them in the eSender before sending.
- each lot group: BT-137 ``GLO-dddd``, title, description, estimated value.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export import notice as N
from lotsplit.export.annex import lot_description
from lotsplit.plan import LotPlan

NS = {
    "": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "ext": "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "efac": "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1",
    "efbc": "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1",
    "efext": "http://data.europa.eu/p27/eforms-ubl-extensions/1",
}
SDK_VERSION = "eforms-sdk-1.15"
NOTICE_TYPE = {"16": "cn-standard", "20": "cn-social"}
BUYER, REVIEW = "ORG-0001", "ORG-0002"
# Characters XML 1.0 cannot carry (control characters): replaced, never written.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _el(parent, tag: str, text=None, **attrs):
    prefix, name = tag.split(":") if ":" in tag else ("", tag)
    e = ET.SubElement(parent, f"{{{NS[prefix]}}}{name}", {k: str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = _XML_BAD.sub("\ufffd", str(text))
    return e


def _amount(x: float) -> str:
    return f"{x:.2f}"


def _cpv(code: str) -> str:
    return code.split("-")[0]


def _date(d: dt.date, tz: dt.tzinfo | None) -> str:
    off = _offset(tz)
    return f"{d.isoformat()}{off}"


def _offset(tz: dt.tzinfo | None) -> str:
    delta = tz.utcoffset(None) if tz is not None else dt.timedelta(0)
    if not delta:
        return "Z"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _duration(years: float) -> tuple[str, str]:
    return ("YEAR", f"{years:g}") if float(years).is_integer() else ("MONTH", f"{round(years * 12):d}")


def _organisation(parent, org_id: str, *, name: str, number: str, street: str, postcode: str, city: str,
                  country2: str | None, nuts3: str | None, url: str, email: str, phone: str, contact: str,
                  lang3: str) -> None:
    company = _el(_el(parent, "efac:Organization"), "efac:Company")
    if url:
        _el(company, "cbc:WebsiteURI", url)                                         # BT-505
    _el(_el(company, "cac:PartyIdentification"), "cbc:ID", org_id, schemeName="organization")
    if name:
        _el(_el(company, "cac:PartyName"), "cbc:Name", name, languageID=lang3)      # BT-500
    addr = _el(company, "cac:PostalAddress")
    if street:
        _el(addr, "cbc:StreetName", street)                                         # BT-510
    if city:
        _el(addr, "cbc:CityName", city)                                             # BT-513
    if postcode:
        _el(addr, "cbc:PostalZone", postcode)                                       # BT-512
    if nuts3:
        _el(addr, "cbc:CountrySubentityCode", nuts3, listName="nuts")               # BT-507
    if country2:
        _el(_el(addr, "cac:Country"), "cbc:IdentificationCode", N.COUNTRY3[country2], listName="country")  # BT-514
    if number:
        _el(_el(company, "cac:PartyLegalEntity"), "cbc:CompanyID", number)          # BT-501
    if contact or email or phone:
        c = _el(company, "cac:Contact")
        if contact:
            _el(c, "cbc:Name", contact)                                             # BT-502
        if phone:
            _el(c, "cbc:Telephone", phone)                                          # BT-503
        if email:
            _el(c, "cbc:ElectronicMail", email)                                     # BT-506


def _place(parent, nuts: str, country3: str | None) -> None:
    addr = _el(_el(parent, "cac:RealizedLocation"), "cac:Address")
    _el(addr, "cbc:CountrySubentityCode", nuts, listName="nuts")                    # BT-5071
    if country3:
        _el(_el(addr, "cac:Country"), "cbc:IdentificationCode", country3, listName="country")  # BT-5141


def build(plan: LotPlan, *, issued: dt.datetime) -> ET.Element:
    """The notice as an element tree (see the module docstring for what it carries)."""
    s = plan.scenario
    c = s.config
    b, p = c.buyer, c.procedure
    lang = c.language
    lang3 = N.LANG3[lang]
    cur = s.currency
    subtype = p.subtype
    country2 = N.country2(plan)
    country3 = N.COUNTRY3.get(country2) if country2 else None
    issued = N.issue_time(issued)
    lots = C.numbered_lots(plan)
    groups = N.lot_groups(plan)

    root = ET.Element(f"{{{NS['']}}}ContractNotice")
    ext = _el(_el(_el(_el(root, "ext:UBLExtensions"), "ext:UBLExtension"), "ext:ExtensionContent"),
              "efext:EformsExtension")
    _el(_el(ext, "efac:NoticeSubType"), "cbc:SubTypeCode", subtype, listName="notice-subtype")
    orgs = _el(ext, "efac:Organizations")
    _organisation(orgs, BUYER, name=b.name, number=b.organisation_number, street=b.street, postcode=b.postcode,
                  city=b.city, country2=N.country2(plan, b.country), nuts3=b.nuts3, url=b.url,
                  email=b.contact_email, phone=b.contact_phone, contact=b.contact_name, lang3=lang3)
    r = p.review_body
    if r.name:
        _organisation(orgs, REVIEW, name=r.name, number=r.organisation_number, street=r.street, postcode=r.postcode,
                      city=r.city, country2=N.country2(plan, r.country), nuts3=r.nuts3, url=r.url, email=r.contact_email,
                      phone=r.contact_phone, contact="", lang3=lang3)

    _el(root, "cbc:UBLVersionID", "2.3")
    _el(root, "cbc:CustomizationID", SDK_VERSION)
    _el(root, "cbc:ID", N.notice_id(plan), schemeName="notice-id")                  # BT-701
    _el(root, "cbc:ContractFolderID", N.contract_folder_id(plan))                   # BT-04
    _el(root, "cbc:IssueDate", f"{issued.date().isoformat()}Z")                     # BT-05
    _el(root, "cbc:IssueTime", f"{issued.time().isoformat()}Z")
    _el(root, "cbc:VersionID", "01")                                                # BT-757
    _el(root, "cbc:RegulatoryDomain", "32014L0024")                                 # BT-01
    _el(root, "cbc:NoticeTypeCode", NOTICE_TYPE[subtype], listName="competition")   # BT-02
    _el(root, "cbc:NoticeLanguageCode", lang3)                                      # BT-702

    party = _el(root, "cac:ContractingParty")
    _el(_el(party, "cac:ContractingPartyType"), "cbc:PartyTypeCode", b.legal_type, listName="buyer-legal-type")  # BT-11
    _el(_el(party, "cac:ContractingActivity"), "cbc:ActivityTypeCode", b.main_activity,
        listName="authority-activity")                                              # BT-10
    _el(_el(_el(party, "cac:Party"), "cac:PartyIdentification"), "cbc:ID", BUYER, schemeName="organization")

    terms = _el(root, "cac:TenderingTerms")
    _el(_el(_el(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"),
        "cbc:TendererRequirementTypeCode", "epo-procurement-document", listName="exclusion-grounds-source")
    if len(lots) > 1:
        dist = _el(terms, "cac:LotDistribution")
        k = c.rules.max_lots_per_tenderer
        if k is not None:
            _el(dist, "cbc:MaximumLotsAwardedNumeric", min(k, len(lots)))            # BT-33
        bid = c.rules.max_lots_per_bid
        _el(dist, "cbc:MaximumLotsSubmittedNumeric", min(bid or len(lots), len(lots)))  # BT-31
        for g in groups:
            lg = _el(dist, "cac:LotsGroup")
            _el(lg, "cbc:LotsGroupID", g.eforms_id, schemeName="LotsGroup")           # BT-330
            for n in g.lots:
                _el(_el(lg, "cac:ProcurementProjectLotReference"), "cbc:ID", n.eforms_id, schemeName="Lot")  # BT-1375

    process = _el(root, "cac:TenderingProcess")
    if subtype == "20":
        # The light regime has no accelerated procedure (BT-106) but needs the main
        # features of the procedure in words (BT-88).
        _el(process, "cbc:Description", N.text(lang, "light_regime", procedure=N.text(lang, f"type_{p.type}")),
            languageID=lang3)
    _el(process, "cbc:ProcedureCode", p.type, listName="procurement-procedure-type")  # BT-105
    if subtype != "20":
        _el(_el(process, "cac:ProcessJustification"), "cbc:ProcessReasonCode", "false",
            listName="accelerated-procedure")                                       # BT-106

    pp = _el(root, "cac:ProcurementProject")
    if p.reference:
        _el(pp, "cbc:ID", p.reference, schemeName="InternalID")                     # BT-22
    _el(pp, "cbc:Name", s.name, languageID=lang3)                                   # BT-21
    _el(pp, "cbc:Description", c.description or s.name, languageID=lang3)         # BT-24
    _el(pp, "cbc:ProcurementTypeCode", s.main_nature, listName="contract-nature")  # BT-23
    _el(_el(pp, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount",
        _amount(plan.metrics["contract_value"]), currencyID=cur)                    # BT-27
    by_group = s.demand.sum(axis=0)
    main_group = by_group.idxmax() if len(by_group) else s.groups.index[0]
    _el(_el(pp, "cac:MainCommodityClassification"), "cbc:ItemClassificationCode",
        _cpv(str(s.groups.loc[main_group, "cpv"])), listName="cpv")                 # BT-262
    for nuts in sorted({x for n in lots for x in N.lot_nuts_codes(plan, n)}):
        _place(pp, nuts, country3)

    for g in groups:
        _lots_group(root, plan, g, lang3)
    for n in lots:
        _lot(root, plan, n, lang3, country3)
    return root


def _award_criterion(terms, plan: LotPlan, lang3: str) -> None:
    p = plan.scenario.config.procedure
    lang = plan.scenario.config.language
    crit = _el(_el(_el(terms, "cac:AwardingTerms"), "cac:AwardingCriterion"), "cac:SubordinateAwardingCriterion")
    _el(crit, "cbc:AwardingCriterionTypeCode", p.award_criterion_type, listName="award-criterion-type")  # BT-539
    _el(crit, "cbc:Name", N.TEXTS["criteria_name"][p.award_criterion_type][lang], languageID=lang3)       # BT-734
    _el(crit, "cbc:Description", p.award_criteria or N.text(lang, "criteria_placeholder"), languageID=lang3)  # BT-540


def _lots_group(root, plan: LotPlan, g: N.LotGroup, lang3: str) -> None:
    lang = plan.scenario.config.language
    el = _el(root, "cac:ProcurementProjectLot")
    _el(el, "cbc:ID", g.eforms_id, schemeName="LotsGroup")                          # BT-137-LotsGroup
    _award_criterion(_el(el, "cac:TenderingTerms"), plan, lang3)
    pp = _el(el, "cac:ProcurementProject")
    _el(pp, "cbc:Name", g.title, languageID=lang3)                                  # BT-21-LotsGroup
    members = ", ".join(n.eforms_id for n in g.lots)
    _el(pp, "cbc:Description", f"{N.text(lang, 'group_desc')} {members}.", languageID=lang3)  # BT-24-LotsGroup
    _el(_el(pp, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount", _amount(g.contract_value),
        currencyID=plan.scenario.currency)                                          # BT-27-LotsGroup


def _lot(root, plan: LotPlan, n: C.LotNumber, lang3: str, country3: str | None) -> None:
    s = plan.scenario
    c = s.config
    p = c.procedure
    lang = c.language
    lot = n.lot
    el = _el(root, "cac:ProcurementProjectLot")
    _el(el, "cbc:ID", n.eforms_id, schemeName="Lot")                                # BT-137

    terms = _el(el, "cac:TenderingTerms")
    _el(terms, "cbc:VariantConstraintCode", "not-allowed", listName="permission")   # BT-63
    _el(terms, "cbc:FundingProgramCode", "no-eu-funds", listName="eu-funded")       # BT-60
    if p.documents_url:
        doc = _el(terms, "cac:CallForTendersDocumentReference")
        _el(doc, "cbc:ID", "DOC-0001")
        _el(doc, "cbc:DocumentType", "non-restricted-document")
        _el(_el(_el(doc, "cac:Attachment"), "cac:ExternalReference"), "cbc:URI", p.documents_url)  # BT-15
    for list_name, code in (("reserved-procurement", "none"), ("selection-criteria-source", "epo-procurement-document")):
        _el(_el(_el(terms, "cac:TendererQualificationRequest"), "cac:SpecificTendererRequirement"),
            "cbc:TendererRequirementTypeCode", code, listName=list_name)            # BT-71, BT-821
    for list_name, code in (("reserved-execution", "no"), ("einvoicing", "required"),
                            ("ecatalog-submission", "not-allowed")):
        _el(_el(terms, "cac:ContractExecutionRequirement"), "cbc:ExecutionRequirementCode", code,
            listName=list_name)                                                     # BT-736, BT-743, BT-764
    _award_criterion(terms, plan, lang3)
    if p.submission_url:
        rec = _el(terms, "cac:TenderRecipientParty")
        _el(rec, "cbc:EndpointID", p.submission_url)                                # BT-18
        _el(_el(rec, "cac:PartyIdentification"), "cbc:ID", BUYER, schemeName="organization")
    _el(_el(terms, "cac:TenderValidityPeriod"), "cbc:DurationMeasure", p.tender_validity_months,
        unitCode="MONTH")                                                           # BT-98
    appeal = _el(terms, "cac:AppealTerms")
    # The buyer tells about review procedures (OPT-301-Lot-ReviewInfo); the court hears them.
    _el(_el(_el(appeal, "cac:AppealInformationParty"), "cac:PartyIdentification"), "cbc:ID", BUYER,
        schemeName="organization")
    if p.review_body.name:
        _el(_el(_el(appeal, "cac:AppealReceiverParty"), "cac:PartyIdentification"), "cbc:ID", REVIEW,
            schemeName="organization")                                              # OPT-301-Lot-ReviewOrg
    _el(_el(terms, "cac:Language"), "cbc:ID", lang3)                                # BT-97
    post = _el(terms, "cac:PostAwardProcess")
    _el(post, "cbc:ElectronicOrderUsageIndicator", str(p.electronic_ordering).lower())  # BT-92
    _el(post, "cbc:ElectronicPaymentUsageIndicator", str(p.electronic_payment).lower())  # BT-93

    process = _el(el, "cac:TenderingProcess")
    _el(process, "cbc:SubmissionMethodCode", "required", listName="esubmission")   # BT-17
    if p.subtype != "20":       # the GPA does not cover the light regime's services
        _el(process, "cbc:GovernmentAgreementConstraintIndicator", str(p.gpa).lower())  # BT-115
    if p.tender_deadline:
        when = N.deadline_datetime(p.tender_deadline)
        period = _el(process, "cac:TenderSubmissionDeadlinePeriod")
        _el(period, "cbc:EndDate", _date(when.date(), when.tzinfo))                 # BT-131
        _el(period, "cbc:EndTime", when.time().replace(microsecond=0).isoformat() + _offset(when.tzinfo))
    _el(_el(process, "cac:AuctionTerms"), "cbc:AuctionConstraintIndicator", "false")  # BT-767
    for list_name in ("framework-agreement", "dps-usage"):
        _el(_el(process, "cac:ContractingSystem"), "cbc:ContractingSystemTypeCode", "none",
            listName=list_name)                                                     # BT-765, BT-766

    pp = _el(el, "cac:ProcurementProject")
    _el(pp, "cbc:ID", n.internal_id, schemeName="InternalID")                      # BT-22
    _el(pp, "cbc:Name", C.lot_title(plan, lot, lang), languageID=lang3)             # BT-21
    _el(pp, "cbc:Description", lot_description(plan, lot, lang), languageID=lang3)  # BT-24
    _el(pp, "cbc:ProcurementTypeCode", C.lot_nature(plan, lot), listName="contract-nature")  # BT-23
    _el(_el(pp, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount",
        _amount(lot.contract_value), currencyID=s.currency)                         # BT-27
    cpv = C.lot_cpv(plan, lot)
    _el(_el(pp, "cac:MainCommodityClassification"), "cbc:ItemClassificationCode", _cpv(cpv[0]), listName="cpv")
    for extra in dict.fromkeys(_cpv(x) for x in cpv[1:] if _cpv(x) != _cpv(cpv[0])):
        _el(_el(pp, "cac:AdditionalCommodityClassification"), "cbc:ItemClassificationCode", extra, listName="cpv")
    for nuts in N.lot_nuts_codes(plan, n):
        _place(pp, nuts, country3)
    unit, amount = _duration(c.base_years)
    period = _el(pp, "cac:PlannedPeriod")
    _el(period, "cbc:DurationMeasure", amount, unitCode=unit)                       # BT-36
    if p.extensions:
        extension = _el(pp, "cac:ContractExtension")
        _el(extension, "cbc:MaximumNumberNumeric", len(p.extensions))               # BT-58
        periods = " + ".join(f"{e:g}" for e in p.extensions)
        _el(_el(_el(extension, "cac:Renewal"), "cac:Period"), "cbc:Description",
            N.text(lang, "renewal", periods=periods), languageID=lang3)              # BT-57


def write_notice(plan: LotPlan, path: str | Path, *, timestamp: dt.datetime) -> tuple[Path, list[N.MissingField]]:
    """Write ``eforms_notice.xml`` and return it with the fields the scenario lacks (see
    :func:`lotsplit.export.notice.write_missing_fields` for the list beside it)."""
    path = Path(path)
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    root = build(plan, issued=timestamp)
    ET.indent(root, space="  ")
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path.write_bytes(data + b"\n")
    return path, N.missing_fields(plan, issued=N.issue_time(timestamp))


def write_eforms(plan: LotPlan, out_dir: str | Path, *, timestamp: dt.datetime) -> list[Path]:
    """Write ``eforms_notice.xml`` into ``out_dir`` and, when the scenario lacks fields the
    notice needs, ``notice_missing_fields.txt`` listing them (with a warning); return the
    paths written."""
    path, missing = write_notice(plan, Path(out_dir) / "eforms_notice.xml", timestamp=timestamp)
    listed = N.write_missing_fields(plan, missing, out_dir)
    return [path] + ([listed] if listed else [])
