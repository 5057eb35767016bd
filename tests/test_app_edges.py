"""Fast AppTest checks of the app at its edges: long and unknown documents, close spellings, filters in the URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import HASH_CONFIG, MINI_CORPUS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LONG = "natverk-c/2022/2022-06-01_natverk-c_protokoll.md"


@pytest.fixture(scope="module")
def edge_store(tmp_path_factory, hash_embedder) -> Path:
    """The mini corpus plus a 100-section document, indexed with the fake embedder."""
    import shutil

    from index.build import ingest

    corpus = tmp_path_factory.mktemp("edges") / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    long_doc = corpus / LONG
    long_doc.parent.mkdir(parents=True)
    long_doc.write_text("# Protokoll – Nätverk C\n\n" + "\n".join(
        f"## {i}. Lokalbokning vecka {i}\nGenomgång av lokalbokningen vecka {i}.\n" for i in range(1, 101)),
        encoding="utf-8")
    store = corpus.parent / "index"
    ingest([corpus], store, HASH_CONFIG, embedder=hash_embedder)
    return store


@pytest.fixture()
def edge_env(monkeypatch, edge_store):
    monkeypatch.setenv("ARKIV_INDEX", str(edge_store))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    return edge_store


def _open_document(query_params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/document.py").run()
    assert not at.exception
    return at


def test_long_document_renders_one_page_of_sections_around_the_hit(edge_env):
    from index.archive import Archive

    archive = Archive.open(edge_env)
    doc = next(d for d in archive.documents if d["path"] == LONG)
    chunk = next(c for c in archive.meta.chunks_of(doc["doc_id"]) if "vecka 75." in c.text)
    at = _open_document({"doc": doc["doc_id"], "chunk": chunk.chunk_id})
    html = "\n".join(m.value for m in at.markdown)
    assert 0 < html.count("class='doc-section") <= 30
    assert "Lokalbokning vecka 75" in html and "doc-section hit" in html
    assert "Lokalbokning vecka 1<" not in html  # the first page is not rendered alongside
    assert at.selectbox(key=f"part-{doc['doc_id']}-{chunk.section_index}").value == 60


def test_unknown_document_says_so_and_offers_a_choice(edge_env):
    at = _open_document({"doc": "finns-inte"})
    assert "finns inte i arkivet" in at.warning[0].value
    assert at.selectbox[0].label == "Välj dokument"


@pytest.mark.parametrize(("query", "expected"), [
    ("skärmtd förskolan", {"skärmtd": "skärmtid"}),
    ("lokalbokningn", {"lokalbokningn": "lokalbokningen"}),
    ("skärmtid nätverk", {}),  # known words, "nätverk" through its compounds: nothing to correct
    ("qqqq", {}),  # nothing close: no suggestion rather than a bad one
])
def test_close_spellings(edge_store, query, expected):
    from app_pages.common import close_spellings
    from index.archive import Archive

    close = close_spellings(Archive.open(edge_store), query)
    assert {word: matches[0] for word, matches in close.items()} == expected


def test_filters_follow_the_url_and_keep_every_change(edge_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = "avtal prov fusk"
    at.query_params["network"] = "natverk-c"
    at.run()
    assert at.sidebar.multiselect(key="network").value == ["natverk-c"]  # the URL's filter
    at.sidebar.multiselect(key="network").unselect("natverk-c").run()
    at.sidebar.multiselect(key="network").select("natverk-a").run()
    at.sidebar.multiselect(key="network").select("natverk-b").run()  # each change kept, none dropped
    assert at.sidebar.multiselect(key="network").value == ["natverk-a", "natverk-b"]
    assert at.query_params["network"] == ["natverk-a", "natverk-b"]
    text = "\n".join(m.value for m in at.markdown)
    assert "natverk-a" in text and "natverk-c" not in text
