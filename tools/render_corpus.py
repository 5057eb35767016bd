"""Render the text sources in corpus_src/ into the PDF, PPTX and DOCX files of corpus/.

Usage: python tools/render_corpus.py [--force]

Rendering is deterministic (fixed PDF metadata), so re-running it on unchanged sources
yields byte-identical PDFs; a target is rewritten only when its source is newer or --force.
See corpus_src/FORMAT.md for the source format.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "corpus_src"
OUT = ROOT / "corpus"


@dataclass
class Slide:
    title: str
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # "h1" | "h2" | "h3" | "para" | "bullet"
    text: str


def parse_slides(text: str) -> list[Slide]:
    slides: list[Slide] = []
    for raw in text.split("\n---"):
        lines = [ln.rstrip() for ln in raw.strip("\n").splitlines()]
        lines = [ln for ln in lines if ln.strip() != "---"]
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            continue
        title = lines[0].lstrip("#").strip()
        slide = Slide(title)
        in_notes = False
        for ln in lines[1:]:
            if ln.strip().lower() in ("notes:", "anteckningar:"):
                in_notes = True
                continue
            (slide.notes if in_notes else slide.lines).append(ln)
        while slide.lines and not slide.lines[-1].strip():
            slide.lines.pop()
        slides.append(slide)
    return slides


def parse_document(text: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", "\n".join(para)))
            para.clear()

    for ln in text.splitlines():
        s = ln.rstrip()
        if not s.strip():
            flush()
        elif s.startswith("### "):
            flush()
            blocks.append(Block("h3", s[4:].strip()))
        elif s.startswith("## "):
            flush()
            blocks.append(Block("h2", s[3:].strip()))
        elif s.startswith("# "):
            flush()
            blocks.append(Block("h1", s[2:].strip()))
        elif s.lstrip().startswith("- "):
            flush()
            blocks.append(Block("bullet", s.lstrip()[2:].strip()))
        else:
            para.append(s)
    flush()
    return blocks


# ---------------------------------------------------------------- PDF
def _pdf_canvas(path: Path, pagesize, title: str):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=pagesize, invariant=1)
    c.setTitle(title)
    c.setCreator("Microsoft PowerPoint" if pagesize[0] > pagesize[1] else "Microsoft Word")
    return c


def _fonts() -> tuple[str, str]:
    """Register a TTF font with Swedish glyphs when available; fall back to Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for regular, bold in [
        ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ]:
        if Path(regular).exists() and Path(bold).exists():
            pdfmetrics.registerFont(TTFont("Body", regular))
            pdfmetrics.registerFont(TTFont("Body-Bold", bold))
            return "Body", "Body-Bold"
    return "Helvetica", "Helvetica-Bold"


def render_slides_pdf(slides: list[Slide], path: Path) -> None:
    from reportlab.lib.units import cm

    width, height = 33.867 * cm, 19.05 * cm  # 16:9 as PowerPoint exports it
    regular, bold = _fonts()
    c = _pdf_canvas(path, (width, height), slides[0].title if slides else path.stem)
    for number, slide in enumerate(slides, start=1):
        first = number == 1
        size = 34 if first else 28
        y = height - (7 * cm if first else 2.5 * cm)
        c.setFont(bold, size)
        # Narrow text boxes give the odd line breaks that exported slide PDFs have.
        for part in textwrap.wrap(slide.title, 34 if first else 44):
            c.drawString(2.5 * cm, y, part)
            y -= size * 1.25
        y -= 0.6 * cm
        for ln in slide.lines:
            if not ln.strip():
                y -= 0.4 * cm
                continue
            indent = 2.5 * cm
            text = ln.strip()
            font_size = 20 if first else 18
            if ln.startswith("  - ") or ln.startswith("\t- "):
                indent, text, font_size = 4.0 * cm, "– " + text[2:], 16
            elif text.startswith("- "):
                text = "• " + text[2:]
            c.setFont(regular, font_size)
            for part in textwrap.wrap(text, 58 if indent > 3 * cm else 62) or [""]:
                c.drawString(indent, y, part)
                y -= font_size * 1.35
        c.setFont(regular, 10)
        c.drawRightString(width - 1.5 * cm, 1.0 * cm, str(number))
        c.showPage()
    c.save()


def render_document_pdf(blocks: list[Block], path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm

    width, height = A4
    regular, bold = _fonts()
    title = next((b.text for b in blocks if b.kind == "h1"), path.stem)
    c = _pdf_canvas(path, A4, title)
    page = 1
    y = height - 2.5 * cm
    styles = {"h1": (bold, 16, 70), "h2": (bold, 13, 85), "h3": (bold, 11.5, 90),
              "para": (regular, 10.5, 95), "bullet": (regular, 10.5, 90)}

    def new_page() -> None:
        nonlocal y, page
        c.setFont(regular, 9)
        c.drawCentredString(width / 2, 1.3 * cm, f"Sida {page}")
        c.showPage()
        page += 1
        y = height - 2.5 * cm

    for block in blocks:
        font, size, wrap = styles[block.kind]
        if block.kind.startswith("h"):
            y -= size * 0.6
            if y < 4 * cm:
                new_page()
        lines: list[str] = []
        for src_line in block.text.splitlines() or [""]:
            lines.extend(textwrap.wrap(src_line, wrap) or [""])
        for i, ln in enumerate(lines):
            if y < 2.5 * cm:
                new_page()
            c.setFont(font, size)
            if block.kind == "bullet":
                c.drawString(2.5 * cm, y, ("• " if i == 0 else "  ") + ln)
            else:
                c.drawString(2.2 * cm, y, ln)
            y -= size * 1.4
        y -= size * 0.5
    c.setFont(regular, 9)
    c.drawCentredString(width / 2, 1.3 * cm, f"Sida {page}")
    c.showPage()
    c.save()


# ---------------------------------------------------------------- PPTX / DOCX
def render_slides_pptx(slides: list[Slide], path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Pt

    prs = Presentation()
    for number, slide in enumerate(slides):
        layout = prs.slide_layouts[0 if number == 0 else 1]
        s = prs.slides.add_slide(layout)
        s.shapes.title.text = slide.title
        body = s.placeholders[1].text_frame
        body.clear()
        first = True
        for ln in slide.lines:
            if not ln.strip():
                continue
            level = 1 if ln.startswith("  - ") else 0
            text = ln.strip()[2:] if ln.strip().startswith("- ") else ln.strip()
            para = body.paragraphs[0] if first else body.add_paragraph()
            first = False
            para.text = text
            para.level = level
            if number > 0:
                for run in para.runs:
                    run.font.size = Pt(20 if level == 0 else 16)
        notes = "\n".join(n for n in slide.notes).strip()
        if notes:
            s.notes_slide.notes_text_frame.text = notes
    prs.core_properties.title = slides[0].title if slides else path.stem
    prs.save(str(path))


def render_document_docx(blocks: list[Block], path: Path) -> None:
    from docx import Document

    doc = Document()
    for block in blocks:
        if block.kind in ("h1", "h2", "h3"):
            doc.add_heading(block.text, level=int(block.kind[1]))
        elif block.kind == "bullet":
            doc.add_paragraph(block.text, style="List Bullet")
        else:
            doc.add_paragraph(block.text)
    doc.core_properties.title = next((b.text for b in blocks if b.kind == "h1"), path.stem)
    doc.save(str(path))


def render(source: Path, target: Path) -> None:
    text = source.read_text(encoding="utf-8")
    kind, _, body = text.partition("\n")
    kind = kind.strip()
    ext = target.suffix.lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "%slides":
        slides = parse_slides(body)
        {".pdf": render_slides_pdf, ".pptx": render_slides_pptx}[ext](slides, target)
    elif kind == "%document":
        blocks = parse_document(body)
        {".pdf": render_document_pdf, ".docx": render_document_docx}[ext](blocks, target)
    else:
        raise ValueError(f"{source}: first line must be %slides or %document, not {kind!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="re-render every target")
    args = parser.parse_args()
    failures = 0
    count = 0
    for source in sorted(SRC.rglob("*.txt")):
        rel = source.relative_to(SRC)
        target = OUT / str(rel)[: -len(".txt")]
        if target.suffix.lower() not in (".pdf", ".pptx", ".docx"):
            continue
        if not args.force and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        try:
            render(source, target)
            count += 1
        except Exception as exc:  # report every broken source, render the rest
            failures += 1
            print(f"FAILED {rel}: {exc}", file=sys.stderr)
    print(f"rendered {count} file(s), {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
