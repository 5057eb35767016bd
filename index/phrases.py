"""Rows that hold a phrase: candidates from the BM25 posting lists, confirmed on the chunks' words.

Trends match a theme's phrasings against each chunk's heading and text, word by word after
Swedish analysis (see :func:`index.theme_match.lexical_mask`). Analysing every chunk of a large
archive on the first request took 157 s and several GiB at 1M chunks; instead, the rows
holding every word of a phrase are read from the BM25 posting lists (which cover title,
heading and text: a superset), and only rows that need it are analysed:

- a one-word phrase: rows whose document title holds the word (the title alone may have
  put them in the posting list);
- a phrase of several words: every candidate, for the words' positions.

The answer is the same rows :class:`index.themes.TermIndex` gives (tests/test_phrases.py).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from index.archive import Archive, per_archive
from index.themes import WORD_RE

#: Words a multi-word phrase may have between its own words and still count as the phrase.
PHRASE_SLACK = 3
_CACHE_SIZE = 256


class PhraseRows:
    """Finds the chunk rows of an archive that hold a phrase (given as its words' head stems)."""

    def __init__(self, archive: Archive) -> None:
        self._archive = weakref.ref(archive)  # the finder is cached per archive; no cycle
        self._words: dict[str, frozenset[str]] = {}  # a word's analysed tokens; words repeat a lot
        self._titles: dict[int, frozenset[str]] = {}  # a document's title tokens
        self._cache: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def archive(self) -> Archive:
        archive = self._archive()
        if archive is None:
            raise RuntimeError("the archive of this phrase finder was closed")
        return archive

    def rows(self, heads: list[str]) -> np.ndarray:
        """Rows holding every head within len(heads) - 1 + PHRASE_SLACK words, ascending (int32)."""
        key = tuple(heads)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = self._find(list(dict.fromkeys(heads)))
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def _find(self, heads: list[str]) -> np.ndarray:
        if not heads:
            return np.zeros(0, dtype=np.int32)
        candidates = self.archive.lexical.rows_of_all(heads)
        if len(candidates) == 0:
            return np.zeros(0, dtype=np.int32)
        if len(heads) == 1:
            unsure = candidates[self._title_holds(candidates, heads)]
            keep = np.ones(len(candidates), dtype=bool)
            if len(unsure):
                confirmed = set(self._confirm(unsure, heads))
                keep[np.isin(candidates, unsure)] = False
                keep |= np.isin(candidates, np.fromiter(confirmed, dtype=np.int64, count=len(confirmed)))
            return candidates[keep].astype(np.int32)
        return np.array(self._confirm(candidates, heads), dtype=np.int32)

    def _title_holds(self, rows: np.ndarray, heads: list[str]) -> np.ndarray:
        """Whether each row's document title holds one of the heads."""
        docs = self.archive.row_doc[rows]
        holds = {}
        for doc in np.unique(docs).tolist():
            tokens = self._titles.get(doc)
            if tokens is None:
                title = self.archive.documents[doc]["title"] or ""
                tokens = self._titles[doc] = frozenset(self.archive.analyzer.tokens(title))
            holds[doc] = any(h in tokens for h in heads)
        return np.array([holds[d] for d in docs.tolist()], dtype=bool)

    def _confirm(self, rows: np.ndarray, heads: list[str]) -> list[int]:
        """The rows whose heading and text hold the phrase (analysed as TermIndex.build does)."""
        found = []
        span = len(heads) - 1 + PHRASE_SLACK
        # A word holds a head only if it contains the head's letters but the last: analysis
        # only lowercases, cuts endings and splits compounds (a non-final part may gain an
        # -a/-e, which its stem drops again). So a text without them is skipped unanalysed.
        needles = [h[:-1] for h in heads if len(h) > 2]
        for start in range(0, len(rows), 4096):
            part = rows[start:start + 4096].tolist()
            texts = self.archive.meta.headed_texts(part)
            for row in part:
                if needles and not all(n in texts[row].lower() for n in needles):
                    continue
                lists = self._positions(texts[row], heads)
                if any(not p for p in lists):
                    continue
                if len(heads) == 1 or any(all(any(s <= p <= s + span for p in ps) for ps in lists)
                                          for s in sorted(set().union(*lists))):
                    found.append(row)
        return found

    def _positions(self, text: str, heads: list[str]) -> list[list[int]]:
        """Each head's word positions in a chunk's heading and text."""
        words = WORD_RE.findall(text)
        analyzer = self.archive.analyzer
        holding: list[set[str]] = [set() for _ in heads]  # the distinct words that hold each head
        for word in set(words):
            tokens = self._words.get(word)
            if tokens is None:
                tokens = frozenset(analyzer.tokens(word))
                if len(self._words) < 500_000:
                    self._words[word] = tokens
            for i, head in enumerate(heads):
                if head in tokens:
                    holding[i].add(word)
        return [[pos for pos, w in enumerate(words) if w in held] if held else [] for held in holding]


@per_archive
def phrase_finder(archive: Archive) -> PhraseRows:
    """The archive's PhraseRows (its caches live as long as the archive)."""
    return PhraseRows(archive)
