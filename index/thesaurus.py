"""Editable synonym and acronym thesaurus for lexical (BM25) query expansion."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import DATA_DIR, SwedishAnalyzer

_SEPARATOR = re.compile(r"\s*=\s*")
_CACHE: dict[Path, tuple[int, int, Thesaurus]] = {}


class ThesaurusError(ValueError):
    """A malformed thesaurus file; the message names the file and line."""


def default_thesaurus_path() -> Path:
    """Returns the thesaurus shipped with the package, ``index/data/thesaurus.txt``."""
    return DATA_DIR / "thesaurus.txt"


@dataclass
class Thesaurus:
    """Groups of equivalent terms; a term found in a query adds the rest of its group.

    Matching is case-insensitive on whole stemmed words, with hyphens read as spaces, so
    "AI" matches "AI-policy" and "AI:s" but not "aims", and "nationella proven" matches
    "nationella prov". Overlapping matches are resolved longest first, left to right.

    Attributes:
        groups: The groups, each a tuple of terms as written in the file.
        analyzer: Analyzer whose stemming is used for matching.
    """

    groups: list[tuple[str, ...]]
    analyzer: SwedishAnalyzer = field(default_factory=lambda: SwedishAnalyzer(split_compounds=False))

    def __post_init__(self) -> None:
        """Indexes every term by its stem sequence."""
        self._terms: dict[tuple[str, ...], list[int]] = {}
        for gid, group in enumerate(self.groups):
            for term in group:
                self._terms.setdefault(self._key(term), []).append(gid)
        self._max_len = max((len(k) for k in self._terms), default=0)

    @classmethod
    def load(cls, path: Path, analyzer: SwedishAnalyzer | None = None) -> Thesaurus:
        """Reads a thesaurus file (format documented at the top of ``data/thesaurus.txt``).

        Args:
            path: The file to read (UTF-8).
            analyzer: Analyzer for stemming; a non-splitting SwedishAnalyzer by default.

        Returns:
            The parsed thesaurus.

        Raises:
            ThesaurusError: A line has fewer than two terms, an empty term or a term with
                no words; the message reads "<path>:<line>: <problem>".
            OSError: The file cannot be read.
        """
        path = Path(path)
        return cls.from_text(path.read_text(encoding="utf-8"), source=str(path), analyzer=analyzer)

    @classmethod
    def from_text(cls, text: str, source: str = "<string>", analyzer: SwedishAnalyzer | None = None) -> Thesaurus:
        """Parses thesaurus text; see :meth:`load` (``source`` names it in errors)."""
        analyzer = analyzer or SwedishAnalyzer(split_compounds=False)
        groups: list[tuple[str, ...]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{source}:{lineno}"
            terms = [" ".join(t.split()) for t in _SEPARATOR.split(line)]
            if len(terms) < 2:
                raise ThesaurusError(f"{where}: expected at least two terms separated by ' = ', got {line!r}")
            if any(not t for t in terms):
                raise ThesaurusError(f"{where}: empty term in {line!r} (check for a doubled or trailing '=')")
            for term in terms:
                if not analyzer.stem_sequence(term):
                    raise ThesaurusError(f"{where}: term {term!r} contains no words")
            groups.append(tuple(dict.fromkeys(terms)))
        return cls(groups, analyzer)

    @classmethod
    def load_current(cls, path: Path | None = None) -> Thesaurus:
        """Loads a thesaurus, re-reading the file only when its mtime or size changed.

        Cheap enough to call on every query, so edits to the file apply to the next query.

        Args:
            path: Thesaurus file; :func:`default_thesaurus_path` when None.

        Returns:
            The current thesaurus.
        """
        path = Path(path or default_thesaurus_path()).resolve()
        stat = path.stat()
        cached = _CACHE.get(path)
        if cached is None or cached[:2] != (stat.st_mtime_ns, stat.st_size):
            cached = (stat.st_mtime_ns, stat.st_size, cls.load(path))
            _CACHE[path] = cached
        return cached[2]

    def _key(self, text: str) -> tuple[str, ...]:
        """Stem sequence of a term or query, hyphenated words split into their parts."""
        return tuple(seg for stem in self.analyzer.stem_sequence(text) for seg in stem.split("-") if seg)

    def matches(self, query: str) -> list[tuple[str, ...]]:
        """Stem sequences of the thesaurus terms in a query, in query order.

        Longer terms are claimed first and matches never overlap.
        """
        seq = self._key(query)
        taken = [False] * len(seq)
        found: list[tuple[int, tuple[str, ...]]] = []
        for size in range(min(self._max_len, len(seq)), 0, -1):
            for start in range(len(seq) - size + 1):
                key = seq[start : start + size]
                if key in self._terms and not any(taken[start : start + size]):
                    taken[start : start + size] = [True] * size
                    found.append((start, key))
        return [key for _, key in sorted(found)]

    def expand(self, query: str) -> list[str]:
        """The extra phrases to add to a query: the other terms of every matched group.

        Args:
            query: The user's query.

        Returns:
            Terms as written in the file, in group order, without duplicates and without
            terms the query already contains (e.g. "NP" -> ["nationella prov", ...]).
        """
        return [term for _, alternatives in self.expand_grouped(query) for term in alternatives]

    def expand_grouped(self, query: str) -> list[tuple[str, list[str]]]:
        """Like :meth:`expand`, kept apart per matched query term: (the term, its extra phrases).

        The term is given as the thesaurus writes it ("AI" for a query that says "ai").
        Search scores each term's phrases together as one synonym set, so that a word with
        many synonyms does not outweigh the other words of the query.
        """
        matched = self.matches(query)
        seen = set(matched)
        out: list[tuple[str, list[str]]] = []
        for key in matched:
            groups = [self.groups[gid] for gid in self._terms[key]]
            # As the file writes it (the last group's spelling; every such group holds the key).
            written = next(t for t in groups[-1] if self._key(t) == key)
            alternatives: list[str] = []
            for term in (t for group in groups for t in group):
                if (term_key := self._key(term)) not in seen:  # also drops inflected repeats
                    seen.add(term_key)
                    alternatives.append(term)
            if alternatives:
                out.append((written, alternatives))
        return out
