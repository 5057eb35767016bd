"""Trends over time: how many meetings and sections discuss a theme, per year or per term.

A section (chunk) discusses a theme when it matches the theme lexically (Swedish analysis
plus the thesaurus, so "ChatGPT" counts for "AI") or when its cosine similarity to the
theme passes a threshold calibrated per theme on the corpus (see :class:`Calibration`).
A meeting (a dated document) discusses the theme when one of its sections does.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.analysis import SwedishAnalyzer
from index.archive import Archive, Filters
from index.phrases import phrase_finder
from index.themes import WORD_RE, ThemeModel, section_hits
from index.thesaurus import Thesaurus
from ingest.errors import ConfigError
from ingest.models import SearchHit

BY = ("year", "term")


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


# --- periods and counts ----------------------------------------------------------------------


def period_of(date: str, by: str) -> str:
    """The period label of an ISO date: "2023", or "VT 2023" (Jan–Jun) / "HT 2023" (Jul–Dec)."""
    if by == "year":
        return date[:4]
    return f"{'VT' if int(date[5:7]) <= 6 else 'HT'} {date[:4]}"


def period_sort_key(period: str) -> tuple[int, int]:
    """Chronological order of period labels ("VT 2023" < "HT 2023" < "2024")."""
    if " " in period:
        term, year = period.split()
        return int(year), 0 if term == "VT" else 1
    return int(period), 0


def all_periods(first: str, last: str, by: str) -> list[str]:
    """Every period from the one holding ``first`` to the one holding ``last`` (ISO dates)."""
    years = range(int(first[:4]), int(last[:4]) + 1)
    labels = [str(y) for y in years] if by == "year" else [f"{t} {y}" for y in years for t in ("VT", "HT")]
    lo, hi = period_sort_key(period_of(first, by)), period_sort_key(period_of(last, by))
    return [p for p in labels if lo <= period_sort_key(p) <= hi]


@dataclass
class TrendPoint:
    """One period of a theme's trend.

    Attributes:
        period: "2023", or "VT 2023" / "HT 2023".
        meetings: Documents with a date in the period (after filters).
        matching_meetings: Those of them with a section that discusses the theme.
        sections: Body sections (chunks) of those documents.
        matching_sections: Sections that discuss the theme.
        doc_ids: The matching meetings, oldest first.
        rows: The matching sections' chunk rows, most similar first.
    """

    period: str
    meetings: int = 0
    matching_meetings: int = 0
    sections: int = 0
    matching_sections: int = 0
    doc_ids: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        """Share of the period's meetings that discuss the theme; None without meetings."""
        return self.matching_meetings / self.meetings if self.meetings else None

    @property
    def section_share(self) -> float | None:
        return self.matching_sections / self.sections if self.sections else None

    def to_json(self) -> dict:
        return {"period": self.period, "meetings": self.meetings, "matching_meetings": self.matching_meetings,
                "share": _round(self.share), "sections": self.sections,
                "matching_sections": self.matching_sections, "section_share": _round(self.section_share)}


@dataclass
class Trend:
    """A theme counted per period.

    Attributes:
        theme: The theme as typed.
        by: "year" or "term".
        points: One per period, oldest first, empty periods included.
        threshold: The calibrated similarity a section needed (inf: semantic side off).
        median: The median similarity of the corpus's sections to the theme.
        phrasings: The words and synonyms matched lexically.
        query: The phrasing embedded for the semantic side.
        slots: The parts a section must all contain lexically, each with its phrasings.
        filters: The filters applied, as JSON.
        took_ms: Time to compute, query embedding included.
        match: The per-section decision behind the counts (not part of the JSON).
        year_only: Documents under the filters dated only by their year (yearly overview
            pages), which per-term counts leave out (0 when counting per year).
    """

    theme: str
    by: str
    points: list[TrendPoint]
    threshold: float
    median: float
    phrasings: list[str]
    query: str = ""
    slots: list[list[str]] = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    took_ms: float = 0.0
    match: ThemeMatch | None = field(default=None, repr=False, compare=False)
    year_only: int = 0

    def point(self, period: str) -> TrendPoint:
        """The point of one period.

        Raises:
            ConfigError: when the trend has no such period.
        """
        for p in self.points:
            if p.period == period:
                return p
        raise ConfigError(f"period {period!r} is not in the trend; use one of "
                          f"{', '.join(p.period for p in self.points) or 'none (no dated meetings)'}")

    def to_json(self) -> dict:
        return {"theme": self.theme, "by": self.by, "threshold": _round(self.threshold),
                "median": _round(self.median), "phrasings": self.phrasings, "query": self.query,
                "slots": self.slots, "filters": self.filters,
                "took_ms": round(self.took_ms, 2), "year_only_left_out": self.year_only,
                "periods": [p.to_json() for p in self.points]}


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 4)


def document_mask(archive: Archive, filters: Filters | None, by: str = "year") -> np.ndarray:
    """Documents that are meetings under the filters: dated, and of the chosen networks and types.

    A document dated only by its year (a yearly overview page) belongs to no term, so it is
    counted per year and left out when counting per term.
    """
    keep = archive.doc_dates != ""
    if by == "term":
        keep &= archive.doc_precision != "year"
    if filters is not None:
        if filters.networks:
            keep &= np.isin(archive.doc_networks, list(filters.networks))
        if filters.doc_types:
            keep &= np.isin(archive.doc_types, list(filters.doc_types))
        if filters.date_from or filters.date_to:
            keep &= archive.date_mask(filters.date_from, filters.date_to)
        if filters.doc_ids is not None:
            keep &= np.array([d["doc_id"] in filters.doc_ids for d in archive.documents], dtype=bool)
        if filters.exclude_doc_ids:
            keep &= np.array([d["doc_id"] not in filters.exclude_doc_ids for d in archive.documents], dtype=bool)
    return keep


def count_periods(archive: Archive, matched: np.ndarray, by: str, filters: Filters | None = None,
                  similarity: np.ndarray | None = None) -> list[TrendPoint]:
    """Meetings and sections per period, and how many of them are ``matched`` (a row mask).

    Args:
        archive: The opened index.
        matched: Boolean mask over chunk rows: the sections that count as discussing.
        by: "year" or "term".
        filters: Restrict the meetings (network, type, dates).
        similarity: Optional per-row score to order each period's matching rows by.
    """
    if by not in BY:
        raise ConfigError(f"unknown period {by!r}; use year or term")
    keep = document_mask(archive, filters, by)
    in_range = keep[archive.row_doc]
    if filters is not None and (filters.date_from or filters.date_to):
        archive.apply_section_dates(in_range, filters.date_from, filters.date_to)
        # A year-only document none of whose sections is left in the period is no meeting of it.
        has_rows = np.zeros(len(archive.documents), dtype=bool)
        has_rows[archive.row_doc[in_range]] = True
        keep &= (archive.doc_precision != "year") | has_rows
    dated = np.flatnonzero(keep)
    if len(dated) == 0:
        return []
    dates = archive.doc_dates[dated]
    unique_dates, inverse = np.unique(dates, return_inverse=True)  # sorted: ISO dates
    labels = all_periods(str(unique_dates[0]), str(unique_dates[-1]), by)
    points = [TrendPoint(p) for p in labels]
    slot = {p: i for i, p in enumerate(labels)}
    doc_period = np.full(len(archive.documents), -1, dtype=np.int64)
    doc_period[dated] = np.array([slot[period_of(str(d), by)] for d in unique_dates.tolist()])[inverse]
    n = len(points)
    rows = np.flatnonzero(archive.row_body & in_range & keep[archive.row_doc])
    hits = rows[matched[rows]]
    if similarity is not None:
        hits = hits[np.argsort(-similarity[hits], kind="stable")]
    hit_docs = archive.row_doc[hits].astype(np.int64)
    hit_period = doc_period[hit_docs]
    docs = np.unique(hit_docs)
    docs = docs[np.lexsort((docs, archive.doc_dates[docs]))]  # oldest first, then in index order
    counts = zip(np.bincount(doc_period[dated], minlength=n).tolist(),
                 np.bincount(doc_period[archive.row_doc[rows]], minlength=n).tolist(),
                 np.bincount(hit_period, minlength=n).tolist(),
                 np.bincount(doc_period[docs], minlength=n).tolist())
    by_period = np.argsort(hit_period, kind="stable")
    row_bounds = np.searchsorted(hit_period[by_period], np.arange(n + 1))
    doc_by_period = np.argsort(doc_period[docs], kind="stable")
    doc_bounds = np.searchsorted(doc_period[docs][doc_by_period], np.arange(n + 1))
    for i, (point, (meetings, sections, matching_sections, matching_meetings)) in enumerate(zip(points, counts)):
        point.meetings, point.sections = meetings, sections
        point.matching_sections, point.matching_meetings = matching_sections, matching_meetings
        point.rows = hits[by_period[row_bounds[i]:row_bounds[i + 1]]].tolist()
        point.doc_ids = [archive.documents[d]["doc_id"] for d in docs[doc_by_period[doc_bounds[i]:doc_bounds[i + 1]]].tolist()]
    return points


def trend(archive: Archive, theme: str, by: str = "year", filters: Filters | None = None,
          calibration: Calibration = DEFAULT_CALIBRATION) -> Trend:
    """How many meetings and sections discuss ``theme`` per year or term.

    Args:
        archive: The opened index.
        theme: Free text: "AI", "nationella prov", "skärmtid i förskolan".
        by: "year" or "term" (VT = January–June, HT = July–December).
        filters: Restrict the meetings counted (network, document type, dates).
        calibration: How the semantic threshold is set.

    Raises:
        ConfigError: for an empty theme or an unknown ``by``.
    """
    started = time.perf_counter()
    if by not in BY:
        raise ConfigError(f"unknown period {by!r}; use year or term")
    match = match_theme(archive, theme, calibration)
    points = count_periods(archive, match.matched, by, filters, match.similarity)
    year_only = (int((document_mask(archive, filters) & (archive.doc_precision == "year")).sum())
                 if by == "term" else 0)
    took = (time.perf_counter() - started) * 1000
    return Trend(match.theme, by, points, match.threshold, match.median, match.phrasings, query=match.query,
                 slots=match.slots, filters=_filters_json(filters), took_ms=took, match=match, year_only=year_only)


def trends(archive: Archive, themes: list[str], by: str = "year", filters: Filters | None = None,
           calibration: Calibration = DEFAULT_CALIBRATION) -> list[Trend]:
    """Several themes side by side (same periods, same filters)."""
    if not themes:
        raise ConfigError("no theme given; name at least one, e.g. \"AI\"")
    return [trend(archive, t, by, filters, calibration) for t in themes]


@dataclass
class ThemeSection:
    """A section that discusses a theme, and why: by its words, by its meaning, or both."""

    hit: SearchHit
    lexical: bool
    semantic: bool

    def to_json(self) -> dict:
        return {**self.hit.to_json(), "lexical": self.lexical, "semantic": self.semantic}


def period_sections(archive: Archive, result: Trend, period: str, limit: int = 50) -> list[ThemeSection]:
    """The sections of one period that discuss the trend's theme, most similar first.

    Each hit's score is the section's cosine similarity to the theme; its snippet marks
    the theme's words and synonyms.

    Raises:
        ConfigError: for a period the trend does not have.
    """
    rows = result.point(period).rows[:limit]
    match = result.match
    scores = [float(match.similarity[r]) if match is not None else 0.0 for r in rows]
    hits = section_hits(archive, rows, scores, " ".join([result.theme, *result.phrasings]))
    return [ThemeSection(hit, bool(match is not None and match.lexical[r]), bool(match is not None and match.semantic[r]))
            for hit, r in zip(hits, rows)]


def theme_trends(archive: Archive, model: ThemeModel, by: str = "year",
                 filters: Filters | None = None) -> dict[int, list[TrendPoint]]:
    """Each automatic theme's meetings and sections per period (the attendance group left out)."""
    closeness = np.zeros(len(model.assignment), dtype=np.float32)
    for theme in model.themes:
        closeness[theme.rows] = -np.arange(len(theme.rows), dtype=np.float32)  # central first
    return {t.theme_id: count_periods(archive, model.mask(t.theme_id), by, filters, closeness)
            for t in model.themes if not t.attendance}


def _filters_json(filters: Filters | None) -> dict:
    if filters is None or not filters.active:
        return {}
    return {k: (sorted(v) if isinstance(v, (frozenset, set)) else list(v) if isinstance(v, tuple) else v)
            for k, v in filters.__dict__.items() if v}
