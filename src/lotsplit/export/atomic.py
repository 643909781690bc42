"""Safe output folders: what ``--out`` may be, one writer at a time, and atomic replacement.

A run writes into a hidden temporary folder beside ``--out`` (``.NAME.partial-XXXX``) and
swaps it into place only when every file is complete, so a failed, interrupted or killed
run (even ``kill -9``) leaves either the earlier ``--out`` or the new one, never a mixture.

The rules (checked by :func:`check_output_target` before any long work):

- a non-empty ``--out`` is refused unless ``overwrite``; with ``overwrite`` it is replaced
  only if lotsplit wrote it (its ``manifest.json`` carries ``"lotsplit_manifest"``) and it
  holds no file that lotsplit did not write;
- never the current folder or a folder above it (``--out .``), the home folder, a folder
  that holds an input of the run (the scenario, its data files, a plan file) or a folder
  above one; never a symbolic link;
- the folder it goes in must be writable and have room (``MIN_FREE_BYTES``).

:func:`reserve_output` adds a lock: an exclusive ``flock`` on ``.NAME.lock`` beside
``--out``, held for the whole run (a second writer is refused at once, with the first
one's process id); the kernel releases it when a process dies, so a killed run never
leaves a stale lock.  Holding it, the reservation removes the unfinished folders of an
earlier killed run (and puts back an earlier ``--out`` if a run was killed in the middle
of the swap).  Disk-full and permission errors while writing become one
:class:`~lotsplit.errors.OutputError` line.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with output_directory(d / "out") as tmp:
...     _ = (tmp / "a.txt").write_text("a")
>>> sorted(p.name for p in (d / "out").iterdir())
['a.txt', 'manifest.json']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from lotsplit.errors import OutputError, OutputExistsError

log = logging.getLogger("lotsplit")

MIN_FREE_BYTES = 50 * 2**20
"""Free space required where ``--out`` goes (the exports of a county plan are a few MB; a
sweep writes one plan folder per distinct plan)."""

MARKER = "lotsplit_manifest"
"""The key in ``manifest.json`` that says lotsplit wrote the folder."""

_DISK_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
                errno.EROFS: "the file system is read-only", errno.EFBIG: "a file is too large for the disk"}


# --------------------------------------------------------------------------- rules

def check_output_target(out: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = (),
                        min_free: int = MIN_FREE_BYTES) -> None:
    """Raise if ``out`` may not be written (call it before long work).

    :class:`~lotsplit.errors.OutputExistsError` (exit 2) for a folder the rules protect,
    :class:`~lotsplit.errors.OutputError` (exit 6) when the place cannot be written.
    """
    out = Path(out)
    shown = out.as_posix()
    path = Path(os.path.abspath(out))
    if path.is_symlink():
        raise OutputExistsError(f"--out {shown} is a symbolic link; give the folder itself (lotsplit replaces "
                                f"the whole --out folder)")
    real = path.resolve()
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents:
        raise OutputExistsError(f"--out {shown} is the current folder or a folder above it; lotsplit replaces "
                                f"the whole --out folder, so give a new folder inside it, e.g. --out out/run1")
    home = Path.home().resolve()
    if real == home or real in home.parents:
        raise OutputExistsError(f"--out {shown} is the home folder or above it; give a new folder, "
                                f"e.g. --out out/run1")
    for f in inputs:
        fr = Path(os.path.abspath(f)).resolve()
        if fr == real or real in fr.parents:
            raise OutputExistsError(f"--out {shown} holds an input of this run ({Path(f).as_posix()}); "
                                    f"write the results to another folder, e.g. --out out/run1")
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"--out {shown} exists and is not a folder; choose another --out")
    if path.is_dir() and any(path.iterdir()):
        if not overwrite:
            raise OutputExistsError(f"--out {shown} is not empty; choose another --out or add --overwrite")
        foreign = foreign_files(path)
        if foreign is None:
            raise OutputExistsError(f"--out {shown} was not written by lotsplit (no lotsplit manifest.json in "
                                    f"it), so --overwrite does not replace it; choose another --out or empty "
                                    f"the folder yourself")
        if foreign:
            listed = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise OutputExistsError(f"--out {shown} holds files lotsplit did not write ({listed}); move them "
                                    f"or choose another --out")
    _check_writable(path, shown, min_free)


def foreign_files(folder: Path) -> list[str] | None:
    """Files in ``folder`` that its lotsplit ``manifest.json`` does not list (relative
    paths), or None when there is no lotsplit manifest (the folder is not lotsplit's)."""
    m = folder / "manifest.json"
    try:
        if m.stat().st_size > 64 * 2**20:
            return None
        doc = json.loads(m.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or MARKER not in doc:
        return None
    listed = {f.get("path") for f in doc.get("files") or [] if isinstance(f, dict)} | {"manifest.json"}
    # A batch folder names the output folders inside it ("folders": ["runs/*/*"]); each is
    # judged by its own manifest, and what a killed run leaves beside one (".NAME.lock",
    # ".NAME.partial-…") is lotsplit's too.
    inner = [p for pattern in doc.get("folders") or [] if isinstance(pattern, str) and ".." not in pattern
             for p in sorted(folder.glob(pattern)) if p.is_dir() and not p.name.startswith(".")]
    foreign = []
    for p in inner:
        sub = foreign_files(p)
        rel = p.relative_to(folder).as_posix()
        if sub is None:
            foreign += [f"{rel}/{q.relative_to(p).as_posix()}" for q in sorted(p.rglob("*")) if not q.is_dir()]
        else:
            foreign += [f"{rel}/{f}" for f in sub]
    parents = {p.parent for p in inner} | {folder / pattern.split("*")[0].rstrip("/")
                                            for pattern in doc.get("folders") or [] if isinstance(pattern, str)}
    if doc.get("folders"):
        parents.add(folder)                # and its own temporary files
    for p in sorted(folder.rglob("*")):
        if p.is_dir() or any(q == p or q in p.parents for q in inner):
            continue
        if p.name.startswith(".") and p.parent in parents or any(
                q.name.startswith(".") and q.parent in parents for q in p.parents):
            continue                       # a killed run's lock or unfinished folder
        rel = p.relative_to(folder).as_posix()
        if rel not in listed:
            foreign.append(rel)
    return sorted(foreign)


def _check_writable(path: Path, shown: str, min_free: int) -> None:
    place = path.parent
    while not place.exists() and place != place.parent:
        place = place.parent
    try:
        fd, probe = tempfile.mkstemp(prefix=".lotsplit-probe-", dir=place)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise output_error(exc, shown, where=place) from None
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"cannot replace {shown}: permission denied. Fix: choose another --out or make the "
                          f"folder writable")
    free = shutil.disk_usage(place).free
    if free < min_free:
        raise OutputError(f"cannot write {shown}: only {free / 2**20:.0f} MB free on its disk, at least "
                          f"{min_free / 2**20:.0f} MB needed. Fix: free some space or choose another --out")


def output_error(exc: OSError, shown: str, *, where: Path | None = None) -> OutputError:
    """One line for a disk or permission error while writing ``shown``."""
    what = _DISK_ERRORS.get(exc.errno, exc.strerror or str(exc))
    at = f" ({Path(where).name or where})" if where is not None and exc.errno in (errno.EACCES, errno.EPERM) else ""
    fix = ("free some space or choose another --out" if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
           else "choose a folder you can write to with --out")
    return OutputError(f"cannot write {shown}: {what}{at}. Fix: {fix}")


# --------------------------------------------------------------------------- reservation and lock

@dataclass
class Reservation:
    """``--out`` reserved for one run: its lock, the inputs it must not touch and what
    the generic manifest records."""

    out: Path
    shown: str
    overwrite: bool
    inputs: list[Path] = field(default_factory=list)
    command: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    """Scenario warnings and notes, for the manifest of outputs that have no plan."""
    depth: int = 1
    _fd: int | None = None

    def protect(self, paths: Iterable[str | Path]) -> None:
        """Add inputs (known once the scenario is loaded) and check the rules again."""
        self.inputs += [Path(p) for p in paths]
        check_output_target(self.shown, overwrite=self.overwrite, inputs=self.inputs)


_HELD: dict[Path, Reservation] = {}
_HELD_LOCK = threading.Lock()
_ACTIVE: set[Path] = set()


def _key(out: str | Path) -> Path:
    return Path(os.path.abspath(out)).resolve()


@contextlib.contextmanager
def reserve_output(out: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = (),
                   command: list[str] | None = None) -> Iterator[Reservation]:
    """Check ``out``, take its lock and hold it until the block ends.

    Reserving an ``out`` this process already holds returns the same reservation (so the
    CLI can hold the lock while ``Frontier.write`` uses :func:`output_directory`).
    """
    key = _key(out)
    with _HELD_LOCK:
        held = _HELD.get(key)
        if held is not None:
            held.depth += 1
    if held is not None:
        try:
            held.protect(inputs)
            yield held
        finally:
            held.depth -= 1
        return
    inputs = [Path(p) for p in inputs]
    check_output_target(out, overwrite=overwrite, inputs=inputs)
    r = Reservation(key, Path(out).as_posix(), overwrite, inputs, command)
    key.parent.mkdir(parents=True, exist_ok=True)
    r._fd = _lock(key, r.shown)
    with _HELD_LOCK:
        _HELD[key] = r
    try:
        _clean_stale(key)
        yield r
    finally:
        with _HELD_LOCK:
            _HELD.pop(key, None)
        _unlock(key, r._fd)


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _lock(out: Path, shown: str) -> int:
    path = lock_path(out)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise output_error(exc, shown, where=out.parent) from None
        try:
            _flock(fd)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise OutputError(f"another lotsplit run{holder} is writing {shown}; wait for it to finish or "
                              f"choose another --out") from None
        # The file may have been removed by the previous holder between open and lock:
        # then this lock guards nothing; take it again on the file that is there now.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    os.write(fd, json.dumps({"pid": os.getpid(), "started": started}).encode())
    return fd


def _unlock(out: Path, fd: int | None) -> None:
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.unlink(lock_path(out))        # still holding the lock: nobody else owns this file
    os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        doc = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f" (process {int(doc['pid'])}, since {str(doc['started'])[11:19]})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


if sys.platform == "win32":  # pragma: no cover - no flock on Windows
    import msvcrt

    def _flock(fd: int) -> None:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            raise BlockingIOError from None
else:
    import fcntl

    def _flock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _clean_stale(out: Path) -> None:
    """Holding the lock, every ``.NAME.partial-*``/``.NAME.old-*`` beside ``out`` is left
    by a run that was killed: put an earlier ``--out`` back if the kill came mid-swap,
    remove the rest, and say so."""
    if not out.parent.is_dir():
        return
    partial = sorted(out.parent.glob(f".{out.name}.partial-*"))
    old = sorted(out.parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if old and not out.exists():
        os.replace(old.pop(), out)
        log.warning("put back %s: a run was killed while replacing it", out.name)
    stale = [p for p in partial + old if p.is_dir()]
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)
    if stale:
        log.warning("removed %d unfinished folder(s) left beside %s by a run that was killed (%s)", len(stale),
                    out.name, ", ".join(p.name for p in stale))


def current_reservation(out: str | Path) -> Reservation | None:
    with _HELD_LOCK:
        return _HELD.get(_key(out))


def abort_cleanup() -> None:
    """Remove the temporary folders being written and the lock files held (for a hard
    abort: second Ctrl-C while the main thread is busy in C code)."""
    for tmp in list(_ACTIVE):
        shutil.rmtree(tmp, ignore_errors=True)
    with _HELD_LOCK:
        held = list(_HELD)
    for out in held:
        with contextlib.suppress(OSError):
            os.unlink(lock_path(out))


# --------------------------------------------------------------------------- the atomic folder

@contextlib.contextmanager
def output_directory(out: str | Path, *, overwrite: bool = False, inputs: Iterable[str | Path] = ()):
    """Yield a temporary folder; when the block succeeds it replaces ``out`` at once.

    Checks the rules and takes the lock (unless this process holds it already, see
    :func:`reserve_output`).  A folder written without a ``manifest.json`` gets a short
    one (marker, command, warnings, every file with its SHA-256), so that ``--overwrite``
    knows it later.  Disk and permission errors become :class:`~lotsplit.errors.OutputError`.
    """
    with reserve_output(out, overwrite=overwrite, inputs=inputs) as r:
        key = r.out
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{key.name}.partial-", dir=key.parent))
        except OSError as exc:
            raise output_error(exc, r.shown, where=key.parent) from None
        _ACTIVE.add(tmp)
        try:
            try:
                yield tmp
                if not (tmp / "manifest.json").exists():
                    write_folder_manifest(tmp, command=r.command, notes=r.notes)
                os.chmod(tmp, 0o755 & ~_umask())   # mkdtemp makes it private; outputs are for sharing
                _swap_in(tmp, key)
            except OSError as exc:
                if exc.errno in _DISK_ERRORS:
                    raise output_error(exc, r.shown, where=key.parent) from None
                raise
        finally:
            _ACTIVE.discard(tmp)
            shutil.rmtree(tmp, ignore_errors=True)   # after a swap: the earlier --out


def _swap_in(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``; an earlier ``out`` ends up at ``tmp`` (to be removed).  One
    atomic exchange where the system has it (Linux renameat2), two renames otherwise."""
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.replace(out, old)
    os.replace(tmp, out)
    os.replace(old, tmp)


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EXDEV, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def write_folder_manifest(folder: Path, *, command: list[str] | None = None, notes: list[str] = ()) -> Path:
    """The short ``manifest.json`` of an output without a plan manifest (frontier,
    compare, sweep): the marker, when, the command, warnings and every file's SHA-256."""
    from lotsplit import __version__
    from lotsplit.export.common import sha256_file

    files = sorted(p for p in folder.rglob("*") if p.is_file())
    doc = {MARKER: 1,
           "created": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
           "command": command, "lotsplit": __version__, "warnings": list(notes),
           "files": [{"path": p.relative_to(folder).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
                     for p in files]}
    path = folder / "manifest.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
