"""What the app shows is text: markup inside a document's title or text is escaped, never run."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from index.archive import Archive
from index.build import ingest

from conftest import HASH_CONFIG

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_DOC = (f"# Möte {SCRIPT} om {IMG}\n\nDatum: 2024-05-05\n\n"
               f"## 1. Lärplattformen {IMG}\n"
               f"Texten om lärplattformen innehåller {SCRIPT} och {IMG} mitt i en mening.\n")


@pytest.fixture()
def hostile_app(tmp_path, hash_embedder, monkeypatch):
    corpus = tmp_path / "corpus" / "natverk-x"
    corpus.mkdir(parents=True)
    (corpus / "2024-05-05_natverk-x_anteckningar.md").write_text(HOSTILE_DOC, encoding="utf-8")
    (corpus / "2024-06-01_natverk-x_presentation.md").write_text(
        "# Annat\n\nOm lärplattformen i korthet.\n", encoding="utf-8")
    (corpus / "2024-06-01_natverk-x_presentation.md.meta.yaml").write_text(
        f"title: 'Sidovagn {SCRIPT}'\nnetwork: '{IMG}'\n", encoding="utf-8")
    store = tmp_path / "index"
    ingest([corpus.parent], store, HASH_CONFIG, embedder=hash_embedder)
    monkeypatch.setenv("ARKIV_INDEX", str(store))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    return store


def _assert_escaped(at: AppTest, escaped: str = "&lt;script&gt;") -> None:
    """Markdown bodies hold the markup escaped and never raw; any other text element that holds it
    raw is rendered by Streamlit with HTML off (so it shows as text, and cannot run)."""
    markdown = "\n".join(m.value for m in at.markdown)
    assert escaped in markdown, "the markup is not shown as text"
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower(), "raw markup reached the page"
    for element in [*at.caption, *at.markdown]:
        if "<script" in element.value.lower() or "<img" in element.value.lower():
            assert not element.allow_html, f"raw markup in an HTML-enabled element: {element.value!r}"


def test_search_results_show_markup_as_text(hostile_app):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = "lärplattformen"
    at.run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "Möte" in text and "Sidovagn" in text  # both documents are on the page
    _assert_escaped(at)


def test_document_page_shows_markup_as_text(hostile_app):
    archive = Archive.open(hostile_app)
    for doc in archive.documents:
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["doc"] = doc["doc_id"]
        at.run()
        at.switch_page("app_pages/document.py").run()
        assert not at.exception, at.exception
        # The minutes hold the script in their text; the other document only in its sidecar's
        # title (shown by st.title, which renders no HTML) and network (shown in the metadata line).
        _assert_escaped(at, "&lt;script&gt;" if doc["title"].startswith("Möte") else "&lt;img src=x")
    archive.close()
