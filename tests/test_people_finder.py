"""The people finder: who presented or spoke on a theme, person profiles, the CLI and the Personer page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from conftest import markdown_of, search_page

from arkiv.cli import main
from index.archive import Archive
from index.filters import make_filters
from index.people import PeopleDirectory, find_people, matching_people, person_key, person_profile

from conftest import LABELS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MARCH = "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"


def _row(name: str, organisation: str | None, date: str, doc_id: str, role: str = "presenter") -> dict:
    return {"doc_id": doc_id, "name": name, "organisation": organisation, "role": role, "section": "", "title": None,
            "doc_title": f"Möte {date}", "date": date, "path": f"{doc_id}.md", "network": "n", "doc_type": "minutes"}


def test_a_yearly_overview_dates_a_talk_by_its_meeting_day():
    overview = {**_row("Helena Welén", "Skolverket", "2022-01-01", "d9"), "date_precision": "year",
                "section": "Träff 3 – 22 september, Nyköping"}
    undated_part = {**_row("Helena Welén", "Skolverket", "2023-01-01", "d8"), "date_precision": "year",
                    "section": "Nätverksträffar 2023"}
    directory = PeopleDirectory([overview, undated_part, _row("Helena Welén", "Skolverket", "2024-03-01", "d1")])
    spans = [(s.first, s.last) for s in directory.organisations("helena welen")]
    assert spans == [("2022-09-22", "2024-03-01")]


@pytest.mark.model
def test_profile_dates_overview_talks_by_their_meeting_day(corpus_archive):
    profile = person_profile(corpus_archive, "Jonas Ekholm")
    overview = next(t for t in profile.presentations if t.section == "Träff 3 – 22 september, Nyköping")
    assert (overview.date, overview.date_label, overview.doc_type) == ("2022-09-22", "2022-09-22", "overview")
    assert [t.date for t in profile.presentations] == sorted(t.date for t in profile.presentations)


@pytest.mark.parametrize(("a", "b"), [
    ("Helena Welén", "helena  welen"),
    ("HELENA WELÉN", " Helena Welén "),
    ("Maria Johansson Eklund", "maria johansson eklund"),
])
def test_person_key_ignores_case_spacing_and_diacritics(a, b):
    assert person_key(a) == person_key(b)


def test_one_person_across_documents_with_organisations_over_time():
    directory = PeopleDirectory([
        _row("Helena Welén", "Kungälvs kommun", "2019-03-01", "d1"),
        _row("Helena Welen", "Kungälvs kommun", "2020-05-01", "d2"),
        _row("helena welén", "Skolverket", "2022-02-01", "d3"),
        _row("Helena Welén", "Skolverket", "2024-09-01", "d4", role="present"),
        _row("Helena Welén", "undervisningsråd", "2024-09-01", "d4"),  # a job title, not an organisation
        _row("Sveriges Kommuner", None, "2024-09-01", "d4", role="guest"),  # a wrapped organisation name
    ])
    assert list(directory.records) == ["helena welen"]
    key = "helena welen"
    assert directory.name(key) == "Helena Welén"  # the commonest spelling, diacritics on a tie
    spans = [(s.name, s.first, s.last, s.documents) for s in directory.organisations(key)]
    assert spans == [("Kungälvs kommun", "2019-03-01", "2020-05-01", 2), ("Skolverket", "2022-02-01", "2024-09-01", 2)]
    assert directory.organisation_names(key) == ["Skolverket", "Kungälvs kommun"]  # most documents, then latest


def test_presenter_of_the_matching_item_comes_first(mini_store):
    archive = Archive.open(mini_store)
    people = find_people(archive, "digitala nationella prov tekniktest", k=5)
    assert people[0].name == "Helena Welén"
    assert people[0].organisations == ["Skolverket"]
    evidence = people[0].evidence[0]
    assert (evidence.date, evidence.role) == ("2023-03-14", "presenter")
    assert evidence.section.startswith("1. Digitala nationella prov") and evidence.path == MARCH
    assert evidence.chunk_id.startswith(evidence.doc_id)
    assert "Jonas Ekholm" not in [p.name for p in people]  # his item does not match


@pytest.mark.parametrize("query", ["ChatGPT och fusk", "vem pratade om ChatGPT och fusk?",
                                   "who presented on ChatGPT and fusk", "vilka har presenterat AI-detektorer"])
def test_themes_and_who_questions(mini_store, query):
    people = find_people(Archive.open(mini_store), query, k=3)
    assert people and people[0].name == "Jonas Ekholm"


def test_dates_and_filters_narrow_the_people(mini_store):
    archive = Archive.open(mini_store)
    assert not [p for p in find_people(archive, "digitala nationella prov 2024") if p.name == "Helena Welén"]
    assert find_people(archive, "digitala nationella prov", filters=make_filters(archive, networks=["natverk-b"])) \
        == [] or all(p.name != "Helena Welén" for p in find_people(
            archive, "digitala nationella prov", filters=make_filters(archive, networks=["natverk-b"])))
    assert find_people(archive, "digitala nationella prov vt 2023")[0].name == "Helena Welén"


def test_person_result_json_contract(mini_store):
    data = find_people(Archive.open(mini_store), "ChatGPT fusk", k=1)[0].to_json()
    assert set(data) == {"name", "organisations", "score", "evidence"}
    assert {"doc_id", "title", "date", "section", "role"} <= set(data["evidence"][0])


@pytest.mark.parametrize("typed", ["Helena Welén", "Welen", "helena welen", "Helena Welin"])
def test_profile_by_tolerant_name(mini_store, typed):
    profile = person_profile(Archive.open(mini_store), typed)
    assert profile is not None and profile.name == "Helena Welén"
    assert [(o.name, o.first, o.last, o.documents) for o in profile.organisations] == [
        ("Skolverket", "2023-03-14", "2023-03-14", 1)]
    assert [(t.date, t.role, t.path) for t in profile.presentations] == [("2023-03-14", "presenter", MARCH)]
    assert profile.meetings == []


def test_profile_of_an_attendee(mini_store):
    archive = Archive.open(mini_store)
    profile = person_profile(archive, "Anna Berg")
    assert profile.presentations == [] and [(m.role, m.path) for m in profile.meetings] == [("present", MARCH)]
    assert profile.organisations[0].name == "Kungälvs kommun"
    assert person_profile(archive, "Nils Nilsson") is None
    assert matching_people(archive, "welen") == ["Helena Welén"]
    assert json.loads(json.dumps(profile.to_json()))["name"] == "Anna Berg"


def test_cli_people_json(mini_store):
    result = CliRunner().invoke(main, ["people", "digitala nationella prov", "--index", str(mini_store), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"] == "digitala nationella prov"
    first = data["people"][0]
    assert first["name"] == "Helena Welén" and first["organisations"] == ["Skolverket"]
    assert isinstance(first["score"], float)
    assert {"doc_id", "title", "date", "section", "role"} <= set(first["evidence"][0])


def test_cli_people_text_and_filters(mini_store):
    runner = CliRunner()
    result = runner.invoke(main, ["people", "ChatGPT fusk", "--index", str(mini_store), "-k", "1"])
    assert result.exit_code == 0 and result.output.startswith("1. Jonas Ekholm")
    empty = runner.invoke(main, ["people", "ChatGPT fusk", "--index", str(mini_store), "--network", "natverk-b"])
    assert empty.exit_code == 0 and "nobody found" in empty.output


def test_cli_person(mini_store):
    runner = CliRunner()
    result = runner.invoke(main, ["person", "welen", "--index", str(mini_store), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["name"] == "Helena Welén"
    text = runner.invoke(main, ["person", "Anna Berg", "--index", str(mini_store)])
    assert "Kungälvs kommun" in text.output and "present" in text.output
    missing = runner.invoke(main, ["person", "Nils Nilsson", "--index", str(mini_store)])
    assert missing.exit_code == 1 and missing.output.startswith("arkiv: error: no person matching 'Nils Nilsson'")


def test_people_page_lists_presenters_with_evidence(app_env):
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("app_pages/people.py").run()
    assert not at.exception
    assert at.title[0].value == "Personer"
    at.text_input(key="q").input("digitala nationella prov").run()
    assert not at.exception
    text = markdown_of(at)
    assert "1. Helena Welén" in text and "Skolverket" in text and "presenterade" in text
    links = [(link.proto.page, link.proto.query_string) for link in at.get("page_link")]
    assert any(page == "dokument" and "doc=" in params and "chunk=" in params for page, params in links)
    assert ("personer", "person=Helena+Wel%C3%A9n&q=digitala+nationella+prov") in links


def test_people_page_profile_and_escaping(app_env):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["person"] = "Welen"
    at.run()
    at.switch_page("app_pages/people.py").run()
    assert not at.exception
    assert at.header[0].value == "Helena Welén"
    assert "Skolverket" in str(at.table[0].value)
    assert "1. Digitala nationella prov" in markdown_of(at)
    at.query_params["person"] = "<script>alert(1)</script>"
    at.run()
    assert not at.exception and "<script>" not in markdown_of(at)
    assert "finns i arkivet" in at.warning[0].value


def test_search_page_answers_who_questions_with_people(app_env):
    text = markdown_of(search_page("vem har pratat om digitala nationella prov?"))
    assert "Personer som har presenterat eller pratat om ”digitala nationella prov”" in text
    assert text.index("1. Helena Welén") < text.index("<div class='hit-snippet'>")  # above the results
    assert "Personer som har presenterat" not in markdown_of(search_page("digitala nationella prov"))


def _speaker_questions() -> list[dict]:
    items = []
    for path in sorted(LABELS.glob("*.yaml")):
        items += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("speakers") or []
    return items


@pytest.mark.model
@pytest.mark.parametrize("field", ["query", "question"])
def test_speaker_questions_top3(corpus_archive, field):
    """Each labeled speaker question has an expected person in the top 3 (the theme, and the question as asked)."""
    items = _speaker_questions()
    assert items
    misses = []
    for item in items:
        found = [p.name for p in find_people(corpus_archive, item[field], k=3)]
        if not set(found) & set(item["expected"]):
            misses.append(f"{item['id']}: {item[field]!r} expected {item['expected']}, got {found}")
    hits = len(items) - len(misses)
    print(f"\nspeaker questions ({field}): {hits}/{len(items)} with an expected person in the top 3")
    assert not misses, "\n".join(misses)
