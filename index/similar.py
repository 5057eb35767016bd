"""Similar discussions: the sections of other meetings closest to a section, a document or pasted text.

The source becomes one vector (a section's stored vector; a document's mean section
vector; pasted text embedded by the archive's embedder). Candidates come from the vector
index (the source's document and attendance lists left out) and from BM25 of the source's
words, fused as search fuses them, and the best sections are grouped per meeting. Each
meeting shows the words it shares with the source after Swedish analysis (rarest first)
and its best-matching sentence; only the meetings shown are analysed for that.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from index.archive import Archive, Filters
from index.hits import make_hit
from index.search import DEFAULT_RANKING, rrf
from index.snippets import make_snippet
from index.themes import WORD_RE, readable_form
from ingest.errors import ConfigError
from ingest.models import Dated, SearchHit

ORDERS = ("best", "newest")
METHODS = ("hybrid", "dense")
#: Further similar sections of a meeting shown under its best one.
MORE_PER_DOC = 3
#: Shared words shown per meeting, and the share of sections above which a word is too
#: common to show what two discussions share.
SHARED_TERMS = 8
GENERIC_SHARE = 0.25
#: Pasted text up to this many model tokens is embedded as one query; longer text is cut
#: into passages of PASSAGE_WORDS words whose vectors are averaged.
QUERY_TOKENS = 64
PASSAGE_WORDS = 150
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class SimilarSource(Dated):
    """What similar discussions are sought for.

    Attributes:
        kind: "chunk", "document" or "text".
        ref: The chunk id, the document id, or "" for pasted text.
        doc_id: The source's document (left out of the results), or None for text.
        title, path, date: The source document's, or None for text.
        section: The chunk's section heading ("" otherwise).
        text: The source's text, whose words are compared.
        date_precision: How exact ``date`` is (see ``ingest.models.DATE_PRECISIONS``).
    """

    kind: str
    ref: str
    doc_id: str | None
    title: str | None
    path: str | None
    date: str | None
    section: str
    text: str
    date_precision: str = "day"

    def to_json(self) -> dict:
        return {"kind": self.kind, "ref": self.ref, "doc_id": self.doc_id, "title": self.title,
                "path": self.path, "date": self.date, "date_label": self.date_label, "section": self.section}


@dataclass
class SimilarHit:
    """One meeting with a similar discussion: its best section, and why it is similar.

    Attributes:
        hit: The best section as a search hit (score: cosine similarity to the source);
            ``hit.more`` holds further similar sections of the same meeting.
        shared_terms: Words the meeting's similar sections share with the source after
            Swedish analysis, rarest in the corpus first, in a readable form.
        sentence: The hit's sentence sharing the most (rarest) words with the source.
        similarity: Cosine similarity of the best section to the source (``hit.score`` is
            the fused rank score, comparable only within one list, as in search).
    """

    hit: SearchHit
    shared_terms: list[str] = field(default_factory=list)
    sentence: str = ""
    similarity: float = 0.0

    def to_json(self) -> dict:
        """The search hit JSON contract plus ``shared_terms``, ``sentence`` and ``similarity``."""
        return {**self.hit.to_json(), "shared_terms": self.shared_terms, "sentence": self.sentence,
                "similarity": round(self.similarity, 6)}


@dataclass
class SimilarResult:
    """Similar discussions of one source, one entry per meeting."""

    source: SimilarSource
    order: str
    took_ms: float
    hits: list[SimilarHit]

    def to_json(self) -> dict:
        return {"source": self.source.to_json(), "order": self.order, "took_ms": round(self.took_ms, 2),
                "results": [h.to_json() for h in self.hits]}


def similar_to_chunk(archive: Archive, chunk_id: str, k: int = 10, order: str = "best",
                     filters: Filters | None = None, method: str = "hybrid") -> SimilarResult:
    """Meetings that discuss what one section discusses (its own document left out).

    Raises:
        ConfigError: for an unknown chunk id, k below 1, or an unknown order or method.
    """
    started = time.perf_counter()
    _check(k, order, method)
    found = archive.meta.chunk_by_id(chunk_id)
    if found is None:
        raise ConfigError(f"no section with id {chunk_id!r}; take one from `arkiv search --json` (chunk_id)")
    row, chunk = found
    doc = archive.documents[archive.doc_pos[chunk.doc_id]]
    source = SimilarSource("chunk", chunk_id, chunk.doc_id, doc["title"], doc["path"], doc["date"],
                           chunk.section, f"{chunk.section}\n{chunk.text}", doc["date_precision"])
    return _similar(archive, archive.vectors.row_vectors(np.array([row]))[0], source, k, order, filters, started,
                    method)


def similar_to_document(archive: Archive, doc_id: str, k: int = 10, order: str = "best",
                        filters: Filters | None = None, method: str = "hybrid") -> SimilarResult:
    """Meetings that discuss what a whole document discusses (mean of its section vectors).

    Raises:
        ConfigError: for an unknown document id, k below 1, or an unknown order or method.
    """
    started = time.perf_counter()
    _check(k, order, method)
    if doc_id not in archive.doc_pos:
        raise ConfigError(f"no document with id {doc_id!r}; take one from `arkiv search --json` (doc_id)")
    rows = archive.meta.chunk_rows_of(doc_id)
    rows = [r for r in rows if archive.row_body[r]] or rows  # attendance lists say who, not what
    if not rows:
        raise ConfigError(f"the document {doc_id!r} has no text to compare")
    doc = archive.documents[archive.doc_pos[doc_id]]
    texts = [f"{c.section}\n{c.text}" for c in archive.meta.chunks_by_rows(rows).values()]
    source = SimilarSource("document", doc_id, doc_id, doc["title"], doc["path"], doc["date"], "", "\n".join(texts),
                           doc["date_precision"])
    return _similar(archive, _mean(archive.vectors.row_vectors(np.array(rows))), source, k, order, filters, started,
                    method)


def similar_to_text(archive: Archive, text: str, k: int = 10, order: str = "best",
                    filters: Filters | None = None, method: str = "hybrid") -> SimilarResult:
    """Meetings that discussed what a pasted text (a draft agenda, a question) is about.

    Short text is embedded as a query; longer text as passages of about PASSAGE_WORDS
    words whose vectors are averaged.

    Raises:
        ConfigError: for empty text, k below 1, or an unknown order or method.
    """
    started = time.perf_counter()
    _check(k, order, method)
    if not text.strip():
        raise ConfigError("the text is empty; paste a draft agenda, a paragraph or a question")
    source = SimilarSource("text", "", None, None, None, None, "", text)
    return _similar(archive, embed_text(archive, text), source, k, order, filters, started, method)


def embed_text(archive: Archive, text: str) -> np.ndarray:
    """One normalised vector for free text: a query embedding, or the mean of passage embeddings."""
    embedder = archive.embedder
    if embedder.count_tokens(text) <= QUERY_TOKENS:
        return np.asarray(embedder.embed_query(text), dtype=np.float32)
    words = text.split()
    passages = [" ".join(words[i:i + PASSAGE_WORDS]) for i in range(0, len(words), PASSAGE_WORDS)]
    return _mean(np.asarray(embedder.embed_passages(passages), dtype=np.float32))


def _check(k: int, order: str, method: str) -> None:
    if k < 1:
        raise ConfigError(f"k of {k} must be at least 1")
    if order not in ORDERS:
        raise ConfigError(f"unknown order {order!r}; use best or newest")
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; use hybrid or dense")


def _mean(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


class _Words:
    """The analysed words of some texts: how often each token occurs, and the words it stems from."""

    def __init__(self, archive: Archive, *texts: str) -> None:
        self.counts: Counter = Counter()
        self.surfaces: dict[str, Counter] = {}
        analyzer = archive.analyzer
        for text in texts:
            for word in WORD_RE.findall(text):
                for i, token in enumerate(analyzer.tokens(word)):
                    self.counts[token] += 1
                    if i == 0:  # the word's own stem; later tokens are hyphen and compound parts
                        self.surfaces.setdefault(token, Counter())[word] += 1

    def readable(self, token: str, other: _Words | None = None) -> str:
        """The form a reader recognises: the commonest surface form in these texts (and ``other``'s).

        Acronyms and names keep their capitals ("AI", "Skolverket"); a word written in lower
        case at least a fifth of the time is shown in lower case.
        """
        forms = Counter(self.surfaces.get(token, {}))
        if other is not None:
            forms.update(other.surfaces.get(token, {}))
        return readable_form(forms) if forms else token


def _similar(archive: Archive, vector: np.ndarray, source: SimilarSource, k: int, order: str,
             filters: Filters | None, started: float, method: str = "hybrid") -> SimilarResult:
    allowed = archive.row_body.copy()
    mask = archive.filter_mask(filters)
    if mask is not None:
        allowed &= mask
    if source.doc_id is not None:
        allowed &= archive.row_doc != archive.doc_pos[source.doc_id]
    words = _Words(archive, source.text)
    ranked = _rank(archive, vector, allowed, words, max(200, 20 * k), method) if allowed.any() else []
    groups: dict[int, list[tuple[int, float]]] = {}  # document position -> its (row, score), best first
    for row, score in ranked:
        doc = int(archive.row_doc[row])
        if doc in groups:
            if len(groups[doc]) <= MORE_PER_DOC:
                groups[doc].append((row, score))
        elif len(groups) < k:
            groups[doc] = [(row, score)]
    heads = np.array([group[0][0] for group in groups.values()], dtype=np.int64)
    sims = archive.vectors.row_scores(heads, np.asarray(vector, dtype=np.float32)) if len(heads) else heads
    chunks = archive.meta.chunks_by_rows([row for group in groups.values() for row, _ in group])
    hits = [_similar_hit(archive, group, chunks, float(sim), words) for group, sim in zip(groups.values(), sims)]
    if order == "newest":
        hits.sort(key=lambda h: (h.hit.date or "", h.hit.score), reverse=True)
    return SimilarResult(source, order, (time.perf_counter() - started) * 1000, hits)


def _rank(archive: Archive, vector: np.ndarray, allowed: np.ndarray, words: _Words, depth: int,
          method: str) -> list[tuple[int, float]]:
    """Rows ranked by cosine similarity, fused (as search does) with BM25 of the source's words.

    Both come from the archive's indexes with the allowed rows as a filter (the vector
    index is exact up to 150k chunks and approximate beyond, as in search). On the corpus's
    AI-and-cheating sections the fusion found 7.9 of 10 meetings that discuss it against 6.7
    for similarity alone: slides otherwise pull in slides of any subject, minutes pull in minutes.
    """
    dense, sims = archive.vectors.search(vector, depth, allowed)
    if method == "dense" or not words.counts or not archive.lexical.size:
        return [(int(r), float(s)) for r, s in zip(dense, sims)]
    lexical, _ = archive.lexical.search(sorted(words.counts), depth, allowed)
    fused = rrf([dense, lexical], DEFAULT_RANKING.rrf_k,
                [DEFAULT_RANKING.dense_weight, DEFAULT_RANKING.lexical_weight])
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _idf(archive: Archive, tokens: list[str]) -> dict[str, float]:
    """Smoothed inverse document frequency over chunks (from the lexical index): rare words weigh more."""
    df = archive.lexical.document_frequency(tokens)
    idf = np.log((1 + archive.size) / (1 + df)) + 1.0
    return {t: float(v) for t, v in zip(tokens, idf)}


def _similar_hit(archive: Archive, group: list[tuple[int, float]], chunks: dict, similarity: float,
                 source: _Words) -> SimilarHit:
    rows = [row for row, _ in group]
    scores = dict(group)
    theirs = _Words(archive, *(f"{chunks[r].section}\n{chunks[r].text}" for r in rows))
    shared, idf = _shared(archive, source, theirs)
    words = [source.readable(t, theirs) for t in shared]
    marked = " ".join(words)
    hits = []
    for row in rows:
        chunk = chunks[row]
        hits.append(make_hit(archive, chunk, scores[row],
                             make_snippet(chunk.text, marked, archive.analyzer) if row == rows[0] else ""))
    head = hits[0]
    head.more = hits[1:]
    return SimilarHit(head, words, _best_sentence(archive, head.text, idf), similarity)


def _shared(archive: Archive, source: _Words, theirs: _Words) -> tuple[list[str], dict[str, float]]:
    """Tokens the source and the rows share, most telling first, with their idf.

    A word weighs its rarity in the corpus (idf) times its (log) frequency on both sides,
    so "AI", "fusk" and "bedömning" said several times on both sides come before a
    rare word said once. Left out: words seen here only as compound parts, numbers, and
    words in more than GENERIC_SHARE of all sections ("skolan", "kommun"), which every
    meeting shares.
    """
    both = sorted(t for t in theirs.counts.keys() & source.counts.keys()
                  if (t in source.surfaces or t in theirs.surfaces) and len(t) > 1
                  and not t.replace("-", "").isdigit())
    df = archive.lexical.document_frequency(both)
    common = max(2.0, GENERIC_SHARE * archive.size)
    kept = [t for t, n in zip(both, df.tolist()) if n <= common]
    idf = _idf(archive, kept)
    weights = {t: idf[t] * (1 + np.log(source.counts[t])) * (1 + np.log(theirs.counts[t])) for t in kept}
    chosen = sorted(weights, key=lambda t: (-weights[t], t))[:SHARED_TERMS]
    return chosen, {t: idf[t] for t in chosen}


def _best_sentence(archive: Archive, text: str, idf: dict[str, float]) -> str:
    """The sentence holding the most shared words, weighted by rarity (the first on a tie)."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""

    def weight(sentence: str) -> float:
        tokens = {t for w in WORD_RE.findall(sentence) for t in archive.analyzer.tokens(w)}
        return float(sum(idf[t] for t in tokens & idf.keys()))

    scores = [weight(s) for s in sentences]
    return sentences[int(np.argmax(scores))]
