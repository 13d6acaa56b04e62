"""The cached equilibrium: an engine's state after its burn-in, kept on disk and reused exactly.

Everything before day 0 is fixed by the scenario's burn-in part (:func:`sim.core.engine.burn_in_key`:
every parameter, the switched-off rules -- not the interventions, run length or labels), the seed,
the precision and the code. The first ``Engine(scenario, seed)`` with that combination burns in and
saves its state; every later one loads it instead, and runs from it bit for bit as it would have
from its own burn-in (tests/test_equilibrium.py compares daily tables and panels of both, float64
and float32).

**What is saved.** The engine's whole state on day 0, generically: every attribute of the engine
except those that belong to the run rather than to the burn-in (:data:`RUN_SPECIFIC`: scenario,
parameters, rules, interventions and their streams, observers, timings). So the population
arrays (and whatever another part of the model adds to the population or the engine: ages, a
demography object), the clinical-status windows, the network, the random streams' states and
the day counter are saved without being listed here. Interventions are made after loading, from
their own named streams, which nothing draws from before day 0 -- exactly as in a run that burns
in.

**Key.** SHA-256 of the burn-in key, seed, precision, :data:`FORMAT` and :func:`code_fingerprint`:
the bytes of every file of ``sim/core`` and ``sim/interventions`` (the only code the engine runs
before day 0: states, rules, scales, shocks, noise, streams, network, parameters and the
calibration record, the engine itself; interventions because the engine builds their deliveries),
the versions of Python, NumPy and SciPy, the machine type and the SIMD features NumPy dispatches
to (``exp`` on AVX-512 rounds differently from AVX2, so a cache shared between two machines must
not mix them). Any edit to that code gives a new key, so a stale cache cannot be loaded; old files
are only dead weight, removed oldest first beyond :data:`MAX_BYTES` (or by ``painloop cache --clear``).

**Where.** ``$PAINLOOP_CACHE`` if set (``off`` disables caching), else the user cache folder
(``~/.cache/painloop/equilibrium`` on Linux, via platformdirs where it is installed).
``Engine(..., cache=False)`` and the CLI's ``--no-cache`` bypass it for one run; an engine given
observers at construction bypasses it too (they must see the burn-in's days).

**Writes and locks.** A file is written under a temporary name and renamed into place, so a reader
sees a whole file or none. The process that builds a key holds ``KEY.lock`` (``flock``: a killed
holder releases it); another process building the same key meanwhile does not wait: it burns in
itself and does not write. An unwritable folder is a warning and an uncached run, never a failure;
a file that cannot be read is a warning, deleted, and rebuilt.

**Format and why pickle is safe here.** One pickle (protocol 5) of ``(header, state)``; NumPy arrays
are written as raw buffers, so saving and loading cost about as much as copying the bytes. Pickle
runs code named in the file when loading, so a file is loaded only from the cache folder, only if
it is a regular file owned by this user and writable by nobody else, and only pickles this module
wrote of the package's own objects (NumPy arrays and generators, SciPy's sparse array, the
engine's state classes) are ever put there; a file that fails any check is ignored. Size
(measured at the default network): about 350 bytes a person in float32 and 490 in float64 --
population 80/160, clinical-status windows 117, network 128/168, noise buffer 20/40 -- so
1,000,000 people in float32 take about 350 MB (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import platform
import stat
import sys
import tempfile
import time
import warnings
from pathlib import Path

FORMAT = 1
"""Version of the file layout: bump it when what a file holds changes shape."""
ENV = "PAINLOOP_CACHE"
"""Environment variable naming the cache folder; ``off`` disables the cache."""
MAX_BYTES = 8 * 2**30
"""Beyond this many bytes of cache files, the least recently used are removed after a write."""
SUFFIX = ".pkl"
RUN_SPECIFIC = frozenset({"scenario", "p", "seed", "precision", "rules", "deliveries", "gains",
                          "offsets", "observers", "per_person", "timings"})
"""Engine attributes that belong to the run, not to its burn-in: never saved, always made anew."""
_CODE = ("core", "interventions")
"""Folders of the ``sim`` package whose files determine the burn-in (see the module docstring)."""


class CacheWarning(UserWarning):
    """The equilibrium cache could not be used; the run burns in instead (nothing else changes)."""


def folder() -> Path | None:
    """The cache folder now (None when ``$PAINLOOP_CACHE`` is ``off``); it may not exist yet."""
    where = os.environ.get(ENV, "").strip()
    if where.lower() == "off":
        return None
    if where:
        return Path(where).expanduser()
    try:
        from platformdirs import user_cache_path

        base = user_cache_path("painloop")
    except ImportError:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "painloop"
    return base / "equilibrium"


def _cpu_features() -> list[str]:
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath as umath
    return sorted(k for k, on in getattr(umath, "__cpu_features__", {}).items() if on)


@functools.cache
def code_fingerprint() -> str:
    """SHA-256 of what makes a burn-in's numbers besides its inputs: the source of ``sim/core``
    and ``sim/interventions``, and the Python, NumPy and SciPy builds and CPU features."""
    import numpy
    import scipy

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for sub in _CODE:
        for path in sorted((root / sub).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps([sys.version_info[:3], numpy.__version__, scipy.__version__,
                              platform.machine(), _cpu_features()]).encode())
    return digest.hexdigest()


def key(burn_in: str, seed: int, precision: str) -> str:
    """The cache key (hex) of a burn-in: see the module docstring."""
    spec = json.dumps({"format": FORMAT, "burn_in": burn_in, "seed": int(seed), "precision": precision,
                       "code": code_fingerprint()}, sort_keys=True)
    return hashlib.sha256(spec.encode()).hexdigest()


def _warn(message: str) -> None:
    warnings.warn(f"painloop equilibrium cache: {message}", CacheWarning, stacklevel=4)


class Slot:
    """One key's place in the cache, for the engine that needs it: :meth:`load` the saved state,
    or (holding the key's lock) :meth:`save` the state just burnt in. A slot of a disabled cache
    loads nothing and saves nothing."""

    def __init__(self, where: Path | None, digest: str | None):
        self.path = None if where is None else where / f"{digest}{SUFFIX}"
        self.digest = digest
        self._lock: int | None = None

    def load(self) -> dict | None:
        """The saved state, or None (no file, or a file that failed a check: warned, removed)."""
        if self.path is None:
            return None
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
            _warn(f"ignoring '{self.path}': not a regular file owned by this user and writable "
                  f"only by them (a pickle is loaded only from such a file)")
            return None
        try:
            with open(self.path, "rb") as f:
                header, state = pickle.load(f)
            if header != {"format": FORMAT, "key": self.digest}:
                raise ValueError("its header does not match its name")
        except Exception as err:  # truncated, corrupt, or of another format: rebuild it
            _warn(f"discarding unreadable '{self.path}' ({type(err).__name__}: {err}); burning in again")
            with contextlib.suppress(OSError):
                os.remove(self.path)
            return None
        with contextlib.suppress(OSError):
            # recently used: the last to be evicted. Strictly newer than every other state, so a
            # clock that has not moved since the last save (or a coarse file system) leaves no tie
            # for the eviction order to break by file name.
            newest = max((q.stat().st_mtime_ns for q in entries(self.path.parent) if q != self.path), default=0)
            now = time.time_ns()
            os.utime(self.path, ns=(now, max(now, newest + 1)))
        return state

    def claim(self) -> bool:
        """Take the key's lock for building it (False: another process is building it, or the
        folder is not writable -- warned -- so this run will not save)."""
        if self.path is None:
            return False
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as err:
            _warn(f"folder '{self.path.parent}' is not writable ({err.strerror or err}); this run "
                  f"burns in without saving (set {ENV} to a writable folder, or to 'off')")
            self.path = None
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock = fd
        return True

    def save(self, engine) -> None:
        """Write the :func:`snapshot` of ``engine`` whole under the key, if this slot holds the
        key's lock (nothing otherwise); warn on failure."""
        if self._lock is None:
            return
        state = snapshot(engine)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(({"format": FORMAT, "key": self.digest}, state), f, protocol=5)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            tmp = None
        except OSError as err:
            _warn(f"could not write '{self.path}' ({err.strerror or err}); the run goes on uncached")
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.remove(tmp)
        evict(self.path.parent, keep=self.path)

    def release(self) -> None:
        """Give up the lock (the lock file stays: removing it would race a process taking it)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None


def slot(burn_in: str, seed: int, precision: str, enabled: bool = True) -> Slot:
    """The slot of this burn-in in the current cache folder (a disabled slot when ``enabled`` is
    False or the cache is off)."""
    where = folder() if enabled else None
    return Slot(where, None if where is None else key(burn_in, seed, precision))


def entries(where: Path | None = None) -> list[Path]:
    """The saved states in the cache folder, least recently used first."""
    where = folder() if where is None else where
    if where is None or not where.is_dir():
        return []
    files = [p for p in where.glob(f"*{SUFFIX}") if p.is_file()]
    return sorted(files, key=lambda p: p.stat().st_mtime)


def size(where: Path | None = None) -> tuple[int, int]:
    """(number of saved states, their total bytes) in the cache folder."""
    files = entries(where)
    return len(files), sum(p.stat().st_size for p in files)


def max_bytes() -> int:
    """The size limit: ``$PAINLOOP_CACHE_MAX_GB`` (GiB) if set to a positive number, else
    :data:`MAX_BYTES` (a bad value is warned about, not fatal)."""
    text = os.environ.get("PAINLOOP_CACHE_MAX_GB", "").strip()
    if not text:
        return MAX_BYTES
    try:
        value = float(text)
        if not value > 0 or value == float("inf"):
            raise ValueError
    except ValueError:
        _warn(f"PAINLOOP_CACHE_MAX_GB = {text!r} must be a positive number of GiB; using "
              f"{MAX_BYTES / 2**30:g}")
        return MAX_BYTES
    return int(value * 2**30)


def evict(where: Path, keep: Path | None = None, limit: int | None = None) -> None:
    """Remove the least recently used states until the folder holds at most ``limit`` bytes
    (default ``$PAINLOOP_CACHE_MAX_GB`` or :data:`MAX_BYTES`); ``keep`` stays. Temporary files
    of writes killed more than an hour ago go too."""
    if limit is None:
        limit = max_bytes()
    for path in where.glob(f".*{SUFFIX}.*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 3600:
                os.remove(path)
    files = entries(where)
    total = sum(p.stat().st_size for p in files)
    for path in files:
        if total <= limit:
            break
        if path != keep:
            with contextlib.suppress(OSError):
                total -= path.stat().st_size
                os.remove(path)


def clear(where: Path | None = None) -> tuple[int, int]:
    """Remove every saved state (and leftovers of interrupted writes); returns (files, bytes)."""
    where = folder() if where is None else where
    count, total = size(where)
    if where is not None and where.is_dir():
        for path in [*where.glob(f"*{SUFFIX}"), *where.glob(f".*{SUFFIX}.*.tmp"), *where.glob("*.lock")]:
            with contextlib.suppress(OSError):
                os.remove(path)
    return count, total


def snapshot(engine) -> dict:
    """The engine's burn-in state: every attribute but :data:`RUN_SPECIFIC`, with the streams of
    its interventions left out (they are made anew with the interventions after loading)."""
    state = {k: v for k, v in vars(engine).items() if k not in RUN_SPECIFIC}
    state["streams"] = engine.streams.without(engine.delivery_streams())
    return state


__all__ = ["CacheWarning", "Slot", "clear", "code_fingerprint", "entries", "folder", "key", "size",
           "slot", "snapshot"]
