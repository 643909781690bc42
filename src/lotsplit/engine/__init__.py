"""The engine: finds the best lot plan of the model.

``optimize`` runs the stages in order; each is a public function a notebook can stop
after (``lotsplit.model.lots.lot_space`` → ``lotsplit.model.master.build_master`` →
``exact.solve_exact`` / ``generated.solve_generated`` → ``optimize.plan_from_columns``).
HiGHS is run in one place (``highs``), CBC for cross-checks in ``cbc``; the districting
engine (``districting``) solves single-group partition scenarios.
"""
