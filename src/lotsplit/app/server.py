"""The planner's app: a small Starlette application with pages rendered on the server
(Jinja, autoescaped) and a few lines of JavaScript of its own, all served from this
package — no CDN, no fonts or tiles to fetch, and a Content-Security-Policy that lets a
page reach nothing but this server.

    app = create_app(scenario="scenarios/malung-salen-winter/scenario.toml", out_root="out/app")
    serve(app, host="127.0.0.1", port=8765)     # what `lotsplit app` does

Security: the server answers only to the host names it was started for (no DNS
rebinding), refuses a form sent from another site (``Origin``/``Sec-Fetch-Site``), limits
uploads in size and type, escapes every name, reads only the scenario opened and its
uploads, and writes the tender pack atomically into its own output folder.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lotsplit import progress
from lotsplit.app import actions, views
from lotsplit.app.guard import LOOPBACK, MAP_CSP, Guard
from lotsplit.app import texts as TX
from lotsplit.app.texts import t
from lotsplit.app.workspace import (SCENARIO_SUFFIXES, UPLOAD_MB, Registry, Workspace, bundled_examples,
                                    safe_upload_name, scenarios_in)

log = logging.getLogger("lotsplit.app")

FRONTIER_POINTS = 15
SAMPLES, MAX_SAMPLES = 20, 200
"""Monte Carlo samples of the uncertainty reading: the form's default and its most."""


def job_words(state: dict, lang: str) -> dict:
    """A job's state with its stage and detail in ``lang``."""
    return state | {"stage": progress.stage_words(lang, state["stage"]),
                    "detail": progress.detail_words(lang, state["detail"])}


def create_app(scenario: str | Path | None = None, *, out_root: str | Path = "lotsplit-app-out",
               hosts: tuple[str, ...] = LOOPBACK) -> Starlette:
    """The app.  ``scenario``: a scenario file (opened by ``/start``) or a folder whose
    scenarios the start page lists; ``out_root``: where tender packs are written."""
    given = Path(scenario).expanduser().resolve() if scenario is not None else None
    state = _State(given, Path(out_root).resolve())
    env = jinja2.Environment(loader=jinja2.PackageLoader("lotsplit.app", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["json"] = _json

    def page(request: Request, template: str, ws: Workspace | None, *, lang: str | None = None, status: int = 200,
             **ctx) -> HTMLResponse:
        lang = lang or (ws.lang if ws else TX.pick_language(request.headers.get("accept-language")))
        job = job_words(ws.job.state(), lang) if ws and ws.job else None
        html = env.get_template(template).render(
            T=functools.partial(t, lang), lang=lang, ws=ws, job=job, message=ws.take_message() if ws else None,
            upload_mb=UPLOAD_MB, **ctx)
        return HTMLResponse(html, status_code=status)

    def workspace(request: Request) -> Workspace | None:
        return state.registry.get(request.path_params["wid"])

    def missing(request: Request) -> HTMLResponse:
        return page(request, "message.html", None, status=404, text_key="not_found")

    def back(ws: Workspace, where: str = "", *, to: str = "") -> RedirectResponse:
        """To the workspace's page ``where``, or to ``to`` when it is a page of this workspace
        (a form's ``back`` field: never a page elsewhere)."""
        return RedirectResponse(to if to.startswith(f"/w/{ws.id}/") else f"/w/{ws.id}/{where}", status_code=303)

    # ------------------------------------------------------------------ home and opening
    async def home(request: Request):
        folder = state.folder
        asked = request.query_params.get("folder")
        if asked:
            folder = Path(asked)
        listing = scenarios_in(folder) if folder is not None and folder.is_dir() else None
        return page(request, "home.html", None, examples=[(p, f"{p.parent.name}/{p.name}") for p in state.examples],
                    folder=folder, listing=listing, given=state.file)

    async def start(request: Request):
        if state.file is None:
            return RedirectResponse("/", status_code=303)
        return await _open_path(request, state.file)

    async def open_(request: Request):
        form = await request.form()
        raw = str(form.get("path", "")).strip()
        lang = TX.pick_language(request.headers.get("accept-language"))
        if not raw:
            return RedirectResponse("/", status_code=303)
        path = Path(raw).expanduser()
        if path.is_dir():
            return RedirectResponse(f"/?folder={_quote(str(path.resolve()))}", status_code=303)
        if not (path.is_file() and path.suffix.lower() in SCENARIO_SUFFIXES):
            return page(request, "message.html", None, status=400, text=t(lang, "not_a_scenario", name=raw))
        return await _open_path(request, path.resolve())

    async def _open_path(request: Request, path: Path):
        ws = state.registry.new(lang=TX.pick_language(request.headers.get("accept-language")))
        await run_in_threadpool(ws.open, path, shown=_shown(path, state))
        return back(ws)

    async def upload(request: Request):
        lang = TX.pick_language(request.headers.get("accept-language"))
        limit = UPLOAD_MB * 2**20
        if int(request.headers.get("content-length") or 0) > limit + 2**16:
            return page(request, "message.html", None, status=413, text=t(lang, "upload_size", mb=UPLOAD_MB))
        form = await request.form(max_files=1, max_fields=5)
        item = form.get("workbook")
        if item is None or not getattr(item, "filename", ""):
            return page(request, "message.html", None, status=400, text=t(lang, "upload_none"))
        name = safe_upload_name(item.filename)
        head = await item.read(4)
        if not name.lower().endswith(".xlsx") or head != b"PK\x03\x04":
            return page(request, "message.html", None, status=400, text=t(lang, "upload_type", name=name))
        ws = state.registry.new(lang=lang)
        target = ws.upload_dir() / name
        size = len(head)
        with open(target, "wb") as f:
            f.write(head)
            while chunk := await item.read(1 << 16):
                size += len(chunk)
                if size > limit:
                    break
                f.write(chunk)
        if size > limit:
            ws.close()
            return page(request, "message.html", None, status=413, text=t(lang, "upload_size", mb=UPLOAD_MB))
        await run_in_threadpool(ws.open, target, shown=name, uploaded=True)
        return back(ws)

    async def empty_template(request: Request):
        from lotsplit.scenario.template import write_template

        lang = request.query_params.get("lang", "en")
        lang = lang if lang in TX.LANGS else "en"
        data = await run_in_threadpool(_workbook_bytes, write_template, None, lang)
        return _download(data, f"scenario-{lang}.xlsx", XLSX)

    # ------------------------------------------------------------------ the scenario
    async def scenario_page(request: Request):
        ws = workspace(request)
        if ws is None:
            return missing(request)
        if ws.scenario is None:
            rows = views.problem_rows(ws.problems, ws.lang)
            return page(request, "problems.html", ws, problems=rows, count=TX.n_problems(ws.lang, len(rows)))
        s = ws.base.scenario
        data = await run_in_threadpool(_cached, ws, "scenario", lambda: (views.scenario_tables(s),
                                                                          views.scenario_map(s)))
        tables, smap = data
        return page(request, "scenario.html", ws, tab="scenario", tables=tables, smap=smap,
                    facts=views.scenario_facts(s), notes=views.problem_rows(s.notes, ws.lang))

    async def choose_variant(request: Request):
        ws = workspace(request)
        if ws is None:
            return missing(request)
        form = await request.form()
        name = str(form.get("variant", ""))
        if name in ws.variants:
            ws.current = name
        return back(ws, to=str(form.get("back", "")))

    # ------------------------------------------------------------------ change
    async def change_page(request: Request, *, values=None, problems=None, name=None, status=200):
        from lotsplit.app import forms

        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        v = ws.variant
        cfg = v.scenario.config
        return page(request, "change.html", ws, tab="change", status=status,
                    fields=forms.form_fields(ws.lang, cfg.currency),
                    values=values or forms.current_values(cfg, ws.lang), problems=problems or [],
                    name=name if name is not None else (v.name if not v.is_base else _next_name(ws)),
                    changes=views.change_list(ws, v), can_save=ws.source is not None and ws.source.suffix == ".toml"
                    and not ws.uploaded)

    async def change(request: Request):
        from lotsplit.app import forms
        from lotsplit.app.workspace import Variant
        from lotsplit.errors import ScenarioError

        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        name = form.pop("variant_name", "").strip() or _next_name(ws)
        try:
            s, changes = await run_in_threadpool(forms.read_form, ws.base.scenario, form, lang=ws.lang,
                                                 file=t(ws.lang, "form_file"))
        except ScenarioError as exc:
            return await change_page(request, values=form, problems=views.problem_rows(exc.problems, ws.lang),
                                     name=name, status=400)
        if not changes:
            ws.current = ws.base.name
            ws.flash("info", t(ws.lang, "nothing_changed"))
            return back(ws, "change")
        if name == ws.base.name:
            name = _next_name(ws)
        with ws.lock:
            ws.variants[name] = Variant(name, forms.renamed(s, name), changes)
            ws.current = name
        ws.flash("ok", t(ws.lang, "applied", name=name, n=sum(len(c) for c in changes.values())))
        return back(ws, "change")

    async def save_variant(request: Request):
        from lotsplit.app import forms

        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        form = await request.form()
        v = ws.variant
        if ws.source is None or ws.source.suffix != ".toml" or ws.uploaded:
            ws.flash("error", t(ws.lang, "variant_needs_toml"))
            return back(ws, "change")
        from lotsplit.frontier.baselines import slug

        folder = ws.source.parent / "variants"
        target = folder / f"{slug(v.name)}.toml"
        shown = f"variants/{target.name}"
        if target.exists() and not form.get("overwrite"):
            ws.flash("error", t(ws.lang, "variant_exists", path=shown))
            return back(ws, "change")
        extends = Path("..") / ws.source.name
        text = forms.variant_toml(extends=extends.as_posix(), name=v.name, changes=v.changes)
        await run_in_threadpool(_write_atomic, target, text)
        ws.flash("ok", t(ws.lang, "saved_variant", path=str(target)))
        return back(ws, "change")

    async def variant_workbook(request: Request):
        from lotsplit.frontier.baselines import slug
        from lotsplit.scenario.template import write_template

        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        data = await run_in_threadpool(_workbook_bytes, write_template, ws.scenario, ws.lang)
        return _download(data, f"{slug(ws.variant.name)}.xlsx", XLSX)

    # ------------------------------------------------------------------ run and plans
    async def plan_page(request: Request):
        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        key = request.query_params.get("key") or ws.last_run.get(ws.variant.name)
        entry = ws.plans.get(key) if key else None
        return page(request, "plan.html", ws, tab="plan", entry=entry, view=views.plan_view(entry),
                    time_limit=_default_limit(ws), error=views.job_error(ws, "run"))

    async def start_job(request: Request, kind: str):
        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        form = await request.form()
        where = {"run": "plan", "frontier": "frontier", "compare": "compare", "uncertainty": "compare",
                 "pack": "pack"}[kind]
        if ws.busy():
            ws.flash("error", t(ws.lang, "busy"))
            return back(ws, where)
        limit = _limit(form.get("time_limit"))
        if limit is False:
            ws.flash("error", t(ws.lang, "time_limit_bad"))
            return back(ws, where)
        if kind == "run":
            job = actions.run(ws, time_limit=limit)
        elif kind == "frontier":
            points = int(form.get("points") or FRONTIER_POINTS) if str(form.get("points", "")).isdigit() \
                else FRONTIER_POINTS
            job = actions.frontier(ws, points=max(2, min(points, 60)), time_limit=limit)
        elif kind == "compare":
            names = [n for n in form.getlist("variants") if n in ws.variants]
            if len(names) < 2:
                ws.flash("error", t(ws.lang, "compare_need"))
                return back(ws, where)
            job = actions.compare(ws, names, time_limit=limit)
        elif kind == "uncertainty":
            samples = str(form.get("samples", "")).strip()
            job = actions.uncertainty(ws, samples=max(2, min(int(samples), MAX_SAMPLES)) if samples.isdigit()
                                      else SAMPLES, time_limit=limit)
        else:
            if ws.chosen not in ws.plans:
                ws.flash("error", t(ws.lang, "pack_none"))
                return back(ws, where)
            job = actions.pack(ws, state.out_root)
        ws.job = job.start()
        return back(ws, where)

    async def stop(request: Request):
        ws = workspace(request)
        if ws is None:
            return missing(request)
        if ws.job is not None and ws.job.running:
            ws.job.request_stop()
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse(ws.job.state() if ws.job else {})
        return back(ws, "plan")

    async def job_state(request: Request):
        ws = workspace(request)
        if ws is None:
            return JSONResponse({"status": "gone"}, status_code=404)
        if ws.job is None:
            return JSONResponse({"status": "none"})
        return JSONResponse(job_words(ws.job.state(), ws.lang))

    async def choose(request: Request):
        ws = workspace(request)
        if ws is None:
            return missing(request)
        form = await request.form()
        key = str(form.get("key", ""))
        if key in ws.plans:
            ws.chosen = key
            ws.flash("ok", t(ws.lang, "chosen_now", label=ws.plans[key].label))
        return back(ws, "pack", to=str(form.get("back", "")))

    async def plan_map(request: Request):
        from lotsplit.export.webmap import render

        ws = workspace(request)
        key = request.path_params["key"]
        if ws is None or key not in ws.plans:
            return missing(request)
        plan = ws.plans[key].plan
        html = await run_in_threadpool(_cached, ws, f"map:{key}", lambda: _locked(render, plan))
        return HTMLResponse(html, headers={"content-security-policy": MAP_CSP})

    # ------------------------------------------------------------------ frontier, compare, pack
    async def frontier_page(request: Request):
        from lotsplit.export.xlsx_texts import word as xw

        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        f = ws.frontier
        show = request.query_params.get("show")
        entry = ws.plans.get(show) if show else None
        chart = views.frontier_chart(f, ws.lang, show[len(ws.frontier_prefix):] if show else None) if f else None
        rows = []
        if f is not None:
            table = f.table()
            for item, (_, r) in zip(chart["items"], table.iterrows()):
                rows.append({"key": ws.frontier_prefix + item["key"], "label": r["label"], "name": item["name"],
                             "lots": int(r["n_lots"]), "net_cost": views.num(r["net_cost"], ws.lang),
                             "admin_cost": views.num(r["admin_cost"], ws.lang), "kind": item["kind"],
                             "local_share": views.pct(r["local_share"], ws.lang),
                             "status": xw(ws.lang, f"status_{r['status']}")})
        cur = ws.base.scenario.currency
        return page(request, "frontier.html", ws, tab="frontier", f=f, chart=chart, rows=rows, entry=entry,
                    net_head=xw(ws.lang, "s_net_cost", cur=cur), share_head=xw(ws.lang, "s_local_share"),
                    view=views.plan_view(entry), headline=views.frontier_headline(f), time_limit=_default_limit(ws, 120),
                    points=FRONTIER_POINTS, error=views.job_error(ws, "frontier"))

    async def compare_page(request: Request):
        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        return page(request, "compare.html", ws, tab="compare", table=views.compare_table(ws),
                    time_limit=_default_limit(ws), error=views.job_error(ws, "compare"),
                    mc=views.uncertainty_view(ws), samples=SAMPLES, mc_error=views.job_error(ws, "uncertainty"))

    async def pack_page(request: Request):
        ws = workspace(request)
        if ws is None or ws.scenario is None:
            return missing(request)
        entry = ws.plans.get(ws.chosen) if ws.chosen else None
        return page(request, "pack.html", ws, tab="pack", entry=entry, pack=ws.pack,
                    error=views.job_error(ws, "pack"), view=views.plan_view(entry))

    async def pack_download(request: Request):
        from lotsplit.frontier.baselines import slug

        ws = workspace(request)
        if ws is None or ws.pack is None:
            return missing(request)
        data = await run_in_threadpool(actions.pack_zip, ws.pack)
        return _download(data, f"{slug(ws.pack.folder.name)}.zip", "application/zip")

    routes = [
        Route("/", home), Route("/start", start), Route("/open", open_, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]), Route("/template.xlsx", empty_template),
        Route("/w/{wid}/", scenario_page), Route("/w/{wid}/variant", choose_variant, methods=["POST"]),
        Route("/w/{wid}/change", change_page), Route("/w/{wid}/change", change, methods=["POST"]),
        Route("/w/{wid}/save-variant", save_variant, methods=["POST"]),
        Route("/w/{wid}/variant.xlsx", variant_workbook),
        Route("/w/{wid}/plan", plan_page),
        Route("/w/{wid}/run", functools.partial(start_job, kind="run"), methods=["POST"]),
        Route("/w/{wid}/frontier", frontier_page),
        Route("/w/{wid}/frontier", functools.partial(start_job, kind="frontier"), methods=["POST"]),
        Route("/w/{wid}/compare", compare_page),
        Route("/w/{wid}/compare", functools.partial(start_job, kind="compare"), methods=["POST"]),
        Route("/w/{wid}/uncertainty", functools.partial(start_job, kind="uncertainty"), methods=["POST"]),
        Route("/w/{wid}/pack", pack_page),
        Route("/w/{wid}/pack", functools.partial(start_job, kind="pack"), methods=["POST"]),
        Route("/w/{wid}/pack.zip", pack_download),
        Route("/w/{wid}/choose", choose, methods=["POST"]),
        Route("/w/{wid}/stop", stop, methods=["POST"]), Route("/w/{wid}/job", job_state),
        Route("/w/{wid}/map/{key}.html", plan_map),
        Mount("/static", StaticFiles(packages=[("lotsplit.app", "static")]), name="static"),
    ]

    async def failed(request: Request, exc: Exception):
        log.error("unexpected error on %s", request.url.path, exc_info=exc)
        lang = TX.pick_language(request.headers.get("accept-language"))
        return page(request, "message.html", None, status=500,
                    text=t(lang, "unexpected", error=f"{type(exc).__name__}: {exc}"))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        state.registry.close_all()          # stop the jobs, remove the uploads

    app = Starlette(routes=routes, exception_handlers={Exception: failed}, lifespan=lifespan)
    app.state.lotsplit = state
    return Guard(app, hosts=hosts, max_body=UPLOAD_MB * 2**20 + 2**16)


class _State:
    def __init__(self, given: Path | None, out_root: Path):
        self.file = given if given is not None and given.is_file() else None
        self.folder = given if given is not None and given.is_dir() else (given.parent if self.file else None)
        self.out_root = out_root
        self.examples = bundled_examples()
        self.registry = Registry()


# --------------------------------------------------------------------------- helpers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, name: str, media: str) -> Response:
    return Response(data, media_type=media, headers={"content-disposition": f'attachment; filename="{name}"'})


def _quote(s: str) -> str:
    from urllib.parse import quote

    return quote(s, safe="")


def _json(obj) -> str:
    from markupsafe import Markup

    from lotsplit.export.webmap import _json_for_script

    return Markup(_json_for_script(obj))


def _shown(path: Path, state: _State) -> str:
    for root in [state.folder] + [p.parent.parent for p in state.examples]:
        if root is None:
            continue
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name


def _cached(ws: Workspace, key: str, make):
    cache = ws.__dict__.setdefault("_cache", {})
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _locked(fn, *args):
    from lotsplit.app.jobs import RENDER_LOCK

    with RENDER_LOCK:
        return fn(*args)


def _workbook_bytes(write_template, scenario, lang: str) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "scenario.xlsx"
        write_template(scenario, p, language=lang)
        return p.read_bytes()


def _write_atomic(target: Path, text: str) -> None:
    import os
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _limit(value) -> float | None | bool:
    """The time limit typed (seconds), ``None`` when empty, ``False`` when it is no
    positive number."""
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        return False
    return x if math.isfinite(x) and x > 0 else False


def _default_limit(ws: Workspace, fallback: float = 60) -> str:
    tl = ws.scenario.config.solver.time_limit
    return f"{tl:g}" if tl else f"{fallback:g}"


def _next_name(ws: Workspace) -> str:
    n = len(ws.variants)
    while True:
        name = f"{ws.base.name} – {t(ws.lang, 'variant').lower()} {n}"
        if name not in ws.variants:
            return name
        n += 1


def serve(app, *, host: str = "127.0.0.1", port: int = 8765, ready=None) -> None:
    """Serve ``app`` until Ctrl-C (the first stops every running job and the server)."""
    import threading

    import uvicorn

    from lotsplit import progress

    class Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:   # older uvicorn
            pass

        def capture_signals(self):                   # Ctrl-C belongs to the command's session
            import contextlib

            return contextlib.nullcontext()

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
    server = Server(config)

    stopped = progress.stop_check()      # the command's run: its Ctrl-C, from another thread

    def watch() -> None:
        while not server.should_exit:
            if stopped():
                server.should_exit = True
                return
            threading.Event().wait(0.2)

    threading.Thread(target=watch, name="lotsplit-app-stop", daemon=True).start()
    if ready is not None:
        ready()
    server.run()
