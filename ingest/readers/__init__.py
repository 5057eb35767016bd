"""Readers turn a file's bytes and name into sections; dispatch is by file suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from ingest.errors import UnreadableFileError, UnsupportedFileError
from ingest.models import ParsedFile
from ingest.readers.html import read_html
from ingest.readers.office import read_docx, read_pptx
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_markdown, read_text

Reader = Callable[[bytes, str], ParsedFile]

#: The suffix table: every readable kind of file and its reader.
READERS: dict[str, Reader] = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".pptx": read_pptx,
    ".html": read_html,
    ".htm": read_html,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".txt": read_text,
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(READERS)


def read_document(data: bytes, name: str) -> ParsedFile:
    """Read one file's bytes into sections.

    Args:
        data: The file's contents.
        name: The file name (its suffix picks the reader; it also names the file in errors).

    Raises:
        UnsupportedFileError: for a file type the archive cannot read.
        UnreadableFileError: for a supported file that is corrupt, empty or otherwise unreadable.
    """
    suffix = PurePath(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        kinds = ", ".join(sorted({s.lstrip(".") for s in READERS}))
        raise UnsupportedFileError(
            f"{name}: unsupported file type {suffix or '(no suffix)'!r}; the archive reads {kinds}")
    try:
        return reader(data, name)
    except (UnreadableFileError, UnsupportedFileError) as exc:
        message = str(exc)
        if "\n" in message or "\r" in message:  # a parser's multi-line message: keep the report one line a file
            raise type(exc)(" ".join(message.split())) from exc
        raise
