"""Split documents into chunks: structure first (sections, pages, slides), then by model tokens."""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.config import IngestConfig
from ingest.models import Chunk, Document

TokenCounter = Callable[[str], int]

#: Split points tried in order when a section is too long: paragraphs, lines, sentences, words.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
_SPACE = re.compile(r"\s*")


def embed_prefix(title: str, heading: str) -> str:
    """The context put before a chunk's text when it is embedded and indexed."""
    if heading and heading != title:
        return f"{title}\n{heading}\n"
    return f"{title}\n"


def _split(text: str, budget: int, overlap: int, count_tokens: TokenCounter) -> list[tuple[int, str]]:
    """Split ``text`` into (start offset, piece) pairs of at most ``budget`` tokens."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=budget, chunk_overlap=overlap, length_function=count_tokens,
        separators=SEPARATORS, keep_separator="end", strip_whitespace=True)
    pieces: list[tuple[int, str]] = []
    previous_start, previous_end = -1, 0
    # Offsets are found here, not taken from the splitter's start_index: that one subtracts
    # the overlap (in tokens) from a character offset and so can point at another occurrence
    # of a repeated piece (a long URL, a dotted line), out of reading order.
    for piece in splitter.split_text(text):
        # A piece starts inside the previous one (overlap) or right after it and whitespace;
        # the last such occurrence is taken, so that repeated text keeps advancing.
        after = _SPACE.match(text, previous_end).end()
        start = text.rfind(piece, previous_start + 1, after + len(piece))
        if start < 0:
            start = text.find(piece, previous_start + 1)
        if start < 0:  # cannot happen with strip-only splitting; keep offsets honest anyway
            continue
        pieces.append((start, piece))
        previous_start, previous_end = start, start + len(piece)
    return pieces


def chunk_document(doc: Document, config: IngestConfig, count_tokens: TokenCounter) -> list[Chunk]:
    """Cut a document into chunks that follow its sections and fit the model.

    Each section becomes one chunk when it fits ``config.chunk_tokens`` (title and heading
    included); longer sections are split at paragraphs, lines, sentences and words with
    ``config.chunk_overlap`` tokens of overlap. Attendance sections are skipped unless
    ``config.index_attendance``.

    Args:
        doc: The document with its sections.
        config: Chunk size, overlap and the attendance setting.
        count_tokens: The embedder's token counter.

    Returns:
        The chunks in reading order, ids "<doc_id>-<n>".
    """
    chunks: list[Chunk] = []
    for index, section in enumerate(doc.sections):
        text = section.text
        if not text.strip():
            continue
        if section.kind == "attendance" and not config.index_attendance:
            continue
        prefix = embed_prefix(doc.title, section.heading)
        budget = max(32, config.chunk_tokens - count_tokens(prefix))
        if count_tokens(text) <= budget:
            stripped = text.strip()
            start = text.find(stripped)
            pieces = [(start, stripped)]
        else:
            pieces = _split(text, budget, min(config.chunk_overlap, budget // 3), count_tokens)
        for start, piece in pieces:
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}-{len(chunks)}", doc_id=doc.doc_id, section_index=index,
                section=section.heading, page=section.page, text=piece, start=start,
                end=start + len(piece), embed_text=prefix + piece, kind=section.kind))
    return chunks
