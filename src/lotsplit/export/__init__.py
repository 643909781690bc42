"""Writing results: every output directory is written atomically (see ``atomic``).

``write_all(plan, out_dir)`` writes every export of issue #4 (tables, workbook, GeoPackage,
GeoJSON, maps, web map, tender annex, eForms contract notice, OCDS release package,
manifest); ``write_plan_files`` only the three core plan files.
"""

from lotsplit.export.atomic import check_output_target, output_directory
from lotsplit.export.tables import write_plan_files
from lotsplit.export.writer import write_all

__all__ = ["check_output_target", "output_directory", "write_all", "write_plan_files"]
