"""The opened archive's per-row and per-document arrays: filter masks, period, body rows, term frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from index.archive import Archive, Filters
from ingest.metadata import heading_date
from ingest.models import date_span


@pytest.fixture(scope="module")
def mini(mini_store):
    archive = Archive.open(mini_store)
    yield archive
    archive.close()


def _loop_mask(archive: Archive, filters: Filters) -> np.ndarray:
    """The filter semantics written out row by row (the reference): a document's date stands
    for its day, term or year and is kept when that overlaps the range; a section of a
    year-only document whose heading names its day is kept by that day."""
    chunks = archive.meta.chunks_by_rows(list(range(archive.size)))
    keep = []
    for row in range(archive.size):
        doc = archive.documents[int(archive.row_doc[row])]
        first, last = date_span(doc["date"], doc["date_precision"]) if doc["date"] else ("", "")
        if doc["date"] and doc["date_precision"] == "year":
            day = heading_date(chunks[row].section, doc["date"][:4])
            first, last = (day, day) if day else (first, last)
        keep.append((not filters.date_from or (bool(last) and last >= filters.date_from))
                    and (not filters.date_to or (bool(first) and first <= filters.date_to))
                    and (not filters.networks or doc["network"] in filters.networks)
                    and (not filters.doc_types or doc["doc_type"] in filters.doc_types)
                    and (filters.doc_ids is None or doc["doc_id"] in filters.doc_ids)
                    and doc["doc_id"] not in filters.exclude_doc_ids)
    return np.array(keep, dtype=bool)


def test_filter_mask_matches_the_document_by_document_reference(mini):
    first, second = mini.documents[0]["doc_id"], mini.documents[1]["doc_id"]
    cases = [
        Filters(date_from="2023-06-01"), Filters(date_to="2023-12-31"),
        Filters(date_from="2023-10-05", date_to="2024-02-20"), Filters(date_from="2030-01-01"),
        Filters(date_from="2024-05-01", date_to="2024-12-31"), Filters(date_from="2024-07-01"),
        Filters(networks=("natverk-b",)), Filters(doc_types=("minutes",)),
        Filters(doc_ids=frozenset({first, "not-a-document"})), Filters(doc_ids=frozenset()),
        Filters(exclude_doc_ids=frozenset({first, "not-a-document"})),
        Filters(date_from="2023-01-01", networks=("natverk-a",), exclude_doc_ids=frozenset({second})),
    ]
    for filters in cases:
        np.testing.assert_array_equal(mini.filter_mask(filters), _loop_mask(mini, filters), err_msg=str(filters))
    assert mini.filter_mask(None) is None and mini.filter_mask(Filters()) is None


def test_undated_documents_fall_outside_any_date_filter(mini):
    dates = mini.doc_dates.copy()
    try:
        mini.doc_dates[0] = ""
        mask = mini.filter_mask(Filters(date_from="1900-01-01"))
        assert not mask[mini.row_doc == 0].any() and mask[mini.row_doc != 0].all()
    finally:
        mini.doc_dates[:] = dates


def test_period_and_body_rows(mini):
    dates = sorted(d["date"] for d in mini.documents if d["date"])
    assert mini.period() == (dates[0], dates[-1])
    kinds = [r["kind"] for r in mini.meta.query("SELECT kind FROM chunks ORDER BY row")]
    assert mini.row_body.tolist() == [k == "body" for k in kinds]
    assert "attendance" in kinds  # the mini corpus has attendance lists to leave out


def test_document_frequency_counts_rows_holding_a_token(mini):
    texts = [r["embed_text"] for r in mini.meta.query("SELECT embed_text FROM chunks ORDER BY row")]
    tokens = [set(mini.analyzer.tokens(t)) for t in texts]
    words = ["fusk", "skärmtid", "förskol", "inget-sådant-ord"]
    expected = [sum(w in t for t in tokens) for w in words]
    assert mini.lexical.document_frequency(words).tolist() == expected
    assert expected[0] > 0 and expected[-1] == 0


@pytest.mark.parametrize("typed", ["Welen", "Helena Welén", "anna", "Jonas Ekholm", "Nils Nilsson", ""])
def test_person_filter_equals_the_row_by_row_reference(mini, typed):
    from index.filters import docs_with_person, name_matches

    rows = mini.meta.all_people()
    assert docs_with_person(mini, typed) == frozenset(r["doc_id"] for r in rows if name_matches(typed, r["name"]))


@pytest.mark.parametrize("typed", ["Skolverket", "Kungälv", "kommun", "SKR", "Ingen Organisation"])
def test_organisation_filter_equals_the_row_by_row_reference(mini, typed):
    from index.filters import docs_with_org, org_matches

    rows = mini.meta.all_people()
    wanted = {r["organisation"] for r in rows if r["organisation"] and org_matches(typed, r["organisation"])}
    assert docs_with_org(mini, typed) == frozenset(r["doc_id"] for r in rows if r["organisation"] in wanted)


def test_per_archive_builds_once_per_opened_archive(mini_store):
    import gc

    from index.archive import Archive, per_archive

    built = []

    @per_archive
    def thing(archive):
        built.append(archive)
        return object()

    first, second = Archive.open(mini_store), Archive.open(mini_store)
    assert thing(first) is thing(first) and thing(second) is not thing(first)
    assert len(built) == 2
    del built[:]
    second.close()
    del second
    gc.collect()
    assert thing(first) is not None and built == []  # still cached for the archive that lives
    assert thing.built(first) is thing(first)
    thing.forget(first)
    assert thing.built(first) is None
