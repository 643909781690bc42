"""``write_all``: every export of a plan into one directory (the files of issue #4).

Same plan, same files: everything is byte-identical between runs except ``manifest.json``
(export time, solve seconds) and the export *date* (day) carried by ``lots.xlsx`` (Summary
sheet and document properties) and ``annex.html``/``annex.pdf``.  Set
``SOURCE_DATE_EPOCH`` (or pass ``timestamp``) to pin that too.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from lotsplit.export import annex, eforms, geo, maps, memo, ocds, webmap, xlsx
from lotsplit.export.common import has_geometry
from lotsplit.export.manifest import write_manifest
from lotsplit.export.reasons import compare
from lotsplit.export.tables import write_plan_files
from lotsplit.plan import LotPlan


def export_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def write_all(plan: LotPlan, out_dir: str | Path, *, command: list[str] | None = None,
              timestamp: dt.datetime | None = None) -> list[Path]:
    """Write every export of ``plan`` into ``out_dir`` (an existing, usually temporary,
    directory; see :func:`lotsplit.export.output_directory`) and return the paths.

    >>> from lotsplit.synthetic import grid_scenario
    >>> import lotsplit, tempfile
    >>> plan = lotsplit.optimize(grid_scenario(2, 2, 2, 4, seed=1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_all(plan, d))[:3]
    ['annex.html', 'annex.pdf', 'assignment.csv']
    """
    d = Path(out_dir)
    timestamp = timestamp or export_time()
    date = timestamp.astimezone(dt.timezone.utc).date()
    written = list(write_plan_files(plan, d))
    written.append(xlsx.write_workbook(plan, d / "lots.xlsx", date=date))
    map_png = b""
    if has_geometry(plan):
        written.append(geo.write_geopackage(plan, d / "lots.gpkg"))
        written.append(geo.write_geojson(plan, d / "lots.geojson"))
        written += maps.write_maps(plan, d)
        map_png = (d / "map.png").read_bytes()
        written.append(webmap.write_webmap(plan, d / "map.html"))
    reasons = compare(plan)
    written += annex.write_annex(plan, reasons, map_png, d, date=date)
    written += memo.write_memo(plan, reasons, d, date=date)
    written += eforms.write_eforms(plan, d, timestamp=timestamp)
    written.append(ocds.write_ocds(plan, d / "ocds_release_package.json", date=date))
    written.append(write_manifest(plan, written, d, command=command, timestamp=timestamp))
    return written
