"""Writing results: every output directory is written atomically (see ``atomic``)."""

from lotsplit.export.atomic import output_directory
from lotsplit.export.tables import write_plan_files

__all__ = ["output_directory", "write_plan_files"]
