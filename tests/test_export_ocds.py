"""ocds_release_package.json: content, and the standard's data review tool (lib-cove-ocds).

lib-cove-ocds normally downloads the standard and every extension.  Here it runs offline
on ``../shared/standards/ocds-1.1``: the standard is handed to it as a ZIP built from the
shared schema, and the lots extension is served from the shared copy.  Two gaps of the
shared copy are filled, each with a stand-in that validates nothing it should not:

- the lots extension's ``lots[].submissionTerms`` refers to ``SubmissionTerms``, defined by
  the separate submission terms extension, not in the shared copy: defined here as an
  object (lotsplit writes no ``submissionTerms``);
- ``versioned-release-validation-schema.json`` (used only for record packages) is absent:
  a stand-in object schema.

The location extension (``items[].deliveryAddresses``) is not in the shared copy, so offline
it is reported as unavailable and its field as an additional field, never as an error.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

import lotsplit
from lotsplit.export.common import numbered_lots
from lotsplit.export.ocds import release_package

from test_export_helpers import FIXED, HOSTILE, ROOT

MALUNG = ROOT / "scenarios" / "malung-salen-winter" / "scenario.toml"
LOTS_ZIP = "https://github.com/open-contracting-extensions/ocds_lots_extension/archive/master.zip"


@pytest.fixture(scope="module")
def malung():
    return lotsplit.optimize(lotsplit.load_scenario(MALUNG))


def _standard_zip(ocds) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("standard-1__1__5/", "")
        for f in sorted((ocds / "schema").rglob("*")):
            if f.is_file():
                z.write(f, f"standard-1__1__5/schema/{f.relative_to(ocds / 'schema').as_posix()}")
        stand_in = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"}
        z.writestr("standard-1__1__5/schema/versioned-release-validation-schema.json", json.dumps(stand_in))
    return buf.getvalue()


def _lots_extension_zip(ocds) -> bytes:
    lots = ocds / "extensions" / "lots"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ocds_lots_extension-master/", "")
        for f in sorted(lots.rglob("*")):
            if f.is_file() and f.name != "release-schema.json":
                z.write(f, f"ocds_lots_extension-master/{f.relative_to(lots).as_posix()}")
        patch = json.loads((lots / "release-schema.json").read_text("utf-8"))
        patch.setdefault("definitions", {}).setdefault("SubmissionTerms", {"type": "object"})
        z.writestr("ocds_lots_extension-master/release-schema.json", json.dumps(patch))
    return buf.getvalue()


@pytest.fixture
def cove(shared_dir, monkeypatch, tmp_path):
    """``cove(package) -> context``: lib-cove-ocds' checks, offline."""
    pytest.importorskip("libcoveocds", reason="lib-cove-ocds (the OCDS data review library) is not installed")
    requests = pytest.importorskip("requests")
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from ocdsextensionregistry import util

    ocds = shared_dir / "standards" / "ocds-1.1"
    if not (ocds / "schema" / "release-package-schema.json").exists():
        pytest.skip(f"OCDS 1.1 schema not found under {ocds}")
    lots_zip = _lots_extension_zip(ocds)

    def offline_get(url, *args, **kwargs):
        r = requests.Response()
        r.url = url
        r.status_code, r._content = (200, lots_zip) if url == LOTS_ZIP else (404, b"")
        r.reason = "OK" if r.status_code == 200 else "not available offline"
        return r

    monkeypatch.setattr(util.session, "get", offline_get)
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": _standard_zip(ocds)})

    def run(package: dict) -> dict:
        # It writes the extended schema into output_dir: a temporary one, never the work tree.
        return ocds_json_output(str(tmp_path), json_data=json.loads(json.dumps(package)), lib_cove_ocds_config=config)

    return run


def test_release_package_passes_the_data_review_with_zero_errors(malung, cove):
    result = cove(release_package(malung, date=FIXED.date()))
    assert result.get("validation_errors", []) == []
    assert "json_deref_error" not in result
    assert [e["url"] for e in result["extensions"]["extensions"]] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json"]
    # Only the location extension's field is unknown (its schema is not available offline).
    assert {f["field"] for f in result.get("additional_fields", [])} <= {"deliveryAddresses"}
    assert not result.get("additional_checks")


def test_the_data_review_catches_a_bare_release(malung, cove):
    """The issue's finding reproduced: a release written without its package."""
    bare = release_package(malung, date=FIXED.date())["releases"][0]
    result = cove(bare)
    required = {re.search(r"'(\w+)' is missing", e["description"]).group(1)
                for e in result["validation_errors"] if e["type"] == "required"}
    assert required == {"publishedDate", "publisher", "releases", "uri", "version"}


def test_release_package_content(malung):
    pkg = release_package(malung, date=FIXED.date())
    assert pkg["version"] == "1.1" and pkg["publishedDate"] == "2026-03-01T00:00:00Z"
    assert pkg["uri"].startswith("urn:uuid:") and pkg["publisher"]["name"] == "Malung-Sälens kommun"
    assert pkg["publisher"] == {"name": "Malung-Sälens kommun", "scheme": "SE-ON", "uid": "212000-2171"}
    (rel,) = pkg["releases"]
    assert re.fullmatch(r"ocds-[a-z0-9]{6}-[0-9a-f-]{36}", rel["ocid"])
    assert rel["ocid"].startswith(malung.scenario.config.procedure.ocid_prefix + "-")
    buyer = next(p for p in rel["parties"] if "buyer" in p["roles"])
    assert rel["buyer"] == {"id": buyer["id"], "name": buyer["name"]}
    assert buyer["identifier"] == {"scheme": "SE-ON", "id": "212000-2171", "legalName": "Malung-Sälens kommun"}
    assert buyer["address"]["region"] == "SE312" and buyer["contactPoint"]["email"]
    assert any(p["roles"] == ["reviewBody"] for p in rel["parties"])
    t = rel["tender"]
    assert [l["id"] for l in t["lots"]] == [n.eforms_id for n in numbered_lots(malung)]
    assert {i["relatedLot"] for i in t["items"]} == {l["id"] for l in t["lots"]}
    assert all(a["region"] == "SE312" for i in t["items"] for a in i["deliveryAddresses"])
    assert t["lotDetails"] == {"maximumLotsBidPerSupplier": len(malung.lots)}
    assert t["tenderPeriod"]["endDate"] == "2027-04-06T23:59:00+02:00"
    assert t["contractPeriod"]["durationInDays"] == 730 and t["contractPeriod"]["startDate"] == "2027-10-01T00:00:00Z"
    assert sum(l["value"]["amount"] for l in t["lots"]) == pytest.approx(malung.metrics["contract_value"], abs=1)


def test_cap_and_lot_groups(malung):
    import dataclasses

    c = malung.scenario.config
    rules = c.rules.model_copy(update={"max_lots_per_tenderer": 2, "combinations": "same_areas"})
    plan = dataclasses.replace(malung, scenario=dataclasses.replace(malung.scenario,
                                                                   config=c.model_copy(update={"rules": rules})))
    t = release_package(plan, date=FIXED.date())["releases"][0]["tender"]
    assert t["lotDetails"]["maximumLotsAwardedPerSupplier"] == 2
    lot_ids = {l["id"] for l in t["lots"]}
    assert t["lotGroups"] and all(set(g["relatedLots"]) <= lot_ids and len(g["relatedLots"]) >= 2
                                  for g in t["lotGroups"])


def test_incomplete_buyer_still_gives_a_valid_package(cove):
    plan = lotsplit.optimize(lotsplit.load_scenario(HOSTILE))
    result = cove(release_package(plan, date=FIXED.date()))
    assert result.get("validation_errors", []) == []
