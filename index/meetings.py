"""Meeting summaries borrow score from their meeting's own documents.

A yearly overview page sums up each meeting of the year in one section ("Träff 3 – 8
oktober": who presented, what was decided). Such a paragraph names several themes in a few
sentences, so its embedding and its BM25 score are diluted, and it ranks below the
minutes and slides that treat a theme at length, even when the question is answered there
too. So after fusion, a summary section gains a share of the best score that the meeting's
own documents (same network, same day) got among the candidates: the meeting is relevant,
so its summary probably is. Measured in benchmarks/RESULTS.md ("Meeting summaries").
"""

from __future__ import annotations

import numpy as np

from index.archive import Archive


def summary_rows(archive: Archive, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of ``rows`` are meeting summaries (sections of year-only documents dated by their
    heading, ``Archive.section_dates``), and the day each one names ("" for the others)."""
    dated, days = archive.section_dates
    found = np.zeros(len(rows), dtype=bool)
    day = np.full(len(rows), "", dtype="U10")
    if len(dated) and len(rows):
        pos = np.minimum(np.searchsorted(dated, rows), len(dated) - 1)
        found = dated[pos] == rows
        day[found] = days[pos[found]]
    return found, day


def lend_meeting_scores(archive: Archive, ranked: list[tuple[int, float]], weight: float
                        ) -> list[tuple[int, float]]:
    """``ranked`` ((row, score), best first) with each meeting summary's score raised by
    ``weight`` times the best score of a row of its meeting's own documents (a document dated
    to that day, in the same network) in ``ranked``, but to just under that best score at
    most; re-sorted. Other rows, and a summary already above its meeting, keep their score."""
    if weight <= 0 or not ranked:
        return ranked
    rows = np.fromiter((row for row, _ in ranked), dtype=np.int64, count=len(ranked))
    summary, day = summary_rows(archive, rows)
    if not summary.any():
        return ranked
    docs = archive.row_doc[rows]
    best: dict[tuple[str, str], float] = {}
    for (_, score), doc, is_summary in zip(ranked, docs.tolist(), summary.tolist()):
        if is_summary or archive.doc_precision[doc] != "day":
            continue
        meeting = (archive.doc_networks[doc], str(archive.doc_dates[doc]))
        best[meeting] = max(best.get(meeting, score), score)
    lent = []
    for (row, score), doc, is_summary, d in zip(ranked, docs.tolist(), summary.tolist(), day.tolist()):
        lender = best.get((archive.doc_networks[doc], d)) if is_summary else None
        if lender is not None and lender > score:
            # Raised, but never to its meeting's best document, which treats the theme at length.
            score = min(score + weight * lender, float(np.nextafter(lender, -np.inf)))
        lent.append((row, score))
    return sorted(lent, key=lambda item: (-item[1], item[0]))
