"""PDF reader: text per page with page numbers kept; slide PDFs become one section per slide."""

from __future__ import annotations

import io
import math
import re
from collections import Counter

from ingest.errors import UnreadableFileError
from ingest.models import ParsedFile, Section
from ingest.structure import NEST, is_attendance_heading, split_sections

_FOOTER = re.compile(r"^\s*((sida|page|s\.)\s*)?\d{1,4}(\s*(av|/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)


def _page_lines(page) -> list[tuple[str, float]]:
    """The page's text lines with the font size each was drawn in."""
    runs: list[tuple[str, float]] = []

    def visit(text, cm, tm, font_dict, font_size):  # pypdf's visitor signature
        if text:
            scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]) or 1.0
            runs.append((text, float(font_size or 0) * scale))

    raw = page.extract_text(visitor_text=visit) or ""
    lines: list[tuple[str, float]] = []
    current, sizes = "", Counter()
    for text, size in runs:
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            current += piece
            if piece.strip():
                sizes[round(size, 1)] += len(piece)
            if i < len(pieces) - 1:
                lines.append((current, sizes.most_common(1)[0][0] if sizes else 0.0))
                current, sizes = "", Counter()
    if current.strip():
        lines.append((current, sizes.most_common(1)[0][0] if sizes else 0.0))
    if not any(t.strip() for t, _ in lines) and raw.strip():
        lines = [(ln, 0.0) for ln in raw.splitlines()]
    return [(t.rstrip(), s) for t, s in lines if t.strip()]


def _body_size(lines: list[tuple[str, float]]) -> float:
    sizes = Counter()
    for text, size in lines:
        sizes[size] += len(text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _strip_footer(lines: list[tuple[str, float]]) -> list[tuple[str, float]]:
    while lines and _FOOTER.match(lines[-1][0]):
        lines = lines[:-1]
    return lines


def _slide_section(lines: list[tuple[str, float]], number: int) -> Section:
    """A slide page: the title is the leading run of lines in the page's largest font."""
    top = max(size for _, size in lines)
    title_lines: list[str] = []
    rest = lines
    if top > 0:
        while rest and rest[0][1] >= top * 0.95:
            title_lines.append(rest[0][0].strip())
            rest = rest[1:]
    if not title_lines:
        title_lines, rest = [lines[0][0].strip()], lines[1:]
    body = "\n".join(text for text, _ in rest).strip()
    heading = " ".join(title_lines)
    return Section(heading, body, page=number, kind="attendance" if is_attendance_heading(heading) else "body")


LEVEL_MARK = "\x00H"


def _level_line(line: str, sizes: list[float]) -> str:
    """Turn an internal heading mark with its font size into a Markdown heading."""
    if not line.startswith(LEVEL_MARK):
        return line
    size, _, text = line[len(LEVEL_MARK):].partition("|")
    return ("## " if float(size) >= sizes[0] * 0.98 else "### ") + text


def read_pdf(data: bytes, name: str) -> ParsedFile:
    """Read a PDF: each page's text with its number; headings found by font size.

    Raises:
        UnreadableFileError: for a corrupt or encrypted PDF, or one with no text layer that
            could not be OCR'd (see ocr_pdf).
    """
    import pypdf
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    if not data:
        raise UnreadableFileError(f"{name}: the file is empty (0 bytes); nothing to index")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnreadableFileError(
                        f"{name}: encrypted PDF that needs a password; save an unprotected copy to index it")
            except UnreadableFileError:
                raise
            except Exception as exc:
                raise UnreadableFileError(
                    f"{name}: encrypted PDF that cannot be opened ({exc}); save an unprotected copy") from exc
        pages = list(reader.pages)
        sections: list[Section] = []
        title: str | None = None
        portrait: list[tuple[int, list[str], bool]] = []
        for number, page in enumerate(pages, start=1):
            lines = _strip_footer(_page_lines(page))
            if not lines:
                continue
            box = page.mediabox
            landscape = float(box.width) > float(box.height)
            if landscape:
                sections.append(_slide_section(lines, number))
                if title is None:
                    title = sections[-1].heading
                continue
            body = _body_size(lines)
            marked: list[str] = []
            previous_size = None
            for text, size in lines:
                is_heading = body > 0 and size >= body * 1.12 and len(text) < 140
                continues = is_heading and previous_size == size  # a heading wrapped onto two lines
                previous_size = size if is_heading else None
                if is_heading and number == 1 and (title is None or (continues and not marked)):
                    if title is None and not marked:
                        title = text.strip()
                        continue
                    if continues and not marked:
                        title = f"{title} {text.strip()}"
                        continue
                if continues and marked and marked[-1].startswith(LEVEL_MARK):
                    marked[-1] = f"{marked[-1]} {text.strip()}"
                    continue
                marked.append((f"{LEVEL_MARK}{size}|" + text.strip()) if is_heading else text)
            portrait.append((number, marked, any(m.startswith(LEVEL_MARK) for m in marked)))
        # Where the fonts mark headings anywhere in the document, do not guess others.
        guess = not any(has for _, _, has in portrait)
        # The largest heading font is an agenda item (##), smaller ones sub-headings (###).
        sizes = sorted({float(m[len(LEVEL_MARK):].split("|", 1)[0]) for _, marked, _ in portrait
                        for m in marked if m.startswith(LEVEL_MARK)}, reverse=True)
        portrait = [(n, [_level_line(m, sizes) for m in marked], has) for n, marked, has in portrait]
        last_heading = ""
        for number, marked, _ in portrait:
            # Text at the top of a page continues the section of the page before.
            page_sections = split_sections("\n".join(marked), page=number, heading=last_heading, guess=guess,
                                           parent=last_heading.split(NEST)[0])
            sections.extend(page_sections)
            if page_sections:
                last_heading = page_sections[-1].heading
    except UnreadableFileError:
        raise
    except DependencyError as exc:  # AES encryption without pypdf's optional crypto library
        raise UnreadableFileError(
            f"{name}: PDF encrypted with AES, which needs the 'cryptography' package to read "
            "(pip install cryptography); skipped") from exc
    except LimitReachedError as exc:
        raise UnreadableFileError(
            f"{name}: a PDF stream expands past pypdf's size limit (a decompression bomb?); skipped") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, NotImplementedError,
            RecursionError, OSError, AssertionError, ZeroDivisionError, OverflowError) as exc:
        raise UnreadableFileError(f"{name}: corrupt or unreadable PDF ({type(exc).__name__}: {exc})"[:300]) from exc
    notes: list[str] = []
    if not any(s.text.strip() or s.heading.strip() for s in sections):
        sections, notes = ocr_pdf(data, name), ["no text layer: the text comes from OCR (tesseract, Swedish) "
                                                "and may hold misread words"]
    meta_title = None
    try:
        meta_title = (reader.metadata or {}).get("/Title")
    except Exception:
        meta_title = None
    return ParsedFile(sections, title or (str(meta_title).strip() if meta_title else None), "pdf", notes)


#: Seconds OCR may spend on one page (rendering and recognition) before the PDF is skipped.
OCR_PAGE_TIMEOUT_S = 120


def ocr_pdf(data: bytes, name: str) -> list[Section]:
    """The text of a PDF without a text layer, by OCR: pdftoppm renders pages, tesseract reads them.

    Optional: needs the ``tesseract`` command with its Swedish model and poppler's
    ``pdftoppm`` (Debian: ``apt-get install tesseract-ocr tesseract-ocr-swe poppler-utils``).

    Raises:
        UnreadableFileError: when the tools are missing (saying what to install), fail, or
            find no text.
    """
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    languages = ""
    if tesseract:
        try:
            languages = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True,
                                       timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            languages = ""
    if not (tesseract and pdftoppm and "swe" in languages.split()):
        raise UnreadableFileError(
            f"{name}: the PDF has no text layer (a scanned document?); install tesseract-ocr, "
            "tesseract-ocr-swe and poppler-utils to OCR it, or export it with text")
    lang = "swe+eng" if "eng" in languages.split() else "swe"
    sections: list[Section] = []
    try:
        with tempfile.TemporaryDirectory(prefix="arkiv-ocr-") as tmp:
            source = Path(tmp) / "in.pdf"
            source.write_bytes(data)
            subprocess.run([pdftoppm, "-r", "300", "-gray", "-png", str(source), str(Path(tmp) / "page")],
                           check=True, capture_output=True, timeout=OCR_PAGE_TIMEOUT_S * 4)
            images = sorted(Path(tmp).glob("page*.png"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
            for number, image in enumerate(images, start=1):
                text = subprocess.run([tesseract, str(image), "stdout", "-l", lang], check=True,
                                      capture_output=True, timeout=OCR_PAGE_TIMEOUT_S).stdout
                sections.extend(split_sections(text.decode("utf-8", "replace"), page=number))
    except (OSError, subprocess.SubprocessError) as exc:
        raise UnreadableFileError(
            f"{name}: the PDF has no text layer and OCR failed ({type(exc).__name__}); export it with text") from exc
    if not any(s.text.strip() for s in sections):
        raise UnreadableFileError(f"{name}: the PDF has no text layer and OCR found no text in it")
    return sections
