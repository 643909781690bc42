"""``ocds_lots.json``: the plan as an OCDS 1.1 release in planning stage with the lots
extension (``tender.lots``, ``tender.lotDetails``, ``items[].relatedLot``).

One item per lot and product group, classified by CPV.  Place of performance has no lot
field in OCDS 1.1 core; the NUTS-3 codes are in each lot's description (the OCDS-for-eForms
mapping of BT-5071 was not retrieved: ``shared/domain-facts.md`` §8, §9 q. 11).  The
release date is the export date (midnight UTC), so the file is stable within a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from lotsplit.export import common as C
from lotsplit.export.annex import lot_description
from lotsplit.plan import LotPlan

CATEGORY = {"supplies": "goods", "services": "services", "works": "works"}
EXTENSION = "ocds_lots_extension"


def release(plan: LotPlan, *, date: dt.date) -> dict:
    s = plan.scenario
    lang = s.config.language
    cur = s.currency
    digest = hashlib.sha256(("\n".join(f"{l.id}:{','.join(l.areas)}:{','.join(l.groups)}" for l in plan.lots)
                             + s.name).encode("utf-8")).hexdigest()[:16]
    days = int(round(s.config.contract_years * 365))
    lots, items = [], []
    for lot in plan.lots:
        lots.append({
            "id": lot.id,
            "title": C.lot_title(plan, lot, lang),
            "description": lot_description(plan, lot, lang),
            "status": "planning",
            "value": {"amount": round(lot.contract_value, 2), "currency": cur},
            "contractPeriod": {"durationInDays": days},
        })
        for g in lot.groups:
            items.append({
                "id": f"{lot.id}-{g}",
                "description": str(s.groups.loc[g, "name"]),
                "classification": {"scheme": "CPV", "id": str(s.groups.loc[g, "cpv"]).split("-")[0],
                                   "description": str(s.groups.loc[g, "name"])},
                "relatedLot": lot.id,
            })
    tender = {
        "id": f"lotsplit-{digest}",
        "title": s.name,
        "description": s.config.description or None,
        "status": "planning",
        "value": {"amount": round(plan.metrics["contract_value"], 2), "currency": cur},
        "mainProcurementCategory": CATEGORY.get(s.main_nature, "goods"),
        "contractPeriod": {"durationInDays": days},
        "items": items,
        "lots": lots,
    }
    k = s.config.rules.max_lots_per_tenderer
    if k is not None:
        tender["lotDetails"] = {"maximumLotsBidPerSupplier": len(plan.lots),
                                "maximumLotsAwardedPerSupplier": min(k, len(plan.lots))}
    if tender["description"] is None:
        del tender["description"]
    return {
        "ocid": f"ocds-lotsplit-{digest}",
        "id": f"lotsplit-{digest}-planning",
        "date": f"{date.isoformat()}T00:00:00Z",
        "tag": ["planning"],
        "initiationType": "tender",
        "language": lang,
        "tender": tender,
    }


def write_ocds(plan: LotPlan, path: str | Path, *, date: dt.date) -> Path:
    path = Path(path)
    path.write_text(json.dumps(release(plan, date=date), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path
