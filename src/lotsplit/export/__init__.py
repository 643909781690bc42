"""Writing results: every output folder is written atomically and safely (see ``atomic``).

``write_all(plan, out_dir)`` writes every export of issue #4 (tables, workbook, GeoPackage,
GeoJSON, maps, web map, public tender annex, internal memo, eForms contract notice, OCDS
release package, manifest), or those named in
``exports`` (``EXPORTS``); ``write_plan_files`` only the three core plan files.
``output_directory(out)`` yields the temporary folder that replaces ``out`` when complete;
``reserve_output(out)`` checks and locks ``out`` for a whole run.
"""

from lotsplit.export.atomic import check_output_target, output_directory, reserve_output
from lotsplit.export.tables import write_plan_files
from lotsplit.export.writer import EXPORTS, parse_exports, write_all

__all__ = ["EXPORTS", "check_output_target", "output_directory", "parse_exports", "reserve_output", "write_all",
           "write_plan_files"]
