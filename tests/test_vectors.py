"""The vector index contract: every kind builds, searches, filters, saves and loads alike."""

from __future__ import annotations

import numpy as np
import pytest

import index.vectors as vectors_module
from index.vectors import EXACT_LIMIT, KINDS, VectorIndex, choose_kind

DIM = 48
COUNT = 3000


def _normalise(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def clustered(count: int, seed: int, centres: int = 40, spread: float = 0.35) -> np.ndarray:
    """Seeded vectors around a few centres, like embeddings of texts on a few themes."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, DIM))
    return _normalise(middle[rng.integers(0, centres, count)] + spread * rng.standard_normal((count, DIM)))


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return clustered(COUNT, seed=7)


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return clustered(50, seed=8)


@pytest.fixture(scope="module", params=KINDS)
def built(request, data) -> VectorIndex:
    return VectorIndex.build(data, kind=request.param)


def brute_force(data: np.ndarray, query: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    scores = data @ query
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    order = np.argsort(-scores, kind="stable")[:k]
    return order[np.isfinite(scores[order])]


def recall(index: VectorIndex, data: np.ndarray, queries: np.ndarray, k: int = 10,
           mask: np.ndarray | None = None) -> float:
    hits = expected = 0
    for query in queries:
        rows, _ = index.search(query, k, mask)
        truth = brute_force(data, query, k, mask)
        hits += len(set(rows.tolist()) & set(truth.tolist()))
        expected += len(truth)
    return hits / expected


def test_kind_is_chosen_by_size():
    assert choose_kind(10) == "flat"
    assert choose_kind(EXACT_LIMIT) == "flat"
    assert choose_kind(EXACT_LIMIT + 1) == "ivf_sq8"


def test_a_stored_vector_finds_itself_first(built, data):
    for row in (0, 17, COUNT - 1):
        rows, scores = built.search(data[row], 5)
        assert rows[0] == row
        assert scores[0] == pytest.approx(1.0, abs=2e-3)


def test_results_are_unique_sorted_and_padding_free(built, queries):
    rows, scores = built.search(queries[0], 25)
    assert len(rows) == 25 == len(set(rows.tolist()))
    assert rows.min() >= 0 and rows.dtype == np.int64
    assert np.all(np.diff(scores) <= 1e-6)


def test_k_larger_than_the_index_returns_every_row():
    small = clustered(30, seed=3)
    for kind in KINDS:
        rows, _ = VectorIndex.build(small, kind=kind).search(small[0], 100)
        assert sorted(rows.tolist()) == list(range(30)), kind


def test_the_empty_index_and_k_zero_return_nothing(tmp_path):
    for kind in KINDS:
        empty = VectorIndex.build(np.zeros((0, DIM), dtype=np.float32), kind=kind)
        assert empty.size == 0
        assert len(empty.search(np.ones(DIM, dtype=np.float32), 5)[0]) == 0
        empty.save(tmp_path)
        assert VectorIndex.load(tmp_path, kind).size == 0
    full = VectorIndex.build(clustered(10, seed=1))
    assert len(full.search(np.ones(DIM, dtype=np.float32), 0)[0]) == 0


def test_flat_matches_brute_force_exactly(data, queries):
    index = VectorIndex.build(data, kind="flat")
    for query in queries[:10]:
        rows, scores = index.search(query, 10)
        np.testing.assert_array_equal(rows, brute_force(data, query, 10))
        np.testing.assert_allclose(scores, data[rows] @ query, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "flat"])
def test_approximate_kinds_reach_the_recall_target(kind, data, queries):
    assert recall(VectorIndex.build(data, kind=kind), data, queries) >= 0.95


def test_exact_search_and_similarities_are_brute_force(built, data, queries):
    rows, _ = built.exact_search(queries[1], 10)
    np.testing.assert_array_equal(rows, brute_force(data, queries[1], 10))
    np.testing.assert_allclose(built.similarities(queries[1]), data @ queries[1], atol=2e-3)


@pytest.mark.parametrize("allowed", [3, 40, 600, 2500])
@pytest.mark.parametrize("subset_limit", [vectors_module.SUBSET_LIMIT, 0])
def test_filtered_search_returns_only_allowed_rows_and_k_of_them(built, data, queries, allowed, subset_limit,
                                                                monkeypatch):
    """A filter applies before ranking: k allowed rows come back whenever k exist.

    subset_limit 0 sends every filter through the index's own filtered path (FAISS's
    selector for the approximate kinds), which otherwise only large archives take.
    """
    monkeypatch.setattr(vectors_module, "SUBSET_LIMIT", subset_limit)
    rng = np.random.default_rng(allowed)
    mask = np.zeros(COUNT, dtype=bool)
    mask[rng.choice(COUNT, allowed, replace=False)] = True
    for query in queries[:5]:
        rows, scores = built.search(query, 10, mask)
        assert mask[rows].all()
        assert len(rows) == min(10, allowed)
        assert len(set(rows.tolist())) == len(rows)
    assert recall(built, data, queries[:20], mask=mask) >= 0.9


def test_an_all_false_mask_returns_nothing_and_an_all_true_mask_changes_nothing(built, queries):
    assert len(built.search(queries[0], 10, np.zeros(COUNT, dtype=bool))[0]) == 0
    plain, _ = built.search(queries[0], 10)
    everything, _ = built.search(queries[0], 10, np.ones(COUNT, dtype=bool))
    np.testing.assert_array_equal(plain, everything)


def test_save_and_load_give_the_same_results(built, queries, tmp_path):
    built.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, built.kind)
    assert (loaded.kind, loaded.size, loaded.dim) == (built.kind, built.size, DIM)
    assert isinstance(loaded.vectors, np.memmap)  # vectors stay on disk until read
    for query in queries[:5]:
        np.testing.assert_array_equal(loaded.search(query, 10)[0], built.search(query, 10)[0])


def test_row_vectors_are_float32_copies_of_the_stored_vectors(built, data):
    rows = np.array([5, 2, 900])
    got = built.row_vectors(rows)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, data[rows], atol=1e-3)


def test_unknown_kind_names_the_kinds():
    with pytest.raises(ValueError, match="unknown vector index kind 'annoy'; use one of flat, ivf_sq8, hnsw"):
        VectorIndex.build(clustered(10, seed=2), kind="annoy")


@pytest.mark.parametrize("max_runs", [vectors_module.PREAD_MAX_RUNS, 1])
def test_a_loaded_index_reads_any_rows_in_order(built, tmp_path, monkeypatch, max_runs):
    """Rows come back in the order asked, repeats included, by pread or through the memory map."""
    monkeypatch.setattr(vectors_module, "PREAD_MAX_RUNS", max_runs)
    built.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, built.kind)
    rows = np.array([901, 5, 2, 900, 2, 3, 4])
    np.testing.assert_array_equal(loaded.row_vectors(rows), built.row_vectors(rows))
    query = built.row_vectors(np.array([7]))[0]
    np.testing.assert_allclose(loaded.similarities(query), built.similarities(query), atol=1e-6)


def test_a_filter_far_from_the_query_still_returns_k_rows(built, data, queries, monkeypatch):
    """The allowed rows are the ones least like the query, outside any probed list or graph walk."""
    monkeypatch.setattr(vectors_module, "SUBSET_LIMIT", 0)
    far = np.argsort(data @ queries[0])[:15]
    mask = np.zeros(COUNT, dtype=bool)
    mask[far] = True
    rows, _ = built.search(queries[0], 10, mask)
    np.testing.assert_array_equal(rows, brute_force(data, queries[0], 10, mask))


def test_scattered_rows_are_read_block_by_block(tmp_path, monkeypatch):
    import index.vectors as vectors_module

    rng = np.random.default_rng(3)
    data = rng.standard_normal((5000, 8)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    index = VectorIndex.build(data, kind="ivf_sq8")
    index.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, "ivf_sq8")
    monkeypatch.setattr(vectors_module, "PREAD_MAX_RUNS", 4)
    monkeypatch.setattr(vectors_module, "BLOCK_ROWS", 700)
    rows = rng.choice(5000, 900, replace=False)  # far more runs than PREAD_MAX_RUNS, unsorted
    got = loaded.row_vectors(rows)
    assert np.allclose(got, data[rows].astype(np.float16).astype(np.float32), atol=1e-3)
    assert np.allclose(loaded.row_vectors(np.array([4999, 0, 4999])), data[[4999, 0, 4999]], atol=1e-3)
