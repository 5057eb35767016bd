"""Readers for plain text and Markdown, with decoding that survives old Windows files."""

from __future__ import annotations

import re

from ingest.errors import UnreadableFileError
from ingest.models import ParsedFile
from ingest.structure import split_sections

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decode text bytes: UTF-8 first, then cp1252, then latin-1.

    Args:
        data: The file's bytes.
        name: The file name, for messages.

    Returns:
        The text and a list of notes (empty, or one saying which fallback decoded it).

    Raises:
        UnreadableFileError: for an empty file or binary data.
    """
    if not data.strip():
        raise UnreadableFileError(f"{name}: the file is empty ({len(data)} bytes); nothing to index")
    head = data[:8192]
    if b"\x00" in head:
        raise UnreadableFileError(f"{name}: binary data (NUL bytes) in a text file; check that the file type is right")
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            notes.append("not UTF-8; decoded as cp1252 (Windows-1252)")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            notes.append("not UTF-8 or cp1252; decoded as latin-1")
    if not text.strip():  # a byte-order mark or non-ASCII spaces only
        raise UnreadableFileError(f"{name}: the file is empty ({len(data)} bytes, no text); nothing to index")
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) > 0.05 * len(sample):
        raise UnreadableFileError(f"{name}: mostly control characters, not text; check that the file type is right")
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


def _first_title(sections, text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return None


def read_markdown(data: bytes, name: str) -> ParsedFile:
    """Read a Markdown file into sections at its '#' headings."""
    text, notes = decode_text(data, name)
    sections = split_sections(text)
    title = None
    match = re.search(r"^\s{0,3}#\s+(.+)$", text, re.MULTILINE)
    if match:
        title = match.group(1).strip()
        # The H1 is the document's title: do not keep it as an empty section.
        if sections and sections[0].heading == title and not sections[0].text:
            sections = sections[1:]
    return ParsedFile(sections, title or _first_title(sections, text), "markdown", notes)


def read_text(data: bytes, name: str) -> ParsedFile:
    """Read a plain text file, finding headings, agenda items and attendance lists."""
    text, notes = decode_text(data, name)
    return ParsedFile(split_sections(text), _first_title(None, text), "text", notes)
