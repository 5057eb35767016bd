"""Hostile files: bad input never crashes a run and never loses data.

Every fixture in tests/fixtures/hostile/ (made by make_hostile.py there) is read on its own
and then the whole folder is ingested: a corrupt, encrypted, empty, binary, bombed or
unsupported file is skipped with a clear one-line reason, and every good file still lands.
Three large inputs (a few MB of HTML, one 2.5 MB line of words, one 2.5 MB "word") are made
at test time rather than committed.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
import tracemalloc
import warnings
from pathlib import Path

import pytest

from index.archive import Archive
from index.build import ingest
from index.search import search
from ingest.config import IngestConfig
from ingest.errors import UnreadableFileError, UnsupportedFileError
from ingest.models import ParsedFile
from ingest.pipeline import process_file
from ingest.readers import read_document

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()
EXPECTED: dict[str, str] = {name: kind for name, kind in maker.EXPECTED.items() if (HOSTILE / name).exists()}

#: Inputs made at test time (too large to commit); all three must land.
GENERATED = {
    "huge.html": maker.huge_html,
    "enormous_line.txt": maker.enormous_line,
    "enormous_word.txt": maker.enormous_word,
}

#: A word each skip reason must contain: the reason names the problem.
REASON_WORDS = {
    "corrupt_truncated.pdf": "corrupt",
    "corrupt_garbage.pdf": "corrupt",
    "encrypted.pdf": "password",
    "encrypted_aes_no_user_password.pdf": "AES",
    "image_only.pdf": "no text layer",
    "pdf_stream_bomb.pdf": "bomb",
    "pdf_pages_share_one_stream.pdf": "longer than",
    "empty.pdf": "empty",
    "empty.txt": "empty",
    "binary.txt": "binary",
    "not_a_zip.docx": "not a zip",
    "not_a_zip.pptx": "not a zip",
    "zip_bomb.docx": "zip bomb",
    "zip_bomb_lying_header.pptx": "zip bomb",
    "deep_nested.html": "no main text",
    "unsupported.xlsx": "unsupported",
}

#: CPU seconds one committed fixture may take to read; the large generated ones get SLOW_S
#: (read and chunked). Wall-clock time may be LOAD_FACTOR times more, for busy test machines.
FAST_S = 5.0
SLOW_S = 10.0
LOAD_FACTOR = 3
#: Parse timeout for the ingest runs here (the default is 60 s).
TIMEOUT_S = 15.0
#: Python memory one committed fixture may take to read (the bombs must not inflate).
MAX_TRACED_MB = 200  # pypdf stops inflating a stream at 75 MB (and holds a copy or two)


def _read(data: bytes, name: str) -> ParsedFile | Exception:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_document(data, name)
        except (UnreadableFileError, UnsupportedFileError) as exc:
            return exc


def _assert_quick(what: str, cpu: float, wall: float, limit: float) -> None:
    assert cpu < limit, f"{what}: took {cpu:.1f} s of CPU time, over {limit:g} s"
    assert wall < limit * LOAD_FACTOR, f"{what}: took {wall:.1f} s, over {limit * LOAD_FACTOR:g} s"


def _assert_one_line_naming(message: str, name: str) -> None:
    assert message.strip(), f"{name}: empty reason"
    assert "\n" not in message and "\r" not in message, f"{name}: reason is not one line: {message!r}"
    word = REASON_WORDS.get(name)
    if word is not None:
        assert word.lower() in message.lower(), f"{name}: reason {message!r} does not name the problem ({word!r})"


def test_every_fixture_is_known():
    on_disk = {p.name for p in HOSTILE.iterdir() if p.is_file() and p.suffix != ".py"}
    assert on_disk == set(EXPECTED), "run tests/fixtures/hostile/make_hostile.py and update EXPECTED"
    assert set(maker.EXPECTED) - set(EXPECTED) <= {"encrypted_aes_no_user_password.pdf"}  # needs openssl to make


@pytest.mark.parametrize("name", sorted(n for n, kind in EXPECTED.items() if kind != "slow"))
def test_fixture_through_read_document(name):
    data = (HOSTILE / name).read_bytes()
    tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = _read(data, name)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    expected = EXPECTED[name]
    _assert_quick(name, cpu, elapsed, FAST_S)
    assert peak < MAX_TRACED_MB * 2**20, f"{name}: reading took {peak / 2**20:.0f} MB of memory"
    if isinstance(result, Exception):
        message = str(result)
        assert message.startswith(name + ":"), f"the reason names the file: {message!r}"
        _assert_one_line_naming(message, name)
        wanted = {"unreadable": UnreadableFileError, "unsupported": UnsupportedFileError,
                  "either": UnreadableFileError}.get(expected)
        assert wanted is not None and isinstance(result, wanted), f"{name}: expected {expected}, got {result!r}"
    else:
        assert expected in ("ok", "either"), f"{name}: expected {expected}, but it was read cleanly"
        assert any(s.text.strip() for s in result.sections), f"{name}: read, but no text"
        assert all("\n" not in note for note in result.notes)


def test_wrongly_encoded_text_is_decoded_not_lost():
    utf16 = _read((HOSTILE / "utf16_no_bom.txt").read_bytes(), "utf16_no_bom.txt")
    assert isinstance(utf16, ParsedFile)
    assert "förskolan" in " ".join(s.text for s in utf16.sections)
    assert any("UTF-16" in note for note in utf16.notes)
    mixed = _read((HOSTILE / "mixed_encoding.txt").read_bytes(), "mixed_encoding.txt")
    assert isinstance(mixed, ParsedFile)
    text = mixed.title + " " + " ".join(s.text for s in mixed.sections)
    assert "från" in text and "lärplattform" in text and "åsikter" in text  # both parts decoded right
    assert "Ã" not in text
    assert any("cp1252" in note for note in mixed.notes)


def test_script_html_keeps_the_text_and_drops_the_markup():
    parsed = _read((HOSTILE / "script_injection.html").read_bytes(), "script_injection.html")
    assert isinstance(parsed, ParsedFile)
    text = " ".join(s.heading + " " + s.text for s in parsed.sections)
    assert maker.SCRIPT_MARKER in text and "Efter skriptet fortsätter texten" in text
    assert "onerror" not in text and "<img" not in text
    # Real <script> elements are dropped; the escaped example the page shows as text stays text
    # (exactly once), for the app to escape when it renders it.
    assert text.count("<script>") == 1 and "som ska visas som text" in text


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_large_generated_input_is_read_and_chunked_within_seconds(name, hash_embedder):
    data = GENERATED[name]()
    config = IngestConfig(embedder="hash", parse_timeout_s=60)
    started, cpu = time.perf_counter(), time.process_time()
    result = process_file(HOSTILE / name, name, config, hash_embedder.count_tokens, data=data)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.skipped is None, result.skipped
    _assert_quick(f"{name} ({len(data) / 2**20:.1f} MB, read and chunked)", cpu, elapsed, SLOW_S)
    assert len(result.chunks) > 100, f"{name}: {len(data) / 2**20:.1f} MB became {len(result.chunks)} chunks"
    assert all(hash_embedder.count_tokens(c.embed_text) <= config.chunk_tokens for c in result.chunks)
    assert max(len(c.text) for c in result.chunks) < 5000
    # Nothing is lost: the chunks run to the end of the document's text.
    tail = result.document.sections[-1].text.rstrip()[-40:]
    assert result.chunks[-1].text.rstrip().endswith(tail), f"{name}: the last chunk does not end the text"
    if name.endswith(".txt"):
        assert tail == data.decode("utf-8").rstrip()[-40:]


def test_a_pdf_built_to_stall_is_skipped_at_the_parse_timeout(hash_embedder):
    name = "pdf_pages_share_one_stream.pdf"
    config = IngestConfig(embedder="hash", parse_timeout_s=2)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = process_file(HOSTILE / name, name, config, hash_embedder.count_tokens)
    elapsed = time.perf_counter() - started
    assert result.document is None and result.skipped is not None
    _assert_one_line_naming(result.skipped, name)
    assert elapsed < 2 + 3, f"the 2 s parse timeout stopped it only after {elapsed:.1f} s"


def test_ingest_of_the_whole_hostile_folder(tmp_path, capsys, hash_embedder):
    folder = tmp_path / "hostile"
    folder.mkdir()
    for name in EXPECTED:
        shutil.copy2(HOSTILE / name, folder / name)
    generated = GENERATED
    for name, make in generated.items():
        (folder / name).write_bytes(make())
    everything = set(EXPECTED) | set(generated)
    must_land = {n for n, kind in EXPECTED.items() if kind == "ok"} | set(generated)
    must_skip = {n for n, kind in EXPECTED.items() if kind in ("unreadable", "unsupported", "slow")}

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = ingest([folder], tmp_path / "index", IngestConfig(embedder="hash", parse_timeout_s=TIMEOUT_S),
                        embedder=hash_embedder)
    seconds = time.perf_counter() - started

    landed = set(report.added)
    skipped = dict(report.skipped)
    crashes = {n: r for n, r in skipped.items() if r.startswith("unexpected reader error")}
    with capsys.disabled():
        print(f"\n[hostile] ingest of {len(everything)} files in {seconds:.1f} s: {report.files} tried, "
              f"{len(landed)} landed, {len(skipped)} skipped with reasons, crashes: {len(crashes)}")
        for name in sorted(landed):
            print(f"[hostile]   landed   {name}")
        for name, reason in sorted(skipped.items()):
            print(f"[hostile]   skipped  {name}: {reason}")

    assert not crashes, crashes
    assert report.files == len(everything)
    assert landed | set(skipped) == everything, "every file either lands or is reported"
    assert not landed & set(skipped)
    assert must_land <= landed, f"good files that did not land: {sorted(must_land - landed)}"
    assert must_skip <= set(skipped), f"bad files that were not skipped: {sorted(must_skip - set(skipped))}"
    for name, reason in skipped.items():
        _assert_one_line_naming(reason, name)
        assert not reason.startswith(name), f"the report gives the path; the reason need not repeat it: {reason!r}"

    archive = Archive.open(tmp_path / "index")
    try:
        assert archive.stats()["documents"] == len(landed)
        for marker, path in ((maker.GOOD_MARKER, "good.md"), (maker.SCRIPT_MARKER, "script_injection.html")):
            hits = search(archive, marker, k=3, method="bm25").hits
            assert hits and hits[0].path == path, f"{marker!r} does not find {path}"
    finally:
        archive.close()


def test_ingest_survives_one_long_run_of_letters(tmp_path, hash_embedder):
    """The analyzer's compound splitting was cubic in the word length (3,000 letters: 13 s) and
    runs after reading, outside parse_timeout_s: one long run of letters stalled the whole ingest."""
    import signal

    if not hasattr(signal, "setitimer"):
        pytest.skip("needs SIGALRM")
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy2(HOSTILE / "good.md", folder / "good.md")
    (folder / "long_word.txt").write_bytes(maker.enormous_word(0.005))  # 5,000 letters, no space

    class Stalled(BaseException):  # not an OSError or Exception: nothing on the way may catch it
        pass

    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise Stalled("ingest of 2 small files took over 8 s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 8, 0.5)
    try:
        report = ingest([folder], tmp_path / "index", IngestConfig(embedder="hash"), embedder=hash_embedder)
    except Stalled as exc:
        pytest.fail(str(exc))
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert set(report.added) == {"good.md", "long_word.txt"}
