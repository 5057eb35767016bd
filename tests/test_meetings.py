"""Meeting summaries (sections of a yearly overview page) borrow score from their meeting."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import archive_of
from index.archive import Archive
from index.meetings import lend_meeting_scores, summary_rows
from index.search import DEFAULT_RANKING, rank_masked

OVERVIEW = "natverk-a/2024/2024_natverk-a_oversikt.html"
FILES = {
    OVERVIEW: "<html><body><main><h1>Nätverksträffar 2024</h1>"
        "<h2>Träff 1 – 20 februari</h2><p>Träffen handlade om skärmtid i förskolan, om kioskläge vid "
        "digitala prov och om personuppgiftsbiträdesavtal med leverantörer av läromedel.</p>"
        "<h2>Träff 2 – 16 maj</h2><p>Programmering i matematikundervisningen på mellanstadiet; lärare "
        "visade exempel med micro:bit och Scratch.</p></main></body></html>",
    "natverk-a/2024/2024-02-20_natverk-a_anteckningar.md": "# Anteckningar\n\n## Kioskläge\n"
        "Tekniktestet visade att Safe Exam Browser och kioskläge måste fungera på elevdatorerna "
        "inför de digitala proven.\n",
    "natverk-b/2024/2024-02-20_natverk-b_anteckningar.md": "# Anteckningar\n\n## Skolbibliotek\n"
        "Skolbiblioteken köper in fler ljudböcker och ordnar bokcirklar för mellanstadiet.\n",
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory, hash_embedder):
    return archive_of(tmp_path_factory.mktemp("meetings"), FILES, hash_embedder)


def _rows(archive: Archive, path: str) -> list[int]:
    doc = next(i for i, d in enumerate(archive.documents) if d["path"] == path)
    return np.where(archive.row_doc == doc)[0].tolist()


def _summary(archive: Archive, heading: str) -> int:
    texts = archive.meta.chunks_by_rows(_rows(archive, OVERVIEW))
    return next(row for row, chunk in texts.items() if chunk.section.startswith(heading))


def test_summary_rows_are_the_dated_sections_of_year_only_pages(archive) -> None:
    rows = np.arange(archive.size)
    found, day = summary_rows(archive, rows)
    first, second = _summary(archive, "Träff 1"), _summary(archive, "Träff 2")
    assert set(rows[found].tolist()) == {first, second}
    assert day[first] == "2024-02-20" and day[second] == "2024-05-16"
    assert set(day[~found].tolist()) == {""}


def test_a_summary_borrows_from_its_own_meeting_only(archive) -> None:
    first, second = _summary(archive, "Träff 1"), _summary(archive, "Träff 2")
    minutes_a = _rows(archive, "natverk-a/2024/2024-02-20_natverk-a_anteckningar.md")[0]
    minutes_b = _rows(archive, "natverk-b/2024/2024-02-20_natverk-b_anteckningar.md")[0]
    ranked = [(minutes_b, 2.0), (minutes_a, 1.0), (second, 0.3), (first, 0.2)]
    lent = dict(lend_meeting_scores(archive, ranked, 0.5))
    assert lent[first] == pytest.approx(0.2 + 0.5 * 1.0)  # natverk-a's minutes of 20 February lend
    assert lent[second] == 0.3  # nothing of 16 May among the candidates
    assert lent[minutes_a] == 1.0 and lent[minutes_b] == 2.0  # same day, other network: no loan
    order = [row for row, _ in lend_meeting_scores(archive, ranked, 0.5)]
    assert order == [minutes_b, minutes_a, first, second]


def test_a_summary_stays_below_its_meeting_and_keeps_a_higher_score(archive) -> None:
    first = _summary(archive, "Träff 1")
    minutes_a = _rows(archive, "natverk-a/2024/2024-02-20_natverk-a_anteckningar.md")[0]
    raised = lend_meeting_scores(archive, [(minutes_a, 1.0), (first, 0.9)], 1.0)
    assert [row for row, _ in raised] == [minutes_a, first] and 0.9 < raised[1][1] < 1.0
    above = lend_meeting_scores(archive, [(first, 1.5), (minutes_a, 1.0)], 1.0)
    assert above == [(first, 1.5), (minutes_a, 1.0)]
    assert lend_meeting_scores(archive, [(minutes_a, 1.0), (first, 0.2)], 0.0) == [(minutes_a, 1.0), (first, 0.2)]


def test_hybrid_search_lends_only_to_summaries(archive) -> None:
    query = "kioskläge Safe Exam Browser elevdatorerna"
    on = dict(rank_masked(archive, query, 100, None, ranking=DEFAULT_RANKING))
    off = dict(rank_masked(archive, query, 100, None, ranking=replace(DEFAULT_RANKING, summary_weight=0.0)))
    first = _summary(archive, "Träff 1")
    assert on[first] > off[first]
    assert {row: s for row, s in on.items() if row != first} == {row: s for row, s in off.items() if row != first}
    assert DEFAULT_RANKING.summary_weight == 0.5 and DEFAULT_RANKING.without_summaries().summary_weight == 0.0
