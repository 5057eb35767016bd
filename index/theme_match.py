"""Whether a section discusses a theme: by its words (Swedish analysis plus the thesaurus, so
"ChatGPT" counts for "AI") or by its meaning (cosine similarity to the theme above a
threshold calibrated per theme on the corpus; see :class:`Calibration`).

index.trends counts the matching sections and meetings per period.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.archive import Archive
from index.phrases import phrase_finder
from index.themes import WORD_RE
from index.thesaurus import Thesaurus
from ingest.errors import ConfigError


@dataclass(frozen=True)
class Calibration:
    """How a section is judged to discuss a theme by meaning alone.

    Two choices are made per theme, from the corpus itself:

    1. The query. The theme and each thesaurus phrasing of it ("DNP", "digitala
       nationella prov", ...) are embedded as e5 queries; the one whose similarities put
       the theme's lexical matches furthest above the median of all sections is used
       (e5 knows "AI" but not "DNP"). Without lexical matches the theme as typed is used.
    2. The threshold. The cosine similarities of all body sections to that query are
       computed; a section passes when it is ``margin`` above their median. With e5 the
       median is the theme's background similarity (0.78–0.86 depending on the words)
       and the spread is narrow, so a margin in cosine units separates discussion from
       background; a z-score does not (a theme that fills a quarter of the corpus widens
       its own spread; one never discussed still has a tail above z = 3).

    Measured on corpus/ (tests/test_trends.py, test_calibration_margin_sweep): with margin
    0.05 all 24 trend facts hold, and so from 0.04 up; at 0.03 three fail (AI "appears" in
    2021, the pandemic in 2022–2023, screen time in 2021–2022). For the ten fact themes
    meaning alone adds 164 sections to the lexical matches at 0.03, 87 at 0.04, 59 at
    0.05, 34 at 0.06 and 10 at 0.07; read at 0.05, all but two to three discuss the theme
    (DNP, GDPR and NIS2 slides that never name it). For six themes the corpus never
    discusses (kärnkraft, fotboll, idrott, budget, ...) no section reaches +0.045.

    Attributes:
        margin: Cosine similarity above the median a section needs; None turns the
            semantic side off (lexical matching only).
        choose_phrasing: Pick the best-separating thesaurus phrasing as the query
            (step 1); False embeds the theme as typed.
    """

    margin: float | None = 0.05
    choose_phrasing: bool = True

    def __post_init__(self) -> None:
        if self.margin is not None and not 0 < self.margin < 1:
            raise ConfigError(f"calibration margin {self.margin} must be between 0 and 1 (cosine units)")


DEFAULT_CALIBRATION = Calibration()


def current_thesaurus() -> Thesaurus:
    """The thesaurus in use: $ARKIV_THESAURUS, else index/data/thesaurus.txt (re-read on change)."""
    path = os.environ.get("ARKIV_THESAURUS")
    return Thesaurus.load_current(Path(path) if path else None)


# --- lexical matching -----------------------------------------------------------------------


def theme_slots(theme: str, thesaurus: Thesaurus) -> list[list[str]]:
    """The parts of a theme, each with its interchangeable phrasings.

    A thesaurus term in the theme becomes one slot holding its whole group ("AI" ->
    ["AI", "artificiell intelligens", "ChatGPT", ...]); the theme's remaining words
    (stop words aside) form one more slot, matched as a phrase. A section matches the
    theme when every slot matches: "AI i undervisningen" needs an AI phrasing and
    "undervisning"; "skärmtid i förskolan" needs both thesaurus terms.
    """
    def key(text: str) -> tuple[str, ...]:
        return tuple(s for stem in thesaurus.analyzer.stem_sequence(text) for s in stem.split("-") if s)

    seq = key(theme)
    words = [seg for raw in WORD_RE.findall(theme) for piece in SwedishAnalyzer._colon_pieces(raw)
             for seg in piece.split("-") if seg]
    matches = thesaurus.matches(theme)
    if not matches or len(words) != len(seq):
        return [[theme]]
    taken = [False] * len(seq)
    slots: list[list[str]] = []
    for matched in matches:
        size = len(matched)
        start = next(i for i in range(len(seq) - size + 1)
                     if seq[i:i + size] == matched and not any(taken[i:i + size]))
        taken[start:start + size] = [True] * size
        group = next(g for g in thesaurus.groups if any(key(t) == matched for t in g))
        slots.append(list(dict.fromkeys([" ".join(words[start:start + size]), *group])))
    stop = thesaurus.analyzer.stopwords
    rest = [w for w, t in zip(words, taken) if not t and w.lower() not in stop]
    if rest:
        slots.append([" ".join(rest)])
    return slots


def _phrase_heads(phrase: str, archive: Archive) -> list[str]:
    """Each word's own analysed stem; hyphenated words count as separate words."""
    heads = []
    for word in WORD_RE.findall(phrase):
        for piece in word.split("-"):
            tokens = archive.analyzer.tokens(piece)
            if tokens:
                heads.append(tokens[0])
    return heads


def lexical_mask(archive: Archive, theme: str, thesaurus: Thesaurus | None = None) -> tuple[np.ndarray, list[str]]:
    """Chunk rows that match the theme by words, and the phrasings that were looked for."""
    finder = phrase_finder(archive)
    slots = theme_slots(theme, thesaurus or current_thesaurus())
    mask = np.ones(archive.size, dtype=bool)
    for slot in slots:
        hit = np.zeros(archive.size, dtype=bool)
        for phrase in slot:
            hit[finder.rows(_phrase_heads(phrase, archive))] = True
        mask &= hit
    return mask, [p for slot in slots for p in slot]


# --- semantic matching and the combined decision -------------------------------------------


@dataclass
class ThemeMatch:
    """Which chunk rows discuss one theme, and why.

    Attributes:
        theme: The theme as typed.
        similarity: Cosine similarity of every row to the theme.
        threshold: The calibrated similarity a row needs (inf when the semantic side is off).
        median: The median similarity of body rows, the threshold's base.
        semantic: Rows at or above the threshold.
        lexical: Rows holding a phrasing of the theme.
        phrasings: The phrasings looked for (the theme and its thesaurus group).
        body: Rows that are discussion (attendance lists never discuss a theme).
        query: The phrasing whose embedding was compared (see :class:`Calibration`).
        slots: The parts a section must all contain, each with its phrasings (theme_slots).
    """

    theme: str
    similarity: np.ndarray
    threshold: float
    median: float
    semantic: np.ndarray
    lexical: np.ndarray
    phrasings: list[str]
    body: np.ndarray
    query: str = ""
    slots: list[list[str]] = field(default_factory=list)

    @property
    def matched(self) -> np.ndarray:
        """Rows that discuss the theme: lexically or semantically, body text only."""
        return (self.semantic | self.lexical) & self.body


_QUERY_CACHE: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_QUERY_CACHE_SIZE = 512
_QUERY_LOCK = threading.Lock()


def query_vector(archive: Archive, text: str) -> np.ndarray:
    """The embedder's query vector for a text, remembered (the app recounts on every click)."""
    key = (archive.manifest.embedder, text)
    with _QUERY_LOCK:
        if key in _QUERY_CACHE:
            _QUERY_CACHE.move_to_end(key)
            return _QUERY_CACHE[key]
    vector = np.asarray(archive.embedder.embed_query(text), dtype=np.float32)
    with _QUERY_LOCK:
        _QUERY_CACHE[key] = vector
        while len(_QUERY_CACHE) > _QUERY_CACHE_SIZE:
            _QUERY_CACHE.popitem(last=False)
    return vector


def choose_query(archive: Archive, theme: str, phrasings: list[str], lexical: np.ndarray,
                 body: np.ndarray) -> tuple[str, np.ndarray]:
    """The phrasing to embed and its similarity to every row (step 1 of :class:`Calibration`).

    Returns:
        (phrasing, cosine similarity per chunk row); vectors are normalised, so the inner
        product is the cosine.
    """
    candidates = list(dict.fromkeys([theme, *phrasings]))
    positives = lexical & body
    texts = candidates if positives.any() else [theme]
    best: tuple[float, str, np.ndarray] | None = None
    for text, sims in zip(texts, archive.vectors.similarities_many([query_vector(archive, t) for t in texts])):
        separation = float(np.median(sims[positives]) - np.median(sims[body])) if positives.any() else 0.0
        if best is None or separation > best[0]:
            best = (separation, text, sims)
    return best[1], best[2]


def match_theme(archive: Archive, theme: str, calibration: Calibration = DEFAULT_CALIBRATION) -> ThemeMatch:
    """Decide for every chunk row whether it discusses ``theme``.

    Raises:
        ConfigError: for an empty theme.
    """
    theme = theme.strip()
    if not theme:
        raise ConfigError("the theme is empty; type a word or phrase such as \"AI\" or \"nationella prov\"")
    thesaurus = current_thesaurus()
    lexical, phrasings = lexical_mask(archive, theme, thesaurus)
    row_body = archive.row_body
    body = row_body if row_body.any() else np.ones(archive.size, dtype=bool)
    if archive.size == 0:
        return ThemeMatch(theme, np.zeros(0, dtype=np.float32), float("inf"), 0.0, np.zeros(0, dtype=bool),
                          lexical, phrasings, row_body, theme, theme_slots(theme, thesaurus))
    slots = theme_slots(theme, thesaurus)
    candidates = phrasings if calibration.choose_phrasing and len(slots) == 1 else []
    query, sims = choose_query(archive, theme, candidates, lexical, body)
    median = float(np.median(sims[body]))
    threshold = median + calibration.margin if calibration.margin is not None else float("inf")
    return ThemeMatch(theme, sims, threshold, median, sims >= threshold, lexical, phrasings, row_body, query, slots)
