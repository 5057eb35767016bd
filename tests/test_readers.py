"""Tests for the readers: the same minutes in five formats, page/slide numbers, HTML boilerplate,
decoding fallbacks and the errors for unsupported and unreadable files.

The binary fixtures in tests/fixtures/same/ are rendered from the sources beside them
(minutes.src-document.txt, minutes.src-slides.txt) by tools/render_corpus.py. After
editing a source, regenerate them with::

    .venv/bin/python tests/test_readers.py
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from ingest.errors import UnreadableFileError, UnsupportedFileError
from ingest.models import ParsedFile
from ingest.readers import SUPPORTED_SUFFIXES, read_document
from ingest.structure import NEST

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "same"
MINUTES_FORMATS = ["minutes.txt", "minutes.md", "minutes.docx", "minutes.pdf", "minutes.pptx"]

TITLE = "Anteckningar – Nätverket för digitalisering i skolan"
HEADINGS = [
    "Närvarande",
    "1. Digitala nationella prov (Helena Lind, Skolverket)",
    "2. AI i undervisningen (Jonas Ek, Göteborgs universitet)",
    "Beslut",
]
NOTES_MARK = "Talaranteckningar:"


def own(heading: str) -> str:
    """A section's own heading, without the agenda item it is nested under ("Item › Beslut")."""
    return heading.rsplit(NEST, 1)[-1]


def load_render_corpus():
    """tools/render_corpus.py as a module (it is a script, not part of a package)."""
    name = "render_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "render_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def regenerate_fixtures() -> None:
    """Re-render minutes.pdf, minutes.docx and minutes.pptx from their text sources."""
    rc = load_render_corpus()
    rc.render(FIXTURES / "minutes.src-document.txt", FIXTURES / "minutes.pdf")
    rc.render(FIXTURES / "minutes.src-document.txt", FIXTURES / "minutes.docx")
    rc.render(FIXTURES / "minutes.src-slides.txt", FIXTURES / "minutes.pptx")


def read_fixture(name: str) -> ParsedFile:
    return read_document((FIXTURES / name).read_bytes(), name)


def words(text: str) -> list[str]:
    """Lower-cased words only: bullets, numbering punctuation, dashes and whitespace vanish."""
    return re.findall(r"\w+", text.lower())


def document_words(parsed: ParsedFile) -> list[str]:
    """Title, then every section's heading and text, as one word sequence.

    Readers differ in whether the title stays in the sections (a plain-text first line, a
    Markdown/Word H1 with text under it, a title slide) or only in ``parsed.title`` (a PDF's
    large first line); the title is put in front once when the sections lack it. Nested
    headings count once (their own part), and speaker notes, which only a PPTX has, are
    left out.
    """
    seq: list[str] = []
    for section in parsed.sections:
        seq += words(own(section.heading)) + words(section.text.split(NOTES_MARK)[0])
    title = words(parsed.title or "")
    if seq[: len(title)] != title:
        seq = title + seq
    return seq


# ---------------------------------------------------------------- the same minutes everywhere

@pytest.fixture(scope="module")
def parsed_minutes() -> dict[str, ParsedFile]:
    return {name: read_fixture(name) for name in MINUTES_FORMATS}


def test_fixture_sources_are_beside_the_binaries():
    for name in ("minutes.src-document.txt", "minutes.src-slides.txt"):
        first = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
        assert first in ("%document", "%slides")


@pytest.mark.parametrize("name", MINUTES_FORMATS)
def test_same_minutes_same_words_in_every_format(parsed_minutes, name):
    expected = words((FIXTURES / "minutes.txt").read_text(encoding="utf-8"))
    assert len(expected) > 100
    assert document_words(parsed_minutes[name]) == expected


@pytest.mark.parametrize("name", MINUTES_FORMATS)
def test_same_minutes_same_title_and_headings(parsed_minutes, name):
    parsed = parsed_minutes[name]
    assert parsed.title == TITLE
    headings = [own(s.heading) for s in parsed.sections if s.heading and s.heading != parsed.title]
    assert headings == HEADINGS


@pytest.mark.parametrize(("name", "fmt"), [
    ("minutes.txt", "text"), ("minutes.md", "markdown"), ("minutes.docx", "docx"),
    ("minutes.pdf", "pdf"), ("minutes.pptx", "pptx"), ("page.html", "html"),
])
def test_format_names_the_reader(name, fmt):
    assert read_fixture(name).format == fmt


@pytest.mark.parametrize("name", MINUTES_FORMATS)
def test_attendance_section_kind(parsed_minutes, name):
    kinds = {own(s.heading): s.kind for s in parsed_minutes[name].sections}
    assert kinds["Närvarande"] == "attendance"
    for heading in HEADINGS[1:]:
        assert kinds[heading] == "body"


@pytest.mark.parametrize("name", ["minutes.txt", "minutes.md", "minutes.docx", "minutes.pdf"])
def test_decision_heading_is_nested_under_the_agenda_item(parsed_minutes, name):
    headings = [s.heading for s in parsed_minutes[name].sections]
    assert f"{HEADINGS[2]}{NEST}Beslut" in headings


def test_slide_titles_are_not_nested(parsed_minutes):
    assert "Beslut" in [s.heading for s in parsed_minutes["minutes.pptx"].sections]


@pytest.mark.parametrize("name", ["minutes.txt", "minutes.md", "minutes.docx"])
def test_flowing_text_has_no_page_numbers(parsed_minutes, name):
    assert all(s.page is None for s in parsed_minutes[name].sections)


def test_markdown_h1_is_the_title_not_a_heading_of_its_own(parsed_minutes):
    sections = parsed_minutes["minutes.md"].sections
    assert sections[0].heading == TITLE and sections[0].text == "Datum: 12 mars 2024"


def test_plain_text_finds_agenda_items_and_known_headings(parsed_minutes):
    sections = parsed_minutes["minutes.txt"].sections
    assert sections[0].heading == ""
    assert sections[0].text.startswith(TITLE)
    item = next(s for s in sections if s.heading.startswith("1. "))
    assert "- Provtjänsten öppnar för test i augusti." in item.text
    assert not item.text.startswith(item.heading)  # the heading is not repeated in the body


# ---------------------------------------------------------------- DOCX

def test_docx_keeps_heading_styles_and_bullets(parsed_minutes):
    parsed = parsed_minutes["minutes.docx"]
    by_heading = {own(s.heading): s for s in parsed.sections}
    assert set(HEADINGS) <= set(by_heading)
    item = by_heading[HEADINGS[1]]
    assert item.text.startswith("Helena berättade")
    assert "- Varje skola utser en provansvarig." in item.text.splitlines()
    assert by_heading["Beslut"].text.startswith("Nätverket tar fram")


# ---------------------------------------------------------------- PDF

def test_pdf_sections_carry_their_page(parsed_minutes):
    parsed = parsed_minutes["minutes.pdf"]
    assert [s.page for s in parsed.sections] == [1] * len(parsed.sections)
    # The page footer ("Sida 1") is not text.
    assert not any("Sida" in s.text for s in parsed.sections)


@pytest.fixture(scope="module")
def two_page_pdf(tmp_path_factory) -> ParsedFile:
    rc = load_render_corpus()
    sentence = ("Gruppen diskuterade hur skolornas nätverk och datorer ska klara de digitala "
                "nationella proven under vårens provperiod.")
    paragraphs = "\n\n".join(f"Stycke {n}. {sentence} {sentence}" for n in range(1, 17))
    source = (f"# Lång anteckning\n\n## 1. Första punkten\n\n{paragraphs}\n\n"
              "## 2. Andra punkten\n\nDen andra punkten står på sidan två.\n")
    path = tmp_path_factory.mktemp("pdf") / "lang.pdf"
    rc.render_document_pdf(rc.parse_document(source), path)
    return read_document(path.read_bytes(), path.name)


def test_pdf_section_on_second_page_gets_page_2(two_page_pdf):
    assert two_page_pdf.title == "Lång anteckning"
    assert {s.page for s in two_page_pdf.sections} == {1, 2}
    second = next(s for s in two_page_pdf.sections if s.heading == "2. Andra punkten")
    assert second.page == 2
    assert second.text == "Den andra punkten står på sidan två."


def test_pdf_text_continued_on_next_page_keeps_its_heading(two_page_pdf):
    first = [s for s in two_page_pdf.sections if s.heading == "1. Första punkten"]
    assert [s.page for s in first] == [1, 2]
    text = "\n".join(s.text for s in first)
    for n in range(1, 17):
        assert f"Stycke {n}." in text
    assert "Sida 1" not in text


def test_slide_pdf_one_section_per_slide(tmp_path):
    rc = load_render_corpus()
    path = tmp_path / "minutes-slides.pdf"
    rc.render(FIXTURES / "minutes.src-slides.txt", path)
    parsed = read_document(path.read_bytes(), path.name)
    assert parsed.format == "pdf"
    assert [s.page for s in parsed.sections] == [1, 2, 3, 4, 5]
    assert [s.heading for s in parsed.sections] == [TITLE, *HEADINGS]
    assert [s.kind for s in parsed.sections] == ["body", "attendance", "body", "body", "body"]
    assert NOTES_MARK not in "".join(s.text for s in parsed.sections)  # notes are not in PDFs


# ---------------------------------------------------------------- PPTX

def test_pptx_slide_numbers_and_titles(parsed_minutes):
    sections = parsed_minutes["minutes.pptx"].sections
    assert [(s.page, s.heading) for s in sections] == list(enumerate([TITLE, *HEADINGS], start=1))


def test_pptx_includes_speaker_notes(parsed_minutes):
    slide = next(s for s in parsed_minutes["minutes.pptx"].sections if s.page == 3)
    body, _, notes = slide.text.partition(NOTES_MARK)
    assert "Varje skola utser en provansvarig." in body
    assert notes.strip() == "Kom ihåg att skicka ut Skolverkets checklista för provdagarna."
    others = [s for s in parsed_minutes["minutes.pptx"].sections if s.page != 3]
    assert not any(NOTES_MARK in s.text for s in others)


# ---------------------------------------------------------------- HTML

@pytest.fixture(scope="module")
def page() -> ParsedFile:
    return read_fixture("page.html")


def test_html_main_text_with_headings(page):
    assert page.title == "Nätverksträffar 2024"
    headings = [s.heading for s in page.sections]
    assert "Träff 1: Digitala nationella prov" in headings
    assert "Träff 2: Generativ AI i undervisningen" in headings
    by_heading = {s.heading: s.text for s in page.sections}
    assert "checklistor för provdagarna" in by_heading["Träff 1: Digitala nationella prov"]
    assert "gemensamma riktlinjer" in by_heading["Träff 2: Generativ AI i undervisningen"]
    assert all(s.page is None for s in page.sections)


@pytest.mark.parametrize("boilerplate", [
    "Startsida", "Kalendarium", "Kontakta oss", "Pressrum",          # navigation
    "kakor", "kakpolicy", "Godkänn",                                  # cookie banner
    "Box 5073", "Telefon", "Tillgänglighetsredogörelse", "Webbkarta",  # footer
])
def test_html_drops_navigation_cookies_and_footer(page, boilerplate):
    text = "\n".join(s.heading + "\n" + s.text for s in page.sections)
    assert boilerplate.lower() not in text.lower()


@pytest.mark.parametrize("data", [
    b"<html><head><title>Tom sida</title></head><body></body></html>",
    b"<html><body><script>var x = 1;</script></body></html>",
])
def test_html_without_main_text_is_unreadable(data):
    with pytest.raises(UnreadableFileError, match="no main text"):
        read_document(data, "tom.html")


def test_html_that_trips_the_parser_is_unreadable_not_a_crash():
    # Found by the fuzz test: lxml/trafilatura raise a bare AssertionError on this page.
    with pytest.raises(UnreadableFileError, match="cannot be parsed"):
        read_document(b"\xe2\x80\xa8<script><!DOCTYPE html>", "x.html")


# ---------------------------------------------------------------- decoding

def test_cp1252_fallback_decodes_swedish_letters_and_adds_note():
    raw = (FIXTURES / "cp1252.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is not UTF-8
    parsed = read_document(raw, "cp1252.txt")
    text = "\n".join(s.heading + "\n" + s.text for s in parsed.sections)
    for letters in ("å", "ä", "ö", "Åsa Öberg", "Björn Ärlig", "Närvarande"):
        assert letters in text
    assert "\ufffd" not in text
    assert len(parsed.notes) == 1 and "cp1252" in parsed.notes[0]
    assert next(s for s in parsed.sections if s.heading == "Närvarande").kind == "attendance"


def test_utf8_file_has_no_notes(parsed_minutes):
    assert parsed_minutes["minutes.txt"].notes == []
    assert parsed_minutes["minutes.md"].notes == []


def test_utf8_bom_and_crlf_are_removed():
    parsed = read_document("\ufeffRubrik\r\n\r\nBeslut\r\nVi beslutade.\r\n".encode("utf-8"), "a.txt")
    assert parsed.title == "Rubrik"
    assert parsed.sections[-1].heading == "Beslut"
    assert parsed.sections[-1].text == "Vi beslutade."
    assert "\r" not in "".join(s.text for s in parsed.sections)


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("name", ["budget.xlsx", "bild.PNG", "gammal.doc", "README"])
def test_unsupported_suffix_names_the_suffix(name):
    with pytest.raises(UnsupportedFileError) as info:
        read_document(b"some bytes", name)
    message = str(info.value)
    suffix = Path(name).suffix.lower()
    assert name in message
    assert (repr(suffix) if suffix else "no suffix") in message
    assert "pdf" in message and "docx" in message  # says what can be read


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file_is_unreadable(suffix):
    with pytest.raises(UnreadableFileError, match="empty"):
        read_document(b"", "tom" + suffix)


@pytest.mark.parametrize("data", [
    b"  \n\t\r\n ",
    b"\xef\xbb\xbf",                 # an empty file saved with a UTF-8 byte-order mark
    b"\xef\xbb\xbf\r\n  \r\n",
    "\u00a0\n".encode("utf-8"),      # a no-break space only
])
@pytest.mark.parametrize("name", ["blank.txt", "blank.md", "blank.html"])
def test_whitespace_only_text_is_unreadable(data, name):
    with pytest.raises(UnreadableFileError, match="empty"):
        read_document(data, name)


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "NUL"),
    (bytes(range(1, 9)) * 200, "control characters"),
])
def test_binary_in_txt_is_unreadable(data, reason):
    with pytest.raises(UnreadableFileError, match=reason):
        read_document(data, "egentligen-en-bild.txt")


@pytest.mark.parametrize("name", ["trasig.pdf", "trasig.docx", "trasig.pptx"])
def test_corrupt_binary_formats_are_unreadable(name):
    with pytest.raises(UnreadableFileError, match=name):
        read_document(b"this is not what the suffix promises" * 10, name)


def test_docx_bytes_named_pptx_are_unreadable():
    data = (FIXTURES / "minutes.docx").read_bytes()
    with pytest.raises(UnreadableFileError, match="PowerPoint"):
        read_document(data, "fel.pptx")


if __name__ == "__main__":
    regenerate_fixtures()
    print(f"rendered minutes.pdf, minutes.docx and minutes.pptx in {FIXTURES}")
