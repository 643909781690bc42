"""The planner's app in a real browser: Playwright driving Debian's chromium (skipped, with
the reason, when either is missing).  One planner's session on a copy of the
Malung-Sälen example — open it, look at the map, run, change max_lots and see the lot
count change, a wrong value in the form, a variant file saved, the frontier and one of
its points, a comparison, the tender pack downloaded as a zip — with every request the
page makes recorded (none may leave this computer); a broken workbook uploaded shows its
problems, not a traceback; the server's guard refuses other hosts and other sites.

Screenshots of every step go to a temporary folder (or ``$LOTSPLIT_APP_SHOTS``), never
into the repository.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

CHROMIUM = os.environ.get("LOTSPLIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--no-first-run"]


PACK_FILES = {"annex.html", "annex.pdf", "memo.html", "memo.pdf", "lots.xlsx", "lots.csv", "assignment.csv",
              "plan.json", "map.png", "map.svg", "map.pdf", "map.html", "lots.gpkg", "lots.geojson",
              "eforms_notice.xml", "ocds_release_package.json", "manifest.json"}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The Malung-Sälen example with its boundaries, copied so that saving a variant
    writes into the copy."""
    root = tmp_path_factory.mktemp("planner")
    shutil.copytree(ROOT / "scenarios" / "malung-salen-winter", root / "scenarios" / "malung-salen-winter",
                    ignore=shutil.ignore_patterns("variants"))
    (root / "geodata").mkdir()
    shutil.copy(ROOT / "geodata" / "malung_salen_districts.gpkg", root / "geodata")
    return root / "scenarios" / "malung-salen-winter" / "scenario.toml"


@pytest.fixture(scope="module")
def server(copy, tmp_path_factory):
    import uvicorn

    from lotsplit.app import create_app

    out = tmp_path_factory.mktemp("packs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(copy, out_root=out)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "port": port, "out": out, "app": app}
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright; the browser tests skip, saying why, without
    either (the guard and escaping tests below run anyway)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM}; apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        except sync_api.Error as exc:          # installed, but Playwright cannot drive it
            pytest.skip(f"Playwright cannot start {CHROMIUM}: {str(exc).splitlines()[0]}")
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    d = Path(os.environ.get("LOTSPLIT_APP_SHOTS") or tmp_path_factory.mktemp("shots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


class Tab:
    """A browser tab that records every request it makes."""

    def __init__(self, browser, server, shots: Path, *, locale: str = "sv-SE"):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale,
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = server["url"]
        self.shots = shots

    def shot(self, name: str, *, full: bool = True) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=full)

    def wait_job(self) -> None:
        """Wait until the job's progress box is gone (the page reloads when the job ends)."""
        self.page.wait_for_load_state()
        self.page.locator("#job").wait_for(state="detached", timeout=120_000)

    def wait_map(self) -> None:
        self.page.frame_locator("#plan-map").locator("svg#map path.area").first.wait_for()

    def outside(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base + "/") or u.startswith(("data:", "about:")))]

    def close(self) -> None:
        self.context.close()


# --------------------------------------------------------------------------- the planner's session

def test_planner_session(server, browser, shots, copy):
    import lotsplit

    tab = Tab(browser, server, shots)
    pg = tab.page
    pg.goto(server["url"] + "/")
    tab.shot("01-home")
    pg.click("#open-given")
    pg.wait_for_selector("#scenario-map")
    assert pg.inner_text("#scenario-name") == "Vinterväghållning Malung-Sälen"
    assert pg.locator("#scenario-map path.area").count() == 9
    assert pg.locator("#scenario-map .sup").count() == 12
    assert pg.locator("#suppliers tbody tr").count() == 12
    # A supplier's reach: Öje Skog & Snö reaches Öje only.
    pg.click("tr.sup-row:has-text('Öje Skog')")
    assert pg.locator("#scenario-map path.area.reach").count() == 1
    assert "1 av 9" in pg.inner_text("#sup-info")
    tab.shot("02-scenario")

    # Run the scenario as it is.
    pg.click("#nav-plan")
    pg.click("#run")
    tab.wait_job()
    first = int(pg.inner_text("#n-lots"))
    assert first == 12
    assert "bevisat optimal" in pg.inner_text("#plan-status")
    assert pg.locator("#lots tbody tr").count() == first
    tab.wait_map()
    tab.shot("03-plan")

    # A wrong value gets the workbook's message, with the field's label.
    pg.click("#nav-change")
    pg.fill("#f-costs\\.per_lot", "många")
    pg.fill("#f-rules\\.max_lots", "0")
    pg.click("#apply")
    problems = pg.inner_text("#form-problems")
    assert "'många' är inte ett tal" in problems and "Kostnad per delkontrakt" in problems   # in Swedish
    assert "minst 1 (angivet: 0)" in problems and "Högsta antal delkontrakt" in problems   # all at once
    assert "src/lotsplit" not in problems
    tab.shot("04-form-problems")

    # max_lots = 4 as a variant, saved as a variant file beside the scenario.
    pg.fill("#f-costs\\.per_lot", "25000")
    pg.fill("#f-rules\\.max_lots", "4")
    pg.fill("#variant-name", "Högst 4 delkontrakt")
    pg.click("#apply")
    assert "Högst 4 delkontrakt" in pg.inner_text("#message")
    assert "Högsta antal delkontrakt" in pg.inner_text("#changes")
    pg.click("#save-variant")
    saved = copy.parent / "variants" / "hogst-4-delkontrakt.toml"
    assert str(saved) in pg.inner_text("#message")
    variant = lotsplit.load_scenario(saved)
    assert variant.config.rules.max_lots == 4 and variant.name == "Högst 4 delkontrakt"
    tab.shot("05-variant")

    pg.click("#nav-plan")
    pg.click("#run")
    tab.wait_job()
    changed = int(pg.inner_text("#n-lots"))
    assert changed != first and changed <= 4
    tab.wait_map()
    tab.shot("06-plan-max-4")

    # The frontier of the base scenario; a point's plan on the map; pick it.
    pg.select_option("#variant-select", label="Vinterväghållning Malung-Sälen (grundscenario)")
    pg.click("header .variant button")
    pg.click("#nav-frontier")
    pg.fill("input[name=points]", "8")
    pg.click("#run-frontier")
    tab.wait_job()
    points = pg.locator("#frontier-chart a.pt.frontier")
    assert points.count() == 8
    assert pg.locator("#frontier-chart a.pt.baseline").count() == 3
    assert pg.locator("#frontier-chart a.pt.legacy").count() == 1
    tab.shot("07-frontier")
    points.nth(2).locator("circle").click()
    pg.wait_for_selector("#shown-point")
    assert "F03" in pg.inner_text("#shown-point")
    row = pg.locator("#frontier-table tr.selected td").nth(2).inner_text()
    assert int(pg.inner_text("#n-lots")) == int(row)
    tab.wait_map()
    assert pg.frame_locator("#plan-map").locator("tr.lot").count() == int(row)
    pg.click("#choose-plan")
    assert pg.locator("#is-chosen").count() == 1
    tab.shot("08-frontier-point")

    # Both variants side by side.
    pg.click("#nav-compare")
    pg.click("#run-compare")
    tab.wait_job()
    cells = [pg.locator("#compare-table tbody tr").nth(i).locator("td").nth(1).inner_text() for i in range(2)]
    assert cells == [str(first), str(changed)]
    row = pg.locator("#compare-table tbody tr").nth(1).inner_text()
    assert "Högsta antal delkontrakt: – → 4" in row and "rules." not in row and "None" not in row
    assert "Nettokostnad (SEK)" in pg.inner_text("#compare-table thead")
    tab.shot("09-compare")

    # The tender pack of the chosen point, as one zip.
    pg.click("#nav-pack")
    assert "F03" in pg.inner_text("#pack-plan")
    pg.click("#write-pack")
    tab.wait_job()
    written = pg.inner_text("#pack-written")
    assert str(server["out"]) in written
    with pg.expect_download() as info:
        pg.click("#download-zip")
    zpath = info.value.path()
    with zipfile.ZipFile(zpath) as z:
        names = {n.split("/", 1)[1] for n in z.namelist()}
        assert PACK_FILES <= names
        assert z.read(next(n for n in z.namelist() if n.endswith("annex.html"))).startswith(b"<!DOCTYPE html>")
    folder = Path(written.split(" ", 2)[-1].split(" (")[0])
    assert folder.is_dir() and PACK_FILES <= {p.name for p in folder.iterdir()}
    tab.shot("10-pack")

    assert tab.errors == []
    assert tab.outside() == [], "every request stays on this computer"
    assert len(tab.requests) > 20
    tab.close()


def test_broken_workbook_shows_its_problems(server, browser, shots, copy, tmp_path):
    import openpyxl

    import lotsplit
    from lotsplit.scenario.template import write_template

    book = tmp_path / "vinter.xlsx"
    write_template(lotsplit.load_scenario(copy), book)
    wb = openpyxl.load_workbook(book)
    costs = wb["Kostnader"]
    row = next(r for r in range(1, 40) if str(costs.cell(r, 1).value or "").startswith("Kostnad per delkontrakt"))
    costs.cell(row, 2).value = "många"
    wb.save(book)
    tab = Tab(browser, server, shots)
    pg = tab.page
    pg.goto(server["url"] + "/")
    pg.set_input_files("#workbook", str(book))
    pg.click("#upload")
    pg.wait_for_selector("#problem-count")
    text = pg.inner_text("main")
    assert "vinter.xlsx" in text and "'många' är inte ett tal" in text and f"blad Kostnader, cell B{row}" in text
    assert "uppgiften saknas" not in text          # the refused value, not also "missing"
    assert "Traceback" not in pg.content()
    tab.shot("11-broken-workbook")
    # Not a workbook at all.
    fake = tmp_path / "notes.xlsx"
    fake.write_text("<script>alert(1)</script>", "utf-8")
    pg.goto(server["url"] + "/")
    pg.set_input_files("#workbook", str(fake))
    pg.click("#upload")
    assert "notes.xlsx" in pg.inner_text("#message")
    assert tab.outside() == [] and tab.errors == []
    tab.close()


def test_two_tabs_keep_their_own_work(server, browser, shots):
    a, b = Tab(browser, server, shots), Tab(browser, server, shots, locale="en-GB")
    for tab in (a, b):
        tab.page.goto(server["url"] + "/start")
        tab.page.wait_for_selector("#scenario-map")
    assert a.page.url != b.page.url                       # a workspace each
    a.page.click("#nav-change")
    a.page.fill("#f-rules\\.max_lots", "2")
    a.page.click("#apply")
    for tab in (a, b):
        tab.page.click("#nav-plan")
        tab.page.click("#run")
    for tab in (a, b):
        tab.wait_job()
    assert int(a.page.inner_text("#n-lots")) <= 2
    assert int(b.page.inner_text("#n-lots")) == 12
    assert b.page.locator("#variant-select option").count() == 1      # a's variant stays in a
    a.close()
    b.close()


# --------------------------------------------------------------------------- the guard

def _request(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def test_guard_refuses_other_hosts_and_sites(server):
    url = server["url"]
    status, headers, _ = _request(url + "/")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "http" not in csp
    assert _request(url + "/", headers={"Host": "attacker.example"})[0] == 421        # DNS rebinding
    status, _, _ = _request(url + "/open", method="POST", data=b"path=/etc",
                            headers={"Origin": "http://attacker.example",
                                     "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403                                                                # a form from another site
    status, _, body = _request(url + "/w/no-such-workspace/plan")
    assert status == 404 and "Traceback" not in body
    status, _, body = _request(url + "/open", method="POST", data=b"path=/etc/passwd",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "root:" not in body                                        # not a scenario: not read


def test_every_name_is_escaped(server, copy):
    """Names from the files reach the pages only as text: a supplier, an area and a
    scenario named with markup show as that markup, never run."""
    import dataclasses

    import lotsplit
    from lotsplit.app.workspace import Variant

    s = lotsplit.load_scenario(copy)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    areas, suppliers = s.areas.copy(), s.suppliers.copy()
    areas.loc[areas.index[0], "name"] = evil
    suppliers.loc[suppliers.index[0], "name"] = evil
    s = dataclasses.replace(s, areas=areas, suppliers=suppliers, config=s.config.model_copy(update={"name": evil}))
    registry = server["app"].app.state.lotsplit.registry
    ws = registry.new(lang="en")
    ws.variants, ws.current = {s.name: Variant(s.name, s)}, s.name
    status, _, body = _request(f"{server['url']}/w/{ws.id}/")
    assert status == 200
    assert evil not in body and "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(" in body
