"""Readers for plain text and Markdown, with decoding that survives old Windows files."""

from __future__ import annotations

import codecs
import re

from ingest.errors import UnreadableFileError
from ingest.models import ParsedFile
from ingest.structure import split_sections

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A well-formed multi-byte UTF-8 sequence.
_HIGH_BYTES = bytes(range(0x80, 0x100))
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode handler: bytes that are not UTF-8 are read as cp1252 (latin-1 where cp1252 has a gap)."""
    bad = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), error.end


codecs.register_error("arkiv-cp1252", _cp1252_bytes)


def _utf16_text(data: bytes) -> tuple[str, str | None] | None:
    """(text, note) for UTF-16 text (with a byte-order mark, or without one that the NUL
    bytes of ASCII letters give away), else None."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding, note = "utf-16", None
    else:
        head = data[:8192]
        even, odd = head[0::2], head[1::2]
        if len(head) < 4:
            return None
        if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            encoding = "utf-16-le"
        elif even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            encoding = "utf-16-be"
        else:
            return None
        note = f"UTF-16 without a byte-order mark; decoded as {encoding.upper()}"
    try:
        return data[: len(data) // 2 * 2].decode(encoding), note
    except UnicodeDecodeError:
        return None


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decode text bytes: UTF-16 when it has a byte-order mark or the look of one, else UTF-8
    (a few non-UTF-8 bytes read as cp1252), else cp1252, then latin-1.

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
    notes: list[str] = []
    utf16 = _utf16_text(data)
    if utf16 is not None:
        text, note = utf16
        if note:
            notes.append(note)
    elif b"\x00" in head:
        raise UnreadableFileError(f"{name}: binary data (NUL bytes) in a text file; check that the file type is right")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            high = len(data) - len(data.translate(None, _HIGH_BYTES))
            if len(data) - len(_UTF8_SEQUENCE.sub(b"", data)) >= high / 2:
                # Mostly UTF-8 with some Windows bytes pasted in: decode each part by its encoding.
                text = data.decode("utf-8-sig", errors="arkiv-cp1252")
                notes.append("mixed encodings: UTF-8 with some bytes decoded as cp1252 (Windows-1252)")
            else:
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
