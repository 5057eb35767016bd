"""Keyword-query rules in search: thesaurus expansion and dense weight per query kind, switchable."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from arkiv.cli import main
from index.archive import Archive
from index.search import DEFAULT_RANKING, Ranking, search
from index.snippets import MARK, make_snippet


@pytest.fixture(scope="module")
def archive(mini_store, hash_embedder):
    return Archive.open(mini_store, embedder=hash_embedder)


@pytest.mark.parametrize("query, short", [
    ("DNP", True),
    ("PUB-avtal molntjänster", True),          # a hyphenated word is one word
    ("1:1 utvärdering elevdatorer lärare", True),
    ("vad sa nätverket om DNP och provplattformen?", False),
])
def test_keyword_queries_are_expanded_and_sentences_not(query: str, short: bool) -> None:
    applied = DEFAULT_RANKING.for_query(query)
    assert DEFAULT_RANKING.is_keyword_query(query) == short
    if short:
        assert applied.expansion_weight == DEFAULT_RANKING.short_expansion_weight > 0
        assert applied.dense_weight == DEFAULT_RANKING.short_dense_weight
    else:
        assert applied == DEFAULT_RANKING and applied.expansion_weight == 0


def test_switching_the_rules_on_and_off() -> None:
    sentence = "en lång fråga om hur kommunerna gjorde med proven"
    everywhere = DEFAULT_RANKING.expanding_all(0.3)
    assert everywhere.for_query(sentence).expansion_weight == 0.3
    assert everywhere.for_query("DNP").expansion_weight == DEFAULT_RANKING.short_expansion_weight
    nowhere = DEFAULT_RANKING.without_expansion()
    assert nowhere.for_query("DNP").expansion_weight == 0 and nowhere.for_query(sentence).expansion_weight == 0
    alike = DEFAULT_RANKING.uniform()
    assert alike.for_query("DNP").dense_weight == alike.for_query(sentence).dense_weight == DEFAULT_RANKING.dense_weight
    assert Ranking(short_query_words=1).for_query("AI fusk").expansion_weight == 0


def test_acronym_finds_written_out_form_only_with_expansion(archive) -> None:
    # The mini corpus writes "nationella prov", never the acronym.
    found = [h.path for h in search(archive, "DNP", method="bm25").hits]
    assert any("2023-03-14_natverk-a" in p for p in found)
    assert search(archive, "DNP", method="bm25", ranking=DEFAULT_RANKING.without_expansion()).hits == []


def test_cli_thesaurus_switch(mini_store) -> None:
    runner = CliRunner()

    def paths(*flags: str) -> list[str]:
        out = runner.invoke(main, ["search", "DNP", "--index", str(mini_store), "--method", "bm25", "--json", *flags])
        assert out.exit_code == 0, out.output
        return [r["path"] for r in json.loads(out.output)["results"]]

    assert paths() and paths("--thesaurus") == paths()
    assert paths("--no-thesaurus") == []
    shown = runner.invoke(main, ["search", "DNP", "--index", str(mini_store)])
    assert "also searched for (thesaurus): digitala nationella prov" in shown.output


def test_result_says_what_was_added(archive) -> None:
    keyword = search(archive, "DNP")
    assert "digitala nationella prov" in keyword.expanded
    assert keyword.to_json()["expanded"] == keyword.expanded
    sentence = search(archive, "vad sa nätverket om DNP och provplattformen förra året?")
    assert sentence.expanded == [] and "expanded" not in sentence.to_json()
    assert search(archive, "DNP", method="dense").expanded == []


def test_snippets_mark_the_added_terms(archive) -> None:
    # "DNP" is never written in the mini corpus: the hit is there for "nationella prov", and
    # its snippet marks the added terms' words (here "provplattformen", a compound of prov).
    hit = next(h for h in search(archive, "DNP", method="bm25").hits if "2023-03-14_natverk-a" in h.path)
    assert "**provplattformen**" in hit.snippet
    assert MARK not in make_snippet(hit.text, "DNP", archive.analyzer)
