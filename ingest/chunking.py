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


#: No chunk holds more characters than this many per token of budget, whatever the token
#: counter says: a "word" of megabytes (a hash, a file of one enormous line) is cut too.
MAX_CHARS_PER_TOKEN = 10
_SPACE_RUNS = re.compile(r"\s+")


def _hard_split(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Cut text that has runs without whitespace longer than ``max_chars`` into windows.

    Each window ends at its last whitespace when it has one, else at ``max_chars``. Used
    only for pathological text (a file of one enormous line), where splitting character
    by character would make tens of thousands of tiny chunks.
    """
    pieces: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut > start + max_chars // 2:
                end = cut + 1
        piece = text[start:end].strip()
        if piece:
            pieces.append((text.index(piece, start), piece))
        start = end
    return pieces


def _fitted_prefix(title: str, heading: str, limit: int, count_tokens: TokenCounter) -> str:
    """The embed prefix, shortened to at most ``limit`` tokens (half the chunk) when needed.

    A very long title or heading must not crowd out the text: the heading is shortened
    first, then the title, word by word.
    """
    prefix = embed_prefix(title, heading)
    while count_tokens(prefix) > limit and (heading or title):
        if heading:
            words = heading.split()
            heading = " ".join(words[:-1]) if len(words) > 1 else ""
        else:
            words = title.split()
            title = " ".join(words[:-1]) if len(words) > 1 else ""
        prefix = embed_prefix(title, heading) if (title or heading) else ""
    return prefix


def _split(text: str, budget: int, overlap: int, count_tokens: TokenCounter) -> list[tuple[int, str]]:
    """Split ``text`` into (start offset, piece) pairs of at most ``budget`` tokens."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    max_chars = budget * MAX_CHARS_PER_TOKEN
    if any(len(run) > max_chars for run in _SPACE_RUNS.split(text)):
        # Cut into windows first; a window still over the budget is split normally (it no
        # longer holds a run the splitter would have to take apart character by character).
        pieces: list[tuple[int, str]] = []
        for start, window in _hard_split(text, max_chars):
            if count_tokens(window) <= budget:
                pieces.append((start, window))
            else:
                pieces.extend((start + s, p) for s, p in _split(window, budget, overlap, count_tokens))
        return pieces

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



def _capped(count_tokens: TokenCounter) -> TokenCounter:
    """A token counter that also counts one token per MAX_CHARS_PER_TOKEN characters."""
    def measure(text: str) -> int:
        return max(count_tokens(text), -(-len(text) // MAX_CHARS_PER_TOKEN))
    return measure


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
    count_tokens = _capped(count_tokens)
    chunks: list[Chunk] = []
    for index, section in enumerate(doc.sections):
        text = section.text
        if not text.strip():
            continue
        if section.kind == "attendance" and not config.index_attendance:
            continue
        prefix = _fitted_prefix(doc.title, section.heading, config.chunk_tokens // 2, count_tokens)
        budget = config.chunk_tokens - count_tokens(prefix)
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
