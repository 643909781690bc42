"""map.html in a real browser with networking disabled: it must draw the lots and show a
lot's details with nothing but the file.  Needs Debian's ``chromium`` (skipped without it)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

import lotsplit
from lotsplit.export.webmap import write_webmap
from lotsplit.synthetic import grid_scenario

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def _chromium(tmp_path, *args):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-extensions", "--disable-component-update", "--disable-sync",
           "--no-proxy-server", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    plan = lotsplit.optimize(grid_scenario(2, 3, 2, 6, seed=1))
    d = tmp_path_factory.mktemp("web")
    return plan, write_webmap(plan, d / "map.html")


def test_screenshot_shows_the_lots(page, tmp_path):
    from PIL import Image

    plan, html = page
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, "--window-size=1200,800", f"--screenshot={shot}", html.as_uri())
    assert shot.is_file()
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        colours = {c for _, c in rgb.getcolors(maxcolors=1_000_000)}
    from lotsplit.export.styles import lot_styles

    wanted = {tuple(int(st.colour[i:i + 2], 16) for i in (1, 3, 5)) for st in lot_styles(plan).values()}
    assert wanted <= colours, "every lot colour is on the screen"


def test_script_runs_and_shows_a_lot(page, tmp_path):
    plan, html = page
    lot = plan.lots[-1]
    r = _chromium(tmp_path, "--dump-dom", html.as_uri() + f"#lot={lot.id}")
    dom = r.stdout
    info = dom[dom.index('id="info"'):]
    info = info[:info.index("</div>")]
    assert lot.id in info and "Known eligible suppliers" in info  # the script filled the panel
    assert "Local chance" in info
    assert dom.count('class="area hl"') == len(lot.areas)       # its areas are highlighted
