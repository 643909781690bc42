"""lotsplit benchmarks (not installed; run ``python benchmarks/run.py``)."""
