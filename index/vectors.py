"""The vector index over normalised chunk vectors; row i is chunk i.

Three kinds, chosen by size when built and recorded in the manifest (``vector_index``):

- ``flat``: exact. The float32 vectors (vectors.npy, memory-mapped) are scored with one
  matrix-vector product per query; no FAISS copy is kept. Used up to EXACT_LIMIT vectors.
- ``ivf_sq8``: approximate, for large archives. A FAISS inverted file (IVF) over 8-bit
  scalar-quantised codes (a quarter of float32) finds candidates, which are re-ranked
  exactly from the float16 vectors in vectors.npy, read from disk row by row (pread), so
  1M chunks are served in under 1 GiB. benchmarks/run.py measures its recall@10 against
  exact search (target 0.95; 1.0 at 1M chunks, 0.956 on a harder synthetic set).
- ``hnsw``: approximate, FAISS HNSW over float32: the earlier large-index kind, still read
  and buildable with ``kind="hnsw"``. It needs efSearch 512 for recall 0.97 at 100k
  chunks and holds every vector twice in memory, so it is no longer chosen.

Inner product on L2-normalised vectors is the cosine similarity throughout.
"""

from __future__ import annotations

import math
import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

KINDS = ("flat", "ivf_sq8", "hnsw")
#: Up to this many vectors the index is exact; beyond it ivf_sq8. Chosen by measurement
#: (benchmarks/RESULTS.md): a flat scan of 100k vectors keeps hybrid p95 far inside 50 ms.
EXACT_LIMIT = 150_000
#: A filtered search with at most this many allowed rows scores those rows directly (exact).
SUBSET_LIMIT = 10_000
#: ivf_sq8: inverted lists per sqrt(vectors), and the share of lists probed per query
#: (at least IVF_MIN_PROBES). Measured recall@10 (benchmarks/RESULTS.md): at 1M chunks 250
#: of 2000 lists give 1.0 on the benchmark's vectors and 0.956 on vectors with twice the
#: noise; 125 lists gave 0.912 there. At 10k chunks 32 of 200 lists gave 0.936, 64 gave 0.99.
IVF_LISTS_PER_SQRT = 2.0
IVF_PROBE_SHARE = 1 / 8
IVF_MIN_PROBES = 64
#: ivf_sq8: candidates re-ranked exactly from the stored vectors, per result asked for.
RERANK_FACTOR = 3
RERANK_MIN = 64
#: Rows converted from float16 at a time when every row is scored (bounds the memory used).
BLOCK_ROWS = 65_536
#: Approximate kinds read stored rows with pread in up to this many runs of consecutive rows
#: (re-ranking, small filters, full scans); beyond it through the memory map. Touching a
#: memory-mapped row maps about 64 KiB around it into the process (the kernel's fault-around):
#: at 1M chunks, re-ranking alone grew the resident size by 400 MiB in 20 queries. Similar
#: discussions re-rank 600 candidates (k=200); at 512 runs their 40 queries mapped 0.7 GiB.
PREAD_MAX_RUNS = 2048
HNSW_EF_SEARCH = 512


class VectorIndex:
    """Nearest-neighbour search by cosine similarity over rows of a vector matrix.

    Attributes:
        vectors: The stored vectors, row i == chunk i: float32 (flat, hnsw) or float16
            (ivf_sq8), usually memory-mapped. Use ``similarities`` or ``row_vectors`` for
            arithmetic, which convert to float32 in bounded blocks.
        kind: One of KINDS.
    """

    def __init__(self, index, vectors: np.ndarray, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown vector index kind {kind!r}; use one of {', '.join(KINDS)}")
        self._index = index
        self.vectors = vectors
        self.kind = kind
        self._file = _RowFile(vectors) if kind != "flat" and isinstance(vectors, np.memmap) else None

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> VectorIndex:
        """Build an index; ``kind`` None picks flat up to EXACT_LIMIT vectors, else ivf_sq8."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            vectors = vectors.reshape(len(vectors), -1)
        kind = kind or choose_kind(len(vectors))
        if kind not in KINDS:
            raise ValueError(f"unknown vector index kind {kind!r}; use one of {', '.join(KINDS)}")
        if kind == "flat" or len(vectors) == 0:
            return cls(None, vectors, kind)
        if kind == "hnsw":
            return cls(_build_hnsw(vectors), vectors, kind)
        return cls(_build_ivf_sq8(vectors), vectors.astype(np.float16), kind)

    def save(self, directory: Path) -> None:
        """Write vectors.npy (and vectors.faiss for the approximate kinds) into ``directory``."""
        np.save(directory / "vectors.npy", np.asarray(self.vectors))
        if self._index is not None:
            import faiss

            faiss.write_index(self._index, str(directory / "vectors.faiss"))

    @classmethod
    def load(cls, directory: Path, kind: str) -> VectorIndex:
        """Open a saved index; the vectors stay on disk, memory-mapped."""
        vectors = np.load(directory / "vectors.npy", mmap_mode="r")
        if vectors.ndim != 2:
            vectors = vectors.reshape(len(vectors), -1)
        index = None
        if kind != "flat" and len(vectors):
            import faiss

            index = faiss.read_index(str(directory / "vectors.faiss"))
        return cls(index, vectors, kind)

    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k rows most similar to ``query`` as (rows, scores), best first.

        Args:
            query: A normalised query vector.
            k: How many rows to return at most.
            mask: Boolean array over rows; only True rows are considered (filters apply
                before ranking, so a filtered search still returns k rows when k exist).
        """
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.size == 0 or k <= 0:
            return empty
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        allowed = None
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            count = int(np.count_nonzero(mask))
            if count == 0:
                return empty
            if count == self.size:
                mask = None
            elif count <= SUBSET_LIMIT or (self.kind == "flat" and count * 4 <= self.size):
                allowed = np.flatnonzero(mask)
        if allowed is not None:  # few rows: score them directly, exactly
            scores = self.row_scores(allowed, query)
            top = _top_k(scores, k)
            return allowed[top], scores[top]
        if self.kind == "flat":
            scores = self.similarities(query)
            if mask is not None:
                scores[~mask] = -np.inf
            top = _top_k(scores, k)
            top = top[np.isfinite(scores[top])]
            return top, scores[top]
        return self._approximate(query, k, mask)

    def exact_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Brute-force search, the reference an approximate index is measured against."""
        scores = self.similarities(query)
        top = _top_k(scores, k)
        return top, scores[top]

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``query`` to every row, float32 (blockwise for float16 rows)."""
        return self.similarities_many([query])[0]

    def similarities_many(self, queries: Sequence[np.ndarray]) -> list[np.ndarray]:
        """:meth:`similarities` of several queries in one pass over the rows.

        Each float16 block is read and converted once and multiplied by every query.
        """
        queries = [np.asarray(q, dtype=np.float32).reshape(-1) for q in queries]
        if self.vectors.dtype == np.float32:
            return [_matvec(self.vectors, q) for q in queries]
        outs = [np.empty(self.size, dtype=np.float32) for _ in queries]
        for start in range(0, self.size, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, self.size)
            block = self._file.block(start, stop) if self._file else self.vectors[start:stop]
            block = np.asarray(block, dtype=np.float32)
            for out, q in zip(outs, queries):
                out[start:stop] = _matvec(block, q)
        return outs

    def row_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows`` as float32 (e.g. a chunk's vector as a query)."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if self._file is not None:
            found = self._file.rows(rows)
            if found is None:  # scattered rows: read the blocks that hold them, one at a time
                found = self._file.gather(rows)
            return np.asarray(found, dtype=np.float32)
        return np.asarray(self.vectors[rows], dtype=np.float32)

    def row_scores(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``query`` to the given rows (ascending rows read fastest)."""
        scores = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), BLOCK_ROWS):
            part = rows[start:start + BLOCK_ROWS]
            scores[start:start + len(part)] = _matvec(self.row_vectors(part), query)
        return scores

    def _approximate(self, query: np.ndarray, k: int, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Search the FAISS index (a bitmap selector applies the mask), then re-rank exactly.

        A filter keeps the number of probed lists: at 1M chunks and a filter keeping 17 % of
        the rows the probed lists still hold thousands of allowed rows, recall stayed 1.0 and
        the search took 1.5x the unfiltered time (probing more lists for rarer filters took
        3x; benchmarks/RESULTS.md). Should the probed lists hold fewer than k allowed rows
        (a rare filter far from the query), the allowed rows are scored exactly instead.
        """
        import faiss

        selector = bits = None  # bits must outlive the search: the selector points into it
        if mask is not None:
            bits = np.packbits(mask, bitorder="little")  # FAISS reads bit i of byte i // 8
            selector = faiss.IDSelectorBitmap(self.size, faiss.swig_ptr(bits))
        if self.kind == "ivf_sq8":
            fetch = min(self.size, max(k * RERANK_FACTOR, RERANK_MIN))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf_probes(self._index.nlist))
        else:
            share = 1.0 if mask is None else max(float(np.count_nonzero(mask)) / self.size, 1e-6)
            fetch = min(self.size, k)
            ef = HNSW_EF_SEARCH if mask is None else min(4096, math.ceil(HNSW_EF_SEARCH * 2 / share ** 0.5))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(ef, fetch))
        _, found = self._index.search(query.reshape(1, -1), fetch, params=params)
        rows = found[0][found[0] >= 0].astype(np.int64)  # FAISS pads missing results with -1
        if mask is not None and len(rows) < min(k, int(np.count_nonzero(mask))):
            rows = np.flatnonzero(mask)
        rows.sort()
        scores = self.row_scores(rows, query)
        top = _top_k(scores, k)
        return rows[top], scores[top]


class _RowFile:
    """Reads rows of a memory-mapped .npy file with pread, which maps nothing into the process."""

    def __init__(self, vectors: np.memmap) -> None:
        self._fd = os.open(vectors.filename, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        self._offset = int(vectors.offset)
        self._dtype = vectors.dtype
        self._dim = int(vectors.shape[1]) if vectors.ndim == 2 else 1
        self._row_bytes = self._dim * self._dtype.itemsize

    def block(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1."""
        data = os.pread(self._fd, (stop - start) * self._row_bytes, self._offset + start * self._row_bytes)
        return np.frombuffer(data, dtype=self._dtype).reshape(stop - start, self._dim)

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """The given rows in the given order, read block by block (BLOCK_ROWS rows per read).

        For many scattered rows (a theme's sections): reading through the memory map instead
        would leave the whole file mapped into the process (1M chunks: 0.7 GiB).
        """
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        picked = np.empty((len(rows), self._dim), dtype=self._dtype)
        i = 0
        while i < len(ordered):
            start = int(ordered[i])
            stop = start + BLOCK_ROWS
            j = int(np.searchsorted(ordered, stop, side="left"))
            last = int(ordered[j - 1]) + 1
            picked[i:j] = self.block(start, last)[ordered[i:j] - start]
            i = j
        out = np.empty_like(picked)
        out[order] = picked
        return out

    def rows(self, rows: np.ndarray) -> np.ndarray | None:
        """The given rows in the given order, or None when they form more than PREAD_MAX_RUNS runs."""
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        starts = np.flatnonzero(np.diff(ordered, prepend=-2) != 1)
        if len(starts) > PREAD_MAX_RUNS:
            return None
        out = np.empty((len(rows), self._dim), dtype=self._dtype)
        sorted_out = out if np.array_equal(order, np.arange(len(rows))) else np.empty_like(out)
        for begin, end in zip(starts.tolist(), [*starts[1:].tolist(), len(rows)]):
            first = int(ordered[begin])
            sorted_out[begin:end] = self.block(first, first + end - begin)
        if sorted_out is not out:
            out[order] = sorted_out
        return out


def choose_kind(count: int) -> str:
    """The index kind for an archive of ``count`` vectors (see EXACT_LIMIT)."""
    return "flat" if count <= EXACT_LIMIT else "ivf_sq8"


def ivf_lists(count: int) -> int:
    """Inverted lists for ``count`` vectors: about 2 sqrt(n), at least 39 training points each."""
    return max(1, min(int(IVF_LISTS_PER_SQRT * math.sqrt(count)), count // 39))


def ivf_probes(nlist: int) -> int:
    """Lists probed per unfiltered query."""
    return min(nlist, max(IVF_MIN_PROBES, math.ceil(nlist * IVF_PROBE_SHARE)))


def _build_ivf_sq8(vectors: np.ndarray):
    import faiss

    count, dim = vectors.shape
    nlist = ivf_lists(count)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT, False)
    index.cp.niter = 10  # k-means iterations: more barely changes recall, costs build time
    sample = min(count, nlist * 64)
    rng = np.random.default_rng(0)  # the same vectors give the same index
    train = vectors if sample == count else vectors[np.sort(rng.choice(count, sample, replace=False))]
    index.train(train)
    index.add(vectors)
    return index


def _build_hnsw(vectors: np.ndarray):
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def _matvec(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """matrix @ query on one thread.

    einsum does not call BLAS, whose worker threads busy-wait: on a busy machine a
    two-thread BLAS product of 10,000 rows took 8 ms instead of 0.6 ms (benchmarks/RESULTS.md),
    and a server answering several queries at once gains nothing from them.
    """
    return np.einsum("ij,j->i", matrix, query, dtype=np.float32)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
