"""Snippets: the best-matching sentence of a chunk with the query's words marked."""

from __future__ import annotations

import re

from index.analysis import SwedishAnalyzer

MARK = "**"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[0-9A-Za-zÅÄÖÉÜåäöéü][\w:-]*", re.UNICODE)


def _stems(analyzer: SwedishAnalyzer, text: str) -> set[str]:
    return set(analyzer.tokens(text))


def make_snippet(text: str, query: str, analyzer: SwedishAnalyzer, width: int = 320) -> str:
    """An excerpt of ``text`` around its sentence that best matches ``query``.

    Words whose analysed form matches a query word are wrapped in ``**`` marks; marks
    already in the text are removed first, so every mark is ours.

    Args:
        text: The chunk text.
        query: The user's query.
        analyzer: The analyzer the lexical index uses.
        width: Rough length of the excerpt in characters.
    """
    text = text.replace(MARK, "")
    query_terms = _stems(analyzer, query)
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""
    scored = [(len(_stems(analyzer, s) & query_terms), -i, s) for i, s in enumerate(sentences)]
    best_index = -max(scored)[1]
    excerpt = sentences[best_index].strip()
    after = best_index + 1
    while len(excerpt) < width and after < len(sentences):
        excerpt += " " + sentences[after].strip()
        after += 1
    before = best_index - 1
    while len(excerpt) < width * 0.6 and before >= 0:
        excerpt = sentences[before].strip() + " " + excerpt
        before -= 1
    if len(excerpt) > width * 1.4:
        excerpt = excerpt[: int(width * 1.4)].rsplit(" ", 1)[0] + " …"
    elif after < len(sentences):
        excerpt += " …"
    if before >= 0:
        excerpt = "… " + excerpt
    return mark_terms(excerpt, query_terms, analyzer)


def mark_terms(text: str, query_terms: set[str], analyzer: SwedishAnalyzer) -> str:
    """Wrap words of ``text`` whose analysed tokens meet ``query_terms`` in ``**``."""
    if not query_terms:
        return text

    def mark(match: re.Match) -> str:
        word = match.group(0)
        return f"{MARK}{word}{MARK}" if _stems(analyzer, word) & query_terms else word

    return _WORD.sub(mark, text)


def split_marks(snippet: str) -> list[tuple[str, bool]]:
    """Split a marked snippet into (text, is_match) pieces for renderers."""
    pieces = snippet.split(MARK)
    return [(piece, i % 2 == 1) for i, piece in enumerate(pieces) if piece]
