"""Incremental ingestion: only new and changed files are read and embedded; nothing else is lost.

Also what a run leaves out and why: files over the size cap, files whose reading overruns the
parse time limit (read in a child process, so the limit holds outside the main thread too),
PDFs without a text layer (OCR when tesseract is installed), and skips remembered by hash.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import index.build as build
from arkiv.cli import main
from index.archive import Archive
from index.build import ingest
from index.search import search
from index.storage import current_generation
from ingest.config import IngestConfig
from ingest.errors import UnreadableFileError
from ingest.readers import read_document

from conftest import HASH_CONFIG

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
STALLING_PDF = "pdf_pages_share_one_stream.pdf"
CHANGED = "natverk-a/2023/2023-10-05_natverk-a_anteckningar.md"
OTHER = "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"


@pytest.fixture()
def reads(monkeypatch) -> list[str]:
    """The relative path of every file the next ingests parse."""
    seen: list[str] = []
    original = build.process_file

    def counting(path, rel, *args, **kwargs):
        seen.append(rel)
        return original(path, rel, *args, **kwargs)

    monkeypatch.setattr(build, "process_file", counting)
    return seen


def snapshot(store: Path) -> dict:
    """Everything an index holds that must not depend on how it was built (no times, no roots)."""
    gen = current_generation(store)
    con = sqlite3.connect(gen / "meta.sqlite")
    try:
        docs = con.execute("SELECT doc_id, path, title, date, doc_type, network, content_hash, sections "
                           "FROM documents ORDER BY doc_index").fetchall()
        chunks = con.execute("SELECT row, chunk_id, doc_id, section_index, text, embed_text, page "
                             "FROM chunks ORDER BY row").fetchall()
        people = sorted(con.execute("SELECT * FROM people").fetchall(), key=repr)
        skipped = sorted(con.execute("SELECT * FROM skipped").fetchall())
    finally:
        con.close()
    return {"documents": docs, "chunks": chunks, "people": people, "skipped": skipped,
            "vectors": np.load(gen / "vectors.npy")}


def assert_same_index(a: dict, b: dict) -> None:
    for key in ("documents", "chunks", "people", "skipped"):
        assert a[key] == b[key], f"{key} differ"
    assert a["vectors"].shape == b["vectors"].shape and np.array_equal(a["vectors"], b["vectors"])


def test_unchanged_corpus_reads_and_embeds_nothing(corpus_copy, tmp_path, hash_embedder, reads):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    gen = current_generation(store)
    reads.clear()
    started = time.perf_counter()
    again = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert reads == [] and again.embedded == 0 and again.unchanged == 5
    assert not again.published and current_generation(store) == gen
    assert time.perf_counter() - started < 2.0


def test_changed_deleted_and_renamed_files(corpus_copy, tmp_path, hash_embedder, reads):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    before = Archive.open(store)
    ids_before = {d["path"]: d["doc_id"] for d in before.documents}
    other_chunks = [c.chunk_id for c in before.meta.chunks_of(ids_before[OTHER])]
    before.close()

    changed = corpus_copy / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8") + "\n## 3. Nytt\nTillägg om lärplattformen.\n",
                       encoding="utf-8")
    deleted = "natverk-b/2024/2024_natverk-b_oversikt.html"
    (corpus_copy / deleted).unlink()
    renamed_from = "natverk-b/2024/2024-02-20_natverk-b_anteckningar.txt"
    shutil.move(corpus_copy / renamed_from, corpus_copy / "natverk-b" / "flyttad.txt")
    reads.clear()
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)

    assert sorted(reads) == sorted([CHANGED, "natverk-b/flyttad.txt"])  # nothing else is parsed
    assert report.updated == [CHANGED] and report.added == ["natverk-b/flyttad.txt"]
    assert sorted(report.removed) == sorted([deleted, renamed_from])
    archive = Archive.open(store)
    assert {d["path"] for d in archive.documents} == set(ids_before) - {deleted, renamed_from} | {"natverk-b/flyttad.txt"}
    gone = {ids_before[deleted], ids_before[renamed_from]}
    assert not [r for r in archive.meta.query("SELECT chunk_id FROM chunks") if r[0].rsplit("-", 1)[0] in gone]
    # Ids are stable: the same path keeps its document id and its chunk ids.
    ids_after = {d["path"]: d["doc_id"] for d in archive.documents}
    assert all(ids_after[p] == ids_before[p] for p in ids_after if p in ids_before)
    assert [c.chunk_id for c in archive.meta.chunks_of(ids_after[OTHER])] == other_chunks
    # Only the changed file's new section was embedded; the renamed file came from the cache.
    renamed_chunks = len(archive.meta.chunks_of(ids_after["natverk-b/flyttad.txt"]))
    assert report.cached >= renamed_chunks and 1 <= report.embedded <= len(archive.meta.chunks_of(ids_after[CHANGED]))
    assert search(archive, "lärplattformen tillägg", k=1, method="bm25").hits[0].path == CHANGED
    archive.close()


def test_incremental_index_equals_a_fresh_build(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    (corpus_copy / OTHER).write_text("# Nytt möte\n\nDatum: 2023-11-01\n\n## 1. Robotar\nLego och micro:bit.\n",
                                     encoding="utf-8")
    (corpus_copy / "natverk-b" / "2024" / "2024-04-11_natverk-b_anteckning_studieresa.txt").unlink()
    (corpus_copy / "natverk-a" / "ny.md").write_text("# Ny\n\nDatum: 2022-01-01\n\nText om Chromebooks.\n",
                                                     encoding="utf-8")
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    fresh = tmp_path / "fresh"
    ingest([corpus_copy], fresh, HASH_CONFIG, embedder=hash_embedder)
    assert_same_index(snapshot(store), snapshot(fresh))


def test_a_changed_sidecar_updates_the_document(corpus_copy, tmp_path, hash_embedder, reads):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    (corpus_copy / (OTHER + ".meta.yaml")).write_text("title: Rättad titel\ntype: theme_meeting\n", encoding="utf-8")
    reads.clear()
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert reads == [OTHER] and report.updated == [OTHER]
    doc = next(d for d in Archive.open(store).documents if d["path"] == OTHER)
    assert doc["title"] == "Rättad titel" and doc["doc_type"] == "theme_meeting"


def test_ingesting_one_file_or_subfolder_keeps_the_rest(corpus_copy, tmp_path, hash_embedder, reads):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    ids = {d["path"]: d["doc_id"] for d in Archive.open(store).documents}
    (corpus_copy / CHANGED).write_text((corpus_copy / CHANGED).read_text(encoding="utf-8") + "\nMer text.\n",
                                       encoding="utf-8")
    one = ingest([corpus_copy / CHANGED], store, HASH_CONFIG, embedder=hash_embedder)
    assert one.updated == [CHANGED] and one.removed == [] and one.added == []
    (corpus_copy / "natverk-b" / "2024" / "2024_natverk-b_oversikt.html").unlink()
    sub = ingest([corpus_copy / "natverk-b"], store, HASH_CONFIG, embedder=hash_embedder)
    assert sub.removed == ["natverk-b/2024/2024_natverk-b_oversikt.html"] and sub.added == []
    after = {d["path"]: d["doc_id"] for d in Archive.open(store).documents}
    assert after == {p: i for p, i in ids.items() if p != "natverk-b/2024/2024_natverk-b_oversikt.html"}


def test_rebuild_reads_everything_again_with_the_same_ids(corpus_copy, tmp_path):
    runner = CliRunner()
    store = tmp_path / "index"
    assert runner.invoke(main, ["ingest", str(corpus_copy), "--index", str(store), "--embedder", "hash"]).exit_code == 0
    before = snapshot(store)
    first_gen = current_generation(store)
    result = runner.invoke(main, ["rebuild", str(corpus_copy), "--index", str(store), "--embedder", "hash", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert len(report["added"]) == 5 and report["published"] and report["embedded"] == 0  # vectors from the cache
    assert current_generation(store) != first_gen
    assert_same_index(snapshot(store), before)
    smaller = runner.invoke(main, ["rebuild", str(corpus_copy), "--index", str(store), "--embedder", "hash",
                                   "--chunk-tokens", "40", "--chunk-overlap", "8"])
    assert smaller.exit_code == 0, smaller.output
    archive = Archive.open(store)
    assert archive.manifest.chunking["chunk_tokens"] == 40 and archive.size > len(before["chunks"])


def test_the_cli_report_lists_added_updated_removed_and_skipped(corpus_copy, tmp_path):
    runner = CliRunner()
    args = [str(corpus_copy), "--index", str(tmp_path / "index"), "--embedder", "hash"]
    assert runner.invoke(main, ["ingest", *args]).exit_code == 0
    (corpus_copy / CHANGED).write_text("# Ändrad\n\nNy text.\n", encoding="utf-8")
    (corpus_copy / OTHER).unlink()
    (corpus_copy / "ny.md").write_text("# Ny\n\nHelt ny text.\n", encoding="utf-8")
    (corpus_copy / "trasig.pdf").write_bytes(b"%PDF-1.4 trasig")
    result = runner.invoke(main, ["ingest", *args])
    assert result.exit_code == 0, result.output
    assert "added: 1  updated: 1  removed: 1  unchanged: 3  skipped: 1" in result.output
    for line in ("  added: ny.md", f"  updated: {CHANGED}", f"  removed: {OTHER}", "  skipped: trasig.pdf: "):
        assert line in result.output


def test_a_skipped_file_is_not_read_again_until_it_changes(corpus_copy, tmp_path, hash_embedder, reads):
    store = tmp_path / "index"
    broken = corpus_copy / "trasig.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    first = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert [p for p, _ in first.skipped] == ["trasig.pdf"]
    reads.clear()
    again = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert reads == [] and again.skipped == first.skipped and not again.published
    broken.write_bytes(b"%PDF-1.4 still not a pdf")
    third = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert reads == ["trasig.pdf"] and [p for p, _ in third.skipped] == ["trasig.pdf"]
    broken.unlink()
    fourth = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert fourth.skipped == [] and fourth.published and Archive.open(store).stats()["skipped"] == []


def test_files_over_the_size_cap_are_skipped_with_a_reason(corpus_copy, tmp_path, hash_embedder):
    big = corpus_copy / "stor.txt"
    big.write_text("Skärmtid i förskolan. " * 20_000, encoding="utf-8")  # about 0.48 MB
    store = tmp_path / "index"
    report = ingest([corpus_copy], store, IngestConfig(embedder="hash", max_file_mb=0.25), embedder=hash_embedder)
    reason = dict(report.skipped)["stor.txt"]
    assert "0.5 MB is over the 0.25 MB limit" in reason and "--max-file-mb" in reason
    assert report.documents == 5
    result = CliRunner().invoke(main, ["ingest", str(corpus_copy), "--index", str(store), "--embedder", "hash",
                                       "--max-file-mb", "1"])
    assert result.exit_code == 0, result.output
    assert "added: 1" in result.output and "skipped: 0" in result.output


@pytest.mark.parametrize("in_thread", [False, True], ids=["main-thread", "worker-thread"])
def test_a_file_that_stalls_the_reader_is_skipped_at_the_time_limit(corpus_copy, tmp_path, hash_embedder,
                                                                    in_thread):
    shutil.copy(HOSTILE / STALLING_PDF, corpus_copy / STALLING_PDF)
    config = IngestConfig(embedder="hash", parse_timeout_s=1.0)
    outcome: dict = {}

    def run() -> None:
        started = time.perf_counter()
        outcome["report"] = ingest([corpus_copy], tmp_path / "index", config, embedder=hash_embedder)
        outcome["seconds"] = time.perf_counter() - started

    if in_thread:  # as in the app: a signal-based limit would not work here
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the parse time limit did not stop the reader"
    else:
        run()
    report = outcome["report"]
    assert "longer than 1 s (parse_timeout_s)" in dict(report.skipped)[STALLING_PDF]
    assert report.documents == 5 and outcome["seconds"] < 15


def test_a_damaged_embedding_cache_is_set_aside(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    cache = store / "cache" / "embeddings.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database" * 100)
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert report.published and report.embedded == report.chunks
    assert list(cache.parent.glob("embeddings.sqlite.damaged-*"))


# --- PDFs without a text layer -----------------------------------------------------------------

def test_a_scanned_pdf_without_ocr_tools_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UnreadableFileError) as err:
        read_document((HOSTILE / "image_only.pdf").read_bytes(), "image_only.pdf")
    message = str(err.value)
    assert "no text layer" in message and "tesseract-ocr-swe" in message and "poppler-utils" in message


def _fake_tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_a_scanned_pdf_is_read_by_ocr_when_the_tools_exist(tmp_path, monkeypatch):
    # Stand-ins for pdftoppm (writes two page images) and tesseract (prints each page's text),
    # so the OCR path is tested without the real tools.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_tool(bin_dir, "pdftoppm", 'for n in 1 2; do echo "page $n" > "$(eval echo \\${$#})-$n.png"; done\n')
    _fake_tool(bin_dir, "tesseract", 'if [ "$1" = "--list-langs" ]; then printf "List:\\neng\\nswe\\n"; exit 0; fi\n'
                                     'n=$(sed "s/page //" "$1"); printf "Datum: 2021-10-12\\n\\n1. Skärmtid sida $n\\n'
                                     'Text om förskolan på sida $n.\\n"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    parsed = read_document((HOSTILE / "image_only.pdf").read_bytes(), "image_only.pdf")
    assert sorted({s.page for s in parsed.sections if s.text}) == [1, 2]
    assert "förskolan på sida 2" in parsed.sections[-1].text
    assert any("OCR" in note for note in parsed.notes)


@pytest.mark.skipif(shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
                    reason="tesseract and pdftoppm are not installed")
def test_real_ocr_of_a_scanned_page():
    import io

    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(page)
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_path), 48) if font_path.exists() else ImageFont.load_default(size=48)
    for number, line in enumerate(["Anteckningar", "Datum: 12 oktober 2021", "Digitala nationella prov"]):
        draw.text((150, 150 + 90 * number), line, fill=0, font=font)
    pdf = io.BytesIO()
    page.save(pdf, "PDF", resolution=200.0)
    parsed = read_document(pdf.getvalue(), "skannad.pdf")
    text = " ".join(s.heading + " " + s.text for s in parsed.sections)
    assert "oktober 2021" in text and "nationella prov" in text
