"""Tests for metadata extraction: dates and where they came from, document types, networks, sidecars."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.metadata import (
    date_from_filename,
    extract_date,
    extract_metadata,
    find_dates,
    guess_doc_type,
    guess_network,
    heading_date,
    section_date,
    term_date,
)
from ingest.models import DOC_TYPES, ParsedFile, Section
from ingest.readers import read_document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "same"


def parsed(*sections: Section, title: str | None = None, fmt: str = "docx") -> ParsedFile:
    return ParsedFile(list(sections), title, fmt)


PLAIN = parsed(Section("", "Lite text om skolans arbete."))

# ---------------------------------------------------------------- dates

DATE_CASES = [
    # (text, file name, expected date, expected source)
    ("Datum: 2024-03-12\nAnteckningar från mötet", "anteckningar.docx", "2024-03-12", "text"),
    ("Mötet hölls 2023-11-07 i Göteborg.", "notes.txt", "2023-11-07", "text"),
    ("Anteckningar från mötet 12 oktober 2021", "notes.txt", "2021-10-12", "text"),
    ("Datum: 12 oktober 2021\nPlats: Mölndal", "notes.txt", "2021-10-12", "text"),
    ("Träffen hölls den 5 mars 2024 i Kungälv.", "notes.txt", "2024-03-05", "text"),
    ("Mötet den 5:e mars 2024", "notes.txt", "2024-03-05", "text"),
    ("Datum: 3 okt. 2022", "notes.txt", "2022-10-03", "text"),
    ("Publicerad 2024-03-05\nNätverksträffar under året", "page.html", "2024-03-05", "text"),
    ("Planering för HT 2023", "plan.docx", "2023-10-15", "term"),
    ("Teman under vårterminen 2024", "plan.docx", "2024-03-15", "term"),
    ("Teman för hösten 2022", "plan.docx", "2022-10-15", "term"),
    ("Teman för VT24 saknar år med fyra siffror", "plan.docx", None, ""),
    ("", "plan_ht2023.txt", "2023-10-15", "term"),
    ("Anteckningar utan datum", "2024-03-12_gr-digitalisering_anteckningar.pdf", "2024-03-12", "filename"),
    ("Anteckningar utan datum", "20240312_anteckningar.pdf", "2024-03-12", "filename"),
    ("Översikt över träffarna", "oversikt_2023.html", "2023-01-01", "filename"),
    ("Anteckningar utan datum", "anteckningar.pdf", None, ""),
    ("", "notes.txt", None, ""),
    # A labelled date in the text wins over the file name ...
    ("Publicerad 2024-03-05", "2023-01-10_sida.html", "2024-03-05", "text"),
    ("Datum: 12 oktober 2021", "2024-03-12_x.pdf", "2021-10-12", "text"),
    # ... an unlabelled one does not (it may be a date mentioned in passing).
    ("Nästa möte 5 mars 2024.", "2024-02-01_anteckningar.pdf", "2024-02-01", "filename"),
    # Impossible dates are no dates.
    ("Mötet 2024-02-30", "notes.txt", None, ""),
    ("Datum: 31 april 2024", "notes.txt", None, ""),
    ("", "2024-13-01_x.pdf", "2024-01-01", "filename"),  # no full date; the year is still there
]


@pytest.mark.parametrize(("text", "filename", "date", "source"), DATE_CASES)
def test_extract_date(text, filename, date, source):
    found = extract_date(text, filename)
    assert found[:2] == (date, source)
    assert found[2] == ("term" if source == "term" else "year" if (source, date) in YEAR_ONLY else "day")


#: The cases above whose date is a file name's year alone (stored as 1 January).
YEAR_ONLY = {("filename", "2023-01-01"), ("filename", "2024-01-01")}


def test_a_full_date_of_1_january_in_the_file_name_is_a_day():
    assert extract_date("", "2024-01-01_anteckningar.pdf") == ("2024-01-01", "filename", "day")
    assert extract_date("", "2024_oversikt.html") == ("2024-01-01", "filename", "year")


@pytest.mark.parametrize(("heading", "expected"), [
    ("Träff 2 – 16 maj (tematräff)", "2024-05-16"),
    ("Tematräff – 19 maj, MDU Västerås", "2024-05-19"),
    ("Träff 7 – 5:e sept.", "2024-09-05"),
    ("Mötet 2023-10-05", "2023-10-05"),  # a full date keeps its own year
    ("Nätverksträffar 2024", None),
    ("Träff 1 – 30 februari", None),  # no such day
    ("Punkt 3 i maj-utskicket", None),  # a month without a day
])
def test_heading_date_completes_day_and_month_with_the_year(heading, expected):
    assert heading_date(heading, "2024") == expected


def test_section_date_only_refines_year_only_documents():
    assert section_date("2024-01-01", "year", "Träff 3 – 8 oktober") == ("2024-10-08", "day")
    assert section_date("2024-01-01", "year", "Nätverksträffar 2024") == ("2024-01-01", "year")
    assert section_date("2024-03-12", "day", "Nästa träff 8 oktober") == ("2024-03-12", "day")
    assert section_date("2023-10-15", "term", "Träff 3 – 8 oktober") == ("2023-10-15", "term")
    assert section_date(None, "day", "Träff 3 – 8 oktober") == (None, "day")


def test_labelled_date_must_follow_the_label_closely():
    text = "Publicerad av GR:s nätverk för digitalisering i skolan, uppdaterad 2024-03-05"
    assert extract_date(text, "page.html") == ("2024-03-05", "text", "day")  # found as the first date
    assert extract_date(text, "2023-09-01_page.html") == ("2023-09-01", "filename", "day")


def test_only_the_start_of_the_text_is_searched_for_unlabelled_dates():
    text = "Anteckningar\n" + "Ingen datering här. " * 100 + "Ett datum långt ner: 2024-03-12."
    assert extract_date(text, "notes.txt") == (None, "", "day")


def test_find_dates_in_order_of_position():
    text = "Mötet 12 oktober 2021 följdes upp 2021-11-02 och 3 dec 2021."
    assert [iso for _, iso in find_dates(text)] == ["2021-10-12", "2021-11-02", "2021-12-03"]


@pytest.mark.parametrize(("text", "expected"), [
    ("HT 2023", "2023-10-15"), ("ht-2023", "2023-10-15"), ("VT 2024", "2024-03-15"),
    ("Höstterminen 2021", "2021-10-15"), ("våren 2020", "2020-03-15"), ("sommaren 2024", None),
])
def test_term_date(text, expected):
    assert term_date(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("2024-03-12_gr-digitalisering_anteckningar.pdf", "2024-03-12"),
    ("20240312_anteckningar.pdf", "2024-03-12"),
    ("anteckningar_2024.pdf", None),
    ("2024-02-30_anteckningar.pdf", None),
])
def test_date_from_filename(name, expected):
    assert date_from_filename(name) == expected


# ---------------------------------------------------------------- document types

@pytest.mark.parametrize(("rel_path", "doc_type"), [
    ("gr-digitalisering/2024/2024-03-12_gr-digitalisering_anteckningar.pdf", "minutes"),
    ("x/minnesanteckningar-2023.docx", "minutes"),
    ("protokoll.txt", "minutes"),
    ("tematraff_ai.pdf", "theme_meeting"),
    ("2024-05-02_temadag.pdf", "theme_meeting"),
    ("bildspel.pdf", "presentation"),
    ("2023_oversikt.html", "overview"),
    ("n/2023/natverkstraffar.html", "overview"),
    ("verksamhetsplan.docx", "plan"),
    ("uppdrag_2024.md", "plan"),
    ("anteckningar.pptx", "minutes"),  # the file name wins over the format
    ("planering.docx", "other"),       # whole words only: "planering" is not "plan"
    ("random.docx", "other"),
])
def test_doc_type_from_file_name(rel_path, doc_type):
    assert guess_doc_type(rel_path, PLAIN) == doc_type


@pytest.mark.parametrize(("rel_path", "parsed_file", "doc_type"), [
    ("deck.pptx", parsed(Section("Agenda", "Punkt ett"), fmt="pptx"), "presentation"),
    ("a.docx", parsed(Section("", "Om AI"), title="Tematräff om AI"), "theme_meeting"),
    ("a.docx", parsed(Section("", "Välkomna till tematräff om AI i skolan.")), "theme_meeting"),
    ("a.html", parsed(Section("Träff 1: AI", "x"), Section("Träff 2: DNP", "y"), fmt="html"), "overview"),
    ("a.docx", parsed(Section("Punkt", "x"), title="Anteckningar från mötet"), "minutes"),
    ("a.docx", parsed(Section("Närvarande", "Anna Berg"), Section("Punkt", "x")), "minutes"),
    ("a.pdf", parsed(*(Section(f"Bild {n}", "kort text", page=n) for n in (1, 2, 3)), fmt="pdf"), "presentation"),
    ("a.pdf", parsed(*(Section(f"Del {n}", "lång text " * 100, page=n) for n in (1, 2, 3)), fmt="pdf"), "other"),
    ("a.docx", parsed(Section("Mål", "x"), title="Plan för nätverket"), "plan"),
    ("a.docx", parsed(Section("Rubrik", "Vanlig text.")), "other"),
])
def test_doc_type_from_content(rel_path, parsed_file, doc_type):
    assert guess_doc_type(rel_path, parsed_file) == doc_type


@pytest.mark.parametrize("name", ["minutes.txt", "minutes.md", "minutes.docx", "minutes.pdf", "minutes.pptx"])
def test_fixture_minutes_metadata(name):
    # A neutral file name, so that the type and date come from the content.
    suffix = Path(name).suffix
    result = read_document((FIXTURES / name).read_bytes(), name)
    meta = extract_metadata(result, f"gr-digitalisering/2024/mote{suffix}")
    assert meta.date == "2024-03-12" and meta.date_source == "text"
    assert meta.doc_type == ("presentation" if suffix == ".pptx" else "minutes")
    assert meta.network == "gr-digitalisering"
    assert meta.title == "Anteckningar – Nätverket för digitalisering i skolan"
    assert meta.notes == []


# ---------------------------------------------------------------- networks

@pytest.mark.parametrize(("rel_path", "network"), [
    ("gr-digitalisering/2024/2024-03-12_gr-digitalisering_anteckningar.pdf", "gr-digitalisering"),
    ("uppsala-ikt/notes.txt", "uppsala-ikt"),
    ("uppsala-ikt/2024-03-12_md-digitalisering_anteckningar.pdf", "uppsala-ikt"),  # folder wins
    ("2024/2024-03-12_uppsala-ikt_anteckningar.pdf", "uppsala-ikt"),  # a year folder is no network
    ("2024-03-12_md-digitalisering_anteckningar.pdf", "md-digitalisering"),
    ("2024_md-digitalisering_plan.docx", "md-digitalisering"),
    ("anteckningar.pdf", None),
    ("2024/anteckningar.pdf", None),
    ("2024-03-12_anteckningar.pdf", None),  # too few parts to hold a network slug
])
def test_guess_network(rel_path, network):
    assert guess_network(rel_path) == network


# ---------------------------------------------------------------- titles and sidecars

MINUTES = parsed(
    Section("Närvarande", "Anna Berg (Kungälv), Per Olsson (Mölndal)", kind="attendance"),
    Section("1. AI i skolan (Jonas Ek, Göteborgs universitet)", "Jonas berättade om AI-verktyg."),
    title="Anteckningar – nätverksträff",
)
REL = "gr-digitalisering/2024/2024-03-12_gr-digitalisering_anteckningar.docx"


def test_metadata_without_sidecar():
    meta = extract_metadata(MINUTES, REL)
    assert (meta.title, meta.date, meta.date_source, meta.doc_type, meta.network) == (
        "Anteckningar – nätverksträff", "2024-03-12", "filename", "minutes", "gr-digitalisering")
    assert meta.notes == [] and meta.presenters == []


def test_title_falls_back_to_the_file_name():
    meta = extract_metadata(parsed(Section("", "text")), "n/2024-03-12_n_anteckningar.md")
    assert meta.title == "2024-03-12 n anteckningar"


@pytest.mark.parametrize(("value", "date", "precision"), [
    ("2023-09-14", "2023-09-14", "day"),
    (dt.date(2023, 9, 14), "2023-09-14", "day"),
    ("HT 2023", "2023-10-15", "term"),
    ("vårterminen 2024", "2024-03-15", "term"),
    (2022, "2022-01-01", "year"),  # YAML reads a bare year as a number
    (" 2022 ", "2022-01-01", "year"),
])
def test_sidecar_date_precision(value, date, precision):
    meta = extract_metadata(MINUTES, REL, {"date": value})
    assert (meta.date, meta.date_source, meta.date_precision) == (date, "sidecar", precision)


@pytest.mark.parametrize("value", [True, 12, "22", "snart"])
def test_sidecar_values_that_are_no_year_are_ignored(value):
    meta = extract_metadata(MINUTES, REL, {"date": value})
    assert (meta.date, meta.date_precision) == ("2024-03-12", "day") and len(meta.notes) == 1


@pytest.mark.parametrize(("sidecar", "field", "expected"), [
    ({"date": "2023-09-14"}, "date", "2023-09-14"),
    ({"date": dt.date(2023, 9, 14)}, "date", "2023-09-14"),  # YAML reads bare dates as dates
    ({"date": dt.datetime(2023, 9, 14, 13, 30)}, "date", "2023-09-14"),
    ({"date": "14 september 2023"}, "date", "2023-09-14"),
    ({"date": "HT 2023"}, "date", "2023-10-15"),
    ({"type": "theme_meeting"}, "doc_type", "theme_meeting"),
    ({"type": " plan "}, "doc_type", "plan"),
    ({"title": "Nätverksträff om AI"}, "title", "Nätverksträff om AI"),
    ({"title": "   "}, "title", "Anteckningar – nätverksträff"),
    ({"network": "uppsala-ikt"}, "network", "uppsala-ikt"),
])
def test_sidecar_values_win(sidecar, field, expected):
    meta = extract_metadata(MINUTES, REL, sidecar)
    assert getattr(meta, field) == expected
    if field == "date":
        assert meta.date_source == "sidecar"
    assert meta.notes == []


def test_sidecar_wins_on_every_field_at_once():
    sidecar = {"date": "2023-09-14", "type": "presentation", "title": "Egen titel", "network": "uppsala-ikt",
               "presenters": [{"name": "Helena Lind", "organisation": "Skolverket"}, {"organisation": "utan namn"}, "x"]}
    meta = extract_metadata(MINUTES, REL, sidecar)
    assert (meta.title, meta.date, meta.date_source, meta.doc_type, meta.network) == (
        "Egen titel", "2023-09-14", "sidecar", "presentation", "uppsala-ikt")
    assert meta.presenters == [{"name": "Helena Lind", "organisation": "Skolverket"}]


def test_bad_sidecar_type_is_ignored_with_a_note():
    meta = extract_metadata(MINUTES, REL, {"type": "protokoll"})
    assert meta.doc_type == "minutes"  # the guess stands
    assert len(meta.notes) == 1
    note = meta.notes[0]
    assert "'protokoll'" in note and "ignored" in note
    assert all(t in note for t in DOC_TYPES)  # the note says what would have been valid


def test_bad_sidecar_date_is_ignored_with_a_note():
    meta = extract_metadata(MINUTES, REL, {"date": "snart"})
    assert (meta.date, meta.date_source) == ("2024-03-12", "filename")
    assert len(meta.notes) == 1 and "'snart'" in meta.notes[0]


def test_empty_sidecar_changes_nothing():
    assert extract_metadata(MINUTES, REL, {}) == extract_metadata(MINUTES, REL, None)


@pytest.mark.parametrize("rel, network", [
    ("uppladdat/gr-digitalisering/anteckningar.pdf", "gr-digitalisering"),
    ("uppladdat/okänt/anteckningar.pdf", None),
    ("uppladdat/okänt/2024-03-12_md-digitalisering_anteckningar.pdf", "md-digitalisering"),
    ("uppladdat/anteckningar.pdf", "uppladdat"),
])
def test_network_of_uploads(rel: str, network: str | None) -> None:
    assert guess_network(rel) == network
