"""The index store on disk: generations switched atomically, a manifest each, and a writer lock.

Layout of an index store (default ``data/index``)::

    data/index/
      CURRENT              name of the live generation, replaced atomically
      ingest.lock          held by the one running ingest (pid inside)
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
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ArchiveIndexError

SCHEMA_VERSION = 1
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

    @classmethod
    def new(cls, embedder: str, dim: int, chunking: dict, documents: int, chunks: int,
            vector_index: str) -> Manifest:
        created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        return cls(SCHEMA_VERSION, embedder, dim, dict(chunking), documents, chunks, vector_index, created)

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


def publish(store: Path, gen: Path) -> None:
    """Make ``gen`` the live generation atomically, then drop all but it and its predecessor.

    The predecessor stays so a reader that opened it a moment ago can finish; left-overs of
    crashed runs are removed here.
    """
    fsync_tree(gen)
    previous = current_generation(store)
    write_atomic(store / CURRENT, gen.name.encode())
    keep = {gen.name, previous.name if previous else None}
    for path in store.glob("gen-*"):
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


class WriterLock:
    """The single-writer lock of an index store; a lock left by a dead process is taken over."""

    def __init__(self, store: Path) -> None:
        self.path = store / LOCK
        self._held = False

    def __enter__(self) -> WriterLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pid = self._holder()
                if pid is not None and _alive(pid):
                    raise ArchiveIndexError(
                        f"another ingest (process {pid}) is writing the index {self.path.parent}; "
                        "wait for it to finish, or stop it") from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            self._held = True
            return self

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text().strip() or "0") or None
        except (OSError, ValueError):
            return None

    def __exit__(self, *exc) -> None:
        if self._held:
            self.path.unlink(missing_ok=True)
            self._held = False


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
