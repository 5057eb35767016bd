"""Readers for Word (.docx) and PowerPoint (.pptx) files."""

from __future__ import annotations

import io
import zipfile

from ingest.errors import UnreadableFileError
from ingest.models import ParsedFile, Section
from ingest.structure import is_attendance_heading, split_sections

#: Uncompressed bytes an Office file may expand to; more is treated as a zip bomb.
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024


def _open_zip(data: bytes, name: str, kind: str) -> None:
    """Check that Office bytes are a sane zip before a parser sees them."""
    if not data:
        raise UnreadableFileError(f"{name}: the file is empty (0 bytes); nothing to index")
    if data.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE2 container: a protected or pre-2007 Office file
        raise UnreadableFileError(
            f"{name}: a password-protected or old-format Office file, not a {kind} zip; "
            "save an unprotected copy in the current format")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(
            f"{name}: not a valid {kind} file (not a zip archive); re-save it from Office") from exc
    except (NotImplementedError, ValueError, EOFError, OSError) as exc:  # zipfile on damaged headers
        raise UnreadableFileError(
            f"{name}: damaged {kind} file (zip: {exc}); re-save it from Office"[:300]) from exc
    total = sum(info.file_size for info in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise UnreadableFileError(
            f"{name}: expands to {total // (1024 * 1024)} MB, over the {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB "
            "limit for Office files (a zip bomb?); skipped")
    # Office writes stored or deflated members only; bzip2/LZMA members are inflated whole in
    # memory by zipfile, whatever size the header claims (a zip bomb's trick).
    odd = sorted({info.compress_type for info in infos} - {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
    if odd:
        raise UnreadableFileError(
            f"{name}: zip members compressed with method {', '.join(map(str, odd))}, which Office "
            "never writes (a zip bomb?); skipped")


def _docx_blocks(document) -> list[str]:
    """Body paragraphs and tables in document order, headings marked with '#'."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                lines.append("")
                continue
            style = (block.style.name if block.style is not None else "") or ""
            lowered = style.lower()
            if lowered == "title":
                lines.append("# " + text)
            elif lowered.startswith(("heading", "rubrik")):
                digits = "".join(ch for ch in style if ch.isdigit()) or "1"
                lines.append("#" * min(int(digits), 6) + " " + text)
            elif lowered.startswith("list"):
                lines.append("- " + text)
            else:
                lines.append(text)
                lines.append("")
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                if cells:
                    lines.append(" | ".join(cells))
            lines.append("")
    return lines


def read_docx(data: bytes, name: str) -> ParsedFile:
    """Read a .docx file; Heading styles (and 'Rubrik' in Swedish Word) become sections."""
    _open_zip(data, name, "Word (.docx)")
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = _docx_blocks(document)
        title = (document.core_properties.title or "").strip() or None
    except UnreadableFileError:
        raise
    except Exception as exc:  # python-docx raises many kinds on broken XML
        raise UnreadableFileError(f"{name}: damaged Word file ({type(exc).__name__}: {exc})"[:300]) from exc
    sections = split_sections("\n".join(lines))
    first_h1 = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), None)
    if first_h1 and sections and sections[0].heading == first_h1 and not sections[0].text:
        sections = sections[1:]
    if not sections:
        raise UnreadableFileError(f"{name}: the Word file holds no text")
    return ParsedFile(sections, first_h1 or title, "docx")


def _shape_texts(shapes) -> list[tuple[int, int, str]]:
    """(top, left, text) of every text-bearing shape, groups and tables included."""
    found: list[tuple[int, int, str]] = []
    for shape in shapes:
        top, left = shape.top or 0, shape.left or 0
        if shape.shape_type == 6 and hasattr(shape, "shapes"):  # a group
            found.extend(_shape_texts(shape.shapes))
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [" | ".join(c.text.strip() for c in row.cells if c.text.strip()) for row in shape.table.rows]
            found.append((top, left, "\n".join(r for r in rows if r)))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            paras = []
            for para in shape.text_frame.paragraphs:
                text = "".join(run.text for run in para.runs).strip()
                if text:
                    paras.append(("  " * para.level) + text)
            if paras:
                found.append((top, left, "\n".join(paras)))
    return found


def read_pptx(data: bytes, name: str) -> ParsedFile:
    """Read a .pptx file: one section per slide, the slide title as heading, notes included."""
    _open_zip(data, name, "PowerPoint (.pptx)")
    try:
        from pptx import Presentation

        prs = Presentation(io.BytesIO(data))
        sections: list[Section] = []
        for number, slide in enumerate(prs.slides, start=1):
            title_shape = slide.shapes.title
            heading = title_shape.text_frame.text.strip() if title_shape is not None else ""
            others = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
            texts = [t for _, _, t in sorted(_shape_texts(others))]
            body = "\n".join(texts).strip()
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame.text.strip() if slide.notes_slide.notes_text_frame else ""
                if notes:
                    body = (body + "\n\nTalaranteckningar: " + notes).strip()
            if heading or body:
                kind = "attendance" if is_attendance_heading(heading) else "body"
                sections.append(Section(" ".join(heading.split()), body, page=number, kind=kind))
        title = (prs.core_properties.title or "").strip() or None
    except Exception as exc:  # python-pptx raises many kinds on broken XML
        raise UnreadableFileError(f"{name}: damaged PowerPoint file ({type(exc).__name__}: {exc})"[:300]) from exc
    if not sections:
        raise UnreadableFileError(f"{name}: the presentation holds no text")
    return ParsedFile(sections, (sections[0].heading or title) if sections else title, "pptx")
