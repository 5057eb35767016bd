"""Hybrid search: dense and BM25 candidates fused by reciprocal rank, collapsed per document."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.archive import Archive, Filters
from index.snippets import make_snippet
from index.thesaurus import Thesaurus
from ingest.errors import ConfigError
from ingest.models import SearchHit

METHODS = ("hybrid", "dense", "bm25")
#: Reciprocal rank fusion constant: score = sum over methods of 1 / (RRF_K + rank).
RRF_K = 60
#: Hits from one document shown under its best hit.
MORE_PER_DOC = 3


@dataclass
class SearchResult:
    """A ranked answer to one query."""

    query: str
    took_ms: float
    hits: list[SearchHit]
    method: str = "hybrid"
    filters: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The CLI's JSON contract: query, took_ms and results best first."""
        return {"query": self.query, "took_ms": round(self.took_ms, 2),
                "results": [h.to_json() for h in self.hits]}


def rrf(rankings: list[np.ndarray], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion of several rankings of rows (best first)."""
    fused: dict[int, float] = {}
    for rows in rankings:
        for rank, row in enumerate(rows.tolist(), start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return fused


def lexical_query(query: str, expand: bool = True) -> str:
    """The query the lexical side sees: the user's words plus thesaurus synonyms and acronyms.

    The thesaurus file (index/data/thesaurus.txt, or $ARKIV_THESAURUS) is re-read when it
    changes, so an edit takes effect on the next query without re-indexing.
    """
    if not expand:
        return query
    path = os.environ.get("ARKIV_THESAURUS")
    extra = Thesaurus.load_current(Path(path) if path else None).expand(query)
    return " ".join([query, *extra])


def rank_rows(archive: Archive, query: str, depth: int, filters: Filters | None = None,
              method: str = "hybrid", expand: bool = True) -> list[tuple[int, float]]:
    """Chunk rows ranked for a query as (row, score), best first, before collapsing.

    Args:
        archive: The opened index.
        query: Free text.
        depth: How many candidates each method contributes.
        filters: Applied before ranking.
        method: "hybrid", "dense" or "bm25".
        expand: Add thesaurus synonyms to the lexical query.
    """
    if method not in METHODS:
        raise ConfigError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}")
    mask = archive.filter_mask(filters)
    rankings: list[np.ndarray] = []
    scores: dict[int, float] = {}
    if method in ("hybrid", "dense"):
        rows, sims = archive.vectors.search(archive.embedder.embed_query(query), depth, mask)
        rankings.append(rows)
        scores = dict(zip(rows.tolist(), sims.tolist()))
    if method in ("hybrid", "bm25"):
        tokens = archive.analyzer.query_tokens(lexical_query(query, expand))
        rows, bm = archive.lexical.search(tokens, depth, mask)
        rankings.append(rows)
        if method == "bm25":
            scores = dict(zip(rows.tolist(), bm.tolist()))
    if method == "hybrid":
        scores = rrf(rankings)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def search(archive: Archive, query: str, k: int = 10, filters: Filters | None = None,
           method: str = "hybrid", collapse: bool = True, expand: bool = True) -> SearchResult:
    """Search the archive.

    Args:
        archive: The opened index.
        query: Free text, Swedish or English.
        k: How many results (documents when ``collapse``) to return.
        filters: Date, network, type, people filters, applied before ranking.
        method: "hybrid" (default), "dense" or "bm25".
        collapse: Fold several hits from one document under its best hit.
        expand: Add thesaurus synonyms and acronyms to the lexical query.

    Raises:
        ConfigError: for k below 1, an empty query or an unknown method.
    """
    started = time.perf_counter()
    if k < 1:
        raise ConfigError(f"k of {k} must be at least 1")
    if not query.strip():
        raise ConfigError("the query is empty; type some words to search for")
    depth = max(100, k * 10)
    ranked = rank_rows(archive, query, depth, filters, method, expand)
    chosen: list[tuple[int, float]] = []
    extras: dict[int, list[tuple[int, float]]] = {}  # head row -> further hits of its document
    head_of_doc: dict[int, int] = {}
    for row, score in ranked:
        doc = int(archive.row_doc[row])
        if collapse and doc in head_of_doc:
            group = extras[head_of_doc[doc]]
            if len(group) < MORE_PER_DOC:
                group.append((row, score))
            continue
        if len(chosen) >= k:
            if collapse:
                continue  # keep collecting further hits of the documents already chosen
            break
        head_of_doc[doc] = row
        extras[row] = []
        chosen.append((row, score))
    rows_needed = [r for r, _ in chosen] + [r for group in extras.values() for r, _ in group]
    chunks = archive.meta.chunks_by_rows(rows_needed)
    hits: list[SearchHit] = []
    for row, score in chosen:
        hit = _hit(archive, chunks[row], score, query)
        hit.more = [_hit(archive, chunks[r], s, query, snippet=False) for r, s in extras[row]]
        hits.append(hit)
    took = (time.perf_counter() - started) * 1000
    return SearchResult(query, took, hits, method, _filters_json(filters))


def _hit(archive: Archive, chunk, score: float, query: str, snippet: bool = True) -> SearchHit:
    doc = archive.documents[archive.doc_pos[chunk.doc_id]]
    return SearchHit(
        chunk_id=chunk.chunk_id, doc_id=chunk.doc_id, path=doc["path"], title=doc["title"], date=doc["date"],
        doc_type=doc["doc_type"], network=doc["network"], section=chunk.section, page=chunk.page,
        text=chunk.text, score=float(score),
        snippet=make_snippet(chunk.text, query, archive.analyzer) if snippet else "")


def _filters_json(filters: Filters | None) -> dict:
    if filters is None or not filters.active:
        return {}
    return {k: (sorted(v) if isinstance(v, (frozenset, set)) else v)
            for k, v in filters.__dict__.items() if v}
