"""Filters: tolerant people and organisations, query dates, phrases, and k hits under filters."""

from __future__ import annotations

import shutil

import pytest

from index.archive import Archive, Filters
from index.filters import (docs_with_org, docs_with_person, edit_distance, make_filters, name_matches, org_matches,
                           phrase_mask, with_query_dates)
from index.query import understand_query
from index.search import search

from conftest import HASH_CONFIG, MINI_CORPUS

MARCH = "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"
OCTOBER = "natverk-a/2023/2023-10-05_natverk-a_anteckningar.md"
FEBRUARY = "natverk-b/2024/2024-02-20_natverk-b_anteckningar.txt"
APRIL = "natverk-b/2024/2024-04-11_natverk-b_anteckning_studieresa.txt"
OVERVIEW = "natverk-b/2024/2024_natverk-b_oversikt.html"  # dated only by its year


@pytest.mark.parametrize(("typed", "name", "expected"), [
    ("Welen", "Helena Welén", True),
    ("helena welen", "Helena Welén", True),
    ("Helena Welin", "Helena Welén", True),  # one typo in five letters
    ("Hellena", "Helena Welén", True),
    ("Wleen", "Helena Welén", True),  # swapped neighbours
    ("Hel", "Helena Welén", True),  # a prefix of three letters
    ("Sjöberg", "Linda Öberg", False),  # two edits in seven letters is another name
    ("Lind", "Anna Lund", False),  # no typos forgiven below five letters
    ("Helena Berg", "Helena Welén", False),  # every typed word must match
    ("", "Helena Welén", False),
])
def test_name_matches(typed, name, expected):
    assert name_matches(typed, name) is expected


@pytest.mark.parametrize(("typed", "organisation", "expected"), [
    ("Kungälv", "Kungälvs kommun", True),
    ("kungalv", "Kungälvs kommun", True),
    ("Molndal", "Mölndals stad", True),
    ("Kungsbaka", "Kungsbacka kommun", True),  # the gazetteer's one-letter typo
    ("SKR", "Sveriges Kommuner och Regioner", True),  # an abbreviation the gazetteer knows
    ("Skolverket", "Skolverket", True),
    ("Ale", "Alingsås kommun", False),
    ("Kungälv", "Kungsbacka kommun", False),
])
def test_org_matches(typed, organisation, expected):
    assert org_matches(typed, organisation) is expected


def test_edit_distance():
    assert edit_distance("welen", "welen") == 0
    assert edit_distance("welin", "welen") == 1
    assert edit_distance("wleen", "welen") == 1
    assert edit_distance("sjoberg", "oberg", limit=1) == 2  # capped at limit + 1


def _paths(archive: Archive, doc_ids: frozenset[str]) -> set[str]:
    return {d["path"] for d in archive.documents if d["doc_id"] in doc_ids}


@pytest.mark.parametrize(("person", "paths"), [
    ("Helena Welén", {MARCH}),
    ("Welen", {MARCH}),
    ("helena welin", {MARCH}),
    ("Jonas", {OCTOBER}),
    ("Sara Okafor", {FEBRUARY}),
    ("Nils Nilsson", set()),
])
def test_person_filter_is_tolerant(mini_store, person, paths):
    archive = Archive.open(mini_store)
    assert _paths(archive, docs_with_person(archive, person)) == paths


@pytest.mark.parametrize(("org", "paths"), [
    ("Kungälv", {MARCH}),
    ("Molndal", {MARCH}),
    ("SKR", {FEBRUARY}),
    ("Göteborgs universitet", {OCTOBER}),
    ("Mälardalens högskola", {FEBRUARY}),  # the university's former name, via the gazetteer
    ("Umeå", set()),
])
def test_org_filter_is_tolerant(mini_store, org, paths):
    archive = Archive.open(mini_store)
    assert _paths(archive, docs_with_org(archive, org)) == paths


def test_person_and_org_filters_search(mini_store):
    archive = Archive.open(mini_store)
    result = search(archive, "prov", k=10, filters=make_filters(archive, person="Welen", org="Molndal"))
    assert [h.path for h in result.hits] == [MARCH]
    assert not search(archive, "prov", k=10, filters=make_filters(archive, person="Welen", org="SKR")).hits


@pytest.mark.parametrize(("given", "query", "expected"), [
    (None, "AI 2024", ("2024-01-01", "2024-12-31")),
    (Filters("2023-06-01", "2024-03-31"), "AI 2024", ("2024-01-01", "2024-03-31")),
    (Filters("2023-06-01", None), "AI före 2025", ("2023-06-01", "2024-12-31")),
    (Filters("2023-06-01", "2024-03-31"), "AI", ("2023-06-01", "2024-03-31")),
    (None, "AI", None),
])
def test_query_dates_intersect_the_filters(given, query, expected):
    filters = with_query_dates(given, understand_query(query))
    assert (None if filters is None else (filters.date_from, filters.date_to)) == expected


def test_phrase_mask(mini_store):
    archive = Archive.open(mini_store)
    assert phrase_mask(archive, []) is None
    mask = phrase_mask(archive, ["SAFE  exam browser"])  # case and spacing do not matter
    rows = [r for r in range(archive.size) if mask[r]]
    texts = archive.meta.chunks_by_rows(rows)
    assert rows and all("safe exam browser" in c.text.lower() for c in texts.values())


@pytest.fixture(scope="module")
def big_doc_store(tmp_path_factory, hash_embedder):
    """The mini corpus plus a minutes file of 150 sections that all match one query."""
    from index.build import ingest

    corpus = tmp_path_factory.mktemp("bigdoc") / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    big = corpus / "natverk-a" / "2023" / "2023-06-01_natverk-a_protokoll.md"
    big.write_text("# Protokoll – Nätverk A\n\nDatum: 2023-06-01\n\n" + "\n".join(
        f"## {i}. Lokalbokning vecka {i}\nLokalbokning och lokalbokningens schema vecka {i}.\n"
        for i in range(1, 151)), encoding="utf-8")
    store = corpus.parent / "index"
    ingest([corpus], store, HASH_CONFIG, embedder=hash_embedder)
    return store


def test_filtered_search_still_returns_k_hits(big_doc_store):
    archive = Archive.open(big_doc_store)
    assert archive.size > 150
    # The big document fills the first 100+ candidates; the search must look deeper for k documents.
    result = search(archive, "lokalbokning schema", k=5)
    assert len({h.doc_id for h in result.hits}) == 5
    filtered = search(archive, "lokalbokning schema", k=3, filters=make_filters(archive, networks=["natverk-a"]))
    assert len(filtered.hits) == 3 and all(h.network == "natverk-a" for h in filtered.hits)
    by_type = search(archive, "lokalbokning schema", k=10, filters=make_filters(archive, doc_types=["minutes"]))
    minutes = [d for d in archive.documents if d["doc_type"] == "minutes"]
    assert len(by_type.hits) == len(minutes)  # fewer than k exist: all of them


def _kept(archive: Archive, filters: Filters) -> set[str]:
    mask = archive.filter_mask(filters)
    return {archive.documents[int(archive.row_doc[r])]["path"] for r in range(archive.size) if mask[r]}


@pytest.mark.parametrize(("filters", "expected"), [
    # The overview page is dated only by its year; its sections name their meetings' days
    # ("Träff 1 – 20 februari", "Träff 2 – 16 maj") and are kept by those days.
    (Filters("2024-07-01", "2024-12-31"), set()),
    (Filters("2024-05-01", "2024-05-31"), {OVERVIEW}),
    (Filters("2024-04-01", "2024-04-30"), {APRIL}),
    (Filters("2024-02-20", "2024-02-20"), {FEBRUARY, OVERVIEW}),
    (Filters("2024-01-01", "2024-06-30"), {FEBRUARY, APRIL, OVERVIEW}),
    (Filters(None, "2023-12-31"), {MARCH, OCTOBER}),
    (Filters("2025-01-01", None), set()),
])
def test_date_filters_keep_what_overlaps(mini_store, filters, expected):
    archive = Archive.open(mini_store)
    overview = next(d for d in archive.documents if d["path"] == OVERVIEW)
    assert (overview["date"], overview["date_precision"]) == ("2024-01-01", "year")
    assert _kept(archive, filters) == expected


def test_a_year_only_document_is_kept_by_overlap_and_its_dated_sections_by_their_day(mini_store):
    archive = Archive.open(mini_store)
    spring = archive.filter_mask(Filters("2024-05-01", "2024-05-31"))
    kept = archive.meta.chunks_by_rows([r for r in range(archive.size) if spring[r]])
    assert {c.section for c in kept.values()} == {"Träff 2 – 16 maj"}
    doc = archive.doc_pos[next(d["doc_id"] for d in archive.documents if d["path"] == OVERVIEW)]
    assert archive.date_mask("2024-07-01", "2024-12-31")[doc]  # the document's year overlaps


def test_a_term_in_the_query_finds_year_only_pages_and_shows_their_year(mini_store):
    archive = Archive.open(mini_store)
    result = search(archive, "programmering vt 2024", k=10)
    assert result.hits and result.hits[0].path == OVERVIEW
    assert result.hits[0].section == "Träff 2 – 16 maj"
    assert (result.hits[0].date_label, result.hits[0].to_json()["date_precision"]) == ("2024", "year")
    assert OVERVIEW not in {h.path for h in search(archive, "programmering ht 2024", k=10).hits}


def test_stores_without_the_precision_column_imply_it(mini_store, tmp_path):
    """An index written before date precisions existed (format 2) still opens: a term date is a
    term, a file name's year alone (1 January, no full date in the name) is a year."""
    import sqlite3

    old = tmp_path / "index"
    shutil.copytree(mini_store, old)
    for meta in old.glob("gen-*/meta.sqlite"):
        con = sqlite3.connect(meta)
        con.execute("ALTER TABLE documents DROP COLUMN date_precision")
        con.commit()
        con.close()
    archive = Archive.open(old)
    precision = {d["path"]: d["date_precision"] for d in archive.documents}
    assert precision[OVERVIEW] == "year"
    assert {p for p, v in precision.items() if v == "day"} == {MARCH, OCTOBER, FEBRUARY, APRIL}
    assert _kept(archive, Filters("2024-05-01", "2024-05-31")) == {OVERVIEW}
    doc_id = next(d["doc_id"] for d in archive.documents if d["path"] == OVERVIEW)
    assert archive.meta.document(doc_id).date_label == "2024"
