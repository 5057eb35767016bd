"""One writer, many readers: the ingest lock, stale-lock recovery, and readers across generations."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from arkiv.cli import main
from index.archive import Archive
from index.build import ingest
from index.search import search
from index.storage import LOCK, WriterLock, current_generation, generation_token
from ingest.errors import ArchiveIndexError

from conftest import HASH_CONFIG

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def _paused_ingest(corpus: Path, store: Path, stage: str) -> subprocess.Popen:
    """A real ingest subprocess holding the lock, paused at ``stage`` (see index/build.py)."""
    proc = subprocess.Popen([sys.executable, "-m", "arkiv", "ingest", str(corpus), "--index", str(store),
                             "--embedder", "hash"], cwd=ROOT, env={**os.environ, "ARKIV_TEST_PAUSE_AT": stage},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    while True:
        try:
            if lines.get(timeout=60).strip() == f"ARKIV_PAUSED {stage}":
                return proc
        except queue.Empty:
            proc.kill()
            pytest.fail(f"the ingest did not reach {stage}")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _add_file(corpus: Path, name: str, text: str) -> None:
    (corpus / name).write_text(f"# {name}\n\nDatum: 2025-01-15\n\n{text}\n", encoding="utf-8")


def test_a_second_ingest_is_refused_while_the_first_serves_the_old_index(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    old_gen = current_generation(store)
    _add_file(corpus_copy, "ny.md", "Quokka i gymnasiet.")
    writer = _paused_ingest(corpus_copy, store, "write")
    try:
        with pytest.raises(ArchiveIndexError) as err:
            ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
        message = str(err.value)
        assert str(store / LOCK) in message and f"process {writer.pid}" in message and "arkiv" in message
        cli = CliRunner().invoke(main, ["ingest", str(corpus_copy), "--index", str(store), "--embedder", "hash"])
        assert cli.exit_code == 1 and cli.output.startswith("arkiv: error: ") and "locked by another ingest" in cli.output
        # Readers are not blocked: the last good generation opens and answers.
        archive = Archive.open(store)
        assert archive.gen == old_gen and search(archive, "Safe Exam Browser", k=1).hits
        archive.close()
    finally:
        writer.kill()
        writer.wait()
    # The killed writer's lock file (with its dead pid) is stale: the next ingest takes it over.
    assert (store / LOCK).read_text().strip() == str(writer.pid)
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert report.added == ["ny.md"] and not (store / LOCK).exists()


def test_a_stale_lock_of_a_dead_process_is_recovered(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    store.mkdir()
    (store / LOCK).write_text(str(_dead_pid()))
    report = ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert report.published and not (store / LOCK).exists()


def test_the_lock_is_released_when_an_ingest_fails(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    with pytest.raises(ArchiveIndexError, match="does not exist"):
        ingest([tmp_path / "missing"], store, HASH_CONFIG, embedder=hash_embedder)
    assert not (store / LOCK).exists()
    assert ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder).published


def test_two_writers_in_one_process_exclude_each_other(tmp_path):
    with WriterLock(tmp_path):
        with pytest.raises(ArchiveIndexError, match=f"process {os.getpid()}"):
            with WriterLock(tmp_path):
                pass
    with WriterLock(tmp_path):  # released: free again
        pass


def test_readers_see_a_new_generation_and_the_old_one_stays_readable(corpus_copy, tmp_path, hash_embedder):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    first_token = generation_token(store)
    old = Archive.open(store)
    assert not old.is_stale()

    _add_file(corpus_copy, "ny.md", "Quokka i gymnasiet.")
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert generation_token(store) != first_token and old.is_stale()
    assert old.gen.is_dir() and search(old, "Safe Exam Browser", k=1).hits  # still serves
    assert not search(old, "Quokka", k=1, method="bm25").hits
    new = Archive.open(store)
    assert not new.is_stale() and search(new, "Quokka", k=1, method="bm25").hits

    _add_file(corpus_copy, "nyare.md", "Robotar i förskolan.")
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    assert not old.gen.exists() and new.gen.is_dir()  # kept until the next generation after it
    old.close()
    new.close()


def test_the_app_picks_up_a_new_generation(corpus_copy, tmp_path, hash_embedder, monkeypatch):
    store = tmp_path / "index"
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    monkeypatch.setenv("ARKIV_INDEX", str(store))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = "Quokka"
    at.run()
    assert not at.exception
    assert "Quokka" not in "\n".join(m.value for m in at.markdown)
    _add_file(corpus_copy, "kvant.md", "Quokka diskuterades i gymnasiet.")
    ingest([corpus_copy], store, HASH_CONFIG, embedder=hash_embedder)
    at.run()
    assert not at.exception
    assert "Quokka" in "\n".join(m.value for m in at.markdown)
