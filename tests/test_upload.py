"""Uploads: safe names, checked types and sizes, sidecars, all-or-nothing ingest, and the app page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from index.archive import Archive
from index.build import ingest
from index.search import search
from index.storage import LOCK, WriterLock, current_generation
from ingest.errors import ArkivError, ConfigError, UnsupportedFileError
from ingest.uploads import (UploadMeta, check_upload, network_slug, safe_name, save_upload, undo_saves,
                            upload_folder)

from conftest import HASH_CONFIG

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MINUTES = ("# Robotträff\n\nDatum: 2024-09-12\n\n## 1. Lego Spike\n"
           "Vi provade Lego Spike i årskurs 4 med kodbyggen och sensorer.\n").encode("utf-8")


@pytest.mark.parametrize("given,expected", [
    ("anteckningar.md", "anteckningar.md"),
    ("../../etc/passwd.md", "passwd.md"),
    ("C:\\Users\\Lena\\Skrivbord\\Möte 2024.PDF", "Möte 2024.pdf"),
    (".dold.md", "dold.md"),
    ("...md", "md"),
    ("a/b/../c.txt", "c.txt"),
    ("ond\x00fil\n.md", "ondfil.md"),
    ("ska<script>.html", "ska_script_.html"),
    ("CON.txt", "_CON.txt"),
    ("-rf.txt", "rf.txt"),
    ("x" * 300 + ".md", "x" * 120 + ".md"),
])
def test_file_names_are_made_safe(given, expected):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["", "..", "/", "...", "\x00"])
def test_names_with_nothing_usable_are_refused(given):
    with pytest.raises(ConfigError, match="no usable name"):
        safe_name(given)


def _docx(member: str = "word/document.xml", body: bytes = b"<w:document/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, body)
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,error,message", [
    ("virus.exe", b"MZ", UnsupportedFileError, "unsupported file type '.exe'"),
    ("tabell.xlsx", b"PK", UnsupportedFileError, "unsupported file type '.xlsx'"),
    ("x.pdf.meta.yaml", b"title: x", UnsupportedFileError, "unsupported"),
    ("tom.md", b"", ConfigError, "empty"),
    ("stor.txt", b"a" * 2_000_000, ConfigError, "1.9 MB is over the 1 MB limit"),
    ("fejk.pdf", b"MZ\x90\x00 not a pdf", UnsupportedFileError, "not a PDF"),
    ("fejk.docx", b"plain text", UnsupportedFileError, "not a DOCX document"),
    ("fel.pptx", _docx(), UnsupportedFileError, "not a PPTX document"),
])
def test_uploads_are_checked_before_anything_is_written(name, data, error, message):
    with pytest.raises(error) as err:
        check_upload(name, data, max_file_mb=1)
    assert message in str(err.value)


def test_a_good_upload_passes_the_check():
    assert check_upload("../Möte.md", MINUTES, 1) == "Möte.md"
    assert check_upload("ok.docx", _docx(), 1) == "ok.docx"
    assert check_upload("ok.pdf", b"%PDF-1.7\n...", 1) == "ok.pdf"


@pytest.mark.parametrize("meta,message", [
    (dict(date="2024-13-01"), "is not a date"),
    (dict(doc_type="poem"), "unknown document type"),
    (dict(title="x" * 301), "under 300"),
])
def test_metadata_is_validated(meta, message):
    with pytest.raises(ConfigError, match=message):
        UploadMeta(**meta)


def test_network_names_become_folder_slugs(tmp_path):
    assert network_slug("GR Digitalisering") == "gr-digitalisering"
    assert network_slug("../../etc") == "etc"
    assert network_slug("  ") is None and network_slug(None) is None
    assert upload_folder(tmp_path, UploadMeta()) == tmp_path / "uppladdat" / "okänt"
    assert upload_folder(tmp_path, UploadMeta(network="Uppsala IKT")) == tmp_path / "uppladdat" / "uppsala-ikt"


def test_save_writes_the_file_and_its_sidecar_and_undo_restores(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    meta = UploadMeta(title="Robotträff", date="2024-09-12", network="natverk-a", doc_type="minutes")
    saved = save_upload(corpus, "../robot.md", MINUTES, meta)
    assert saved.path == corpus / "uppladdat" / "natverk-a" / "robot.md" and saved.path.read_bytes() == MINUTES
    assert yaml.safe_load(saved.sidecar.read_text(encoding="utf-8")) == {
        "title": "Robotträff", "date": "2024-09-12", "network": "natverk-a", "type": "minutes"}
    with pytest.raises(ConfigError, match="already exists"):
        save_upload(corpus, "robot.md", b"# Annat\n\nAnnan text.\n", meta)
    replaced = save_upload(corpus, "robot.md", b"# Annat\n\nAnnan text.\n", UploadMeta(network="natverk-a"),
                           overwrite=True)
    assert replaced.previous == MINUTES
    undo_saves([replaced])
    assert saved.path.read_bytes() == MINUTES and "Robotträff" in saved.sidecar.read_text(encoding="utf-8")
    undo_saves([saved])
    assert not (corpus / "uppladdat").exists()  # the folders made for it go too
    assert not list(corpus.rglob(".*upload-tmp"))


@pytest.fixture()
def app_store(corpus_copy, tmp_path, hash_embedder, monkeypatch):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    monkeypatch.setenv("ARKIV_INDEX", str(store))
    monkeypatch.setenv("ARKIV_CORPUS", str(corpus_copy))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    return store


def test_added_documents_are_found_right_after(app_store, corpus_copy):
    from app_pages.state import add_documents

    stages = []
    report, saved = add_documents([("robot.md", MINUTES, UploadMeta(network="natverk-a"))],
                                  on_progress=lambda stage, done, total: stages.append(stage))
    assert report.added == ["uppladdat/natverk-a/robot.md"] and report.removed == []
    assert {"read", "embed", "index"} <= set(stages)
    archive = Archive.open(app_store)
    hit = search(archive, "Lego Spike kodbyggen", k=1).hits[0]
    assert hit.path == "uppladdat/natverk-a/robot.md" and hit.network == "natverk-a" and hit.date == "2024-09-12"
    assert archive.stats()["documents"] == 6


def test_an_upload_of_no_known_network_has_no_network(app_store, corpus_copy):
    from app_pages.state import add_documents

    report, _ = add_documents([("robot.md", MINUTES, UploadMeta())])
    assert report.added == ["uppladdat/okänt/robot.md"]
    archive = Archive.open(app_store)
    (doc,) = [d for d in archive.documents if d["path"] == "uppladdat/okänt/robot.md"]
    assert doc["network"] is None
    assert "uppladdat" not in archive.networks() and "okänt" not in archive.networks()


def test_a_failed_ingest_leaves_corpus_and_index_as_they_were(app_store, corpus_copy):
    from app_pages.state import add_documents

    gen = current_generation(app_store)
    with WriterLock(app_store):  # another ingest is running
        with pytest.raises(ArkivError, match="locked by another ingest"):
            add_documents([("robot.md", MINUTES, UploadMeta(network="natverk-a"))])
    assert not (corpus_copy / "uppladdat").exists() and current_generation(app_store) == gen
    assert not (app_store / LOCK).exists()


def test_an_upload_the_ingest_cannot_read_is_undone(app_store, corpus_copy):
    from app_pages.state import add_documents

    documents = {d["doc_id"] for d in Archive.open(app_store).documents}
    broken = _docx(body=b"<not xml")  # passes the type check, fails to read
    with pytest.raises(ArkivError, match="trasig.docx"):
        add_documents([("robot.md", MINUTES, UploadMeta(network="natverk-a")),
                       ("trasig.docx", broken, UploadMeta(network="natverk-a"))])
    assert not (corpus_copy / "uppladdat").exists()
    archive = Archive.open(app_store)
    assert {d["doc_id"] for d in archive.documents} == documents and archive.stats()["skipped"] == []


def test_the_upload_page_adds_files_with_metadata(app_store, corpus_copy):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/upload.py").run()
    assert not at.exception and at.title[0].value == "Lägg till dokument"
    at.file_uploader[0].set_value([("../../.robot<1>.md", MINUTES, "text/markdown"),
                                   ("virus.md", b"", "text/markdown")]).run()
    assert not at.exception
    assert any("empty" in e.value for e in at.error)  # the empty file is refused, with why
    assert at.button(key="upload-add").disabled
    at.file_uploader[0].set_value([("../../.robot<1>.md", MINUTES, "text/markdown")]).run()
    assert [t.value for t in at.text_input if t.label == "Titel"] == ["Robotträff"]  # detected, editable
    assert [str(d.value) for d in at.date_input] == ["2024-09-12"]
    next(t for t in at.text_input if t.label == "Titel").input("Robotar i årskurs 4")
    next(s for s in at.selectbox if s.label == "Nätverk").set_value("natverk-b")
    next(s for s in at.selectbox if s.label == "Dokumenttyp").set_value("theme_meeting")
    at.button(key="upload-add").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "1 dokument lades till" in at.success[0].value

    saved = corpus_copy / "uppladdat" / "natverk-b" / "robot_1_.md"
    assert saved.read_bytes() == MINUTES
    assert yaml.safe_load(saved.with_name(saved.name + ".meta.yaml").read_text(encoding="utf-8"))["type"] == \
        "theme_meeting"
    at.switch_page("app_pages/search.py")
    at.query_params["q"] = "Lego Spike kodbyggen"
    at.run()
    assert "Robotar i årskurs 4" in "\n".join(m.value for m in at.markdown)


def test_an_upload_dated_only_by_its_year_keeps_the_year(app_store, corpus_copy):
    overview = "# Nätverksträffar\n\n## Träff 1 – 9 mars\nVi pratade om robotar och Lego Spike.\n".encode("utf-8")
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/upload.py").run()
    at.file_uploader[0].set_value([("2023_natverk-a_oversikt.md", overview, "text/markdown")]).run()
    assert not at.exception
    assert [d.value for d in at.date_input] == [None]  # a year is not a day: the field stays empty
    assert any("bara 2023" in c.value for c in at.caption)
    at.button(key="upload-add").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    archive = Archive.open(app_store)
    doc = next(d for d in archive.documents if d["path"].endswith("2023_natverk-a_oversikt.md"))
    assert (doc["date"], doc["date_precision"]) == ("2023-01-01", "year")
