"""What an ingest starts from: the live generation's documents, and which of them a run covers."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.metastore import MetaStore
from index.storage import Manifest, current_generation
from ingest.errors import ArchiveIndexError
from ingest.models import Chunk, Document

#: info keys of meta.sqlite that remember skipped files, so an unchanged one is not read again.
SKIP_MEMORY = "skipped_files"
SKIP_SETTINGS = "skip_settings"


@dataclass(frozen=True)
class LiveDocument:
    """One document of the live generation, as summarised in its documents table."""

    doc_id: str
    path: str
    root: str
    content_hash: str
    notes: list[str]

    @property
    def file(self) -> Path:
        """Where its file was when it was read."""
        return Path(self.root) / self.path


@dataclass
class Kept:
    """A document carried over into the next generation with its chunks and vectors."""

    document: Document
    root: str
    notes: list[str]
    chunks: list[Chunk]
    vectors: np.ndarray


class LiveIndex:
    """The live generation of a store, read lazily: summaries first, chunks and vectors on demand."""

    def __init__(self, gen: Path) -> None:
        self.gen = gen
        self.manifest = Manifest.load(gen)
        meta = MetaStore(gen / "meta.sqlite")
        try:
            self.documents = {r["doc_id"]: LiveDocument(r["doc_id"], r["path"], r["root"], r["content_hash"],
                                                        json.loads(r["notes"])) for r in meta.document_rows()}
            self.skipped = meta.skipped()
            info = meta.info()
        finally:
            meta.close()
        self.skip_memory: dict[str, list[str]] = json.loads(info.get(SKIP_MEMORY, "{}"))
        self.skip_settings: dict = json.loads(info.get(SKIP_SETTINGS, "{}"))

    @classmethod
    def open(cls, store: Path) -> LiveIndex | None:
        """The live index of ``store``, or None when it has none yet.

        Raises:
            ArchiveIndexError: when the live generation cannot be read.
        """
        gen = current_generation(store)
        if gen is None:
            return None
        try:
            return cls(gen)
        except (sqlite3.Error, OSError, ValueError, KeyError) as exc:
            raise ArchiveIndexError(
                f"the live index {gen} cannot be read ({type(exc).__name__}: {exc}); see `arkiv check`, "
                "and rebuild it with `arkiv rebuild`") from exc

    def roots(self) -> set[str]:
        return {d.root for d in self.documents.values()}

    def remembered_skip(self, rel: str, root: str, digest: str, settings: dict) -> str | None:
        """The reason a file was skipped last time when it, and the settings, are unchanged."""
        entry = self.skip_memory.get(rel)
        if entry is None or settings != self.skip_settings or entry[:2] != [root, digest]:
            return None
        return dict(self.skipped).get(rel)

    def load(self, doc_ids: list[str]) -> dict[str, Kept]:
        """Documents with their chunks (in id order) and vectors, for the documents kept."""
        if not doc_ids:
            return {}
        meta = MetaStore(self.gen / "meta.sqlite")
        try:
            vectors = np.load(self.gen / "vectors.npy", mmap_mode="r")
            kept: dict[str, Kept] = {}
            for doc_id in doc_ids:
                doc = meta.document(doc_id)
                rows = meta.chunk_rows_of(doc_id)
                chunks = list(meta.chunks_by_rows(rows).values())
                chunks.sort(key=lambda c: int(c.chunk_id.rsplit("-", 1)[1]))
                summary = self.documents[doc_id]
                kept[doc_id] = Kept(doc, summary.root, summary.notes, chunks,
                                    np.array(vectors[rows], dtype=np.float32))
        except (sqlite3.Error, OSError, ValueError, IndexError) as exc:
            raise ArchiveIndexError(
                f"the live index {self.gen} cannot be read ({type(exc).__name__}: {exc}); see `arkiv check`, "
                "and rebuild it with `arkiv rebuild`") from exc
        finally:
            meta.close()
        return kept


@dataclass(frozen=True)
class Target:
    """One path given to an ingest, placed in its corpus root.

    Attributes:
        root: The corpus root: relative paths, and so document ids, are taken from it.
        scope: The given folder or file relative to ``root`` ("" for the whole root).
        is_file: Whether a single file was given.
    """

    root: Path
    scope: str
    is_file: bool

    @property
    def path(self) -> Path:
        return self.root / self.scope if self.scope else self.root

    def covers(self, file: Path) -> bool:
        """Whether a previously indexed file lies inside what this run looks at."""
        return file == self.path if self.is_file else file == self.path or self.path in file.parents


def resolve_targets(paths: list[Path], live_roots: set[str]) -> list[Target]:
    """Place each given path in a corpus root.

    A path inside a folder the index was built from keeps that folder as its root, so that
    ingesting one file or subfolder gives the same ids as ingesting the whole folder and
    never drops the rest of it. Any other folder is its own root; any other file's root is
    its folder.

    Raises:
        ArchiveIndexError: for a path that does not exist.
    """
    roots = sorted((Path(r) for r in live_roots), key=lambda r: len(r.parts), reverse=True)
    targets: list[Target] = []
    for given in paths:
        path = Path(given).resolve()
        if not path.exists():
            raise ArchiveIndexError(f"the folder {path} does not exist; give a folder of documents to ingest")
        is_file = path.is_file()
        root = next((r for r in roots if r == path or r in path.parents), None)
        if root is None:
            root = path.parent if is_file else path
        scope = path.relative_to(root).as_posix()
        targets.append(Target(root, "" if scope == "." else scope, is_file))
    return targets
