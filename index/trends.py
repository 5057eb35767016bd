"""Trends over time: how many meetings and sections discuss a theme, per year or per term.

A section (chunk) discusses a theme when it matches the theme lexically or by meaning
(index.theme_match decides, calibrated per theme on the corpus). A meeting (a dated
document) discusses the theme when one of its sections does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from index.archive import Archive, Filters
from index.theme_match import DEFAULT_CALIBRATION, Calibration, ThemeMatch, match_theme
from index.themes import ThemeModel, section_hits
from ingest.errors import ConfigError
from ingest.models import SearchHit

BY = ("year", "term")


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
    rows = np.flatnonzero(archive.row_body & in_range)
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
