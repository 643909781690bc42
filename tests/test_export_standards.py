"""Every standards export of one plan: eForms (SDK XSD), OCDS (release-package schema with the
lots extension), one lot numbering shared by all of them, and GeoPackage 1.2."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

import pytest

import lotsplit
from lotsplit.export.common import lot_numbers, numbered_lots
from lotsplit.export.eforms import NS, build
from lotsplit.export.ocds import release_package
from lotsplit.synthetic import grid_scenario

from test_export_helpers import FIXED, HOSTILE

CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"


@pytest.fixture(scope="module")
def plans():
    return {"hostile": lotsplit.optimize(lotsplit.load_scenario(HOSTILE)),
            "grid": lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))}


def notice(plan) -> bytes:
    for prefix, uri in NS.items():
        ET.register_namespace(prefix, uri)
    return ET.tostring(build(plan, issued=FIXED), encoding="utf-8", xml_declaration=True)


def lot_elements(root):
    return [e for e in root.findall(f"{CAC}ProcurementProjectLot") if e.find(f"{CBC}ID").get("schemeName") == "Lot"]


@pytest.mark.parametrize("which", ["hostile", "grid"])
def test_eforms_notice_valid_against_sdk_xsd(plans, which, shared_dir):
    """Even a scenario without [buyer]/[procedure] gives a schema-valid document."""
    etree = pytest.importorskip("lxml.etree")
    xsd = shared_dir / "standards" / "eforms-sdk" / "schemas" / "maindoc" / "UBL-ContractNotice-2.3.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    plan = plans[which]
    doc = etree.fromstring(notice(plan))
    assert schema.validate(doc), schema.error_log
    root = ET.fromstring(notice(plan))
    lots = lot_elements(root)
    numbers = numbered_lots(plan)
    assert [l.findtext(f"{CBC}ID") for l in lots] == [n.eforms_id for n in numbers]
    for el, n in zip(lots, numbers):
        pp = el.find(f"{CAC}ProcurementProject")
        amount = pp.find(f"{CAC}RequestedTenderTotal/{CBC}EstimatedOverallContractAmount")
        assert float(amount.text) == pytest.approx(n.lot.contract_value, abs=0.01)
        assert amount.get("currencyID") == plan.scenario.currency
        cpv = pp.findtext(f"{CAC}MainCommodityClassification/{CBC}ItemClassificationCode")
        assert cpv == plan.scenario.groups.loc[n.lot.groups[0], "cpv"].split("-")[0]
    dist = root.find(f"{CAC}TenderingTerms/{CAC}LotDistribution")
    bt31 = int(dist.findtext(f"{CBC}MaximumLotsSubmittedNumeric"))                # BT-31 always
    assert bt31 == len(lots)
    if which == "hostile":    # max_lots_per_tenderer = 2: BT-33 <= BT-31 <= number of lots
        assert int(dist.findtext(f"{CBC}MaximumLotsAwardedNumeric")) == 2
        assert {e.text for e in root.iter(f"{CBC}CountrySubentityCode")} == {"DK014"}
    else:
        assert dist.find(f"{CBC}MaximumLotsAwardedNumeric") is None


def _package_schema(shared):
    """The OCDS 1.1 release-package schema with the release schema inlined and patched
    with the lots extension (RFC 7386 merge patch), plus two definitions the shared copy
    lacks: ``SubmissionTerms`` (the submission terms extension, referenced by the lots
    extension's ``lots[].submissionTerms``, which lotsplit does not write) and the location
    extension's ``items[].deliveryAddresses`` (an array of core ``Address``)."""
    base = shared / "standards" / "ocds-1.1"
    release = json.loads((base / "schema" / "release-schema.json").read_text("utf-8"))
    patch = json.loads((base / "extensions" / "lots" / "release-schema.json").read_text("utf-8"))

    def merge(a, b):
        if not isinstance(b, dict):
            return copy.deepcopy(b)
        out = dict(a) if isinstance(a, dict) else {}
        for k, v in b.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge(out.get(k), v)
        return out

    release = merge(release, patch)
    release["definitions"].setdefault("SubmissionTerms", {"type": "object"})
    release["definitions"]["Item"]["properties"]["deliveryAddresses"] = {
        "type": "array", "items": {"$ref": "#/definitions/Address"}}
    package = json.loads((base / "schema" / "release-package-schema.json").read_text("utf-8"))
    release.pop("id", None)
    package["definitions"] = {"release": release}
    package["properties"]["releases"]["items"] = {"$ref": "#/definitions/release"}
    # References inside the release point at its own definitions.
    text = json.dumps(package).replace('"#/definitions/', '"#/definitions/release/definitions/')
    return json.loads(text.replace('"#/definitions/release/definitions/release"', '"#/definitions/release"'))


@pytest.mark.parametrize("which", ["hostile", "grid"])
def test_ocds_package_valid_against_schema_with_lots_extension(plans, which, shared_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _package_schema(shared_dir)
    plan = plans[which]
    pkg = release_package(plan, date=FIXED.date())
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(pkg), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    broken = copy.deepcopy(pkg)
    broken["releases"][0]["tender"]["lots"][0].pop("id")
    assert any("'id' is a required property" in e.message for e in validator.iter_errors(broken))
    if which == "hostile":
        assert pkg["releases"][0]["tender"]["lotDetails"]["maximumLotsAwardedPerSupplier"] == 2


def test_one_lot_numbering_when_lot_ids_are_edited(plans):
    """A planner renames lots H1, H2, H10 and keeps one LOT-0007: the eForms notice and the
    OCDS package number every lot the same way, and each keeps the planner's id."""
    plan = plans["grid"]
    a = plan.assignment
    ids = sorted(a["lot_id"].unique())
    assert len(ids) >= 4
    rename = dict(zip(ids, ["H10", "LOT-0007", "H2", "H1"] + [f"X{k}" for k in range(len(ids) - 4)]))
    edited = lotsplit.evaluate(plan.scenario, a.assign(lot_id=a["lot_id"].map(rename)))
    numbers = lot_numbers(edited)
    assert numbers["LOT-0007"].eforms_id == "LOT-0007"                 # kept
    assert [numbers[i].number for i in ("H1", "H2", "H10")] == [1, 2, 3]  # natural order, free numbers
    expected = [(n.eforms_id, n.internal_id) for n in numbered_lots(edited)]
    assert [e for e, _ in expected] == sorted(e for e, _ in expected)

    lots = lot_elements(ET.fromstring(notice(edited)))
    in_eforms = [(l.findtext(f"{CBC}ID"), l.findtext(f"{CAC}ProcurementProject/{CBC}ID")) for l in lots]
    in_ocds = [(l["id"], l["identifiers"][0]["id"])
               for l in release_package(edited, date=FIXED.date())["releases"][0]["tender"]["lots"]]
    assert in_eforms == expected == in_ocds
    # The same lot has the same title in both.
    titles = {l.findtext(f"{CBC}ID"): l.findtext(f"{CAC}ProcurementProject/{CBC}Name") for l in lots}
    for lot in release_package(edited, date=FIXED.date())["releases"][0]["tender"]["lots"]:
        assert titles[lot["id"]] == lot["title"]


def test_geopackage_is_version_1_2(plans, tmp_path):
    from lotsplit.export.geo import write_geopackage

    path = write_geopackage(plans["hostile"], tmp_path / "lots.gpkg")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47      # "GPKG"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200             # 1.2.0
    if shutil.which("ogrinfo"):        # the GDAL a QGIS LTR user has: no "partially supported" warning
        run = subprocess.run(["ogrinfo", "-ro", "-so", str(path)], capture_output=True, text=True, check=True)
        assert "partially supported" not in run.stdout + run.stderr
        assert {"areas", "lots", "adjacency"} <= {line.split(":")[1].split("(")[0].strip()
                                                   for line in run.stdout.splitlines() if line[:1].isdigit()}
