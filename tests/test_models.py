"""Tests for the domain model: round-trips of the example document and the validation messages."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest

from ingest.models import (
    DOC_TYPE_LABELS,
    DOC_TYPES,
    EXAMPLE_DOCUMENT,
    ROLES,
    Chunk,
    Document,
    Person,
    SearchHit,
    Section,
    date_label,
    date_span,
)


def rebuild(data: dict) -> Document:
    """A Document from ``dataclasses.asdict`` output (nested sections and people rebuilt)."""
    data = dict(data)
    data["sections"] = [Section(**s) for s in data["sections"]]
    data["people"] = [Person(**p) for p in data["people"]]
    return Document(**data)


def test_example_document_round_trips_through_asdict():
    data = dataclasses.asdict(EXAMPLE_DOCUMENT)
    again = rebuild(data)
    assert again == EXAMPLE_DOCUMENT
    assert again is not EXAMPLE_DOCUMENT
    assert dataclasses.asdict(again) == data


def test_example_document_round_trips_through_json():
    text = json.dumps(dataclasses.asdict(EXAMPLE_DOCUMENT), ensure_ascii=False)
    assert rebuild(json.loads(text)) == EXAMPLE_DOCUMENT


def test_example_document_is_consistent():
    doc = EXAMPLE_DOCUMENT
    assert doc.doc_type in DOC_TYPES and doc.date_source == "filename"
    assert doc.path.startswith(doc.network + "/")
    assert [s.kind for s in doc.sections] == ["attendance", "body"]
    assert doc.people[0].section == doc.sections[1].heading


def test_changed_copy_is_not_equal():
    changed = copy.deepcopy(EXAMPLE_DOCUMENT)
    changed.sections[1].text += " Mer text."
    assert changed != EXAMPLE_DOCUMENT


def test_chunk_round_trip():
    chunk = Chunk("3f2a9c1b7e4d-0", "3f2a9c1b7e4d", 1, "Rubrik", 1, "text", 4, 8, "Titel\nRubrik\ntext")
    assert Chunk(**dataclasses.asdict(chunk)) == chunk


def test_labels_cover_every_type():
    assert set(DOC_TYPE_LABELS) == set(DOC_TYPES)


def test_defaults():
    section = Section("Rubrik", "Text")
    assert (section.page, section.kind) == (None, "body")
    person = Person("Anna Berg", None, "present")
    assert (person.section, person.title) == ("", None)
    doc = Document("id", "a.md", "T", None, "other", None, "0" * 64, "markdown")
    assert (doc.sections, doc.people, doc.date_source) == ([], [], "")
    doc.sections.append(section)
    assert Document("id2", "b.md", "T", None, "other", None, "0" * 64, "markdown").sections == []


def _doc(**overrides) -> dict:
    args = dict(doc_id="id", path="a.md", title="T", date=None, doc_type="minutes", network=None,
                content_hash="0" * 64, format="markdown")
    args.update(overrides)
    return args


def _chunk(**overrides) -> dict:
    args = dict(chunk_id="id-0", doc_id="id", section_index=0, section="", page=None, text="abcd",
                start=0, end=4, embed_text="T\nabcd")
    args.update(overrides)
    return args


INVALID = [
    # (class, constructor args, expected message substring)
    (Section, dict(heading="H", text="t", page=0), "page must be 1 or more, got 0"),
    (Section, dict(heading="H", text="t", page=-3), "got -3"),
    (Section, dict(heading="H", text="t", kind="närvaro"), "kind must be 'body' or 'attendance', got 'närvaro'"),
    (Section, dict(heading="H", text="t", kind="Attendance"), "got 'Attendance'"),
    (Person, dict(name="Anna Berg", organisation=None, role="speaker"), "role must be one of"),
    (Person, dict(name="Anna Berg", organisation=None, role="speaker"), "got 'speaker'"),
    (Person, dict(name="Anna Berg", organisation=None, role=""), ", ".join(ROLES)),
    (Document, _doc(doc_type="protokoll"), "type must be one of"),
    (Document, _doc(doc_type="protokoll"), ", ".join(DOC_TYPES)),
    (Document, _doc(doc_type="Minutes"), "got 'Minutes'"),
    (Document, _doc(date="12/03/2024"), "date must be ISO YYYY-MM-DD, got '12/03/2024'"),
    (Document, _doc(date="2024-3-12"), "ISO YYYY-MM-DD"),
    (Document, _doc(date="2024-03-12T10:00"), "ISO YYYY-MM-DD"),
    (Document, _doc(date="20240312"), "ISO YYYY-MM-DD"),
    (Document, _doc(date=""), "ISO YYYY-MM-DD"),
    (Document, _doc(date="2024-01-01", date_precision="month"), "date_precision must be one of day, term, year"),
    (Chunk, _chunk(start=5, end=3, text=""), "id-0: offsets must satisfy 0 <= start <= end, got 5, 3"),
    (Chunk, _chunk(start=-1, end=3, text="abcd"), "0 <= start <= end"),
    (Chunk, _chunk(start=0, end=3), "end - start (3) must equal len(text) (4)"),
    (Chunk, _chunk(start=2, end=2), "end - start (0) must equal len(text) (4)"),
]


@pytest.mark.parametrize(("cls", "args", "message"), INVALID,
                         ids=[f"{cls.__name__}-{i}" for i, (cls, _, _) in enumerate(INVALID)])
def test_validation_errors(cls, args, message):
    with pytest.raises(ValueError) as info:
        cls(**args)
    assert message in str(info.value)


VALID = [
    (Section, dict(heading="", text="", page=1, kind="attendance")),
    (Person, dict(name="Anna Berg", organisation="Kungälvs kommun", role="chair", title="rektor")),
    (Document, _doc(date="2024-03-12", doc_type="theme_meeting", network="gr-digitalisering")),
    (Chunk, _chunk(text="", start=3, end=3)),
]


@pytest.mark.parametrize(("cls", "args"), VALID, ids=[cls.__name__ for cls, _ in VALID])
def test_valid_values_are_accepted(cls, args):
    cls(**args)


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_accepted(role):
    assert Person("Per Olsson", None, role).role == role


def test_search_hit_json_contract():
    more = SearchHit("d-2", "d", "p", "T", None, "minutes", None, "S", None, "x", 0.5)
    hit = SearchHit("d-1", "d", "p", "T", "2024-03-12", "minutes", "n", "S", 2, "text", 0.123456789,
                    snippet="**text**", more=[more], sources=[{"doc_id": "e"}])
    data = hit.to_json()
    assert data["score"] == 0.123457
    assert data["more"] == ["d-2"]
    assert set(data) == {"chunk_id", "doc_id", "path", "title", "date", "date_precision", "date_label", "doc_type", "network", "section",
                         "page", "text", "score", "snippet", "more", "sources"}
    json.dumps(data)  # serialisable as is


@pytest.mark.parametrize(("date", "precision", "span", "label"), [
    ("2024-03-12", "day", ("2024-03-12", "2024-03-12"), "2024-03-12"),
    ("2024-01-01", "day", ("2024-01-01", "2024-01-01"), "2024-01-01"),  # a real 1 January stays a day
    ("2023-03-15", "term", ("2023-01-01", "2023-06-30"), "VT 2023"),
    ("2023-10-15", "term", ("2023-07-01", "2023-12-31"), "HT 2023"),
    ("2024-01-01", "year", ("2024-01-01", "2024-12-31"), "2024"),
])
def test_date_span_and_label(date, precision, span, label):
    assert date_span(date, precision) == span
    assert date_label(date, precision) == label
    doc = Document("id", "a.md", "T", date, "overview", None, "0" * 64, "html", date_precision=precision)
    assert doc.date_label == label


def test_undated_has_no_label():
    assert date_label(None, "year") is None
    assert Document("id", "a.md", "T", None, "other", None, "0" * 64, "markdown").date_label is None


def test_hit_json_says_how_exact_its_date_is():
    hit = SearchHit("d-0", "d", "n/2024/2024_n_oversikt.html", "Träffar 2024", "2024-01-01", "overview", "n", "",
                    None, "text", 1.0, date_precision="year")
    data = hit.to_json()
    assert (data["date"], data["date_precision"], data["date_label"]) == ("2024-01-01", "year", "2024")
