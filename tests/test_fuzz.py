"""Property tests: no input, however broken, makes a reader crash or hang.

Thousands of generated inputs go through ``read_document`` under every supported suffix:
random bytes, real corpus files (one PDF, DOCX, PPTX, HTML and Markdown file) with random
truncations, bit flips, overwrites and number changes, Office files whose XML members are
mutated and zipped again, and random text and markup in several encodings. Each input must
give a ParsedFile or raise UnsupportedFileError/UnreadableFileError with a one-line message,
within ``LIMIT_S`` seconds (enforced with a SIGALRM timer). The counts are printed at the end.

The whole file runs in about two minutes; raise FUZZ_SCALE (an environment variable, a
multiplier of every max_examples) for a longer run.
"""

from __future__ import annotations

import io
import os
import re
import signal
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import UnreadableFileError, UnsupportedFileError
from ingest.models import ParsedFile, Section
from ingest.readers import SUPPORTED_SUFFIXES, read_document

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM to bound each input")

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
#: Seconds one input may take before it counts as a hang.
LIMIT_S = 5.0
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def _examples(n: int) -> int:
    return max(1, int(n * SCALE))


def _settings(n: int):
    return settings(max_examples=_examples(n), deadline=None, database=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example, HealthCheck.filter_too_much])


def _seed_file(suffix: str) -> Path:
    """The smallest corpus file of a kind: a real file, and quick to read thousands of times."""
    files = sorted(CORPUS.rglob(f"*{suffix}"), key=lambda p: (p.stat().st_size, p.as_posix()))
    if not files:
        pytest.skip(f"no {suffix} file in {CORPUS}")
    return files[0]


SEED_SUFFIXES = (".pdf", ".docx", ".pptx", ".html", ".md")


@dataclass
class Stats:
    tried: int = 0
    clean: int = 0
    unreadable: int = 0
    unsupported: int = 0
    crashes: int = 0
    slowest: float = 0.0

    def add(self, other: Stats) -> None:
        self.tried += other.tried
        self.clean += other.clean
        self.unreadable += other.unreadable
        self.unsupported += other.unsupported
        self.crashes += other.crashes
        self.slowest = max(self.slowest, other.slowest)

    def line(self) -> str:
        return (f"{self.tried} inputs tried: {self.clean} read cleanly, {self.unreadable} unreadable, "
                f"{self.unsupported} unsupported, crashes: {self.crashes}, slowest {self.slowest:.2f} s")


TOTAL = Stats()


class _Hang(BaseException):
    """Raised by the alarm: a BaseException, so that no reader's `except Exception` hides it."""


def _on_alarm(signum, frame):
    raise _Hang()


def check_input(data: bytes, name: str, stats: Stats) -> None:
    """Read one input; fail on any exception but the two reader errors, or on a hang."""
    stats.tried += 1
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_S)
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = read_document(data, name)
    except (UnreadableFileError, UnsupportedFileError) as exc:
        message = str(exc)
        assert message.strip(), f"{name}: empty error message"
        assert "\n" not in message and "\r" not in message, f"{name}: message is not one line: {message!r}"
        if isinstance(exc, UnsupportedFileError):
            stats.unsupported += 1
        else:
            stats.unreadable += 1
    except _Hang:
        stats.crashes += 1
        raise AssertionError(f"{name}: reading {len(data)} bytes took over {LIMIT_S} s") from None
    except BaseException:
        stats.crashes += 1
        raise
    else:
        assert isinstance(result, ParsedFile), f"{name}: returned {type(result).__name__}"
        assert all(isinstance(s, Section) for s in result.sections)
        assert all(isinstance(n, str) and "\n" not in n for n in result.notes)
        stats.clean += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        elapsed = time.perf_counter() - started
        stats.slowest = max(stats.slowest, elapsed)
    assert elapsed < LIMIT_S, f"{name}: reading took {elapsed:.1f} s"


def _report(capsys, label: str, stats: Stats) -> None:
    TOTAL.add(stats)
    with capsys.disabled():
        print(f"\n[fuzz] {label}: {stats.line()}")
    assert stats.crashes == 0


@pytest.fixture(scope="module", autouse=True)
def _print_total(request):
    started = time.perf_counter()
    yield
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n[fuzz] TOTAL: {TOTAL.line()} ({time.perf_counter() - started:.0f} s)")


# --- strategies -------------------------------------------------------------------------------

_DIGITS = re.compile(rb"\d+")


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """``original`` after one to four random truncations, bit flips, overwrites, insertions,
    deletions, duplications or changed numbers (PDF object numbers, lengths, XML ids)."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "truncate", "overwrite", "insert", "delete", "duplicate", "number"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            for _ in range(draw(st.integers(1, 24))):
                data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            data = data[:at]
        elif op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=64))
            data[at:at + len(chunk)] = chunk
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 2048))]
        elif op == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 4096))]
        else:
            numbers = list(_DIGITS.finditer(data))
            if numbers:
                match = numbers[draw(st.integers(0, len(numbers) - 1))]
                value = draw(st.sampled_from([b"0", b"-1", b"1", b"65535", b"2147483648", b"99999999999999999999"])
                             | st.integers(0, 10**6).map(lambda n: str(n).encode()))
                data[match.start():match.end()] = value
    return bytes(data)


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


@st.composite
def rezipped(draw, members: list[tuple[str, bytes]]) -> bytes:
    """An Office file with one XML member mutated, emptied, replaced by random text or left
    out, zipped again (so the damage reaches the XML parsers, past the zip checks)."""
    xml = [i for i, (name, _) in enumerate(members) if name.endswith((".xml", ".rels"))]
    target = draw(st.sampled_from(xml))
    op = draw(st.sampled_from(["mutate", "mutate", "mutate", "empty", "text", "drop"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, (name, content) in enumerate(members):
            if i == target:
                if op == "drop":
                    continue
                if op == "mutate":
                    content = draw(mutated(content))
                elif op == "empty":
                    content = b""
                else:
                    content = draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
            archive.writestr(name, content)
    return out.getvalue()


_MARKUP = st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<h1>", "</h1>", "<h2>", "<script>", "</script>", "<style>",
    "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#x110000;", "&nbsp;", "<table><tr><td>",
    "<img src=x onerror=alert(1)>", "<meta charset='utf-16'>", "<?xml version='1.0'?>", "<!DOCTYPE html>",
    "# ", "## ", "\n", "\r\n", "\t", "\x00", "\x0c", "\ufeff", "\u2028", "§ 3 ", "1. ", "Närvarande:",
    "Övriga frågor", "digitalisering ", "skärmtid ", "a" * 300, "\U0001F600",
])
_TEXT = st.lists(st.one_of(_MARKUP, st.text(max_size=40)), max_size=60).map("".join)
_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])


# --- tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES + (".xlsx", ""))
def test_random_bytes_under_every_suffix(suffix, capsys):
    stats = Stats()

    @_settings(120)
    @given(data=st.binary(max_size=3000) | st.binary(max_size=16).map(lambda b: b * 200))
    def run(data):
        check_input(data, "fuzz" + suffix, stats)

    run()
    _report(capsys, f"random bytes as '{suffix}'", stats)


@pytest.mark.parametrize("suffix", SEED_SUFFIXES)
def test_mutated_corpus_files(suffix, capsys):
    seed = _seed_file(suffix)
    original = seed.read_bytes()
    check_input(original, seed.name, Stats())  # the seed itself reads
    stats = Stats()

    @_settings(300)
    @given(data=mutated(original))
    def run(data):
        check_input(data, seed.name, stats)

    run()
    _report(capsys, f"mutated {seed.name}", stats)


@pytest.mark.parametrize("suffix", [".docx", ".pptx"])
def test_office_files_with_mutated_xml(suffix, capsys):
    seed = _seed_file(suffix)
    members = _members(seed.read_bytes())
    stats = Stats()

    @_settings(250)
    @given(data=rezipped(members))
    def run(data):
        check_input(data, seed.name, stats)

    run()
    _report(capsys, f"{seed.name} with mutated XML", stats)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_random_text_and_markup(suffix, capsys):
    stats = Stats()

    @_settings(250)
    @given(text=_TEXT, encoding=_ENCODINGS)
    def run(text, encoding):
        check_input(text.encode(encoding, errors="replace"), "fuzz" + suffix, stats)

    run()
    _report(capsys, f"random text and markup as '{suffix}'", stats)


def test_a_corpus_file_read_under_every_other_suffix(capsys):
    """Real files with the wrong suffix (a PDF named .docx, a .pptx named .html, ...)."""
    stats = Stats()
    seeds = [_seed_file(s).read_bytes() for s in SEED_SUFFIXES]

    @_settings(150)
    @given(data=st.sampled_from(seeds).flatmap(lambda b: st.just(b) | mutated(b)),
           suffix=st.sampled_from(SUPPORTED_SUFFIXES))
    def run(data, suffix):
        check_input(data, "wrong" + suffix, stats)

    run()
    _report(capsys, "corpus files under the wrong suffix", stats)
