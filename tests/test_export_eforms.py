"""eforms_notice.xml against the eForms SDK: XSD and the schematron phase of its subtype.

The schematron (``../shared/standards/eforms-sdk/schematrons/static``) is compiled to XSLT
by ``lotsplit.export.schematron`` and run with Saxon-HE (``saxonche``); compiling phase
``eforms-16`` takes about 2-3 s, checking a notice a few milliseconds, so the whole phase
runs in the fast tier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

import pytest

import lotsplit
from lotsplit.export import notice as N
from lotsplit.export.eforms import NS, build, write_eforms
from lotsplit.synthetic import grid_scenario

from test_export_helpers import HOSTILE, ROOT

MALUNG = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
ISSUED = dt.datetime(2027, 2, 20, 9, 30, tzinfo=dt.timezone.utc)
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


_COMPILED: dict = {}      # phase -> NoticeValidator, compiled once per test session


@pytest.fixture
def sdk(shared_dir):
    path = shared_dir / "standards" / "eforms-sdk"
    if not (path / "schematrons" / "static" / "complete-validation.sch").exists():
        pytest.skip(f"eForms SDK schematron not found under {path}")
    return path


@pytest.fixture
def validators(sdk):
    pytest.importorskip("saxonche", reason="saxonche (Saxon-HE) runs the SDK schematron: pip install lotsplit[validate]")
    from lotsplit.export.schematron import NoticeValidator

    def get(subtype: str) -> NoticeValidator:
        if subtype not in _COMPILED:
            _COMPILED[subtype] = NoticeValidator(sdk, phase=f"eforms-{subtype}")
        return _COMPILED[subtype]

    return get


@pytest.fixture
def xsd(sdk):
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(sdk / "schemas" / "maindoc" / "UBL-ContractNotice-2.3.xsd")))


@pytest.fixture(scope="module")
def malung():
    s = lotsplit.load_scenario(MALUNG)
    return lotsplit.optimize(s)


def notice_bytes(plan) -> bytes:
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    return ET.tostring(build(plan, issued=ISSUED), encoding="utf-8", xml_declaration=True)


def with_config(plan, **sections):
    """``plan`` with parts of its scenario's config replaced (``buyer={...}``, ``procedure={...}``)."""
    c = plan.scenario.config
    update = {}
    for name, fields in sections.items():
        part = getattr(c, name)
        if "review_body" in fields:
            fields = {**fields, "review_body": part.review_body.model_copy(update=fields["review_body"])}
        update[name] = part.model_copy(update=fields)
    scenario = dataclasses.replace(plan.scenario, config=c.model_copy(update=update))
    return dataclasses.replace(plan, scenario=scenario)


def errors(validator, data: bytes) -> set[str]:
    return validator.validate(data).error_ids()


def test_schematron_compiler_accepts_the_sdk_examples(validators, sdk):
    """The compiler is right where the SDK says the answer: its example notices are valid."""
    v = validators("16")
    for name in ("cn_24_minimal.xml", "cn_24_open.xml", "cn_24_maximal.xml"):
        report = v.validate(sdk / "examples" / "notices" / name)
        assert report.errors == [], (name, [str(f) for f in report.errors[:5]])


def test_complete_scenario_gives_a_notice_with_zero_errors(malung, validators, xsd):
    from lxml import etree

    data = notice_bytes(malung)
    assert xsd.validate(etree.fromstring(data)), xsd.error_log
    report = validators("16").validate(data)
    assert report.errors == [], [str(f) for f in report.errors[:10]]
    assert N.missing_fields(malung, issued=ISSUED) == []


def test_light_regime_is_subtype_20_and_valid(malung, validators, xsd):
    from lxml import etree

    plan = with_config(malung, procedure={"notice_subtype": "20"})
    data = notice_bytes(plan)
    root = ET.fromstring(data)
    assert root.find(f".//{CBC}SubTypeCode").text == "20"
    assert root.find(f"{CBC}NoticeTypeCode").text == "cn-social"
    assert xsd.validate(etree.fromstring(data)), xsd.error_log
    assert errors(validators("20"), data) == set()


def test_notice_content(malung):
    root = ET.fromstring(notice_bytes(malung))
    s = malung.scenario
    lots = [e for e in root.findall(f"{CAC}ProcurementProjectLot") if e.find(f"{CBC}ID").get("schemeName") == "Lot"]
    assert len(lots) == len(malung.lots)
    # BT-137 numbered as in every export, BT-22 the plan's own id with schemeName InternalID.
    from lotsplit.export.common import numbered_lots

    assert [e.findtext(f"{CBC}ID") for e in lots] == [n.eforms_id for n in numbered_lots(malung)]
    internal = [e.find(f"{CAC}ProcurementProject/{CBC}ID") for e in lots]
    assert all(i.get("schemeName") == "InternalID" for i in internal)
    assert {i.text for i in internal} == {l.id for l in malung.lots}
    # Buyer ORG-0001 exists and is the contracting party; legal type and activity.
    org_ids = [e.text for e in root.iter(f"{CBC}ID") if e.get("schemeName") == "organization"]
    assert "ORG-0001" in org_ids and "ORG-0002" in org_ids
    party = root.find(f"{CAC}ContractingParty")
    assert party.findtext(f"{CAC}ContractingPartyType/{CBC}PartyTypeCode") == "la"
    assert party.findtext(f"{CAC}ContractingActivity/{CBC}ActivityTypeCode") == "gen-pub"
    # BT-31 always (no cap in this scenario: every lot), no BT-33 without a cap.
    dist = root.find(f"{CAC}TenderingTerms/{CAC}LotDistribution")
    assert int(dist.findtext(f"{CBC}MaximumLotsSubmittedNumeric")) == len(lots)
    assert dist.find(f"{CBC}MaximumLotsAwardedNumeric") is None
    # Places: NUTS-3 for the procedure and each lot.
    assert root.findtext(f"{CAC}ProcurementProject/{CAC}RealizedLocation/{CAC}Address/{CBC}CountrySubentityCode") == "SE312"
    assert all(e.findtext(f".//{CAC}RealizedLocation/{CAC}Address/{CBC}CountrySubentityCode") == "SE312" for e in lots)
    # Base period 2 years, renewed at most twice (2 + 1 + 1).
    assert lots[0].find(f".//{CAC}PlannedPeriod/{CBC}DurationMeasure").text == "2"
    assert lots[0].findtext(f".//{CAC}ContractExtension/{CBC}MaximumNumberNumeric") == "2"
    assert root.findtext(f"{CBC}IssueDate") == "2027-02-20Z" and root.findtext(f"{CBC}VersionID") == "01"
    assert s.config.procedure.reference == root.findtext(f"{CAC}ProcurementProject/{CBC}ID")


def test_identifiers_are_uuid4_and_deterministic(malung):
    root = ET.fromstring(notice_bytes(malung))
    nid, folder = root.findtext(f"{CBC}ID"), root.findtext(f"{CBC}ContractFolderID")
    for value in (nid, folder):
        assert uuid.UUID(value).version == 4 and re.fullmatch(r"[0-9a-f-]{36}", value)
    assert nid != folder
    assert ET.fromstring(notice_bytes(malung)).findtext(f"{CBC}ID") == nid       # same input, same id
    # Another plan of the same procedure: a new notice id, the same procedure id.
    other = lotsplit.evaluate(malung.scenario, malung.assignment.assign(lot_id="LOT-0001"))
    assert N.contract_folder_id(other) == folder and N.notice_id(other) != nid


def test_cap_and_combinations(validators):
    s = grid_scenario(2, 3, 2, 6, seed=1)
    plan = lotsplit.optimize(s)
    assert len(plan.lots) >= 3
    full = lotsplit.load_scenario(MALUNG).config
    c = s.config.model_copy(update={
        "buyer": full.buyer, "procedure": full.procedure, "language": "sv",
        "rules": s.config.rules.model_copy(update={"max_lots_per_tenderer": 2, "max_lots_per_bid": 3,
                                                   "combinations": "same_groups"})})
    plan = dataclasses.replace(plan, scenario=dataclasses.replace(s, config=c, areas=s.areas.assign(nuts3="SE312")))
    data = notice_bytes(plan)
    root = ET.fromstring(data)
    dist = root.find(f"{CAC}TenderingTerms/{CAC}LotDistribution")
    assert dist.findtext(f"{CBC}MaximumLotsAwardedNumeric") == "2"                    # BT-33
    assert dist.findtext(f"{CBC}MaximumLotsSubmittedNumeric") == "3"                  # BT-31
    groups = N.lot_groups(plan)
    assert groups and all(len(g.lots) >= 2 for g in groups)
    written = [g.findtext(f"{CBC}LotsGroupID") for g in dist.findall(f"{CAC}LotsGroup")]
    assert written == [g.eforms_id for g in groups]
    members = [[r.text for r in g.iter(f"{CBC}ID")] for g in dist.findall(f"{CAC}LotsGroup")]
    assert members == [[n.eforms_id for n in g.lots] for g in groups]
    assert errors(validators("16"), data) == set()


def test_single_lot_plan_is_valid(malung, validators):
    one = lotsplit.evaluate(malung.scenario, malung.assignment.assign(lot_id="LOT-0001"))
    assert len(one.lots) == 1
    assert errors(validators("16"), notice_bytes(one)) == set()


@pytest.mark.parametrize("section, field, value", [
    ("buyer", "name", ""), ("buyer", "organisation_number", ""), ("buyer", "city", ""), ("buyer", "postcode", ""),
    ("buyer", "nuts3", None), ("buyer", "contact_email", ""), ("buyer", "contact_phone", ""),
    ("procedure", "tender_deadline", None), ("procedure", "documents_url", ""), ("procedure", "submission_url", ""),
    ("procedure", "review_body", {"name": ""}), ("procedure", "review_body", {"organisation_number": ""}),
])
def test_each_missing_field_is_listed_and_caught(malung, validators, section, field, value):
    """Both directions: a field the rules need is listed with its BT and fix, and the
    schematron rejects the notice without it."""
    plan = with_config(malung, **{section: {field: value}})
    missing = N.missing_fields(plan, issued=ISSUED)
    assert len(missing) == 1, missing
    assert missing[0].field.startswith(f"{section}.") and missing[0].bt and missing[0].fix
    assert errors(validators("16"), notice_bytes(plan)), "the schematron accepted a notice without " + field


def test_fields_that_are_not_required_are_not_listed(malung, validators):
    plan = with_config(malung, buyer={"street": "", "url": "", "contact_name": ""},
                       procedure={"reference": "", "publication_date": None, "contract_start": None})
    assert N.missing_fields(plan, issued=ISSUED) == []
    assert errors(validators("16"), notice_bytes(plan)) == set()


def test_placeholder_award_criteria_and_past_deadline_are_listed(malung):
    plan = with_config(malung, procedure={"award_criteria": ""})
    assert [m.field for m in N.missing_fields(plan, issued=ISSUED)] == ["procedure.award_criteria"]
    assert "[ATT FYLLA I" in notice_bytes(plan).decode("utf-8")
    late = dt.datetime(2027, 5, 1, tzinfo=dt.timezone.utc)
    assert [m.bt for m in N.missing_fields(malung, issued=late)] == ["BT-131(d)-Lot"]


def test_broken_notices_are_caught(malung, validators):
    """Negative tests of the validator: a notice without its buyer organisation, and one
    whose lot group names a lot that does not exist."""
    v = validators("16")
    good = notice_bytes(malung).decode("utf-8")
    no_buyer = re.sub(r"<efac:Organization>.*?ORG-0001.*?</efac:Organization>", "", good, count=1, flags=re.S)
    assert no_buyer != good
    assert "BR-OPT-00300-0250" in errors(v, no_buyer.encode("utf-8"))       # ORG-0001 refers to no organisation
    wrong_lot = good.replace('<cbc:ID schemeName="Lot">LOT-0001</cbc:ID>', '<cbc:ID schemeName="Lot">LOT-1</cbc:ID>', 1)
    assert "BR-BT-00137-0155" in errors(v, wrong_lot.encode("utf-8"))
    bad_subtype = good.replace(">16</cbc:SubTypeCode>", ">99</cbc:SubTypeCode>")
    assert "BR-OPP-00070-0052" in errors(v, bad_subtype.encode("utf-8"))  # not an eForms subtype


def test_incomplete_scenario_still_writes_the_notice_and_lists_the_fixes(tmp_path, caplog):
    plan = lotsplit.optimize(lotsplit.load_scenario(HOSTILE))
    with caplog.at_level("WARNING", logger="lotsplit"):
        paths = write_eforms(plan, tmp_path, timestamp=ISSUED)
    assert [p.name for p in paths] == ["eforms_notice.xml", N.MISSING_FILE]
    listed = (tmp_path / N.MISSING_FILE).read_text("utf-8")
    assert "BT-501-Organization-Company" in listed and "buyer.organisation_number" in listed
    assert "Udbudsbekendtgørelsen" in listed                     # the scenario's language (da)
    assert any("eforms_notice.xml" in r.message and N.MISSING_FILE in r.message for r in caplog.records)
    ET.parse(tmp_path / "eforms_notice.xml")                      # well-formed all the same


def test_complete_scenario_writes_no_missing_list(malung, tmp_path):
    paths = write_eforms(malung, tmp_path, timestamp=ISSUED)
    assert [p.name for p in paths] == ["eforms_notice.xml"]
    assert not (tmp_path / N.MISSING_FILE).exists()


@pytest.mark.parametrize("number, country, ok", [
    ("212000-2171", "SE", True), ("2120002171", "SE", True), ("212000-2172", "SE", False), ("21200-2171", "SE", False),
    ("29189846", "DK", True), ("29189847", "DK", False), ("1234", "DK", False),
])
def test_organisation_numbers_are_checked(number, country, ok):
    from lotsplit.config import organisation_number_problem

    assert (organisation_number_problem(number, country) is None) is ok


def test_bad_buyer_fields_are_scenario_errors(tmp_path):
    from lotsplit.errors import LotsplitError

    variant = tmp_path / "variant.toml"
    variant.write_text(f'extends = "{MALUNG.as_posix()}"\n[buyer]\nlegal_type = "kommun"\n', "utf-8")
    with pytest.raises(LotsplitError) as exc:
        lotsplit.load_scenario(variant)
    assert "buyer.legal_type" in str(exc.value) and "'la'" in str(exc.value)
    variant.write_text(f'extends = "{MALUNG.as_posix()}"\n[buyer]\norganisation_number = "212000-2172"\n', "utf-8")
    with pytest.raises(LotsplitError) as exc:
        lotsplit.load_scenario(variant)
    assert "buyer.organisation_number" in str(exc.value) and "check digit" in str(exc.value)
