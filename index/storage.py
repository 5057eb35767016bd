"""The index store on disk: generations switched atomically, a manifest each, and a writer lock.

Layout of an index store (default ``data/index``)::

    data/index/
      CURRENT              name of the live generation, replaced atomically
      ingest.lock          flock-ed by the one running ingest (its pid inside)
      cache/embeddings.sqlite   vectors by (embedder, text hash), reused across runs
      gen-000007/          one complete index: manifest.json, meta.sqlite, vectors.npy,
                           vectors.faiss, lexical/

A new generation is written beside the live one, fsynced, and only then named in CURRENT
(write a temporary file, fsync, rename), so a crash at any moment leaves the last good
index usable. Readers resolve CURRENT when they open and notice when it changes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

try:
    import fcntl
except ImportError:  # not on Windows: WriterLock falls back to an exclusive-create lock file
    fcntl = None

from ingest.errors import ArchiveIndexError

SCHEMA_VERSION = 1
#: What a generation holds beyond schema 1, which every reader can open:
#: 1: documents, chunks, people, vectors and the lexical index;
#: 2: also the people directory (the ``persons`` table of meta.sqlite, index/directory.py);
#: 3: also each document's date precision (day, term or year; older stores imply it, see
#:    ``index.metastore.LEGACY_PRECISION``).
#: A reader treats an older format as readable and rebuilds what it lacks in memory; the next
#: `arkiv ingest` rewrites the generation in the current format.
GENERATION_FORMAT = 3
CURRENT = "CURRENT"
LOCK = "ingest.lock"


@dataclass(frozen=True)
class Manifest:
    """What an index generation holds and how it was built."""

    schema_version: int
    embedder: str
    dim: int
    chunking: dict
    documents: int
    chunks: int
    vector_index: str
    created: str
    format: int = 1  # GENERATION_FORMAT when written; manifests without it are format 1

    @classmethod
    def new(cls, embedder: str, dim: int, chunking: dict, documents: int, chunks: int,
            vector_index: str) -> Manifest:
        created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        return cls(SCHEMA_VERSION, embedder, dim, dict(chunking), documents, chunks, vector_index, created,
                   GENERATION_FORMAT)

    def save(self, directory: Path) -> None:
        write_atomic(directory / "manifest.json", json.dumps(self.__dict__, indent=2, ensure_ascii=False).encode())

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        path = directory / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise ArchiveIndexError(
                f"the index manifest {path} is missing or damaged ({type(exc).__name__}); rebuild with `arkiv rebuild`") from exc


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry so a rename inside it survives a power cut."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so readers see the old or the new contents, never a mix."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_tree(directory: Path) -> None:
    """fsync every file and folder under ``directory`` before it is made live."""
    for root, _, files in os.walk(directory):
        for name in files:
            with open(Path(root) / name, "rb") as handle:
                os.fsync(handle.fileno())
        fsync_dir(Path(root))


def current_generation(store: Path) -> Path | None:
    """The live generation folder of a store, or None when the store holds no index."""
    try:
        name = (store / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    gen = store / name
    return gen if name and gen.is_dir() else None


def generation_token(store: Path) -> str | None:
    """A value that changes whenever a new generation goes live (for readers that poll)."""
    gen = current_generation(store)
    return gen.name if gen else None


def new_generation(store: Path) -> Path:
    """Create an empty folder for the next generation, numbered after every existing one."""
    store.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in store.glob("gen-*") if p.name[4:].isdigit()]
    gen = store / f"gen-{(max(numbers) + 1 if numbers else 1):06d}"
    gen.mkdir()
    return gen


def _generation_number(path: Path) -> int | None:
    suffix = path.name[4:]
    return int(suffix) if path.name.startswith("gen-") and suffix.isdigit() else None


def clean_store(store: Path) -> list[str]:
    """Remove what crashed or superseded runs left behind; keep the live generation and its predecessor.

    A generation numbered after the live one was never published (a run died while writing
    it) and goes; so do generations older than the live one's predecessor, and temporary
    files of interrupted atomic writes. Call it only while holding the WriterLock.

    Returns:
        The names of what was removed.
    """
    live = current_generation(store)
    live_number = _generation_number(live) if live else None
    generations = sorted((n, p) for p in store.glob("gen-*") if p.is_dir()
                         and (n := _generation_number(p)) is not None)
    older = [n for n, _ in generations if live_number is not None and n < live_number]
    keep = {live_number, max(older) if older else None}
    removed: list[str] = []
    for number, path in generations:
        if number not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    for tmp in store.glob("*.tmp"):
        tmp.unlink(missing_ok=True)
        removed.append(tmp.name)
    return removed


def publish(store: Path, gen: Path, pause: Callable[[str], None] | None = None) -> None:
    """Make ``gen`` the live generation atomically, then drop all but it and its predecessor.

    Every file of ``gen`` is fsynced before CURRENT names it, so after a crash CURRENT names
    either the old generation or a complete new one. The predecessor stays so that a reader
    that opened it a moment ago can finish; left-overs of crashed runs are removed here.

    Args:
        store: The index store.
        gen: The complete new generation folder.
        pause: Test hook called as pause("publish") just before and pause("published")
            just after CURRENT is switched (the crash tests kill the process there).
    """
    fsync_tree(gen)
    if pause:
        pause("publish")
    write_atomic(store / CURRENT, gen.name.encode())
    if pause:
        pause("published")
    clean_store(store)


class WriterLock:
    """The single-writer lock of an index store.

    The lock is an advisory ``flock`` on ``ingest.lock`` holding the writer's pid. The kernel
    releases it when the process ends, however it ends, so a lock file left by a killed
    ingest is simply taken over; the pid is there to name the holder in the error message.
    Where ``fcntl`` is missing the file itself is the lock and a dead pid in it is recovered.
    """

    def __init__(self, store: Path) -> None:
        self.path = store / LOCK
        self._fd: int | None = None

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = self._acquire_flock() if fcntl is not None else self._acquire_exclusive()
        os.ftruncate(self._fd, 0)
        os.write(self._fd, str(os.getpid()).encode())
        return self

    def _acquire_flock(self) -> int:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                self._refuse(self._holder())
            except OSError:  # a file system without flock (some network mounts)
                os.close(fd)
                return self._acquire_exclusive()
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                return fd
            os.close(fd)  # the holder removed the file as we opened it: lock the new one

    def _acquire_exclusive(self) -> int:
        while True:
            try:
                return os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
            except FileExistsError:
                pid = self._holder()
                if pid is not None and _alive(pid):
                    self._refuse(pid)
                self.path.unlink(missing_ok=True)  # stale: its process is gone

    def _refuse(self, pid: int | None) -> NoReturn:
        who = f"process {pid}{_command_of(pid)}" if pid else "another process"
        raise ArchiveIndexError(
            f"the index {self.path.parent} is locked by another ingest ({who}, lock file {self.path}); "
            "wait for it to finish, or stop that process and run again") from None

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or "0") or None
        except (OSError, ValueError):
            return None

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # while still locked, so no one locks a doomed file
            os.close(self._fd)
            self._fd = None


def _command_of(pid: int) -> str:
    """`: <command line>` of a process where /proc tells it, else ""."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    words = [w.decode("utf-8", "replace") for w in raw.split(b"\0") if w]
    return f": {' '.join(words)[:120]}" if words else ""


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed but not reaped) holds nothing.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True
