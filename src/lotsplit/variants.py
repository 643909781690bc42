"""The former name of :mod:`lotsplit.batch.variants` (``compare``, ``sweep``), kept so that
``from lotsplit.variants import sweep`` and ``lotsplit.variants.run_spec`` go on working:
this module *is* that one."""

import sys

from lotsplit.batch import variants as _variants

sys.modules[__name__] = _variants
