"""The policy notebooks (issue #6) run top to bottom and make what they promise.

Each notebook under ``notebooks/`` is executed with nbclient, in a Jupyter kernel that runs
this very interpreter (a kernel spec written for the test, so a ``python3`` kernel installed
elsewhere on the machine is never picked up), with the notebook folder as working directory
and ``LOTSPLIT_NOTEBOOK_OUT`` pointing at a temporary directory, so a run writes nothing into
the repository.  A failing cell fails the test with the cell's traceback.

Then the files each notebook promises are checked for what they are, not only that they
exist: every figure is a real PNG of a printable size, the annex is a PDF and names its
reasons, the workbook is an XLSX, the eForms file parses and has one lot per lot of the plan,
the manifest is JSON, the variant files are TOML that extend a scenario.  A figure drawn
with a character the font lacks (matplotlib warns "Glyph … missing") fails the test, since
it prints as an empty box.

The notebooks are stored with their outputs stripped; a test checks that too, so a notebook
saved from Jupyter with its outputs is caught before it is committed.

Nothing is skipped.  One cell of notebook 2, the full Dalarna frontier, is switched off in
the notebook itself (it takes many minutes); the test checks that it says so when it skips.

Run time on the 2-core development machine: about 4½ minutes for all five (see
``notebooks/README.md`` for each).
"""

from __future__ import annotations

import json
import struct
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 600          # seconds; the slowest cell is one Dalarna solve (well under a minute)

# What each notebook must leave in its output folder (relative to LOTSPLIT_NOTEBOOK_OUT); a
# pattern with * must match at least one file.
EXPECTED = {
    "01-what-is-a-lot-plan": [
        "01-what-is-a-lot-plan/fig1-demand-map.png",
        "01-what-is-a-lot-plan/fig2-local-suppliers-by-group.png",
        "01-what-is-a-lot-plan/fig3-plan-map.png",
        "01-what-is-a-lot-plan/fig4-local-value-by-lot.png",
        "01-what-is-a-lot-plan/fig5-simple-plans.png",
    ],
    "02-the-price-of-local-access": [
        "02-the-price-of-local-access/fig1-malung-frontier.png",
        "02-the-price-of-local-access/fig2-malung-what-each-lot-buys.png",
        "02-the-price-of-local-access/fig3-malung-three-plans.png",
        "02-the-price-of-local-access/fig4-dalarna-path.png",
    ],
    "03-what-if": [
        "03-what-if/fig1-variants.png",
        "03-what-if/fig2-malung-variants-map.png",
        "03-what-if/variants/cap-1-lot-per-tenderer.toml",
        "03-what-if/variants/turnover-3x.toml",
        "03-what-if/variants/*-leaves.toml",            # named after the firm the notebook finds key
    ],
    "04-divide-or-explain": [
        "04-divide-or-explain/alternatives.png",
        "04-divide-or-explain/dalarna-food/annex.pdf",
        "04-divide-or-explain/dalarna-food/annex.html",
        "04-divide-or-explain/dalarna-food/lots.xlsx",
        "04-divide-or-explain/dalarna-food/map.pdf",
        "04-divide-or-explain/dalarna-food/map.png",
        "04-divide-or-explain/dalarna-food/eforms_notice.xml",
        "04-divide-or-explain/dalarna-food/assignment.csv",
        "04-divide-or-explain/dalarna-food/manifest.json",
        "04-divide-or-explain/dalarna-food-en/annex.pdf",
        "04-divide-or-explain/dalarna-food-en/annex.html",
    ],
    "05-monte-carlo": [
        "05-monte-carlo/fig1-local-share-distribution.png",
        "05-monte-carlo/fig2-what-moves-it.png",
        "05-monte-carlo/fig3-plans-and-risk.png",
        "05-monte-carlo/uncertainty-sv.png",
        "05-monte-carlo/samples.csv",
    ],
}

# A figure for print: at least this many pixels each way (the notebooks save at 150 dpi) and
# this many bytes (an empty or blank figure compresses to a few kB).
MIN_PNG_PIXELS = (900, 600)
MIN_PNG_BYTES = 30_000


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.fixture(scope="session")
def this_python_kernel(tmp_path_factory) -> str:
    """A kernel spec named ``python3`` that runs ``sys.executable``, first on JUPYTER_PATH."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (lotsplit tests)",
        "language": "python",
    }), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(home))
    mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    yield "python3"
    mp.undo()


def execute(nb: nbformat.NotebookNode, kernel: str) -> nbformat.NotebookNode:
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def outputs(nb: nbformat.NotebookNode) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def printed(nb: nbformat.NotebookNode, stream: str = "stdout") -> str:
    return "".join(o.get("text", "") for o in outputs(nb) if o.get("name") == stream)


def printed_markdown(nb: nbformat.NotebookNode) -> str:
    """The Markdown the cells displayed (the reading notes)."""
    return "".join(o.get("data", {}).get("text/markdown", "") for o in outputs(nb))


def expected_files(out: Path, stem: str) -> tuple[list[Path], list[str]]:
    """The files a notebook promised, and the promises it did not keep (missing or empty)."""
    found, missing = [], []
    for pattern in EXPECTED.get(stem, []):
        hits = sorted(out.glob(pattern)) if "*" in pattern else [out / pattern]
        hits = [p for p in hits if p.is_file() and p.stat().st_size > 0]
        found += hits
        if not hits:
            missing.append(pattern)
    return found, missing


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def check_file(path: Path) -> None:
    """The file is what its name says, with some content."""
    name, data = path.name, path.read_bytes()
    if path.suffix == ".png":
        width, height = png_size(path)
        assert width >= MIN_PNG_PIXELS[0] and height >= MIN_PNG_PIXELS[1], f"{name}: {width}×{height} px"
        assert len(data) >= MIN_PNG_BYTES, f"{name}: only {len(data)} bytes, an empty figure?"
    elif path.suffix == ".pdf":
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], f"{name} is not a complete PDF"
        assert len(data) > 10_000, f"{name}: only {len(data)} bytes"
    elif path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            assert "xl/workbook.xml" in book.namelist(), f"{name} is not a workbook"
    elif path.suffix == ".xml":
        root = ElementTree.fromstring(data)
        lots = [e for e in root.iter() if e.tag.endswith("}ProcurementProjectLot")]
        assert lots, f"{name} has no ProcurementProjectLot"
    elif path.suffix == ".json":
        assert json.loads(data), f"{name} is empty"
    elif path.suffix == ".toml":
        assert "extends" in tomllib.loads(data.decode("utf-8")), f"{name} does not extend a scenario"
    elif path.suffix in (".html", ".csv"):
        assert len(data.decode("utf-8").strip().splitlines()) > 1, f"{name} is almost empty"


def test_every_notebook_is_checked():
    names = {p.stem for p in notebook_paths()}
    assert names == set(EXPECTED), (f"notebooks without expected outputs: {sorted(names - set(EXPECTED))}; "
                                    f"expected but missing: {sorted(set(EXPECTED) - names)}")


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, (f"{path.name}: cells {dirty} carry outputs; clear them before committing "
                       "(Jupyter: Edit > Clear Outputs of All Cells)")
    text = path.read_text(encoding="utf-8")
    assert str(ROOT) not in text, f"{path.name} contains an absolute path of this machine"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_uses_the_public_api(path):
    """Only ``lotsplit`` itself and its ``lotsplit.export`` package (write_all, output_directory)."""
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    imports = [line.strip() for line in code.splitlines()
               if line.strip().startswith(("import lotsplit", "from lotsplit"))]
    allowed = {"import lotsplit", "from lotsplit.export import output_directory, write_all"}
    private = [line for line in imports if line.split("  #")[0].strip() not in allowed]
    assert not private, f"{path.name} reaches into lotsplit's modules: {private}"


def test_kernel_runs_this_interpreter(this_python_kernel):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys, lotsplit; print(sys.executable)"))
    execute(nb, this_python_kernel)
    assert Path(printed(nb).strip()).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_runs(path, this_python_kernel, tmp_path, monkeypatch):
    monkeypatch.setenv("LOTSPLIT_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        execute(nb, this_python_kernel)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.0f} s")

    assert not [o for o in outputs(nb) if o.get("output_type") == "error"]
    shown = [o for o in outputs(nb) if "image/png" in o.get("data", {})]
    assert shown, f"{path.name} shows no figure"
    glyphs = [line for line in printed(nb, "stderr").splitlines() if "missing from" in line and "Glyph" in line]
    assert not glyphs, f"{path.name} draws characters its font lacks: {glyphs}"

    found, missing = expected_files(tmp_path, path.stem)
    assert not missing, f"{path.name} did not write {missing}"
    for file in found:
        check_file(file)

    if path.stem == "02-the-price-of-local-access":
        assert "Skipped: the full Dalarna frontier" in printed(nb), "the optional cell must say that it skipped"
    if path.stem == "05-monte-carlo":
        samples = (tmp_path / "05-monte-carlo" / "samples.csv").read_text(encoding="utf-8").splitlines()
        assert len(samples) == 151, "150 worlds, one row each"
        assert "of the 150 worlds the chosen plan gives local contractors" in printed_markdown(nb)
    if path.stem == "04-divide-or-explain":
        out = tmp_path / "04-divide-or-explain"
        assert "Skäl för indelningen" in (out / "dalarna-food" / "annex.html").read_text(encoding="utf-8")
        assert "Reasons for the division" in (out / "dalarna-food-en" / "annex.html").read_text(encoding="utf-8")
        lots = (out / "dalarna-food" / "assignment.csv").read_text(encoding="utf-8").splitlines()[1:]
        n_lots = len({line.rsplit(",", 1)[1] for line in lots})
        xml = ElementTree.parse(out / "dalarna-food" / "eforms_notice.xml").getroot()
        assert sum(e.tag.endswith("}ProcurementProjectLot") for e in xml.iter()) == n_lots
