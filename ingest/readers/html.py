"""HTML reader: the page's main text only (no navigation, cookie banners or footers)."""

from __future__ import annotations

import re

from ingest.errors import UnreadableFileError
from ingest.models import ParsedFile
from ingest.readers.text import decode_text
from ingest.structure import split_sections

#: HTML larger than this is cut before extraction; boilerplate removal is superlinear.
MAX_HTML_CHARS = 5_000_000


def read_html(data: bytes, name: str) -> ParsedFile:
    """Read an HTML page with trafilatura's main-text extraction, keeping its headings.

    Raises:
        UnreadableFileError: when the page has no main text.
    """
    import trafilatura

    text, notes = decode_text(data, name)
    if len(text) > MAX_HTML_CHARS:
        text = text[:MAX_HTML_CHARS]
        notes.append(f"HTML over {MAX_HTML_CHARS:,} characters; the rest was cut")
    try:
        extracted = trafilatura.extract(
            text, output_format="markdown", include_formatting=True, include_links=False,
            include_comments=False, include_tables=True, favor_recall=True)
        # Only the title is used: extensive=False keeps htmldate from loading dateparser's
        # 200 locales, seconds on the first date-like string a process meets.
        metadata = trafilatura.extract_metadata(text, extensive=False)
    except Exception as exc:  # noqa: BLE001 - lxml and trafilatura fail in many ways (even AssertionError)
        raise UnreadableFileError(f"{name}: HTML that cannot be parsed ({type(exc).__name__}); skipped") from exc
    if not extracted or not extracted.strip():
        raise UnreadableFileError(f"{name}: no main text found in the HTML page")
    # trafilatura marks emphasis with ** and _; the archive shows plain text.
    extracted = re.sub(r"\*\*(.+?)\*\*", r"\1", extracted)
    sections = split_sections(extracted)
    title = None
    h1 = re.search(r"^#\s+(.+)$", extracted, re.MULTILINE)
    if h1:
        title = h1.group(1).strip()
        if sections and sections[0].heading == title and not sections[0].text:
            sections = sections[1:]
    if title is None and metadata is not None and metadata.title:
        title = metadata.title.strip()
    return ParsedFile(sections, title, "html", notes)
