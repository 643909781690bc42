"""eForms and OCDS lot exports validated against the official schemas in ../shared/standards."""

from __future__ import annotations

import copy
import json

import pytest

import lotsplit
from lotsplit.export.eforms import write_eforms
from lotsplit.export.ocds import release
from lotsplit.synthetic import grid_scenario

from test_export_helpers import FIXED, HOSTILE

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


@pytest.fixture(scope="module")
def plans():
    return {"hostile": lotsplit.optimize(lotsplit.load_scenario(HOSTILE)),
            "grid": lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))}


@pytest.mark.parametrize("which", ["hostile", "grid"])
def test_eforms_lots_valid_against_sdk_xsd(plans, which, shared_dir, tmp_path):
    etree = pytest.importorskip("lxml.etree")
    xsd = shared_dir / "standards" / "eforms-sdk" / "schemas" / "maindoc" / "UBL-ContractNotice-2.3.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    plan = plans[which]
    path = write_eforms(plan, tmp_path / "eforms_lots.xml")
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log
    lots = doc.findall(f"{CAC}ProcurementProjectLot")
    ids = [l.findtext(f"{CBC}ID") for l in lots]
    assert ids == [l.id for l in plan.lots]
    assert all(l.find(f"{CBC}ID").get("schemeName") == "Lot" for l in lots)
    for el, lot in zip(lots, plan.lots):
        pp = el.find(f"{CAC}ProcurementProject")
        amount = pp.find(f"{CAC}RequestedTenderTotal/{CBC}EstimatedOverallContractAmount")
        assert float(amount.text) == pytest.approx(lot.contract_value, abs=0.01)
        assert amount.get("currencyID") == plan.scenario.currency
        cpv = pp.findtext(f"{CAC}MainCommodityClassification/{CBC}ItemClassificationCode")
        assert cpv == plan.scenario.groups.loc[lot.groups[0], "cpv"].split("-")[0]
    dist = doc.find(f"{CAC}TenderingTerms/{CAC}LotDistribution")
    if which == "hostile":    # max_lots_per_tenderer = 2: BT-33 <= BT-31 <= number of lots
        bt31 = int(dist.findtext(f"{CBC}MaximumLotsSubmittedNumeric"))
        bt33 = int(dist.findtext(f"{CBC}MaximumLotsAwardedNumeric"))
        assert bt33 == 2 and bt33 <= bt31 <= len(lots)
        nuts = {e.text for e in doc.iter(f"{CBC}CountrySubentityCode")}
        assert nuts == {"DK014"}
        assert {e.text for e in doc.iter(f"{CBC}IdentificationCode")} == {"DNK"}
    else:
        assert dist is None


def _release_schema(shared):
    base = json.loads((shared / "standards" / "ocds-1.1" / "schema" / "release-schema.json").read_text("utf-8"))
    patch = json.loads((shared / "standards" / "ocds-1.1" / "extensions" / "lots" / "release-schema.json")
                       .read_text("utf-8"))

    def merge(a, b):     # JSON Merge Patch, RFC 7386
        if not isinstance(b, dict):
            return copy.deepcopy(b)
        out = dict(a) if isinstance(a, dict) else {}
        for k, v in b.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge(out.get(k), v)
        return out

    return merge(base, patch)


@pytest.mark.parametrize("which", ["hostile", "grid"])
def test_ocds_lots_valid_against_schema_with_lots_extension(plans, which, shared_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _release_schema(shared_dir)
    plan = plans[which]
    rel = release(plan, date=FIXED.date())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(rel), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    lots = rel["tender"]["lots"]
    assert [l["id"] for l in lots] == [l.id for l in plan.lots]
    assert {i["relatedLot"] for i in rel["tender"]["items"]} == {l.id for l in plan.lots}
    assert sum(l["value"]["amount"] for l in lots) == pytest.approx(plan.metrics["contract_value"], abs=1)
    if which == "hostile":
        assert rel["tender"]["lotDetails"]["maximumLotsAwardedPerSupplier"] == 2
