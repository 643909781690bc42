"""The model: candidate lots (``lots``), every lot rule once (``rules``), the objective
(``objective``) and the set-partitioning master (``master``).  DESIGN §2 defines it."""
