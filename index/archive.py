"""An opened index: manifest, metadata, vectors and lexical index of the live generation."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.lexical import LexicalIndex
from index.metastore import MetaStore
from index.storage import SCHEMA_VERSION, Manifest, current_generation, generation_token
from index.vectors import VectorIndex
from ingest.embedding import Embedder, canonical_embedder, load_embedder
from ingest.errors import ArchiveIndexError
from ingest.metadata import section_date
from ingest.models import DOC_TYPES, date_span


@dataclass(frozen=True)
class Filters:
    """Restrictions applied before ranking.

    Attributes:
        date_from: Earliest document date, ISO (inclusive), or None.
        date_to: Latest document date, ISO (inclusive), or None.
        networks: Network slugs to keep; empty keeps all.
        doc_types: Document types to keep; empty keeps all.
        doc_ids: Documents to keep (set by person and organisation filters); None keeps all.
        exclude_doc_ids: Documents to leave out (similar discussions leave out the source).
    """

    date_from: str | None = None
    date_to: str | None = None
    networks: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    doc_ids: frozenset[str] | None = None
    exclude_doc_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for value in self.doc_types:
            if value not in DOC_TYPES:
                raise ArchiveIndexError(f"unknown document type {value!r}; use one of {', '.join(DOC_TYPES)}")

    @property
    def active(self) -> bool:
        return bool(self.date_from or self.date_to or self.networks or self.doc_types
                    or self.doc_ids is not None or self.exclude_doc_ids)


class Archive:
    """Everything a search needs, loaded once and shared (thread-safe for reading).

    Open with ``Archive.open(store)``; the embedder recorded in the manifest is loaded on
    first use unless one is passed in.
    """

    def __init__(self, store: Path, gen: Path, manifest: Manifest, embedder: Embedder | None) -> None:
        self.store = store
        self.gen = gen
        self.manifest = manifest
        self.meta = MetaStore(gen / "meta.sqlite")
        self.vectors = VectorIndex.load(gen, manifest.vector_index)
        self.lexical = LexicalIndex.load(gen, manifest.chunks)
        self.analyzer = SwedishAnalyzer()
        self._embedder = embedder
        self._lock = threading.Lock()
        self.documents = [dict(r) for r in self.meta.document_rows()]
        self.doc_pos = {d["doc_id"]: i for i, d in enumerate(self.documents)}
        doc_ids, body = self.meta.chunk_doc_ids_and_body()
        self.row_doc = np.array([self.doc_pos[d] for d in doc_ids], dtype=np.int32)
        #: True for body sections, False for attendance lists (who was there, not what was said).
        self.row_body = np.array(body, dtype=bool)
        del doc_ids, body
        # ISO dates as a numpy string array ("" when undated): a date filter is one vectorised
        # comparison (0.4 ms over 91k documents, against 14 ms for a Python loop).
        self.doc_dates = np.array([d["date"] or "" for d in self.documents], dtype="U10")
        # The first and last day each date stands for: a term or a year-only date (an overview
        # page) covers its whole term or year, so a date filter keeps what overlaps it.
        spans = [date_span(d["date"], d["date_precision"]) if d["date"] else ("", "") for d in self.documents]
        self.doc_date_first = np.array([a for a, _ in spans], dtype="U10")
        self.doc_date_last = np.array([b for _, b in spans], dtype="U10")
        self.doc_precision = np.array([d["date_precision"] for d in self.documents], dtype="U4")
        del spans
        self.section_dates = self._section_dates()
        dated = np.sort(self.doc_dates[self.doc_dates != ""])
        self._period = (str(dated[0]), str(dated[-1])) if len(dated) else (None, None)
        self.doc_networks = np.array([d["network"] or "" for d in self.documents], dtype=object)
        self.doc_types = np.array([d["doc_type"] for d in self.documents], dtype=object)

    @classmethod
    def open(cls, store: Path, embedder: Embedder | None = None) -> Archive:
        """Open the live index of a store.

        Raises:
            ArchiveIndexError: when there is no index, it is from another schema, or
                ``embedder`` differs from the one the index was built with.
        """
        store = Path(store)
        gen = current_generation(store)
        if gen is None:
            raise ArchiveIndexError(
                f"no index at {store}; build one with `arkiv ingest corpus/` (or set --index / ARKIV_INDEX)")
        manifest = Manifest.load(gen)
        if manifest.schema_version != SCHEMA_VERSION:
            raise ArchiveIndexError(
                f"the index at {store} has schema {manifest.schema_version}, this version reads {SCHEMA_VERSION}; "
                "rebuild it with `arkiv rebuild`")
        if embedder is not None and canonical_embedder(embedder.name) != manifest.embedder:
            raise ArchiveIndexError(
                f"the index at {store} was built with {manifest.embedder} but the embedder in use is "
                f"{embedder.name}; rebuild with `arkiv rebuild --embedder {embedder.name}` or use the index's embedder")
        return cls(store, gen, manifest, embedder)

    @property
    def embedder(self) -> Embedder:
        """The index's embedder, loaded on first use."""
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self.manifest.embedder)
                if self._embedder.dim != self.manifest.dim:
                    raise ArchiveIndexError(
                        f"the embedder {self.manifest.embedder} gives {self._embedder.dim} dimensions but the index "
                        f"holds {self.manifest.dim}; rebuild with `arkiv rebuild`")
            return self._embedder

    def is_stale(self) -> bool:
        """True when a newer generation has gone live since this one was opened."""
        return generation_token(self.store) not in (None, self.gen.name)

    def close(self) -> None:
        self.meta.close()

    @property
    def size(self) -> int:
        return self.vectors.size

    def filter_mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask over chunk rows for the filters, or None when nothing is filtered."""
        if filters is None or not filters.active:
            return None
        keep = self.date_mask(filters.date_from, filters.date_to)
        if filters.networks:
            keep &= np.isin(self.doc_networks, list(filters.networks))
        if filters.doc_types:
            keep &= np.isin(self.doc_types, list(filters.doc_types))
        if filters.doc_ids is not None:
            chosen = np.zeros(len(self.documents), dtype=bool)
            chosen[self._positions(filters.doc_ids)] = True
            keep &= chosen
        if filters.exclude_doc_ids:
            keep[self._positions(filters.exclude_doc_ids)] = False
        if not len(self.row_doc):
            return np.zeros(0, dtype=bool)
        mask = keep[self.row_doc]
        self.apply_section_dates(mask, filters.date_from, filters.date_to)
        return mask

    def apply_section_dates(self, mask: np.ndarray, date_from: str | None, date_to: str | None) -> None:
        """Drop from a row mask the dated sections of year-only documents (see ``section_dates``)
        whose own day is outside ``date_from``..``date_to``; in place."""
        rows, days = self.section_dates
        if len(rows) and (date_from or date_to):
            own = np.ones(len(rows), dtype=bool)
            if date_from:
                own &= days >= date_from
            if date_to:
                own &= days <= date_to
            mask[rows] &= own

    def _section_dates(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, ISO dates) of the sections of year-only documents whose heading names their day.

        A yearly overview page has one section per meeting ("Träff 2 – 16 maj"); a date filter
        judges those sections by their own day rather than by the whole year.
        """
        years = {d["doc_id"]: d["date"] for d in self.documents if d["date"] and d["date_precision"] == "year"}
        found = []
        for r in self.meta.query_in("SELECT row, doc_id, section FROM chunks", "doc_id", sorted(years)):
            day, precision = section_date(years[r["doc_id"]], "year", r["section"])
            if precision == "day":
                found.append((r["row"], day))
        found.sort()
        return (np.array([row for row, _ in found], dtype=np.int64),
                np.array([day for _, day in found], dtype="U10"))

    def date_mask(self, date_from: str | None, date_to: str | None) -> np.ndarray:
        """Boolean mask over documents whose date overlaps ``date_from``..``date_to`` (ISO,
        inclusive; None leaves that end open). Undated documents are kept only without bounds; a
        term or a year-only date is kept when any day of it is in the range (``filter_mask`` then
        judges a year-only document's dated sections by their own day)."""
        keep = np.ones(len(self.documents), dtype=bool)
        if date_from or date_to:
            keep &= self.doc_dates != ""
        if date_from:
            keep &= self.doc_date_last >= date_from
        if date_to:
            keep &= self.doc_date_first <= date_to
        return keep

    def _positions(self, doc_ids: frozenset[str]) -> np.ndarray:
        """Document positions of the ids this archive holds (unknown ids are ignored)."""
        return np.array([self.doc_pos[d] for d in doc_ids if d in self.doc_pos], dtype=np.int64)

    def networks(self) -> list[str]:
        return sorted({d["network"] for d in self.documents if d["network"]})

    def period(self) -> tuple[str | None, str | None]:
        """The first and last document date (ISO), or (None, None) when nothing is dated."""
        return self._period

    def stats(self) -> dict:
        """Counts and facts for `arkiv stats` and the app's about page."""
        size = sum(p.stat().st_size for p in self.gen.rglob("*") if p.is_file())
        first, last = self.period()
        info = self.meta.info()
        return {
            "index": str(self.store), "generation": self.gen.name, "documents": len(self.documents),
            "chunks": self.size, "embedder": self.manifest.embedder, "dim": self.manifest.dim,
            "vector_index": self.manifest.vector_index, "chunking": self.manifest.chunking,
            "created": self.manifest.created, "index_bytes": size, "networks": self.networks(),
            "period": [first, last], "last_ingest": info.get("last_ingest"),
            "roots": json.loads(info.get("roots", "[]")),
            "skipped": [{"path": p, "reason": r} for p, r in self.meta.skipped()],
            "doc_types": {t: int((self.doc_types == t).sum()) for t in DOC_TYPES if (self.doc_types == t).any()},
        }


T = TypeVar("T")


def per_archive(build: Callable[[Archive], T]) -> Callable[[Archive], T]:
    """Make ``build(archive)`` run once per opened archive; the result lives as long as it does.

    The returned function also has ``built(archive)`` (the cached value or None, building
    nothing) and ``forget(archive)``.
    """
    made: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    def get(archive: Archive) -> T:
        with lock:
            value = made.get(archive)
            if value is None:
                value = made[archive] = build(archive)
            return value

    def built(archive: Archive) -> T | None:
        with lock:
            return made.get(archive)

    def forget(archive: Archive) -> None:
        with lock:
            made.pop(archive, None)

    get.__doc__, get.__name__ = build.__doc__, build.__name__
    get.built, get.forget = built, forget  # type: ignore[attr-defined]
    return get
