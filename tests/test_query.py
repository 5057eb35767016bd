"""Query understanding: dates and terms, quoted phrases and who-questions, read from tables."""

from __future__ import annotations

import pytest

from index.archive import Archive
from index.filters import make_filters
from index.query import is_who_question, question_theme, understand_query
from index.search import search


@pytest.mark.parametrize(("query", "text", "date_from", "date_to"), [
    ("AI 2024", "AI", "2024-01-01", "2024-12-31"),
    ("vt 2023 digitala prov", "digitala prov", "2023-01-01", "2023-06-30"),
    ("VT23 Chromebooks", "Chromebooks", "2023-01-01", "2023-06-30"),
    ("GDPR hösten 2022", "GDPR", "2022-07-01", "2022-12-31"),
    ("HT23 chatgpt", "chatgpt", "2023-07-01", "2023-12-31"),
    ("ht-22 källkritik", "källkritik", "2022-07-01", "2022-12-31"),
    ("våren 2020 distansundervisning", "distansundervisning", "2020-01-01", "2020-06-30"),
    ("vårterminen 2021 prov", "prov", "2021-01-01", "2021-06-30"),
    ("remote teaching in spring 2020", "remote teaching", "2020-01-01", "2020-06-30"),
    ("NIS2 mars 2024", "NIS2", "2024-03-01", "2024-03-31"),
    ("AI 2021-2023", "AI", "2021-01-01", "2023-12-31"),
    ("AI mellan 2021 och 2022", "AI", "2021-01-01", "2022-12-31"),
    ("AI sedan 2023", "AI", "2023-01-01", None),
    ("AI efter 2023", "AI", "2024-01-01", None),
    ("GDPR före 2021", "GDPR", None, "2020-12-31"),
    ("AI under 2024", "AI", "2024-01-01", "2024-12-31"),
    ("vt 2023 och ht 2024 AI", "och AI", "2023-01-01", "2024-12-31"),
    # Not periods: years inside names, law references, a date the text talks about.
    ("Agenda 2030 i skolan", "Agenda 2030 i skolan", None, None),
    ("SFS 2018:218 dataskydd", "SFS 2018:218 dataskydd", None, None),
    ("AI-förordningen från 2 februari 2025", "AI-förordningen från 2 februari 2025", None, None),
    ("skolans IT-miljö", "skolans IT-miljö", None, None),
    ("2024", "2024", "2024-01-01", "2024-12-31"),  # nothing else left: the text stays searchable
])
def test_dates_become_a_filter_and_leave_the_text(query, text, date_from, date_to):
    understood = understand_query(query)
    assert (understood.text, understood.date_from, understood.date_to) == (text, date_from, date_to)
    assert understood.has_dates == bool(date_from or date_to)


@pytest.mark.parametrize(("query", "is_who", "theme", "organisation"), [
    ("vem pratade om digitala nationella prov?", True, "digitala nationella prov", None),
    ("Vem har pratat om GDPR", True, "GDPR", None),
    ("vilka har presenterat AI och bedömning?", True, "AI och bedömning", None),
    ("Vem har föreläst för nätverket om AI och bedömning?", True, "AI och bedömning", None),
    ("Vilken forskare har talat om skärmtid i förskolan?", True, "skärmtid i förskolan", None),
    ("vilka föreläsare har pratat om AI", True, "AI", None),
    ("Vem från Skolverket har berättat om digitala nationella prov?", True, "digitala nationella prov", "Skolverket"),
    ("Vem presenterade erfarenheter av AI-verktyg i klassrummet?", True,
     "erfarenheter av AI-verktyg i klassrummet", None),
    ("who presented on cloud services?", True, "cloud services", None),
    ("Who gave a talk about screen time", True, "screen time", None),
    ("vem pratade om AI 2024?", True, "AI", None),
    # Questions that start like one but ask about something else.
    ("vilka gemensamma utgångspunkter om ChatGPT kom kommunerna överens om?", False, None, None),
    ("vilka resultat visade kartläggningen?", False, None, None),
    ("vem äger elevernas data i molnet?", False, None, None),
    ("digitala nationella prov", False, None, None),
])
def test_who_questions_and_their_theme(query, is_who, theme, organisation):
    understood = understand_query(query)
    assert understood.is_who is is_who
    assert is_who_question(query) is is_who
    if is_who:
        assert understood.theme == theme == question_theme(query)
        assert understood.organisation == organisation


@pytest.mark.parametrize(("query", "phrases", "text"), [
    ('"nationella prov" Chromebooks', ("nationella prov",), "nationella prov Chromebooks"),
    ("“Safe Exam Browser” tekniktest", ("Safe Exam Browser",), "Safe Exam Browser tekniktest"),
    ('"a" och "b c"', ("b c",), "a och b c"),  # a one-letter quote is not a phrase
    ("inga citat", (), "inga citat"),
])
def test_quoted_phrases(query, phrases, text):
    understood = understand_query(query)
    assert understood.phrases == phrases
    assert understood.text == text


def test_understanding_round_trips_to_json():
    data = understand_query('vem pratade om "AI" hösten 2023?').to_json()
    assert data == {"text": "AI", "date_from": "2023-07-01", "date_to": "2023-12-31", "dates": ["hösten 2023"],
                    "phrases": ["AI"], "is_who": True, "theme": "AI", "organisation": None}


def test_search_applies_the_year_in_the_query(mini_store):
    archive = Archive.open(mini_store)
    result = search(archive, "avtal 2024", k=10)
    assert result.hits and all(h.date.startswith("2024") for h in result.hits)
    assert result.understood.text == "avtal"
    data = result.to_json()
    assert data["query"] == "avtal 2024" and data["understood"]["date_from"] == "2024-01-01"
    assert {"query", "took_ms", "results"} <= set(data)


def test_query_dates_intersect_given_filters(mini_store):
    archive = Archive.open(mini_store)
    filters = make_filters(archive, date_from="2023-06", date_to="2024-12")
    result = search(archive, "anteckningar 2023", k=10, filters=filters)
    assert result.hits and all("2023-06-01" <= h.date <= "2023-12-31" for h in result.hits)
    assert result.filters["date_from"] == "2023-06-01" and result.filters["date_to"] == "2023-12-31"
    assert not search(archive, "anteckningar 2022", k=10, filters=filters).hits  # disjoint ranges: nothing


def test_quoted_phrase_keeps_only_chunks_containing_it(mini_store):
    archive = Archive.open(mini_store)
    assert search(archive, '"Safe Exam"', k=10).hits
    assert not search(archive, '"afe Exam"', k=10).hits  # a phrase starts at a word
    loose = search(archive, "digitala verktyg förskolan", k=10, collapse=False)
    exact = search(archive, '"digitala verktyg" förskolan', k=10, collapse=False)
    assert len(exact.hits) < len(loose.hits)
    assert exact.hits and all("digitala verktyg" in (h.section + "\n" + h.text).lower() for h in exact.hits)
    assert not search(archive, '"finns ingenstans i arkivet"', k=10).hits


def test_plain_queries_are_searched_as_typed(mini_store):
    archive = Archive.open(mini_store)
    result = search(archive, "Safe Exam Browser tekniktest", k=3)
    assert result.understood is not None and not result.understood.changed
    assert "understood" not in result.to_json()
    same = search(archive, "Safe Exam Browser tekniktest", k=3, understand=False)
    assert [h.chunk_id for h in same.hits] == [h.chunk_id for h in result.hits]


def test_who_question_searches_its_theme(mini_store):
    archive = Archive.open(mini_store)
    asked = search(archive, "vem pratade om ChatGPT och fusk?", k=3)
    plain = search(archive, "ChatGPT och fusk", k=3)
    assert asked.understood.is_who
    assert [h.chunk_id for h in asked.hits] == [h.chunk_id for h in plain.hits]
