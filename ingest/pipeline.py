"""From files on disk to documents and chunks: discovery, hashing, reading, metadata, chunking."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.chunking import TokenCounter, chunk_document
from ingest.config import IngestConfig
from ingest.errors import ArkivError
from ingest.metadata import extract_metadata
from ingest.models import Chunk, Document, ParsedFile
from ingest.people import extract_people
from ingest.readers import SUPPORTED_SUFFIXES, read_document
from ingest.worker import shared_reader

SIDECAR_SUFFIX = ".meta.yaml"
IGNORE_FILE = ".arkivignore"
#: Files that are never documents: sidecars, the ignore file, Office lock files, OS litter.
_ALWAYS_IGNORED = ("*" + SIDECAR_SUFFIX, IGNORE_FILE, "~$*", ".~lock.*", "Thumbs.db", "desktop.ini")


@dataclass
class FileResult:
    """The outcome of reading one file.

    Attributes:
        rel_path: Path relative to its corpus root, "/"-separated.
        document: The document, or None when the file was skipped.
        chunks: Its chunks (empty when skipped).
        skipped: A one-line reason when the file was skipped, else None.
        notes: One-line remarks about degraded reading, shown in the report.
    """

    rel_path: str
    document: Document | None
    chunks: list[Chunk] = field(default_factory=list)
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)


def doc_id_for(rel_path: str) -> str:
    """A stable document id: the same relative path always gives the same id."""
    return hashlib.sha1(rel_path.encode("utf-8")).hexdigest()[:12]


def content_hash(data: bytes) -> str:
    """SHA-256 of a file's bytes, the test of whether it changed."""
    return hashlib.sha256(data).hexdigest()


def _ignore_patterns(root: Path) -> list[str]:
    patterns = list(_ALWAYS_IGNORED)
    ignore_file = root / IGNORE_FILE
    if ignore_file.is_file():
        for line in ignore_file.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                patterns.append(line)
    return patterns


def discover(root: Path, within: Path | None = None) -> list[tuple[Path, str]]:
    """Every candidate document under ``root`` as (absolute path, path relative to root).

    Hidden files and folders, sidecars, Office lock files and the patterns in the root's
    ``.arkivignore`` (shell globs matched against the relative path and the file name) are
    left out. A file given directly is its own root.

    Args:
        root: The corpus root the relative paths (and so the document ids) are taken from.
        within: A folder inside ``root`` to walk instead of all of it (the root's ignore
            patterns still apply), e.g. the upload folder of the app.
    """
    root = root.resolve()
    if root.is_file():
        return [(root, root.name)]
    patterns = _ignore_patterns(root)
    top = within.resolve() if within is not None else root
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns):
                continue
            found.append((path, rel))
    return found


def read_sidecar(path: Path) -> tuple[dict | None, str | None]:
    """The ``<file>.meta.yaml`` beside a file, as (mapping, problem)."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None, None
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, f"sidecar {sidecar.name} is not valid YAML ({type(exc).__name__}); ignored"
    if data is None:
        return None, None
    if not isinstance(data, dict):
        return None, f"sidecar {sidecar.name} must be a mapping of keys to values; ignored"
    return data, None


def build_document(data: bytes, rel_path: str, sidecar: dict | None = None) -> tuple[Document, list[str]]:
    """Read bytes into a Document with metadata and people (no chunks), in this process.

    Raises:
        UnsupportedFileError, UnreadableFileError: when the file cannot be read.
    """
    return describe_document(read_document(data, Path(rel_path).name), data, rel_path, sidecar)


def describe_document(parsed: ParsedFile, data: bytes, rel_path: str,
                      sidecar: dict | None = None) -> tuple[Document, list[str]]:
    """A read file as a Document with metadata and people, and the notes on how it was read."""
    meta = extract_metadata(parsed, rel_path, sidecar)
    doc = Document(
        doc_id=doc_id_for(rel_path), path=rel_path, title=meta.title, date=meta.date,
        doc_type=meta.doc_type, network=meta.network, content_hash=content_hash(data),
        format=parsed.format, sections=parsed.sections, date_source=meta.date_source,
        date_precision=meta.date_precision)
    doc.people = extract_people(doc, meta.presenters)
    return doc, parsed.notes + meta.notes


class _ReadTimeout(BaseException):
    """Raised by the parse-time alarm: a BaseException, so that no reader's `except Exception` hides it."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block with _ReadTimeout after ``seconds``.

    Uses SIGALRM, so it bounds pure-Python parsing (pypdf, the splitter) but only in the
    main thread of a Unix process; elsewhere, or when the caller already runs a timer, the
    block runs without a limit. The alarm repeats each second until the block ends, in case
    one lands where Python ignores exceptions (a __del__ or a gc callback).
    """
    if (not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield
        return
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise _ReadTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        while True:  # disarm first: an alarm between these lines must not skip the clean-up
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except _ReadTimeout:
                continue
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _read_parsed(data: bytes, rel_path: str, timeout_s: float, isolate: bool):
    """The reader's ParsedFile, read in the reader child process when ``isolate`` (else in-process)."""
    name = Path(rel_path).name
    if isolate:
        try:
            return shared_reader().read(data, name, timeout_s)
        except OSError:
            pass  # no child process could be started here: read in-process under the alarm
    with _time_limit(timeout_s):
        return read_document(data, name)


def process_file(path: Path, rel_path: str, config: IngestConfig, count_tokens: TokenCounter,
                 data: bytes | None = None, isolate: bool = True) -> FileResult:
    """Read, describe and chunk one file; never raises for a bad file.

    Reading runs in a child process (see ingest.worker) that is killed when it takes longer
    than ``config.parse_timeout_s``; metadata and chunking run here under the same limit
    where a signal can enforce it (the main thread).

    Args:
        path: The file on disk (its sidecar is looked up beside it).
        rel_path: Its path relative to the corpus root.
        config: Size cap, parse time limit, chunking and attendance settings.
        count_tokens: The embedder's token counter.
        data: The bytes, when the caller already read them.
        isolate: Read in the child process (False reads in this process, under SIGALRM).
    """
    try:
        size = path.stat().st_size if data is None else len(data)
        limit = int(config.max_file_mb * 1024 * 1024)
        if size > limit:
            return FileResult(rel_path, None, skipped=(
                f"{size / 1048576:.1f} MB is over the {config.max_file_mb:g} MB limit "
                "(raise it with --max-file-mb)"))
        if data is None:
            data = path.read_bytes()
        sidecar, problem = read_sidecar(path)
        parsed = _read_parsed(data, rel_path, config.parse_timeout_s, isolate)
        import langchain_text_splitters  # noqa: F401  (the splitter's slow first import is not part of the limit)

        with _time_limit(config.parse_timeout_s):
            doc, notes = describe_document(parsed, data, rel_path, sidecar)
            chunks = chunk_document(doc, config, count_tokens)
        if problem:
            notes.append(problem)
        if not chunks:
            return FileResult(rel_path, None, skipped="no text to index after reading", notes=notes)
        return FileResult(rel_path, doc, chunks, notes=notes)
    except _ReadTimeout:
        return FileResult(rel_path, None, skipped=(
            f"reading took longer than {config.parse_timeout_s:g} s (parse_timeout_s); "
            "the file may be damaged or built to stall readers"))
    except ArkivError as exc:
        message = _one_line(str(exc))
        prefix = Path(rel_path).name + ": "
        return FileResult(rel_path, None, skipped=message[len(prefix):] if message.startswith(prefix) else message)
    except OSError as exc:
        return FileResult(rel_path, None, skipped=_one_line(f"could not read the file ({exc.strerror or exc})"))
    except Exception as exc:  # a reader bug must not stop the run or lose other files
        return FileResult(rel_path, None, skipped=_one_line(
            f"unexpected reader error ({type(exc).__name__}: {exc})")[:300])


def is_supported(rel_path: str) -> bool:
    """Whether the archive has a reader for this file's suffix."""
    return Path(rel_path).suffix.lower() in SUPPORTED_SUFFIXES
