"""How hybrid search fuses its dense and BM25 candidates: reciprocal rank fusion (the
default) or a convex combination of min-max normalised scores (measured, not shipped)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import NOTES, archive_of
from index.search import DEFAULT_RANKING, FUSIONS, rank_masked, rrf, score_fusion
from index.vectors import VectorIndex
from ingest.errors import ConfigError


def _unit(*angles: float) -> np.ndarray:
    """Unit vectors in the plane, so a row's cosine to (1, 0) is cos(angle)."""
    return np.array([[np.cos(a), np.sin(a)] for a in angles], dtype=np.float32)


@pytest.fixture()
def plane():
    # Rows 0..3 at growing angles from the query: cosines 1.0, 0.8, 0.6, 0.0.
    vectors = _unit(0.0, np.arccos(0.8), np.arccos(0.6), np.pi / 2)
    return SimpleNamespace(vectors=VectorIndex.build(vectors, "flat")), np.array([1.0, 0.0], dtype=np.float32)


def test_score_fusion_adds_min_max_normalised_scores_with_weights_summing_to_one(plane) -> None:
    archive, query = plane
    dense = (np.array([0, 1]), np.array([1.0, 0.8]))  # the dense candidates and their cosines
    bm25 = np.array([0.0, 2.0, 6.0, 4.0])  # BM25 of every row; the lexical candidates are 2 and 1
    fused = score_fusion(archive, query, dense, bm25, np.array([2, 1]), [1.5, 1.0])
    assert set(fused) == {0, 1, 2}  # the union of both lists; row 3 was nobody's candidate
    # Cosines over the union: 1.0, 0.8 and 0.6 (row 2's computed) -> 1, 0.5, 0;
    # BM25 over the union: 0, 2, 6 -> 0, 1/3, 1; weights 0.6 and 0.4.
    assert fused[0] == pytest.approx(0.6 * 1.0 + 0.4 * 0.0)
    assert fused[1] == pytest.approx(0.6 * 0.5 + 0.4 * (1 / 3))
    assert fused[2] == pytest.approx(0.6 * 0.0 + 0.4 * 1.0)


def test_score_fusion_with_one_weight_keeps_that_methods_order(plane) -> None:
    archive, query = plane
    dense = (np.array([0, 1, 2, 3]), np.array([1.0, 0.8, 0.6, 0.0]))
    bm25 = np.array([1.0, 7.0, 3.0, 5.0])
    lexical_rows = np.array([1, 3, 2, 0])
    by_dense = score_fusion(archive, query, dense, bm25, lexical_rows, [1.0, 0.0])
    by_bm25 = score_fusion(archive, query, dense, bm25, lexical_rows, [0.0, 1.0])
    assert sorted(by_dense, key=lambda r: -by_dense[r]) == [0, 1, 2, 3]
    assert sorted(by_bm25, key=lambda r: -by_bm25[r]) == [1, 3, 2, 0]


def test_score_fusion_of_equal_scores_and_of_nothing(plane) -> None:
    archive, query = plane
    one = score_fusion(archive, query, (np.array([2]), np.array([0.6])), np.zeros(4), np.array([], dtype=np.int64),
                       [1.0, 1.0])
    assert one == {2: pytest.approx(1.0)}  # a single candidate scores the top of each scale
    empty = (np.array([], dtype=np.int64), np.array([]))
    assert score_fusion(archive, query, empty, np.zeros(4), np.array([], dtype=np.int64), [1.0, 1.0]) == {}


def test_rrf_weights_ranks_not_scores() -> None:
    fused = rrf([np.array([5, 6]), np.array([6, 7])], k=20, weights=[1.5, 1.0])
    assert fused[6] == pytest.approx(1.5 / 22 + 1.0 / 21)
    assert fused[5] == pytest.approx(1.5 / 21) and fused[7] == pytest.approx(1.0 / 22)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, hash_embedder):
    return archive_of(tmp_path_factory.mktemp("fusion"), NOTES, hash_embedder)


def test_hybrid_search_with_score_fusion(archive) -> None:
    ranking = replace(DEFAULT_RANKING, fusion="score")
    ranked = rank_masked(archive, "tekniktestet av Safe Exam Browser", 100, None, ranking=ranking)
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True) and all(0.0 <= s <= 1.0 + 1e-9 for s in scores)
    # The dense share is 0.6, so the best cosine alone scores 0.6; RRF never passes 2.5 / 21.
    assert scores[0] >= 0.6 - 1e-9
    first = archive.documents[int(archive.row_doc[ranked[0][0]])]["path"]
    assert first.endswith("2023-03-14_a_anteckningar.md")  # the only note holding every word
    assert DEFAULT_RANKING.fusion == "rrf" and set(FUSIONS) == {"rrf", "score"}


def test_unknown_fusion_names_the_value_and_the_choices(archive) -> None:
    with pytest.raises(ConfigError, match=r"'borda'.*rrf, score"):
        rank_masked(archive, "kioskläge", 100, None, ranking=replace(DEFAULT_RANKING, fusion="borda"))
