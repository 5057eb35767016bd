"""Verify an index store: the parts of the live generation agree with each other and the manifest."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.storage import CURRENT, LOCK, SCHEMA_VERSION, Manifest, current_generation
from ingest.errors import ArchiveIndexError

#: Rows read at a time when the vectors are checked (bounds memory on a large index).
BLOCK_ROWS = 65_536
#: How far a stored vector's length may be from 1 (float16 storage rounds).
NORM_TOLERANCE = 0.02


@dataclass
class CheckResult:
    """What `arkiv check` found.

    Attributes:
        store: The index store checked.
        generation: The live generation's folder name, or None when there is none.
        counts: Rows per part: manifest documents and chunks, vectors.npy, vectors.faiss
            (None when the kind keeps no FAISS file), lexical, meta documents and chunks.
        problems: One sentence per disagreement; any makes the index unfit to serve.
        warnings: Harmless left-overs (cleaned up by the next ingest).
    """

    store: str
    generation: str | None
    counts: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {**asdict(self), "ok": self.ok}


def check_index(store: Path) -> CheckResult:
    """Check the live generation of ``store``; never raises for a damaged index.

    Checked: CURRENT names a generation; its manifest loads and has this schema; vectors.npy,
    vectors.faiss (where the kind has one), the lexical index and the metadata database
    hold as many rows as the manifest says, with the manifest's dimension; vectors are
    finite and of unit length; chunk rows are numbered 0..n-1 and every chunk's and
    person's document exists; SQLite's own integrity check passes.
    """
    store = Path(store)
    gen = current_generation(store)
    result = CheckResult(str(store), gen.name if gen else None)
    if gen is None:
        where = "names no generation folder" if (store / CURRENT).exists() else "is missing"
        result.problems.append(f"no index at {store}: {CURRENT} {where}; build one with `arkiv ingest`")
        return result
    try:
        manifest = Manifest.load(gen)
    except ArchiveIndexError as exc:
        result.problems.append(str(exc))
        return result
    if manifest.schema_version != SCHEMA_VERSION:
        result.problems.append(
            f"the manifest has schema {manifest.schema_version}, this version reads {SCHEMA_VERSION}")
    result.counts.update(manifest_documents=manifest.documents, manifest_chunks=manifest.chunks)
    for part in (_check_vectors, _check_faiss, _check_lexical, _check_meta):
        try:
            part(gen, manifest, result)
        except Exception as exc:  # noqa: BLE001 - a part that cannot even be read is a finding
            result.problems.append(f"{part.__name__[7:]}: could not be read ({type(exc).__name__}: {exc})"[:300])
    _check_leftovers(store, gen, result)
    return result


def _count(result: CheckResult, key: str, found: int, what: str, expected: int) -> None:
    result.counts[key] = found
    if found != expected:
        result.problems.append(f"{what} holds {found} rows but the manifest says {expected}")


def _check_vectors(gen: Path, manifest: Manifest, result: CheckResult) -> None:
    vectors = np.load(gen / "vectors.npy", mmap_mode="r")
    rows = int(vectors.shape[0])
    _count(result, "vectors_npy", rows, "vectors.npy", manifest.chunks)
    if rows and (vectors.ndim != 2 or vectors.shape[1] != manifest.dim):
        result.problems.append(
            f"vectors.npy has shape {tuple(vectors.shape)}, not (rows, {manifest.dim}) as the manifest says")
        return
    for start in range(0, rows, BLOCK_ROWS):
        block = np.asarray(vectors[start:start + BLOCK_ROWS], dtype=np.float32)
        if not np.isfinite(block).all():
            result.problems.append(f"vectors.npy holds NaN or infinite values (rows {start}..{start + len(block) - 1})")
            return
        norms = np.linalg.norm(block, axis=1)
        bad = np.flatnonzero(np.abs(norms - 1.0) > NORM_TOLERANCE)
        if len(bad):
            result.problems.append(f"vectors.npy row {start + int(bad[0])} has length {norms[bad[0]]:.3f}, not 1 "
                                   f"({len(bad)} such rows in this block)")
            return


def _check_faiss(gen: Path, manifest: Manifest, result: CheckResult) -> None:
    path = gen / "vectors.faiss"
    result.counts["vectors_faiss"] = None
    if not path.exists():
        if manifest.vector_index != "flat" and manifest.chunks:
            result.problems.append(
                f"vectors.faiss is missing but the manifest's {manifest.vector_index} index needs it")
        return
    import faiss

    index = faiss.read_index(str(path))
    _count(result, "vectors_faiss", int(index.ntotal), "vectors.faiss", manifest.chunks)
    if index.ntotal and index.d != manifest.dim:
        result.problems.append(f"vectors.faiss has {index.d} dimensions, the manifest {manifest.dim}")


def _check_lexical(gen: Path, manifest: Manifest, result: CheckResult) -> None:
    folder = gen / "lexical"
    if manifest.chunks == 0:
        result.counts["lexical"] = 0
        return
    params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
    _count(result, "lexical", int(params["num_docs"]), "the lexical index (lexical/)", manifest.chunks)
    vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    indptr = np.load(folder / "indptr.csc.index.npy", mmap_mode="r")
    indices = np.load(folder / "indices.csc.index.npy", mmap_mode="r")
    words = sum(1 for word in vocab if word)  # bm25s adds "" for unknown words, without a posting list
    if len(indptr) - 1 not in (words, len(vocab)):
        result.problems.append(f"the lexical index has {words} words but {len(indptr) - 1} posting lists")
    elif len(indices) and (int(indices.max()) >= manifest.chunks or int(indptr[-1]) != len(indices)):
        result.problems.append("the lexical index points at chunk rows that do not exist")


def _check_meta(gen: Path, manifest: Manifest, result: CheckResult) -> None:
    con = sqlite3.connect(f"file:{gen / 'meta.sqlite'}?mode=ro", uri=True)
    try:
        integrity = con.execute("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            result.problems.append(f"meta.sqlite fails SQLite's integrity check: {integrity}")
            return
        documents = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        _count(result, "meta_documents", documents, "meta.sqlite's documents table", manifest.documents)
        count, low, high = con.execute("SELECT COUNT(*), MIN(row), MAX(row) FROM chunks").fetchone()
        _count(result, "meta_chunks", count, "meta.sqlite's chunks table", manifest.chunks)
        if count and (low != 0 or high != count - 1):
            result.problems.append(f"chunk rows run {low}..{high} for {count} chunks; they must be 0..{count - 1}")
        orphans = con.execute("SELECT chunk_id FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents) "
                              "LIMIT 3").fetchall()
        if orphans:
            total = con.execute("SELECT COUNT(*) FROM chunks WHERE doc_id NOT IN "
                                "(SELECT doc_id FROM documents)").fetchone()[0]
            result.problems.append(f"{total} chunks belong to no document (e.g. {', '.join(r[0] for r in orphans)})")
        misnamed = con.execute("SELECT chunk_id FROM chunks WHERE substr(chunk_id, 1, length(doc_id) + 1) "
                               "!= doc_id || '-' LIMIT 1").fetchone()
        if misnamed:
            result.problems.append(f"chunk {misnamed[0]} is not named after its document")
        people = con.execute("SELECT COUNT(*) FROM people WHERE doc_id NOT IN "
                             "(SELECT doc_id FROM documents)").fetchone()[0]
        if people:
            result.problems.append(f"{people} people rows belong to no document")
        empty = con.execute("SELECT path FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM chunks)").fetchall()
        for (path,) in empty[:3]:
            result.warnings.append(f"document {path} has no chunks (it cannot be found by search)")
    finally:
        con.close()


def _check_leftovers(store: Path, gen: Path, result: CheckResult) -> None:
    number = int(gen.name[4:])
    for path in sorted(store.glob("gen-*")):
        if path.is_dir() and path.name[4:].isdigit() and int(path.name[4:]) > number:
            result.warnings.append(f"{path.name} was never published (an interrupted ingest); "
                                   "the next ingest removes it")
    for path in sorted(store.glob("*.tmp")):
        result.warnings.append(f"{path.name} is left from an interrupted write; the next ingest removes it")
    if (store / LOCK).exists():
        result.warnings.append(f"{LOCK} exists: an ingest is running, or one was killed (the next ingest takes the "
                               "lock over)")
