"""Ingest folders into an index store: only new and changed files are read and embedded."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.cache import EmbeddingCache, text_hash
from index.lexical import LexicalIndex
from index.metastore import MetaStore, write_metastore
from index.storage import Manifest, WriterLock, current_generation, new_generation, publish
from index.vectors import VectorIndex
from ingest.config import IngestConfig
from ingest.embedding import Embedder, canonical_embedder, embed_texts, load_embedder
from ingest.errors import ArchiveIndexError
from ingest.models import Chunk, Document
from ingest.pipeline import SIDECAR_SUFFIX, discover, doc_id_for, process_file

#: on_progress(stage, done, total); stages: "read", "embed", "index".
StageProgress = Callable[[str, int, int], None]


@dataclass
class IngestReport:
    """What one ingest run did, for the CLI and the app to render."""

    files: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    cached: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    published: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class _Kept:
    """A document carried over from the live generation with its chunks and vectors."""

    document: Document
    root: str
    notes: list[str]
    chunks: list[Chunk]
    vectors: np.ndarray


def _hash_with_sidecar(path: Path, data: bytes) -> str:
    import hashlib

    digest = hashlib.sha256(data)
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


def _load_live(store: Path) -> tuple[Manifest | None, dict[str, _Kept], list[tuple[str, str]]]:
    """Documents of the live generation by doc id, with their chunks and vectors."""
    gen = current_generation(store)
    if gen is None:
        return None, {}, []
    manifest = Manifest.load(gen)
    meta = MetaStore(gen / "meta.sqlite")
    try:
        vectors = np.load(gen / "vectors.npy", mmap_mode="r")
        kept: dict[str, _Kept] = {}
        for row in meta.document_rows():
            doc = meta.document(row["doc_id"])
            rows = meta.chunk_rows_of(row["doc_id"])
            chunks = list(meta.chunks_by_rows(rows).values())
            chunks.sort(key=lambda c: int(c.chunk_id.rsplit("-", 1)[1]))
            kept[row["doc_id"]] = _Kept(doc, row["root"], json.loads(row["notes"]), chunks,
                                        np.array(vectors[rows], dtype=np.float32))
        skipped = meta.skipped()
    finally:
        meta.close()
    return manifest, kept, skipped


def ingest(paths: Sequence[Path], store: Path, config: IngestConfig | None = None,
           embedder: Embedder | None = None, on_progress: StageProgress | None = None,
           rebuild: bool = False) -> IngestReport:
    """Bring the index store up to date with the files under ``paths``.

    New and changed files (by content hash, sidecar included) are read, chunked and
    embedded; unchanged ones keep their chunks and vectors; files that disappeared from a
    given folder are removed. Vectors come from the embedding cache when the same text was
    embedded before. The new index is written beside the live one and switched in
    atomically; nothing is written when nothing changed.

    Args:
        paths: Folders (or single files) to ingest.
        store: The index store folder.
        config: Ingestion settings (embedder, chunking, size cap).
        embedder: A loaded embedder matching ``config.embedder``; loaded when None.
        on_progress: Called as (stage, done, total).
        rebuild: Ignore the live index and read and chunk every file again.

    Raises:
        ArchiveIndexError: when the live index was built with another embedder (and not
            ``rebuild``), or another ingest holds the lock.
    """
    config = config or IngestConfig()
    started = time.perf_counter()
    report = IngestReport()
    with WriterLock(store):
        manifest, live, old_skipped = _load_live(store) if not rebuild else (None, {}, [])
        if manifest is not None and manifest.embedder != canonical_embedder(config.embedder):
            raise ArchiveIndexError(
                f"the index at {store} was built with the embedder {manifest.embedder}, not {config.embedder}; "
                f"rebuild it with `arkiv rebuild --embedder {config.embedder}` or use --embedder {manifest.embedder}")
        same_chunking = manifest is not None and manifest.chunking == config.chunking_settings()
        embedder = embedder or load_embedder(config.embedder)
        roots = [Path(p).resolve() for p in paths]
        for root in roots:
            if not root.exists():
                raise ArchiveIndexError(f"the folder {root} does not exist; give a folder of documents to ingest")

        current: dict[str, _Kept] = {}
        fresh: list[tuple[Document, str, list[str], list[Chunk]]] = []
        candidates = [(root, path, rel) for root in roots for path, rel in discover(root)]
        seen: set[str] = set()
        t_read = time.perf_counter()
        for number, (root, path, rel) in enumerate(candidates, start=1):
            report.files += 1
            root_str = str(root if root.is_dir() else root.parent)
            doc_id = doc_id_for(rel)
            if doc_id in seen:
                report.skipped.append((rel, "the same relative path was already read from another folder"))
                continue
            seen.add(doc_id)
            old = live.get(doc_id)
            try:
                data = path.read_bytes() if path.stat().st_size <= config.max_file_mb * 1048576 else None
            except OSError as exc:
                report.skipped.append((rel, f"could not read the file ({exc.strerror or exc})"))
                continue
            if data is not None and old is not None and same_chunking and \
                    old.document.content_hash == _hash_with_sidecar(path, data):
                current[doc_id] = old
                report.unchanged += 1
            else:
                result = process_file(path, rel, config, embedder.count_tokens, data=data)
                for note in result.notes:
                    report.notes.append((rel, note))
                if result.document is None:
                    report.skipped.append((rel, result.skipped or "skipped"))
                else:
                    result.document.content_hash = _hash_with_sidecar(path, data)
                    fresh.append((result.document, root_str, result.notes, result.chunks))
                    (report.updated if old is not None else report.added).append(rel)
            if on_progress:
                on_progress("read", number, len(candidates))
        report.timings["read"] = time.perf_counter() - t_read

        root_strs = {str(r if r.is_dir() else r.parent) for r in roots}
        for doc_id, old in live.items():
            if doc_id in seen:
                if doc_id not in current and not any(d.doc_id == doc_id for d, *_ in fresh):
                    report.removed.append(old.document.path)  # now unreadable: its old version goes
                continue
            if old.root in root_strs:
                report.removed.append(old.document.path)
            else:
                current[doc_id] = old  # a folder not ingested this run keeps its documents

        if manifest is not None and not report.changed and set(old_skipped) == set(report.skipped):
            report.documents = len(current)
            report.chunks = sum(len(k.chunks) for k in current.values())
            report.seconds = time.perf_counter() - started
            return report

        t_embed = time.perf_counter()
        new_chunks = [c for _, _, _, chunks in fresh for c in chunks]
        fresh_vectors = _vectors_for(new_chunks, embedder, store, config, report, on_progress)
        report.timings["embed"] = time.perf_counter() - t_embed

        t_index = time.perf_counter()
        documents: list[tuple[Document, str, list[str]]] = []
        all_chunks: list[Chunk] = []
        parts: list[np.ndarray] = []
        offset = 0
        entries: list[tuple[Document, str, list[str], list[Chunk], np.ndarray]] = \
            [(k.document, k.root, k.notes, k.chunks, k.vectors) for k in current.values()]
        for doc, root, notes, chunks in fresh:
            entries.append((doc, root, notes, chunks, fresh_vectors[offset:offset + len(chunks)]))
            offset += len(chunks)
        entries.sort(key=lambda e: (e[0].date or "", e[0].path))
        for doc, root, notes, chunks, vectors in entries:
            documents.append((doc, root, notes))
            all_chunks.extend(chunks)
            parts.append(np.asarray(vectors, dtype=np.float32).reshape(len(chunks), embedder.dim))
        matrix = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        _write_generation(store, config, embedder, documents, all_chunks, matrix, report, on_progress)
        report.timings["index"] = time.perf_counter() - t_index
        report.documents = len(documents)
        report.chunks = len(all_chunks)
        report.published = True
    report.seconds = time.perf_counter() - started
    return report


def _vectors_for(chunks: list[Chunk], embedder: Embedder, store: Path, config: IngestConfig,
                 report: IngestReport, on_progress: StageProgress | None) -> np.ndarray:
    """Vectors for new chunks: from the cache where possible, embedded (and cached) otherwise."""
    if not chunks:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    cache = EmbeddingCache(store / "cache" / "embeddings.sqlite")
    try:
        hashes = [text_hash(c.embed_text) for c in chunks]
        found = cache.get_many(embedder.name, hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        texts = {h: c.embed_text for h, c in zip(hashes, chunks)}
        report.cached = len(chunks) - sum(1 for h in hashes if h in missing)
        batch = max(config.batch_size, 1)
        for start in range(0, len(missing), batch * 4):
            part = missing[start:start + batch * 4]
            vectors = embed_texts(embedder, [texts[h] for h in part], batch)
            cache.put_many(embedder.name, part, vectors)  # saved as we go: a crash loses little
            found.update(zip(part, vectors))
            report.embedded += len(part)
            if on_progress:
                on_progress("embed", min(start + len(part), len(missing)), len(missing))
        return np.vstack([found[h] for h in hashes]).astype(np.float32)
    finally:
        cache.close()


def _write_generation(store: Path, config: IngestConfig, embedder: Embedder,
                      documents: list[tuple[Document, str, list[str]]], chunks: list[Chunk],
                      matrix: np.ndarray, report: IngestReport, on_progress: StageProgress | None) -> None:
    gen = new_generation(store)
    if on_progress:
        on_progress("index", 0, 3)
    analyzer = SwedishAnalyzer()
    lexical = LexicalIndex.build([analyzer.tokens(c.embed_text) for c in chunks])
    lexical.save(gen)
    if on_progress:
        on_progress("index", 1, 3)
    vectors = VectorIndex.build(matrix)
    vectors.save(gen)
    if on_progress:
        on_progress("index", 2, 3)
    info = {"last_ingest": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "roots": json.dumps(sorted({root for _, root, _ in documents}), ensure_ascii=False)}
    write_metastore(gen / "meta.sqlite", documents, chunks, report.skipped, info)
    Manifest.new(canonical_embedder(config.embedder), embedder.dim,
                 config.chunking_settings(), len(documents), len(chunks), vectors.kind).save(gen)
    publish(store, gen)
    if on_progress:
        on_progress("index", 3, 3)
