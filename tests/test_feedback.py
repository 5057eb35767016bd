"""Pseudo-relevance feedback: the telling words of the first documents join the BM25 query."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from arkiv.cli import main
from conftest import NOTES, archive_of
from index.archive import Archive
from index.search import DEFAULT_RANKING, Ranking, feedback_terms, lexical_scores, rank_masked, search



@pytest.fixture(scope="module")
def archive(tmp_path_factory, hash_embedder):
    return archive_of(tmp_path_factory.mktemp("feedback"), NOTES, hash_embedder)


def _row_of(archive, name: str) -> int:
    doc = next(i for i, d in enumerate(archive.documents) if d["path"].endswith(name))
    return int(np.where(archive.row_doc == doc)[0][-1])


def test_feedback_terms_come_from_the_first_documents_and_leave_out_the_query(archive) -> None:
    first = _row_of(archive, "2023-03-14_a_anteckningar.md")
    terms = feedback_terms(archive, [(first, 1.0)], "tekniktest", DEFAULT_RANKING)
    own = set(archive.analyzer.query_tokens("tekniktest"))
    assert terms and not own & set(terms)
    assert set(archive.analyzer.tokens("Safe Exam Browser kioskläge")) <= set(terms)
    assert set(terms) <= set(archive.analyzer.tokens(archive.meta.chunks_by_rows([first])[first].embed_text))
    few = feedback_terms(archive, [(first, 1.0)], "tekniktest", Ranking(feedback_docs=1, feedback_terms=2))
    assert len(few) == 2 and few == terms[:2]


def test_feedback_lets_a_document_without_the_query_word_in(archive) -> None:
    # "provdagen" never says "tekniktest", but it shares the first hit's words: feedback gives
    # it a BM25 rank of its own, so its fused score rises more than any unrelated note's.
    other = _row_of(archive, "2023-10-05_a_anteckningar.md")
    unrelated = [_row_of(archive, n) for n in ("2024-02-20_b_anteckningar.md", "2024-04-11_b_anteckningar.md")]
    assert lexical_scores(archive, "tekniktest", None, 0.0)[other] == 0
    before = dict(rank_masked(archive, "tekniktest", 100, None, ranking=Ranking(feedback_docs=0)))
    after = dict(rank_masked(archive, "tekniktest", 100, None, ranking=Ranking(feedback_docs=1)))
    assert after[other] - before[other] > max(after[r] - before[r] for r in unrelated)


def test_feedback_is_on_by_default_and_switchable() -> None:
    assert DEFAULT_RANKING.feedback_docs == 3 and DEFAULT_RANKING.feedback_terms == 20
    assert DEFAULT_RANKING.without_feedback().feedback_docs == 0
    assert DEFAULT_RANKING.without_feedback().rrf_k == DEFAULT_RANKING.rrf_k


def test_no_feedback_for_bm25_or_dense_alone(archive) -> None:
    plain = DEFAULT_RANKING.without_feedback()
    for method in ("bm25", "dense"):
        assert ([h.chunk_id for h in search(archive, "tekniktest", method=method).hits]
                == [h.chunk_id for h in search(archive, "tekniktest", method=method, ranking=plain).hits])


def test_cli_no_feedback(mini_store) -> None:
    runner = CliRunner()
    out = runner.invoke(main, ["search", "tekniktest provplattformen", "--index", str(mini_store), "--json",
                               "--no-feedback"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["results"]
