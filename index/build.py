"""Ingest folders into an index store: only new and changed files are read and embedded.

Two environment variables exist for the crash tests (tests/test_crash.py) and are read only
here: ARKIV_TEST_PAUSE_AT=<stage> makes the run print ``ARKIV_PAUSED <stage>`` on stderr and
sleep there, so a test can kill it at a known point (stages: read, embed, write, publish,
published); ARKIV_TEST_SLOW_EMBED=<seconds> sleeps that long per batch of the fake "hash"
embedder, so a test can kill it at any moment of embedding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.cache import EmbeddingCache, text_hash
from index.directory import write_directory
from index.lexical import LexicalIndex
from index.live import SKIP_MEMORY, SKIP_SETTINGS, LiveIndex, Target, resolve_targets
from index.metastore import write_metastore
from index.storage import GENERATION_FORMAT, Manifest, WriterLock, clean_store, new_generation, publish
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
    """What one ingest run did, for the CLI and the app to render.

    Attributes:
        files: Candidate files found under the given paths.
        added, updated, removed: Relative paths of documents new to, changed in and gone
            from the index.
        unchanged: Files whose content (and sidecar) is as indexed; not read again.
        relocated: Unchanged documents whose corpus folder moved (the index now points there).
        skipped: (path, reason) of files left out, this run or remembered from the last one.
        notes: (path, note) remarks on degraded reading.
        documents, chunks: Totals of the index after the run.
        embedded: Chunks embedded by the model this run; cached: chunks whose vectors came
            from the embedding cache.
        seconds, timings: Wall time, and per stage ("read", "embed", "index").
        published: Whether a new generation went live (False when nothing changed).
    """

    files: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    relocated: int = 0
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
        return bool(self.added or self.updated or self.removed or self.relocated)


def _pause(stage: str) -> None:
    """Crash-test hook: stop at ``stage`` when ARKIV_TEST_PAUSE_AT names it (see the module docstring)."""
    if os.environ.get("ARKIV_TEST_PAUSE_AT") == stage:
        sys.stderr.write(f"ARKIV_PAUSED {stage}\n")
        sys.stderr.flush()
        time.sleep(float(os.environ.get("ARKIV_TEST_PAUSE_S", "120")))


def _hash_with_sidecar(path: Path, data: bytes) -> str:
    """The content hash of a file together with its sidecar: a changed sidecar re-reads the file."""
    digest = hashlib.sha256(data)
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


@dataclass
class _Plan:
    """What the reading stage decided: documents to keep, fresh ones to add, and skips to remember."""

    keep: dict[str, str] = field(default_factory=dict)  # doc id -> root it is kept under
    fresh: list[tuple[Document, str, list[str], list[Chunk]]] = field(default_factory=list)
    skip_memory: dict[str, list[str]] = field(default_factory=dict)


def _candidates(targets: list[Target]) -> list[tuple[Path, Path, str]]:
    """(root, file, relative path) of every file to look at, each file once."""
    found: dict[Path, tuple[Path, Path, str]] = {}
    for target in targets:
        files = [(target.path, target.scope)] if target.is_file else \
            discover(target.root, within=target.path if target.scope else None)
        for path, rel in files:
            found.setdefault(path, (target.root, path, rel))
    return list(found.values())


class _Model:
    """The embedder of a run, loaded on first use: an unchanged corpus never loads a model."""

    def __init__(self, spec: str, embedder: Embedder | None) -> None:
        self._spec, self._embedder = spec, embedder

    def get(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self._spec)
        return self._embedder


@dataclass
class _ReadStage:
    """The reading stage of one run: hash every candidate, read the new and changed ones."""

    targets: list[Target]
    live: LiveIndex | None
    config: IngestConfig
    model: _Model
    reuse: bool  # whether unchanged files may keep their chunks (same chunking settings)
    report: IngestReport
    plan: _Plan = field(default_factory=_Plan)
    seen: dict[str, str] = field(default_factory=dict)  # doc id -> root it was found under
    parsed: int = 0

    def run(self, on_progress: StageProgress | None) -> _Plan:
        candidates = _candidates(self.targets)
        for number, (root, path, rel) in enumerate(candidates, start=1):
            self.report.files += 1
            self.file(str(root), path, rel)
            if on_progress:
                on_progress("read", number, len(candidates))
        self.removals()
        return self.plan

    def file(self, root: str, path: Path, rel: str) -> None:
        report, plan = self.report, self.plan
        doc_id = doc_id_for(rel)
        old = self.live.documents.get(doc_id) if self.live else None
        if doc_id in self.seen or (old is not None and old.root != root and old.file.is_file()
                                   and not any(t.covers(old.file) for t in self.targets)):
            report.skipped.append((rel, f"the same relative path is already indexed from "
                                        f"{self.seen.get(doc_id) or old.root}; rename the file or ingest it "
                                        "from that folder"))
            return
        self.seen[doc_id] = root
        try:
            over_cap = path.stat().st_size > self.config.max_file_mb * 1048576
            data = None if over_cap else path.read_bytes()
            digest = None if over_cap else _hash_with_sidecar(path, data)
        except OSError as exc:
            report.skipped.append((rel, f"could not read the file ({exc.strerror or exc})"))
            return
        settings = {"parse_timeout_s": self.config.parse_timeout_s, **self.config.chunking_settings()}
        remembered = self.live.remembered_skip(rel, root, digest, settings) if self.live and digest else None
        if self.reuse and old is not None and digest == old.content_hash:
            plan.keep[doc_id] = root
            report.unchanged += 1
            report.relocated += old.root != root
            return
        if remembered is not None:
            report.skipped.append((rel, remembered))
            plan.skip_memory[rel] = [root, digest]
            return
        count_tokens = self.model.get().count_tokens  # a model that fails to load stops the run here
        result = process_file(path, rel, self.config, count_tokens, data=data)
        report.notes.extend((rel, note) for note in result.notes)
        if result.document is None:
            report.skipped.append((rel, result.skipped or "skipped"))
            if digest:
                plan.skip_memory[rel] = [root, digest]
        else:
            result.document.content_hash = digest
            plan.fresh.append((result.document, root, result.notes, result.chunks))
            (report.updated if old is not None else report.added).append(rel)
        self.parsed += 1
        if self.parsed == 1:
            _pause("read")

    def removals(self) -> None:
        """Decide the fate of every live document this run did not keep or replace."""
        fresh = {d.doc_id for d, *_ in self.plan.fresh}
        for doc_id, old in (self.live.documents if self.live else {}).items():
            if doc_id in self.seen:
                if doc_id not in self.plan.keep and doc_id not in fresh:
                    self.report.removed.append(old.path)  # now unreadable or over the size cap: the old version goes
            elif any(t.covers(old.file) for t in self.targets):
                self.report.removed.append(old.path)  # deleted, ignored, or now indexed under another root
            else:
                self.plan.keep[doc_id] = old.root  # outside what this run looked at: kept as it is


def ingest(paths: Sequence[Path], store: Path, config: IngestConfig | None = None,
           embedder: Embedder | None = None, on_progress: StageProgress | None = None,
           rebuild: bool = False) -> IngestReport:
    """Bring the index store up to date with the files under ``paths``.

    New and changed files (by content hash, sidecar included) are read, chunked and
    embedded; unchanged ones keep their chunks and vectors; files that disappeared from a
    given folder are removed; files skipped last time are not read again while they and
    the settings are unchanged. A path inside a folder the index was built from is ingested
    as part of that folder (same ids; the rest of the folder stays). Vectors come from the
    embedding cache when the same text was embedded before. The new index is written beside
    the live one and switched in atomically; nothing is written when nothing changed.

    Args:
        paths: Folders (or single files) to ingest.
        store: The index store folder.
        config: Ingestion settings (embedder, chunking, size cap, parse time limit).
        embedder: A loaded embedder matching ``config.embedder``; loaded when None.
        on_progress: Called as (stage, done, total).
        rebuild: Ignore the live index and read and chunk every file again.

    Raises:
        ArchiveIndexError: when the live index was built with another embedder (and not
            ``rebuild``), a path does not exist, or another ingest holds the lock.
    """
    config = config or IngestConfig()
    started = time.perf_counter()
    report = IngestReport()
    with WriterLock(store):
        clean_store(store)  # half-written generations of runs that were killed
        live = None if rebuild else LiveIndex.open(store)
        if live is not None and live.manifest.embedder != canonical_embedder(config.embedder):
            raise ArchiveIndexError(
                f"the index at {store} was built with the embedder {live.manifest.embedder}, not {config.embedder}; "
                f"rebuild it with `arkiv rebuild --embedder {config.embedder}` or use --embedder {live.manifest.embedder}")
        targets = resolve_targets(list(paths), live.roots() if live else set())
        model = _Model(config.embedder, embedder)  # loaded only when a file must be read or embedded
        reuse = live is not None and live.manifest.chunking == config.chunking_settings()

        t_read = time.perf_counter()
        plan = _ReadStage(targets, live, config, model, reuse, report).run(on_progress)
        report.timings["read"] = time.perf_counter() - t_read
        if (live is not None and not report.changed and set(live.skipped) == set(report.skipped)
                and live.manifest.format == GENERATION_FORMAT):  # an older format is rewritten, not re-read
            report.documents = len(plan.keep)
            report.chunks = live.manifest.chunks
            report.seconds = time.perf_counter() - started
            return report
        embedder = model.get()

        t_embed = time.perf_counter()
        new_chunks = [c for _, _, _, chunks in plan.fresh for c in chunks]
        fresh_vectors = _vectors_for(new_chunks, embedder, store, config, report, on_progress)
        report.timings["embed"] = time.perf_counter() - t_embed

        t_index = time.perf_counter()
        kept = live.load(sorted(plan.keep)) if live is not None else {}
        entries: list[tuple[Document, str, list[str], list[Chunk], np.ndarray]] = \
            [(k.document, plan.keep[doc_id], k.notes, k.chunks, k.vectors) for doc_id, k in kept.items()]
        offset = 0
        for doc, root, notes, chunks in plan.fresh:
            entries.append((doc, root, notes, chunks, fresh_vectors[offset:offset + len(chunks)]))
            offset += len(chunks)
        entries.sort(key=lambda e: (e[0].date or "", e[0].path))  # the same order however the index grew
        documents = [(doc, root, notes) for doc, root, notes, _, _ in entries]
        all_chunks = [c for *_, chunks, _ in entries for c in chunks]
        parts = [np.asarray(v, dtype=np.float32).reshape(len(c), embedder.dim) for *_, c, v in entries]
        matrix = np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        settings = {"parse_timeout_s": config.parse_timeout_s, **config.chunking_settings()}
        info = {SKIP_MEMORY: json.dumps(plan.skip_memory, ensure_ascii=False),
                SKIP_SETTINGS: json.dumps(settings, sort_keys=True)}
        _write_generation(store, config, embedder, documents, all_chunks, matrix, report, info, on_progress)
        report.timings["index"] = time.perf_counter() - t_index
        report.documents = len(documents)
        report.chunks = len(all_chunks)
        report.published = True
    report.seconds = time.perf_counter() - started
    return report


def _vectors_for(chunks: list[Chunk], embedder: Embedder, store: Path, config: IngestConfig,
                 report: IngestReport, on_progress: StageProgress | None) -> np.ndarray:
    """Vectors for new chunks: from the cache where possible, embedded (and cached) otherwise.

    Each batch is committed to the cache as soon as it is embedded, so a run that is killed
    loses at most one batch of work; the next run finds the rest in the cache.
    """
    if not chunks:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    slow = float(os.environ.get("ARKIV_TEST_SLOW_EMBED") or 0) if embedder.name == "hash" else 0.0
    cache = EmbeddingCache(store / "cache" / "embeddings.sqlite")
    try:
        hashes = [text_hash(c.embed_text) for c in chunks]
        found = cache.get_many(embedder.name, hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        texts = {h: c.embed_text for h, c in zip(hashes, chunks)}
        report.cached = sum(1 for h in hashes if h in found)
        batch = config.batch_size or getattr(embedder, "batch_size", 32)
        for start in range(0, len(missing), batch):
            part = missing[start:start + batch]
            vectors = embed_texts(embedder, [texts[h] for h in part], batch)
            if slow:
                time.sleep(slow)
            cache.put_many(embedder.name, part, vectors)
            found.update(zip(part, vectors))
            report.embedded += len(part)
            if on_progress:
                on_progress("embed", min(start + len(part), len(missing)), len(missing))
            if start == 0:
                _pause("embed")
        return np.vstack([found[h] for h in hashes]).astype(np.float32)
    finally:
        cache.close()


def _write_generation(store: Path, config: IngestConfig, embedder: Embedder,
                      documents: list[tuple[Document, str, list[str]]], chunks: list[Chunk],
                      matrix: np.ndarray, report: IngestReport, info: dict[str, str],
                      on_progress: StageProgress | None) -> None:
    """Write a complete generation beside the live one and publish it."""
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
    _pause("write")
    info = {**info, "last_ingest": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "roots": json.dumps(sorted({root for _, root, _ in documents}), ensure_ascii=False)}
    write_metastore(gen / "meta.sqlite", documents, chunks, report.skipped, info)
    write_directory(gen / "meta.sqlite", [doc for doc, _, _ in documents])
    Manifest.new(canonical_embedder(config.embedder), embedder.dim,
                 config.chunking_settings(), len(documents), len(chunks), vectors.kind).save(gen)
    publish(store, gen, pause=_pause)
    if on_progress:
        on_progress("index", 3, 3)
