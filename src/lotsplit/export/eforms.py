"""``eforms_lots.xml``: the lot structure of the plan as an eForms (UBL 2.3) contract notice.

Only the parts lotsplit knows are filled in: per lot BT-137 (``LOT-dddd``), BT-22 (the
plan's own lot id), BT-21/BT-24 title and description in the notice language, BT-23
nature, BT-27 estimated value, BT-262/BT-263 CPV (eForms writes CPV without the check
digit), BT-5071/BT-5141 NUTS-3 and country, BT-36 duration; for the procedure BT-27 and,
when the scenario caps the lots per tenderer, LotDistribution with BT-31 (a tenderer may bid
for every lot) and BT-33 (the cap; BT-33 <= BT-31).  Buyer, procedure and deadlines are left
for the eSender: the document is valid against the eForms SDK XSDs, not a complete notice
for the business rules.  Field ids and paths: ``shared/domain-facts.md`` §8.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export.annex import lot_description
from lotsplit.plan import LotPlan

NS = {
    "": "urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
LANG3 = {"sv": "SWE", "da": "DAN", "en": "ENG"}
COUNTRY3 = {"SE": "SWE", "DK": "DNK"}
_LOT = re.compile(r"^LOT-\d{4}$")
# Characters XML 1.0 cannot carry (control characters): replaced, never written.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def eforms_lot_ids(plan: LotPlan) -> dict[str, str]:
    """The plan's lot ids as BT-137 ids: kept when they match ``LOT-dddd``, else numbered."""
    ids = [l.id for l in plan.lots]
    if all(_LOT.match(i) for i in ids) and len(set(ids)) == len(ids):
        return {i: i for i in ids}
    return {i: f"LOT-{k:04d}" for k, i in enumerate(ids, start=1)}


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


def build(plan: LotPlan) -> ET.Element:
    s = plan.scenario
    lang = s.config.language
    lang3 = LANG3[lang]
    cur = s.currency
    country = COUNTRY3.get(s.config.country)
    digest = hashlib.sha256(("\n".join(f"{l.id}:{','.join(l.areas)}:{','.join(l.groups)}" for l in plan.lots)
                             + s.name).encode("utf-8")).hexdigest()
    root = ET.Element(f"{{{NS['']}}}ContractNotice")
    _el(root, "cbc:UBLVersionID", "2.3")
    _el(root, "cbc:CustomizationID", "eforms-sdk-1.15")
    _el(root, "cbc:ID", str(uuid.UUID(digest[:32])), schemeName="notice-id")
    _el(root, "cbc:ContractFolderID", str(uuid.UUID(digest[32:64])))
    _el(root, "cbc:RegulatoryDomain", "32014L0024")
    _el(root, "cbc:NoticeTypeCode", "cn-standard", listName="competition")
    _el(root, "cbc:NoticeLanguageCode", lang3)
    party = _el(_el(root, "cac:ContractingParty"), "cac:Party")
    _el(_el(party, "cac:PartyIdentification"), "cbc:ID", "ORG-0001", schemeName="organization")
    k = s.config.rules.max_lots_per_tenderer
    if k is not None and len(plan.lots) > 1:
        dist = _el(_el(root, "cac:TenderingTerms"), "cac:LotDistribution")
        _el(dist, "cbc:MaximumLotsAwardedNumeric", min(k, len(plan.lots)))        # BT-33
        _el(dist, "cbc:MaximumLotsSubmittedNumeric", len(plan.lots))             # BT-31
    pp = _el(root, "cac:ProcurementProject")
    _el(pp, "cbc:Name", s.name, languageID=lang3)
    if s.config.description:
        _el(pp, "cbc:Description", s.config.description, languageID=lang3)
    _el(pp, "cbc:ProcurementTypeCode", s.main_nature, listName="contract-nature")
    _el(_el(pp, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount",
        _amount(plan.metrics["contract_value"]), currencyID=cur)                # BT-27-Procedure
    by_group = s.demand.sum(axis=0)
    main_group = by_group.idxmax() if len(by_group) else s.groups.index[0]
    _el(_el(pp, "cac:MainCommodityClassification"), "cbc:ItemClassificationCode",
        _cpv(str(s.groups.loc[main_group, "cpv"])), listName="cpv")
    ids = eforms_lot_ids(plan)
    for lot in plan.lots:
        el = _el(root, "cac:ProcurementProjectLot")
        _el(el, "cbc:ID", ids[lot.id], schemeName="Lot")                          # BT-137
        p = _el(el, "cac:ProcurementProject")
        _el(p, "cbc:ID", lot.id)                                                    # BT-22
        _el(p, "cbc:Name", C.lot_title(plan, lot, lang), languageID=lang3)         # BT-21
        _el(p, "cbc:Description", lot_description(plan, lot, lang), languageID=lang3)  # BT-24
        _el(p, "cbc:ProcurementTypeCode", C.lot_nature(plan, lot), listName="contract-nature")  # BT-23
        _el(_el(p, "cac:RequestedTenderTotal"), "cbc:EstimatedOverallContractAmount",
            _amount(lot.contract_value), currencyID=cur)                            # BT-27
        cpv = C.lot_cpv(plan, lot)
        _el(_el(p, "cac:MainCommodityClassification"), "cbc:ItemClassificationCode", _cpv(cpv[0]), listName="cpv")
        for extra in dict.fromkeys(_cpv(c) for c in cpv[1:] if _cpv(c) != _cpv(cpv[0])):
            _el(_el(p, "cac:AdditionalCommodityClassification"), "cbc:ItemClassificationCode", extra, listName="cpv")
        for nuts in C.lot_nuts(plan, lot):                                          # BT-5071 / BT-5141
            addr = _el(_el(p, "cac:RealizedLocation"), "cac:Address")
            _el(addr, "cbc:CountrySubentityCode", nuts, listName="nuts")
            if country:
                _el(_el(addr, "cac:Country"), "cbc:IdentificationCode", country, listName="country")
        years = s.config.contract_years
        unit, amount = ("YEAR", f"{years:g}") if float(years).is_integer() else ("MONTH", f"{round(years * 12):d}")
        _el(_el(p, "cac:PlannedPeriod"), "cbc:DurationMeasure", amount, unitCode=unit)  # BT-36
    return root


def write_eforms(plan: LotPlan, path: str | Path) -> Path:
    path = Path(path)
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    root = build(plan)
    ET.indent(root, space="  ")
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path.write_bytes(data + b"\n")
    return path
