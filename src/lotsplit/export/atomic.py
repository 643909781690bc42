"""Atomic output directories: a run writes into a temporary directory beside ``--out`` and
moves it into place only when every file is complete.  A failed or interrupted run leaves
no half-written ``--out`` and never destroys an earlier run's files."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from lotsplit.errors import OutputExistsError


def check_output_target(out: str | Path, *, overwrite: bool = False) -> None:
    """Raise OutputExistsError if ``out`` may not be written (call it before long work)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a directory")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(f"{out} is not empty; choose another --out or add --overwrite")


@contextlib.contextmanager
def output_directory(out: str | Path, *, overwrite: bool = False):
    """Yield a temporary directory; on success it replaces ``out``.

    Refuses a non-empty ``out`` unless ``overwrite``; the old directory is removed only
    after the new one is complete.
    """
    out = Path(out)
    check_output_target(out, overwrite=overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    os.chmod(tmp, 0o755 & ~_umask())   # mkdtemp makes it private; outputs are for sharing
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
