"""Phrase rows read from the BM25 postings (index.phrases) equal those of a term index of every chunk."""

from __future__ import annotations

import numpy as np
import pytest

from index.archive import Archive
from index.phrases import PHRASE_SLACK, PhraseRows, phrase_finder
from index.themes import term_index
from index.trends import count_periods, period_of


@pytest.fixture(scope="module")
def mini(mini_store, hash_embedder):
    archive = Archive.open(mini_store, embedder=hash_embedder)
    yield archive
    archive.close()


def reference_rows(index, heads: list[str]) -> list[int]:
    """The rows the term index of every chunk gives (the code before index.phrases)."""
    postings = [index.postings(h) for h in dict.fromkeys(heads)]
    if not heads or any(len(rows) == 0 for rows, _ in postings):
        return []
    candidates = np.unique(postings[0][0])
    for rows, _ in postings[1:]:
        candidates = np.intersect1d(candidates, rows)
    if len(postings) == 1:
        return candidates.tolist()
    span = len(postings) - 1 + PHRASE_SLACK
    found = []
    for row in candidates.tolist():
        lists = [pos[rows == row] for rows, pos in postings]
        if any(all(((p >= s) & (p <= s + span)).any() for p in lists) for s in np.unique(np.concatenate(lists)).tolist()):
            found.append(row)
    return found


def test_phrase_rows_equal_the_term_index(mini):
    """Every word of the mini corpus, and pairs of neighbouring and distant words, give the same rows."""
    index = term_index(mini)
    finder = PhraseRows(mini)
    tokens = sorted(index.vocab)
    for token in tokens:
        assert finder.rows([token]).tolist() == reference_rows(index, [token]), token
    rng = np.random.default_rng(0)
    for _ in range(300):
        row = int(rng.integers(index.n_rows))
        ids = index.row_token_ids(row, heads_only=True)
        if len(ids) < 2:
            continue
        i, j = sorted(rng.choice(len(ids), 2, replace=False).tolist())
        heads = [index.token(int(ids[i])), index.token(int(ids[j]))]
        assert finder.rows(heads).tolist() == reference_rows(index, heads), heads


def test_title_words_alone_do_not_match(mini):
    """BM25 indexes each chunk's title too; a word found only in a title matches no section."""
    index = term_index(mini)
    finder = phrase_finder(mini)
    assert finder is phrase_finder(mini)
    title_only = [t for doc in mini.documents for t in mini.analyzer.tokens(doc["title"] or "")
                  if t not in index.vocab and len(mini.lexical.rows_of(t))]
    assert title_only, "the mini corpus should have a word found only in titles"
    for token in title_only:
        assert finder.rows([token]).tolist() == []


def test_similarities_many_equal_one_at_a_time(mini, tmp_path, monkeypatch):
    """In one pass over float16 rows read block by block, each query gets its own similarities."""
    import index.vectors as vectors_module
    from index.vectors import VectorIndex

    queries = [mini.embedder.embed_query(q) for q in ("AI", "nationella prov", "skärmtid")]
    for many, q in zip(mini.vectors.similarities_many(queries), queries):  # float32 rows
        assert np.array_equal(many, mini.vectors.vectors @ q)
    VectorIndex.build(np.asarray(mini.vectors.vectors), "ivf_sq8").save(tmp_path)
    stored = VectorIndex.load(tmp_path, "ivf_sq8")  # float16 rows on disk
    monkeypatch.setattr(vectors_module, "BLOCK_ROWS", 7)  # several blocks, the last one short
    rows = np.asarray(stored.vectors, dtype=np.float32)
    for many, q in zip(stored.similarities_many(queries), queries):
        assert np.array_equal(many, np.concatenate([rows[i:i + 7] @ q for i in range(0, len(rows), 7)]))


def test_count_periods_equal_a_row_by_row_count(mini):
    """The vectorised count gives what counting row by row gives (meetings, sections, order)."""
    rng = np.random.default_rng(1)
    matched = rng.random(mini.size) < 0.4
    score = rng.random(mini.size).astype(np.float32)
    for by in ("year", "term"):
        points = {p.period: p for p in count_periods(mini, matched, by, similarity=score)}
        # Per term, a document dated only by its year (the overview page) belongs to no period.
        placed = [bool(d) and (by == "year" or mini.documents[i]["date_precision"] != "year")
                  for i, d in enumerate(mini.doc_dates)]
        assert sum(p.meetings for p in points.values()) == sum(placed)
        rows = [r for r in np.argsort(-score, kind="stable").tolist()
                if matched[r] and mini.row_body[r] and placed[mini.row_doc[r]]]
        for period, point in points.items():
            mine = [r for r in rows if period_of(str(mini.doc_dates[mini.row_doc[r]]), by) == period]
            assert point.rows == mine
            assert point.matching_sections == len(mine)
            docs = sorted({int(mini.row_doc[r]) for r in mine}, key=lambda d: (mini.doc_dates[d], d))
            assert point.doc_ids == [mini.documents[d]["doc_id"] for d in docs]
            assert point.matching_meetings == len(docs)
