"""The lexical index: BM25 (bm25s) over Swedish-analysed tokens; row i is chunk i."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.vectors import _top_k

logging.getLogger("bm25s").setLevel(logging.WARNING)

#: From this many chunks on, the BM25 arrays are memory-mapped when loaded: a query reads
#: only the posting lists of its own terms, so a large index need not fit in memory
#: (benchmarks/RESULTS.md measures 1M chunks).
MMAP_MIN_ROWS = 100_000
#: BM25 term-frequency saturation and length normalisation. Checked against k1 0.9–2.0 and b
#: 0.4–0.9 through the full search (benchmarks/tune_retrieval.py --bm25): flat, these stay.
BM25_K1, BM25_B = 1.2, 0.75


class LexicalIndex:
    """BM25 scores of analysed query tokens against every chunk."""

    def __init__(self, bm25, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[list[str]], k1: float = BM25_K1, b: float = BM25_B) -> LexicalIndex:
        """Index chunks given as lists of analysed tokens (see SwedishAnalyzer.tokens)."""
        import bm25s

        bm25 = bm25s.BM25(k1=k1, b=b)
        if token_lists:
            bm25.index([list(t) for t in token_lists], show_progress=False)
        return cls(bm25, len(token_lists))

    def save(self, directory: Path) -> None:
        target = directory / "lexical"
        target.mkdir(exist_ok=True)
        if self.size:
            self._bm25.save(str(target), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        import bm25s

        if size == 0:
            return cls(bm25s.BM25(), 0)
        bm25 = bm25s.BM25.load(str(directory / "lexical"), mmap=size >= MMAP_MIN_ROWS, show_progress=False)
        return cls(bm25, size)

    def scores(self, query_tokens: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row (0 where no query token occurs or the mask is False)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        scores = np.asarray(self._bm25.get_scores(known), dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0).astype(np.float32)
        return scores

    def document_frequency(self, tokens: Sequence[str]) -> np.ndarray:
        """How many rows hold each analysed token (0 for a token the index does not know).

        Read from the lengths of the BM25 posting lists, so it costs nothing per row. The
        lexical index covers what is embedded: title, heading and text of each chunk.
        """
        out = np.zeros(len(tokens), dtype=np.int64)
        if self.size == 0:
            return out
        vocab, indptr = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        for i, token in enumerate(tokens):
            tid = vocab.get(token)
            if tid is not None:
                out[i] = int(indptr[tid + 1]) - int(indptr[tid])
        return out

    def tokens_with_prefix(self, prefix: str) -> list[str]:
        """The analysed tokens of the index that begin with ``prefix``."""
        if not self.size or not prefix:
            return []
        return [t for t in self._bm25.vocab_dict if t.startswith(prefix)]

    def rows_of(self, token: str) -> np.ndarray:
        """Rows whose title, heading or text holds an analysed token, ascending (its posting list)."""
        tid = self._bm25.vocab_dict.get(token) if self.size else None
        if tid is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self._bm25.scores["indptr"]
        rows = np.asarray(self._bm25.scores["indices"][int(indptr[tid]):int(indptr[tid + 1])], dtype=np.int64)
        return np.unique(rows)

    def rows_of_all(self, tokens: Sequence[str]) -> np.ndarray:
        """Rows whose postings hold every token, ascending (none for no tokens)."""
        return intersect_rows(self.rows_of(t) for t in tokens)

    def search(self, query_tokens: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best-scoring rows as (rows, scores); rows with score 0 are left out."""
        scores = self.scores(query_tokens, mask)
        top = _top_k(scores, k)
        top = top[scores[top] > 0]
        return top, scores[top]


def analyse_all(texts: Sequence[str], analyzer: SwedishAnalyzer) -> list[list[str]]:
    """Analysed tokens of every text, for LexicalIndex.build."""
    return [analyzer.tokens(t) for t in texts]


def intersect_rows(row_sets: Iterable[np.ndarray]) -> np.ndarray:
    """The rows in every one of some ascending, duplicate-free row arrays (none for no arrays)."""
    rows = None
    for other in row_sets:
        rows = other if rows is None else np.intersect1d(rows, other, assume_unique=True)
        if len(rows) == 0:
            break
    return np.zeros(0, dtype=np.int64) if rows is None else rows
