"""The FAISS vector index over normalised chunk vectors; row i is chunk i."""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Up to this many vectors the index is exact (a flat inner-product scan); beyond it HNSW.
EXACT_LIMIT = 200_000
#: Below this many allowed rows a filtered search scores the allowed rows directly.
SUBSET_LIMIT = 50_000


class VectorIndex:
    """Nearest-neighbour search by cosine similarity.

    Vectors are L2-normalised, so the inner product FAISS computes is the cosine similarity.
    The kind ("flat" or "hnsw") is chosen by size when built and recorded in the manifest.
    """

    def __init__(self, index, vectors: np.ndarray, kind: str) -> None:
        self._index = index
        self.vectors = vectors
        self.kind = kind

    @property
    def size(self) -> int:
        return int(self.vectors.shape[0])

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> VectorIndex:
        """Build an index; ``kind`` None picks flat up to EXACT_LIMIT vectors, else HNSW."""
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
        kind = kind or ("flat" if len(vectors) <= EXACT_LIMIT else "hnsw")
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
        else:
            raise ValueError(f"unknown vector index kind {kind!r}; use flat or hnsw")
        if len(vectors):
            index.add(vectors)
        return cls(index, vectors, kind)

    def save(self, directory: Path) -> None:
        import faiss

        np.save(directory / "vectors.npy", self.vectors)
        faiss.write_index(self._index, str(directory / "vectors.faiss"))

    @classmethod
    def load(cls, directory: Path, kind: str) -> VectorIndex:
        import faiss

        vectors = np.load(directory / "vectors.npy", mmap_mode="r")
        index = faiss.read_index(str(directory / "vectors.faiss"))
        if kind == "hnsw":
            index.hnsw.efSearch = 128
        return cls(index, vectors, kind)

    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k rows most similar to ``query`` as (rows, scores), best first.

        Args:
            query: A normalised query vector.
            k: How many rows to return at most.
            mask: Boolean array over rows; only True rows are considered (filters apply
                before ranking, so a filtered search still returns k rows when k exist).
        """
        if self.size == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if mask is not None:
            allowed = np.flatnonzero(mask)
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            if len(allowed) <= SUBSET_LIMIT or self.kind == "flat":
                scores = np.asarray(self.vectors[allowed] @ query[0], dtype=np.float32)
                top = _top_k(scores, k)
                return allowed[top], scores[top]
            import faiss

            params = faiss.SearchParametersHNSW(sel=faiss.IDSelectorBatch(allowed.astype(np.int64)), efSearch=256)
            scores, rows = self._index.search(query, min(k, len(allowed)), params=params)
        else:
            scores, rows = self._index.search(query, min(k, self.size))
        keep = rows[0] >= 0  # FAISS pads missing results with -1
        return rows[0][keep].astype(np.int64), scores[0][keep]

    def exact_search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Brute-force search, the reference an approximate index is measured against."""
        scores = np.asarray(self.vectors @ np.asarray(query, dtype=np.float32), dtype=np.float32)
        top = _top_k(scores, k)
        return top, scores[top]


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
