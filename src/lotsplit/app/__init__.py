"""The planner's app (``lotsplit app``): a local web app in which a planner opens a
scenario, changes it, runs it, looks at the plan and the trade-off, and downloads the
tender pack — with no network at all.

Modules, one job each: ``server`` (the Starlette app, its routes and its guard),
``workspace`` (what one browser tab works on), ``jobs`` (long work off the request
thread, with progress and stop), ``actions`` (run, frontier, compare, tender pack),
``forms`` (the change form, read like the files; variant files), ``views`` (what the
pages show), ``texts`` (the app's words in sv/da/en); ``templates/`` and ``static/`` are
served from the package.

>>> from lotsplit.app import create_app
>>> app = create_app("scenarios/malung-salen-winter/scenario.toml")   # doctest: +SKIP
"""

from lotsplit.app.server import create_app, serve

__all__ = ["create_app", "serve"]
