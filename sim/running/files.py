"""Writing results so that nothing half-written is ever visible, and one run per folder.

Every file painloop writes goes through here:

* :func:`write_file` writes one file under a hidden temporary name beside it and renames it into
  place (a rename within a folder is atomic), so a reader sees the old file or the new one;
* :func:`write_into` does the same for a set of files that join a folder together;
* :func:`staged_folder` builds a whole folder beside its destination and swaps it in, so a
  folder holds exactly one run (nothing of an earlier run is left beside it);
* :func:`folder_lock` lets one process at a time write into a result folder.

A full disk or a quota is reported as one :class:`~sim.core.errors.InputError` line naming the
file (the temporary file is removed; finished files stay as they were).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sim.core.errors import InputError

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def check_writable(folder) -> Path:
    """Check that ``folder`` could be created and written, without creating it.

    Nothing is made here, so an input error found after this check leaves no empty folder
    behind; the folder is created by the first write.
    """
    folder = Path(folder)
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"output folder '{folder}' is not writable ('{probe}' is not a folder)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"output folder '{folder}' is not writable (permission denied on '{probe}')")
    return folder


def make_folder(folder) -> Path:
    """Create ``folder`` (and its parents); an InputError line if that is impossible."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"output folder '{folder}' is not writable ({err.strerror or err})") from None
    return folder


@contextlib.contextmanager
def _disk_errors(what: Path) -> Iterator[None]:
    try:
        yield
    except OSError as err:
        if err.errno in _NO_SPACE:
            raise InputError(f"no space left on the device writing '{what}' ({err.strerror}); "
                             f"files already finished are kept: free some space and run the "
                             f"same command again") from None
        raise


def write_file(path, write: Callable[[str], None], mode: int | None = None) -> Path:
    """Call ``write(tmp)`` to write a temporary file beside ``path``, then rename it onto ``path``.

    ``mode``: the new file's permission bits (default: those of the file it replaces, or 0o644;
    ``mkstemp`` alone would leave it readable by its owner only).
    """
    path = Path(path)
    make_folder(path.parent)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    with _disk_errors(path):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            write(tmp)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    return path


def write_text(path, text: str) -> Path:
    """:func:`write_file` for UTF-8 text."""
    return write_file(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_into(folder, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a fresh temporary folder inside ``folder``, then move its files into
    ``folder`` (each one a rename; other files of ``folder`` stay)."""
    folder = make_folder(check_writable(folder))
    with _disk_errors(folder):
        tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".painloop-tmp-"))
        try:
            write(tmp)
            for item in sorted(tmp.iterdir()):
                os.replace(item, folder / item.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


@contextlib.contextmanager
def staged_folder(folder, replaceable: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield an empty folder beside ``folder``; when the block ends without error, it becomes
    ``folder`` (whose earlier content goes). On error it is removed and ``folder`` is untouched.

    ``replaceable(folder)`` says whether an existing, non-empty ``folder`` may be replaced (it
    holds only an earlier result of the same kind); checked before the block runs, so a
    folder of other files is refused before any work.
    """
    folder = check_writable(folder)
    if folder.exists() and any(folder.iterdir()) and not replaceable(folder):
        raise InputError(f"output folder '{folder}' holds files that are not a painloop result of "
                         f"this kind; choose an empty or new --out")
    parent = make_folder(folder.resolve().parent)
    with _disk_errors(folder):
        tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.tmp-"))
        try:
            yield tmp
            os.chmod(tmp, 0o755)  # mkdtemp makes it private to its owner
            old = None
            if folder.exists():
                old = Path(tempfile.mkdtemp(dir=parent, prefix=f".{folder.name}.old-"))
                os.replace(folder, old / "gone")
            os.replace(tmp, folder)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


_HELD: dict[Path, int] = {}
"""Folders this process holds the lock of (path -> file descriptor), so that code holding a
folder's lock can call code that takes it again."""


@contextlib.contextmanager
def folder_lock(folder) -> Iterator[Path]:
    """Hold ``folder/.lock`` for the block; another process already holding it is refused with one
    line. The lock is the operating system's (``flock``), so a killed holder releases it."""
    import fcntl

    folder = make_folder(folder)
    key = folder.resolve()
    if key in _HELD:  # the caller already holds it
        yield folder
        return
    path = folder / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise InputError(f"output folder '{folder}' is in use by another painloop run (process "
                         f"{holder}); wait for it to finish or choose another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _HELD[key] = fd
    try:
        yield folder
    finally:
        del _HELD[key]
        os.close(fd)  # releases the lock; the file stays (removing it would race a waiting locker)


__all__ = ["check_writable", "folder_lock", "make_folder", "staged_folder", "write_file",
           "write_into", "write_text"]
