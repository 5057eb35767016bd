"""Crash safety: a real `python -m arkiv ingest` killed with SIGKILL at each stage loses nothing.

The ingest is paused at a known point by ARKIV_TEST_PAUSE_AT (index/build.py prints a marker
and sleeps there) and killed. After each kill: (a) the last good index opens, passes
`arkiv check` and answers searches; (b) the next run completes; (c) the final index equals
that of an uninterrupted run (documents, chunk ids and texts, vectors). Also here: recovery
with `arkiv check` on damaged indexes.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from arkiv.cli import main
from index.archive import Archive
from index.build import ingest
from index.check import check_index
from index.search import search
from index.storage import LOCK, current_generation
from ingest.embedding import HashEmbedder

from conftest import CORPUS, HASH_CONFIG, MINI_CORPUS
from test_incremental import assert_same_index, snapshot

ROOT = Path(__file__).resolve().parent.parent
#: Files of the sample corpus in the first version of the crash corpus (beside the mini corpus).
FIRST = ["uppsala-ikt", "gr-digitalisering/2019/2019-03-14_gr-digitalisering_anteckningar.pdf",
         "gr-digitalisering/2021/2021-03-11_gr-digitalisering_anteckningar.docx",
         "gr-digitalisering/2020/2020-05-12_gr-digitalisering_presentation_distansundervisning.pptx",
         "gr-digitalisering/2024/2024-03-12_gr-digitalisering_presentation_ai-bedomning.pdf",
         "gr-digitalisering/2024/2024-03-12_gr-digitalisering_presentation_ai-bedomning.pdf.meta.yaml"]
#: Files added for the second version: well over one embedding batch (32) of new chunks.
ADDED = ["md-digitalisering/2020/2020-11-19_md-digitalisering_minnesanteckningar.md",
         "md-digitalisering/2022/2022-02-10_md-digitalisering_minnesanteckningar.md",
         "md-digitalisering/2023/2023-10-11_md-digitalisering_minnesanteckningar.md",
         "md-digitalisering/2022/2022_md-digitalisering_oversikt.html",
         "gr-digitalisering/2024/2024-10-08_gr-digitalisering_anteckningar.md",
         "gr-digitalisering/2022/2022_gr-digitalisering_oversikt.html"]
STAGES = ["read", "embed", "write", "publish", "published"]


def _copy(relative: str, target: Path) -> None:
    source = CORPUS / relative
    destination = target / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination)
    else:
        shutil.copy2(source, destination)


@pytest.fixture(scope="module")
def crash_setup(tmp_path_factory, hash_embedder):
    """(corpus at its second version, store at the first version, reference store of the second)."""
    base = tmp_path_factory.mktemp("crash")
    corpus = base / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    for relative in FIRST:
        _copy(relative, corpus)
    template = base / "template"
    ingest([corpus], template, HASH_CONFIG, embedder=hash_embedder)
    changed = corpus / "natverk-a" / "2023" / "2023-10-05_natverk-a_anteckningar.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n## 3. Tillägg\nOm lärplattformen.\n", encoding="utf-8")
    (corpus / "natverk-b" / "2024" / "2024_natverk-b_oversikt.html").unlink()
    for relative in ADDED:
        _copy(relative, corpus)
    reference = base / "reference"
    ingest([corpus], reference, HASH_CONFIG, embedder=hash_embedder)
    return corpus, template, reference


def _command(corpus: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "arkiv", "ingest", str(corpus), "--index", str(store), "--embedder", "hash",
            "--json"]


def _start(corpus: Path, store: Path, **env: str) -> tuple[subprocess.Popen, queue.Queue]:
    proc = subprocess.Popen(_command(corpus, store), cwd=ROOT, env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    return proc, lines


def _wait_for(lines: queue.Queue, marker: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if lines.get(timeout=0.2).strip() == marker:
                return
        except queue.Empty:
            if proc.poll() is not None:
                pytest.fail(f"the ingest ended (exit {proc.returncode}) before {marker!r}")
    proc.kill()
    pytest.fail(f"no {marker!r} within {timeout} s")


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _cache_rows(store: Path) -> int:
    con = sqlite3.connect(store / "cache" / "embeddings.sqlite", timeout=30)
    try:
        return con.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    finally:
        con.close()


def _assert_serving(store: Path, expected: dict) -> None:
    """The live index opens, passes the check, answers a search, and holds ``expected``."""
    result = check_index(store)
    assert result.ok, result.problems
    archive = Archive.open(store)
    try:
        assert search(archive, "digitala nationella prov", k=3).hits
    finally:
        archive.close()
    assert_same_index(snapshot(store), expected)


@pytest.mark.parametrize("stage", STAGES + ["embed-timed"])
def test_a_killed_ingest_loses_nothing(crash_setup, tmp_path, stage):
    corpus, template, reference = crash_setup
    store = tmp_path / "index"
    shutil.copytree(template, store)
    before, wanted = snapshot(template), snapshot(reference)
    cached_before = _cache_rows(store)

    if stage == "embed-timed":  # killed at whatever moment the embedding has got to
        proc, _ = _start(corpus, store, ARKIV_TEST_SLOW_EMBED="0.3")
        deadline = time.monotonic() + 90
        while _cache_rows(store) <= cached_before and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.15)
    else:
        proc, lines = _start(corpus, store, ARKIV_TEST_PAUSE_AT=stage)
        _wait_for(lines, f"ARKIV_PAUSED {stage}", proc)
    _kill(proc)

    # (a) The last good index is live and whole: the old one, or the new one once published.
    _assert_serving(store, wanted if stage == "published" else before)
    assert (store / LOCK).exists()  # left by the killed process; the next run takes it over
    if stage.startswith("embed"):
        assert _cache_rows(store) > cached_before, "the batches embedded before the kill were lost"
    unpublished = [p for p in store.glob("gen-*") if p.name > current_generation(store).name]
    assert bool(unpublished) == (stage in ("write", "publish")), unpublished  # half-written, or complete but unnamed
    for gen in unpublished:
        (gen / "left-by-killed-run").write_text("x")

    # (b) The next run completes, reusing the vectors cached before the kill.
    done = subprocess.run(_command(corpus, store), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["published"] == (stage != "published")
    if stage == "embed":
        assert report["cached"] >= HashEmbedder.batch_size

    # (c) The result equals an uninterrupted run, and nothing is left behind.
    _assert_serving(store, wanted)
    assert not list(store.rglob("left-by-killed-run")), "a half-written generation was not cleaned up"
    assert not list(store.glob("*.tmp")) and not (store / LOCK).exists()
    live = current_generation(store).name
    assert all(p.name <= live for p in store.glob("gen-*")) and len(list(store.glob("gen-*"))) <= 2


def test_the_reader_child_dies_with_a_killed_ingest(crash_setup, tmp_path):
    corpus, template, _ = crash_setup
    store = tmp_path / "index"
    shutil.copytree(template, store)
    proc, lines = _start(corpus, store, ARKIV_TEST_PAUSE_AT="read")
    _wait_for(lines, "ARKIV_PAUSED read", proc)
    children = subprocess.run(["pgrep", "-f", "-P", str(proc.pid), "ingest.worker"], capture_output=True,
                              text=True).stdout.split()
    assert children, "the file was not read in a child process"
    _kill(proc)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.1)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"]
    assert not alive, f"reader processes {alive} outlived the killed ingest"


# --- recovery: arkiv check -------------------------------------------------------------------

def _damage_vectors(gen: Path) -> None:
    vectors = np.load(gen / "vectors.npy")
    np.save(gen / "vectors.npy", vectors[:-1])


def _damage_chunk_doc(gen: Path) -> None:
    con = sqlite3.connect(gen / "meta.sqlite")
    with con:
        doc_id = con.execute("SELECT doc_id FROM documents LIMIT 1").fetchone()[0]
        con.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
    con.close()


def _damage_manifest(gen: Path) -> None:
    manifest = json.loads((gen / "manifest.json").read_text())
    manifest["chunks"] += 1
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _damage_lexical(gen: Path) -> None:
    params = json.loads((gen / "lexical" / "params.index.json").read_text())
    params["num_docs"] -= 2
    (gen / "lexical" / "params.index.json").write_text(json.dumps(params))


def _damage_nan(gen: Path) -> None:
    vectors = np.load(gen / "vectors.npy")
    vectors[3, 0] = np.nan
    np.save(gen / "vectors.npy", vectors)


def _damage_meta_file(gen: Path) -> None:
    (gen / "meta.sqlite").write_bytes(b"garbage" * 1000)


@pytest.mark.parametrize("damage,message", [
    (_damage_vectors, "vectors.npy holds 13 rows but the manifest says 14"),
    (_damage_chunk_doc, "belong to no document"),
    (_damage_manifest, "the manifest says 15"),
    (_damage_lexical, "the lexical index (lexical/) holds 12 rows but the manifest says 14"),
    (_damage_nan, "NaN or infinite"),
    (_damage_meta_file, "meta: could not be read"),
])
def test_check_finds_a_damaged_index(mini_store, tmp_path, damage, message):
    store = tmp_path / "index"
    shutil.copytree(mini_store, store)
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--index", str(store)])
    assert ok.exit_code == 0 and "index ok" in ok.output, ok.output
    damage(current_generation(store))
    result = runner.invoke(main, ["check", "--index", str(store)])
    assert result.exit_code == 1, result.output
    assert message in result.output and "arkiv rebuild" in result.output
    as_json = runner.invoke(main, ["check", "--index", str(store), "--json"])
    assert as_json.exit_code == 1 and not json.loads(as_json.output)["ok"]


def test_check_reports_a_missing_index_and_leftovers(mini_store, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["check", "--index", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no index at" in missing.output
    store = tmp_path / "index"
    shutil.copytree(mini_store, store)
    (store / "gen-000099").mkdir()
    result = runner.invoke(main, ["check", "--index", str(store), "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["ok"] and any("gen-000099" in w for w in data["warnings"])
    assert data["counts"]["vectors_npy"] == data["counts"]["meta_chunks"] == data["counts"]["lexical"] == 14
