"""Ingest a fixture folder, search it, and re-ingest incrementally."""

from __future__ import annotations

import shutil

import pytest

from index.archive import Archive
from index.build import ingest
from index.filters import make_filters
from index.search import search
from ingest.config import IngestConfig
from ingest.errors import ArchiveIndexError, ConfigError
from ingest.embedding import HashEmbedder

from conftest import HASH_CONFIG


def test_known_answer_comes_first(mini_store):
    archive = Archive.open(mini_store)
    result = search(archive, "Safe Exam Browser tekniktest provplattformen", k=3)
    assert result.hits[0].path == "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"
    assert result.hits[0].date == "2023-03-14"
    assert result.hits[0].doc_type == "minutes"
    assert "**" in result.hits[0].snippet  # query words are marked


def test_every_file_lands_and_cp1252_is_decoded(mini_store):
    archive = Archive.open(mini_store)
    stats = archive.stats()
    assert stats["documents"] == 5
    assert stats["skipped"] == []
    result = search(archive, "studieresa Lerum Chromebooks", k=1, method="bm25")
    assert "årskurs" in result.hits[0].text


def test_html_overview_keeps_main_text_only(mini_store):
    archive = Archive.open(mini_store)
    doc_id = next(d["doc_id"] for d in archive.documents if d["path"].endswith(".html"))
    text = " ".join(s.heading + " " + s.text for s in archive.meta.document(doc_id).sections)
    assert "micro:bit" in text
    assert "kakor" not in text and "Box 123" not in text and "Startsida" not in text


def test_filters_apply_before_ranking(mini_store):
    archive = Archive.open(mini_store)
    filters = make_filters(archive, networks=["natverk-b"])
    result = search(archive, "digitala nationella prov", k=10, filters=filters)
    assert result.hits and all(h.network == "natverk-b" for h in result.hits)
    by_year = search(archive, "anteckningar", k=10, filters=make_filters(archive, date_from="2024", date_to="2024"))
    assert by_year.hits and all(h.date.startswith("2024") for h in by_year.hits)


def test_collapse_groups_hits_of_one_document(mini_store):
    archive = Archive.open(mini_store)
    collapsed = search(archive, "skärmtid förskolan avtal", k=10)
    assert len({h.doc_id for h in collapsed.hits}) == len(collapsed.hits)
    flat = search(archive, "skärmtid förskolan avtal", k=10, collapse=False)
    assert len(flat.hits) >= len(collapsed.hits)


def test_incremental_ingest(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    first = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert len(first.added) == 5 and first.published
    ids_before = {d["path"]: d["doc_id"] for d in Archive.open(store).documents}

    again = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert not again.changed and not again.published and again.unchanged == 5 and again.embedded == 0

    changed = corpus_copy / "natverk-a" / "2023" / "2023-10-05_natverk-a_anteckningar.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n## 3. Nytt\nTillägg om lärplattformen.\n",
                       encoding="utf-8")
    (corpus_copy / "natverk-b" / "2024" / "2024_natverk-b_oversikt.html").unlink()
    moved = corpus_copy / "natverk-b" / "2024" / "2024-02-20_natverk-b_anteckningar.txt"
    shutil.move(moved, corpus_copy / "natverk-b" / "flyttad.txt")
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert report.updated == ["natverk-a/2023/2023-10-05_natverk-a_anteckningar.md"]
    assert sorted(report.removed) == ["natverk-b/2024/2024-02-20_natverk-b_anteckningar.txt",
                                      "natverk-b/2024/2024_natverk-b_oversikt.html"]
    assert report.added == ["natverk-b/flyttad.txt"]
    assert report.cached >= 2  # the moved file's chunks came from the embedding cache
    archive = Archive.open(store)
    ids_after = {d["path"]: d["doc_id"] for d in archive.documents}
    for path, doc_id in ids_before.items():
        if path in ids_after:
            assert ids_after[path] == doc_id
    assert search(archive, "lärplattformen tillägg", k=1, method="bm25").hits[0].path.endswith("10-05_natverk-a_anteckningar.md")


def test_opening_with_another_embedder_names_both(mini_store):
    class Other(HashEmbedder):
        name = "sentence-transformers:other"

    with pytest.raises(ArchiveIndexError) as err:
        Archive.open(mini_store, Other())
    assert "hash" in str(err.value) and "sentence-transformers:other" in str(err.value)
    assert "arkiv rebuild" in str(err.value)


def test_ingest_with_another_embedder_refuses(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    with pytest.raises(ArchiveIndexError, match="rebuild"):
        ingest([corpus_copy], store, IngestConfig(embedder="sentence-transformers:x"), embedder=hash_embedder)


def test_missing_index_message(tmp_path):
    with pytest.raises(ArchiveIndexError, match="arkiv ingest"):
        Archive.open(tmp_path / "nothing")


@pytest.mark.parametrize("query,k,message", [("", 5, "empty"), ("prov", 0, "k of 0")])
def test_search_argument_errors(mini_store, query, k, message):
    with pytest.raises(ConfigError, match=message):
        search(Archive.open(mini_store), query, k=k)


def test_near_identical_passages_fold_into_one_result(corpus_copy, tmp_path, hash_embedder):
    slide = ("Förslag: gemensamma utgångspunkter för generativ AI i skolan. Eleverna får använda AI-verktyg "
             "när läraren har sagt det. Skrivuppgifter som bedöms görs i första hand på lektionstid.")
    (corpus_copy / "natverk-a" / "2023" / "2023-11-01_natverk-a_presentation.md").write_text(
        f"# AI-presentation\n\n## Gemensamma utgångspunkter\n{slide}\n", encoding="utf-8")
    (corpus_copy / "natverk-b" / "2024" / "2024-01-10_natverk-b_anteckningar.md").write_text(
        f"# Anteckningar Nätverk B\n\n## 3. AI i skolan\n{slide}\n", encoding="utf-8")
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    result = search(Archive.open(store), "gemensamma utgångspunkter generativ AI lektionstid", k=5)
    first = result.hits[0]
    assert first.path.endswith(("2023-11-01_natverk-a_presentation.md", "2024-01-10_natverk-b_anteckningar.md"))
    assert len(first.sources) == 1
    twin = first.sources[0]["path"]
    assert twin != first.path and twin.endswith(("presentation.md", "2024-01-10_natverk-b_anteckningar.md"))
    assert twin not in [h.path for h in result.hits]
    assert first.to_json()["sources"][0]["date"] in ("2023-11-01", "2024-01-10")
