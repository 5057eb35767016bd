"""The people directory written at build time (generation format 2), older generations, and similar
discussions without whole-archive structures."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3

import pytest

import index.themes as themes
from index.archive import Archive
from index.build import ingest
from index.directory import PeopleDirectory
from index.people import _DIRECTORIES, find_people, people_directory, person_profile
from index.search import search
from index.similar import similar_to_chunk, similar_to_document, similar_to_text
from index.storage import GENERATION_FORMAT, current_generation

from conftest import HASH_CONFIG, MINI_CORPUS


@pytest.fixture(scope="module")
def mini(mini_store):
    archive = Archive.open(mini_store)
    yield archive
    archive.close()


def test_the_stored_directory_equals_the_one_built_in_memory(mini):
    assert mini.manifest.format == GENERATION_FORMAT
    stored = PeopleDirectory.load(mini.meta)
    built = PeopleDirectory([dict(r) for r in mini.meta.all_people()])
    assert stored.records == built.records and stored.records
    doc_ids = [d["doc_id"] for d in mini.documents]
    key = lambda r: (r["doc_id"], r["name"], r["role"], r["section"])  # noqa: E731 - a sort key
    for doc_id, rows in built.rows_of_documents(doc_ids).items():
        assert sorted(stored.rows_of_documents(doc_ids)[doc_id], key=key) == sorted(rows, key=key)
    for person in built.records:
        assert sorted(stored.rows_of(person), key=key) == sorted(built.rows_of(person), key=key)
        assert stored.matching(stored.name(person))[0] == person


def test_people_queries_leave_whole_archive_structures_alone(mini):
    _DIRECTORIES.pop(mini, None)
    found = find_people(mini, "digitala nationella prov", k=3)
    assert found[0].name == "Helena Welén"
    directory = people_directory(mini)
    assert directory._meta is mini.meta and not directory._by_doc  # rows come from SQLite on demand


def _format_1_copy(store, tmp_path):
    """A copy of a store whose generation looks as an older version wrote it (no persons table)."""
    copy = tmp_path / "old"
    shutil.copytree(store, copy)
    gen = current_generation(copy)
    manifest = json.loads((gen / "manifest.json").read_text())
    del manifest["format"]
    (gen / "manifest.json").write_text(json.dumps(manifest))
    con = sqlite3.connect(gen / "meta.sqlite")
    con.execute("DROP TABLE persons")
    con.commit()
    con.close()
    return copy


def test_an_older_generation_still_answers_and_the_next_ingest_upgrades_it(mini_store, mini, tmp_path,
                                                                          hash_embedder):
    old = _format_1_copy(mini_store, tmp_path)
    archive = Archive.open(old, hash_embedder)
    assert archive.manifest.format == 1
    expected = [p.to_json() for p in find_people(mini, "ChatGPT och fusk", k=5)]
    assert [p.to_json() for p in find_people(archive, "ChatGPT och fusk", k=5)] == expected
    assert person_profile(archive, "Welen").to_json() == person_profile(mini, "Welen").to_json()
    archive.close()
    report = ingest([MINI_CORPUS], old, HASH_CONFIG, embedder=hash_embedder)
    assert report.published and report.embedded == 0 and not report.changed
    upgraded = Archive.open(old, hash_embedder)
    assert upgraded.manifest.format == GENERATION_FORMAT
    assert [p.to_json() for p in find_people(upgraded, "ChatGPT och fusk", k=5)] == expected
    upgraded.close()
    again = ingest([MINI_CORPUS], old, HASH_CONFIG, embedder=hash_embedder)
    assert not again.published  # the current format with nothing changed: no work


def test_similar_discussions_need_no_term_index_of_every_chunk(mini):
    themes.term_index.forget(mini)
    hit = search(mini, "ChatGPT och fusk", k=1).hits[0]
    results = [similar_to_chunk(mini, hit.chunk_id, k=3), similar_to_document(mini, hit.doc_id, k=3),
               similar_to_text(mini, "ChatGPT och fusk", k=3)]
    assert all(r.hits for r in results)
    assert themes.term_index.built(mini) is None


def test_similar_discussions_through_an_approximate_vector_index(mini):
    """With ivf_sq8 the candidates come from the FAISS index (the source's document filtered out)."""
    from index.vectors import VectorIndex

    exact = similar_to_chunk(mini, search(mini, "skärmtid i förskolan", k=1).hits[0].chunk_id, k=4)
    flat = mini.vectors
    try:
        mini.vectors = VectorIndex.build(mini.vectors.vectors, "ivf_sq8")
        approximate = similar_to_chunk(mini, exact.source.ref, k=4)
    finally:
        mini.vectors = flat
    assert [h.hit.doc_id for h in approximate.hits] == [h.hit.doc_id for h in exact.hits]
    assert exact.source.doc_id not in {h.hit.doc_id for h in approximate.hits}
    assert [h.shared_terms for h in approximate.hits] == [h.shared_terms for h in exact.hits]
    assert dataclasses.asdict(approximate.source) == dataclasses.asdict(exact.source)
