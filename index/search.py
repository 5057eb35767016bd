"""Hybrid search: dense and BM25 candidates fused by reciprocal rank, collapsed per document."""

from __future__ import annotations

import math
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.archive import Archive, Filters
from index.filters import search_mask, with_query_dates
from index.hits import aggregate_documents, collapse_by_document, fold_duplicates, make_hit, source_of
from index.meetings import lend_meeting_scores
from index.query import QueryUnderstanding, understand_query
from index.snippets import make_snippet
from index.vectors import _top_k
from index.thesaurus import Thesaurus
from ingest.errors import ConfigError
from ingest.models import SearchHit

METHODS = ("hybrid", "dense", "bm25")
#: How hybrid search combines its two candidate lists: weighted reciprocal rank fusion, or a
#: convex combination of min-max normalised scores (measured in benchmarks/RESULTS.md).
FUSIONS = ("rrf", "score")
#: The textbook reciprocal rank fusion constant (Cormack et al.), the untuned baseline.
RRF_K = 60
#: A word of a query, for telling keyword queries from sentences ("1:1", "PUB-avtal" are one).
_WORD = re.compile(r"\w[\w:-]*")


@dataclass
class SearchResult:
    """A ranked answer to one query.

    Attributes:
        query: The query as typed.
        took_ms: Search time inside the process, query embedding included.
        hits: The results, best first.
        method: "hybrid", "dense" or "bm25".
        filters: The filters in effect (dates read from the query included), as plain values.
        understood: What the query said besides its theme (dates, quoted phrases, a
            who-question), or None when understanding was switched off.
        expanded: Thesaurus terms the lexical side also searched for (empty when the query
            was not expanded).
    """

    query: str
    took_ms: float
    hits: list[SearchHit]
    method: str = "hybrid"
    filters: dict = field(default_factory=dict)
    understood: QueryUnderstanding | None = None
    expanded: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The CLI's JSON contract: query, took_ms and results best first (plus what was understood)."""
        data = {"query": self.query, "took_ms": round(self.took_ms, 2),
                "results": [h.to_json() for h in self.hits]}
        if self.understood is not None and self.understood.changed:
            data["understood"] = self.understood.to_json()
        if self.expanded:
            data["expanded"] = self.expanded
        return data


@dataclass(frozen=True)
class Ranking:
    """How dense and lexical candidates are combined; defaults chosen by measurement.

    benchmarks/tune_retrieval.py measured a grid on the labeled questions (see
    benchmarks/RESULTS.md): RRF with k=20 and the dense ranking weighted 1.5 gave the best
    nDCG@10 on questions written as sentences (and held up on held-out folds,
    benchmarks/recall_study.py). Keyword queries of at most ``short_query_words`` words
    ("DNP", "AI fusk") behave differently: thesaurus expansion raised their nDCG@10 from
    0.715 to 0.806 and a dense weight of 0.5 to 0.853 (both halves of them agreed), while
    expansion lowered it on sentences. So keyword queries get ``short_expansion_weight``
    and ``short_dense_weight``; sentences are not expanded (`--thesaurus` expands every
    query). Document aggregation lowered nDCG@10 and is off. Normalised score fusion
    (``fusion="score"``) was measured against RRF with the same weights and lost on nDCG@10
    and first hits, so RRF is the default.

    Pseudo-relevance feedback (hybrid only): after a first fusion, the 20 most telling words
    of the best chunks of the first 3 documents (term frequency times IDF) join the BM25
    query at weight 0.3 and the rankings are fused again. On the completed labels this raised
    recall@10 from 0.804 to 0.822 and nDCG@10 from 0.830 to 0.848 with the first hit
    unchanged; tuned on either half of the questions it chose these settings (or weight 0.5)
    and gained on the other half (benchmarks/RESULTS.md).

    Attributes:
        fusion: "rrf" (weighted reciprocal rank fusion) or "score": each method's scores over
            the union of both candidate lists are min-max normalised and added with the
            weights below, scaled to sum to 1 (dense 1.5 and lexical 1.0 give 0.6 and 0.4).
        rrf_k: Reciprocal rank fusion constant: score = sum of weight / (rrf_k + rank).
        dense_weight: Weight of the dense (e5) ranking in the fusion.
        lexical_weight: Weight of the BM25 ranking in the fusion.
        expansion_weight: Share of the BM25 score that thesaurus synonyms add, relative to
            the user's own words, for queries longer than ``short_query_words`` (0: none).
        short_expansion_weight: The same share for keyword queries of at most
            ``short_query_words`` words.
        short_dense_weight: The dense weight for keyword queries (None: ``dense_weight``).
        short_query_words: The longest query, in words, that counts as a keyword query.
        doc_decay: When results are collapsed per document, a document scores its best
            chunk plus doc_decay times its second, doc_decay squared times its third, and so
            on (0 ranks a document by its best chunk alone).
        feedback_docs: Documents whose best chunk gives feedback words (0: no feedback).
        feedback_terms: How many feedback words join the BM25 query.
        feedback_weight: Weight of the feedback words' BM25 against the query's own.
        summary_weight: In hybrid search, a section of a yearly overview that sums up one
            meeting gains this share of the best score of that meeting's own documents among
            the candidates, up to just under that score (index/meetings.py; 0: off). 0.5
            raised recall@10 from 0.809 to 0.852 and nDCG@10 from 0.839 to 0.867 with the
            first hit unchanged, and each half of the questions chose it.
    """

    fusion: str = "rrf"
    rrf_k: int = 20
    dense_weight: float = 1.5
    lexical_weight: float = 1.0
    expansion_weight: float = 0.0
    short_expansion_weight: float = 2.0
    short_dense_weight: float | None = 0.5
    short_query_words: int = 4
    doc_decay: float = 0.0
    feedback_docs: int = 3
    feedback_terms: int = 20
    feedback_weight: float = 0.3
    summary_weight: float = 0.5

    def is_keyword_query(self, query: str) -> bool:
        """A query of at most ``short_query_words`` words ("1:1" and "PUB-avtal" count as one)."""
        return len(_WORD.findall(query)) <= self.short_query_words

    def for_query(self, query: str) -> Ranking:
        """The settings that apply to one query: a keyword query gets the short_* values."""
        if not self.is_keyword_query(query):
            return self
        dense = self.dense_weight if self.short_dense_weight is None else self.short_dense_weight
        return replace(self, dense_weight=dense, expansion_weight=self.short_expansion_weight)

    def uniform(self) -> Ranking:
        """These settings without the keyword-query rules: every query treated alike."""
        return replace(self, short_expansion_weight=self.expansion_weight, short_dense_weight=None)

    def expanding_all(self, weight: float = 0.3) -> Ranking:
        """These settings with every query expanded (`--thesaurus`); keyword queries keep their weight."""
        return replace(self, expansion_weight=weight,
                       short_expansion_weight=max(weight, self.short_expansion_weight))

    def without_expansion(self) -> Ranking:
        """These settings with the thesaurus off for every query."""
        return replace(self, expansion_weight=0.0, short_expansion_weight=0.0)

    def without_summaries(self) -> Ranking:
        """These settings without meeting summaries borrowing score."""
        return replace(self, summary_weight=0.0)

    def without_feedback(self) -> Ranking:
        """These settings without pseudo-relevance feedback (`--no-feedback`)."""
        return replace(self, feedback_docs=0)


DEFAULT_RANKING = Ranking()


def rrf(rankings: list[np.ndarray], k: int = RRF_K, weights: list[float] | None = None) -> dict[int, float]:
    """Weighted reciprocal rank fusion of several rankings of rows (best first)."""
    fused: dict[int, float] = {}
    for i, rows in enumerate(rankings):
        weight = 1.0 if weights is None else weights[i]
        for rank, row in enumerate(rows.tolist(), start=1):
            fused[row] = fused.get(row, 0.0) + weight / (k + rank)
    return fused


def score_fusion(archive: Archive, query_vector: np.ndarray, dense: tuple[np.ndarray, np.ndarray],
                 lexical: np.ndarray, lexical_rows: np.ndarray, weights: list[float]) -> dict[int, float]:
    """Convex combination of min-max normalised dense and BM25 scores (``Ranking.fusion="score"``).

    Every row of either candidate list is scored by both methods (``lexical`` holds the BM25
    of every row; the cosine of a row only BM25 found is computed), each method's scores are
    scaled to [0, 1] over those rows, and the two are added with ``weights`` (dense, lexical)
    scaled to sum to 1.
    """
    dense_rows, dense_sims = dense
    union = np.union1d(dense_rows, lexical_rows)
    if not len(union):
        return {}
    sims = dict(zip(dense_rows.tolist(), dense_sims.tolist()))
    missing = np.array([r for r in union.tolist() if r not in sims], dtype=np.int64)
    if len(missing):
        sims.update(zip(missing.tolist(), archive.vectors.row_scores(missing, query_vector).tolist()))
    columns = (np.array([sims[r] for r in union.tolist()], dtype=np.float64), lexical[union].astype(np.float64))
    total = sum(weights) or 1.0
    fused = np.zeros(len(union))
    for values, weight in zip(columns, weights):
        low, high = values.min(), values.max()
        fused += (weight / total) * ((values - low) / (high - low) if high > low else np.ones_like(values))
    return dict(zip(union.tolist(), fused.tolist()))


def expansion_terms(query: str) -> list[str]:
    """Thesaurus synonyms and acronyms for the query's terms.

    The thesaurus file (index/data/thesaurus.txt, or $ARKIV_THESAURUS) is re-read when it
    changes, so an edit takes effect on the next query without re-indexing.
    """
    return [term for _, group in expansion_groups(query) for term in group]


def expansion_groups(query: str) -> list[tuple[str, list[str]]]:
    """The thesaurus's extra phrases for the query: (matched term, its other phrases) per term."""
    path = os.environ.get("ARKIV_THESAURUS")
    return Thesaurus.load_current(Path(path) if path else None).expand_grouped(query)


def lexical_scores(archive: Archive, query: str, mask: np.ndarray | None, expansion_weight: float) -> np.ndarray:
    """BM25 of the user's words, plus a weighted BM25 of thesaurus terms they did not type.

    A matched term's synonyms are scored as one synonym set, the way search engines do it:
    a row counts its best-matching phrase, at the weight (IDF) of the set's most common
    member. So "ChatGPT" or "språkmodell" count about as much as "AI" itself would, and
    "fusk" in "AI och fusk" keeps its say; an acronym the archive never writes ("DPIA")
    gets the weight of its spelled-out forms.
    """
    tokens = archive.analyzer.query_tokens(query)
    scores = archive.lexical.scores(tokens, mask)
    if expansion_weight > 0:
        typed = set(tokens)
        for term, group in expansion_groups(query):
            scores = scores + expansion_weight * _synonym_set_scores(archive, term, group, typed, mask)
    return scores


def _synonym_set_scores(archive: Archive, term: str, phrases: list[str], typed: set[str],
                        mask: np.ndarray | None) -> np.ndarray:
    """Best phrase per row, each phrase's BM25 rescaled from its own IDF to the set's."""
    lexical = archive.lexical
    idf_of_set = None
    scaled: list[tuple[list[str], float]] = []
    for text in [term, *phrases]:
        words = list(dict.fromkeys(archive.analyzer.query_tokens(text)))
        idfs = _idf(lexical.document_frequency(words), lexical.size)
        if idfs.size and idfs.max() > 0:  # known to the index: a member of the set's weight
            idf_of_set = idfs.max() if idf_of_set is None else min(idf_of_set, idfs.max())
        extra = [w for w, idf in zip(words, idfs) if w not in typed and idf > 0]
        if text is not term and extra:
            scaled.append((extra, float(sum(idf for w, idf in zip(words, idfs) if w in extra))))
    best = np.zeros(lexical.size, dtype=np.float32)
    for words, idf_sum in scaled:
        best = np.maximum(best, lexical.scores(words, mask) * (idf_of_set / idf_sum))
    return best


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    """BM25's IDF (the Lucene form bm25s uses); 0 for words no row holds."""
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    return np.where(df > 0, idf, 0.0)


def rank_rows(archive: Archive, query: str, depth: int, filters: Filters | None = None,
              method: str = "hybrid", expand: bool = True,
              ranking: Ranking = DEFAULT_RANKING, phrases: tuple[str, ...] = ()) -> list[tuple[int, float]]:
    """Chunk rows ranked for a query as (row, score), best first, before collapsing.

    Args:
        archive: The opened index.
        query: Free text (used as is; see ``understand_query`` for reading dates out of it).
        depth: How many candidates each method contributes.
        filters: Applied before ranking.
        method: "hybrid", "dense" or "bm25".
        expand: Add thesaurus synonyms to the lexical query.
        ranking: Fusion settings.
        phrases: Phrases a chunk must contain (case-insensitive), applied before ranking.
    """
    return rank_masked(archive, query, depth, search_mask(archive, filters, phrases), method, expand, ranking)


def rank_masked(archive: Archive, query: str, depth: int, mask: np.ndarray | None, method: str = "hybrid",
                expand: bool = True, ranking: Ranking = DEFAULT_RANKING) -> list[tuple[int, float]]:
    """Like ``rank_rows``, over the rows a boolean mask allows (None: all rows)."""
    if method not in METHODS:
        raise ConfigError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}")
    if ranking.fusion not in FUSIONS:
        raise ConfigError(f"unknown fusion {ranking.fusion!r}; use one of {', '.join(FUSIONS)}")
    ranking = ranking.for_query(query)
    rankings: list[np.ndarray] = []
    weights: list[float] = []
    scores: dict[int, float] = {}
    if mask is not None and not mask.any():
        return []
    if method in ("hybrid", "dense"):
        query_vector = archive.embedder.embed_query(query)
        dense = archive.vectors.search(query_vector, depth, mask)
        rankings.append(dense[0])
        weights.append(ranking.dense_weight)
        scores = dict(zip(dense[0].tolist(), dense[1].tolist()))
    if method in ("hybrid", "bm25") and archive.lexical.size:
        bm = lexical_scores(archive, query, mask, ranking.expansion_weight if expand else 0.0)
        top = _top_k(bm, depth)
        rows = top[bm[top] > 0]
        rankings.append(rows)
        weights.append(ranking.lexical_weight)
        if method == "bm25":
            scores = dict(zip(rows.tolist(), bm[rows].tolist()))
    if method == "hybrid":
        both = len(rankings) == 2  # an archive without lexical rows has the dense ranking only

        def fuse() -> dict[int, float]:
            if ranking.fusion == "score" and both:
                return score_fusion(archive, query_vector, dense, bm, rankings[1], weights)
            return rrf(rankings, ranking.rrf_k, weights)

        scores = fuse()
        if ranking.feedback_docs and both:
            fused = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
            extra = feedback_terms(archive, fused, query, ranking)
            if extra:
                bm = bm + ranking.feedback_weight * archive.lexical.scores(extra, mask)
                top = _top_k(bm, depth)
                rankings[1] = top[bm[top] > 0]
                scores = fuse()
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if method == "hybrid":
        ranked = lend_meeting_scores(archive, ranked, ranking.summary_weight)
    return ranked


def feedback_terms(archive: Archive, ranked: list[tuple[int, float]], query: str, ranking: Ranking) -> list[str]:
    """Pseudo-relevance feedback (RM3-style): the most telling words of the first documents.

    The best chunk of each of the first ``ranking.feedback_docs`` documents of ``ranked``
    ((row, score), best first) votes for its words, by term frequency times IDF; the
    ``ranking.feedback_terms`` words with most votes that the query does not already hold
    are returned, as analysed tokens.
    """
    heads = [row for row, _ in collapse_by_document(archive, ranked, ranking.feedback_docs, collapse=True)[0]]
    votes: dict[str, float] = {}
    texts = archive.meta.chunks_by_rows(heads)
    for row in heads:
        counts = Counter(archive.analyzer.tokens(texts[row].embed_text))
        length = sum(counts.values()) or 1
        for token, count in counts.items():
            votes[token] = votes.get(token, 0.0) + count / length
    own = set(archive.analyzer.query_tokens(query))
    words = [w for w in votes if w not in own]
    if not words:
        return []
    df = archive.lexical.document_frequency(words)
    weighted = {w: votes[w] * math.log(archive.lexical.size / d) for w, d in zip(words, df.tolist()) if d > 0}
    return sorted(weighted, key=lambda w: (-weighted[w], w))[: ranking.feedback_terms]


def search(archive: Archive, query: str, k: int = 10, filters: Filters | None = None,
           method: str = "hybrid", collapse: bool = True, expand: bool = True,
           ranking: Ranking = DEFAULT_RANKING, understand: bool = True) -> SearchResult:
    """Search the archive.

    The query is read first (``index.query.understand_query``): a year or term in it ("AI 2024",
    "HT23") narrows the date filter and leaves the text, quoted phrases must occur in a hit,
    and a who-question ("vem pratade om GDPR?") searches its theme.

    Args:
        archive: The opened index.
        query: Free text, Swedish or English.
        k: How many results (documents when ``collapse``) to return.
        filters: Date, network, type, people filters, applied before ranking.
        method: "hybrid" (default), "dense" or "bm25".
        collapse: Fold several hits from one document under its best hit.
        expand: Add thesaurus synonyms and acronyms to the lexical query.
        ranking: Fusion settings (the evaluation harness varies them).
        understand: Read dates, phrases and who-questions out of the query (False: search it as typed).

    Raises:
        ConfigError: for k below 1, an empty query or an unknown method.
    """
    started = time.perf_counter()
    if k < 1:
        raise ConfigError(f"k of {k} must be at least 1")
    if not query.strip():
        raise ConfigError("the query is empty; type some words to search for")
    understood = understand_query(query) if understand else None
    text = understood.text if understood else query
    filters = with_query_dates(filters, understood)
    mask = search_mask(archive, filters, understood.phrases if understood else ())
    allowed = archive.size if mask is None else int(mask.sum())
    # Aggregating re-orders documents and folding duplicates removes some, so consider more
    # documents than will be shown.
    limit = k * 3 if collapse and ranking.doc_decay > 0 else k + (min(k, 5) if collapse else 0)
    depth = max(100, k * 10)
    while True:  # a few large documents can fill the candidates; look deeper until k documents are found
        ranked = rank_masked(archive, text, depth, mask, method, expand, ranking)
        chosen, extras = collapse_by_document(archive, ranked, limit, collapse)
        if len(chosen) >= limit or depth >= allowed:
            break
        depth = min(allowed, depth * 4)
    if collapse and ranking.doc_decay > 0:
        chosen = aggregate_documents(chosen, extras, ranking.doc_decay, k + min(k, 5))
    rows_needed = [r for r, _ in chosen] + [r for group in extras.values() for r, _ in group]
    chunks = archive.meta.chunks_by_rows(rows_needed)
    twins: dict[int, list[int]] = {}
    if collapse:
        chosen, twins = fold_duplicates(chosen, {r: chunks[r].text for r, _ in chosen})
    expanded = (expansion_terms(text) if expand and method != "dense" and ranking.for_query(text).expansion_weight > 0
                else [])
    # Snippets mark the thesaurus terms the search added as well as the typed words.
    marked = " ".join([text, *expanded])
    hits: list[SearchHit] = []
    for row, score in chosen[:k]:
        hit = _hit(archive, chunks[row], score, marked)
        hit.more = [_hit(archive, chunks[r], s, marked, snippet=False) for r, s in extras[row]]
        hit.sources = [source_of(archive, chunks[r]) for r in twins.get(row, [])]
        hits.append(hit)
    took = (time.perf_counter() - started) * 1000
    return SearchResult(query, took, hits, method, _filters_json(filters), understood, expanded)


def _hit(archive: Archive, chunk, score: float, query: str, snippet: bool = True) -> SearchHit:
    return make_hit(archive, chunk, score, make_snippet(chunk.text, query, archive.analyzer) if snippet else "")


def _filters_json(filters: Filters | None) -> dict:
    if filters is None or not filters.active:
        return {}
    return {k: (sorted(v) if isinstance(v, (frozenset, set)) else v)
            for k, v in filters.__dict__.items() if v}
