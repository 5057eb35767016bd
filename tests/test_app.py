"""Fast checks of the Streamlit pages with AppTest (the browser tests drive the real app)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from conftest import markdown_of, search_page

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_search_page_shows_results(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Sök i arkivet"
    box = next(t for t in at.text_input if t.label == "Sökfråga")
    box.input("Safe Exam Browser tekniktest").run()
    assert not at.exception
    text = markdown_of(at)
    assert "Anteckningar – Nätverk A" in text
    assert "<mark>" in text  # query words are highlighted
    assert at.query_params["q"] == "Safe Exam Browser tekniktest"


def test_query_in_url_runs_the_search(app_env):
    assert "natverk-b" in markdown_of(search_page("skärmtid förskolan"))


def test_a_year_only_page_shows_its_year_not_1_january(app_env):
    text = markdown_of(search_page("programmering vt 2024"))
    assert "2024 · Översikt · natverk-b" in text and "2024-01-01" not in text


def test_empty_query_gives_guidance(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "Skriv en sökfråga" in markdown_of(at)


def test_filter_by_network(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = "avtal prov fusk"
    at.run()
    at.sidebar.multiselect[0].select("natverk-a").run()
    text = markdown_of(at)
    assert "natverk-a" in text and "natverk-b" not in text


def test_document_view_escapes_text_and_marks_hit(app_env, mini_store):
    from index.archive import Archive

    archive = Archive.open(mini_store)
    doc = next(d for d in archive.documents if d["path"].endswith("2023-10-05_natverk-a_anteckningar.md"))
    chunk = archive.meta.chunks_of(doc["doc_id"])[0]
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["doc"] = doc["doc_id"]
    at.query_params["chunk"] = chunk.chunk_id
    at.run()
    at.switch_page("app_pages/document.py").run()
    assert not at.exception
    assert at.title[0].value == doc["title"]
    text = markdown_of(at)
    assert "doc-section hit" in text
    assert "Ladda ned originalfilen" in [b.label for b in at.get("download_button")]


def test_missing_index_builds_it_with_progress(monkeypatch, tmp_path):
    from conftest import MINI_CORPUS

    monkeypatch.setenv("ARKIV_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("ARKIV_CORPUS", str(MINI_CORPUS))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert (tmp_path / "index" / "CURRENT").exists()


def test_about_page_lists_status(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("app_pages/about.py").run()
    assert not at.exception
    assert at.title[0].value == "Om arkivet"
    assert [m.value for m in at.metric][:1] == ["5"]


def test_result_cards_link_speakers_and_results_download(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = "Safe Exam Browser tekniktest"
    at.run()
    assert not at.exception
    links = [(link.proto.label, link.proto.query_string) for link in at.get("page_link")]
    assert ("Helena Welén", "person=Helena+Wel%C3%A9n") in links
    labels = [b.label for b in at.get("download_button")]
    assert "Ladda ned träffarna (CSV)" in labels and "Ladda ned träffarna (JSON)" in labels


def test_people_page_lists_presenters_with_downloads(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("app_pages/people.py")
    at.query_params["q"] = "Safe Exam Browser tekniktest"
    at.run()
    assert not at.exception
    assert "Helena Welén" in markdown_of(at) + " ".join(link.proto.label for link in at.get("page_link"))
    assert "Ladda ned listan (CSV)" in [b.label for b in at.get("download_button")]


def test_keyword_query_shows_the_thesaurus_terms_it_added(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = "DNP"
    at.run()
    assert not at.exception
    captions = "\n".join(c.value for c in at.caption)
    assert "Sökte också på" in captions and "digitala nationella prov" in captions
    assert "Anteckningar – Nätverk A" in markdown_of(at)
