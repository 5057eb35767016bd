"""Tests for the Swedish BM25 analyzer: tokens, stop words, stemming, compounds, bm25s."""

from __future__ import annotations

import os
import pickle

import pytest

from index.analysis import SwedishAnalyzer, load_lexicon, load_stopwords

os.environ.setdefault("DISABLE_TQDM", "1")


@pytest.fixture(scope="module")
def an() -> SwedishAnalyzer:
    return SwedishAnalyzer()


def shares(an: SwedishAnalyzer, a: str, b: str) -> set[str]:
    return set(an.tokens(a)) & set(an.tokens(b))


@pytest.mark.parametrize(
    ("compound", "word"),
    [
        ("digitaliseringsnätverket", "nätverk"),
        ("digitaliseringsnätverket", "digitalisering"),
        ("personuppgiftsbiträdesavtal", "personuppgifter"),
        ("personuppgiftsbiträdesavtal", "biträde"),
        ("personuppgiftsbiträdesavtal", "avtal"),
        ("skärmtiden", "skärmtid"),
        ("lärplattformen", "plattform"),
        ("lärplattformarna", "lärplattform"),
        ("provplattformen", "plattform"),
        ("nätverksträffarna", "träff"),
        ("molntjänster", "tjänst"),
        ("elevdatorer", "datorer"),
        ("informationssäkerheten", "säkerhet"),
        ("fjärrundervisningen", "undervisning"),
        ("dataskyddsförordningen", "förordning"),
        ("tekniktesterna", "tester"),
        ("förskollärare", "förskolan"),
    ],
)
def test_compound_shares_token(an: SwedishAnalyzer, compound: str, word: str) -> None:
    assert shares(an, compound, word), (an.tokens(compound), an.tokens(word))


@pytest.mark.parametrize("word", ["kommun", "kommunen", "förskola", "förskolan", "undervisning",
                                  "utbildning", "förändring", "information", "nätverk", "lärare"])
def test_common_words_not_split(an: SwedishAnalyzer, word: str) -> None:
    assert an.split(word) == ()
    assert len(an.tokens(word)) == 1


@pytest.mark.parametrize(
    ("word", "must_not_share"),
    [("kommun", "kom"), ("kommunen", "mun"), ("förskola", "skola"), ("undervisning", "visning"),
     ("säkerhetskopiering", "ring")],
)
def test_no_nonsense_parts(an: SwedishAnalyzer, word: str, must_not_share: str) -> None:
    assert not shares(an, word, must_not_share)


@pytest.mark.parametrize(
    ("word", "parts"),
    [("digitaliseringsnätverket", ("digitalisering", "nätverket")),
     ("hemsida", ("hem", "sida")),
     ("skärmtid", ("skärm", "tid")),
     ("lärplattformen", ("lär", "plattformen"))],
)
def test_split_parts(an: SwedishAnalyzer, word: str, parts: tuple[str, ...]) -> None:
    assert an.split(word) == parts


@pytest.mark.parametrize(
    ("a", "b"),
    [("nätverket", "nätverk"), ("nätverkets", "nätverk"), ("skolan", "skola"), ("skolans", "skolor"),
     ("biträdet", "biträde"), ("programmet", "program"), ("proven", "prov"), ("provet", "prov"),
     ("kommunen", "kommun"), ("digitaliseringsnätverket", "digitaliseringsnätverk")],
)
def test_inflections_share_stem(an: SwedishAnalyzer, a: str, b: str) -> None:
    assert an.stem(a) == an.stem(b)


@pytest.mark.parametrize(("a", "b"), [("budget", "budge"), ("internet", "intern"), ("kvalitet", "kvalite")])
def test_definite_rule_does_not_overstem(an: SwedishAnalyzer, a: str, b: str) -> None:
    assert an.stem(a) != an.stem(b)


def test_diacritics_kept(an: SwedishAnalyzer) -> None:
    assert an.tokens("for") == ["for"]
    assert an.tokens("för") == []  # a stop word, but not confused with "for"
    assert an.tokens("får") != an.tokens("far")
    assert an.tokens("idé café") == ["idé", "café"]
    assert "åk" in an.tokens("åk 9")


@pytest.mark.parametrize("text", ["och", "det är inte så", "Vi har en av de", "för att"])
def test_stop_words_dropped(an: SwedishAnalyzer, text: str) -> None:
    assert an.tokens(text) == []


def test_stopword_file_is_snowball_sized() -> None:
    stop = load_stopwords()
    assert 100 <= len(stop) <= 130 and {"och", "att", "som", "för"} <= stop


def test_lexicon_loaded() -> None:
    lex = load_lexicon()
    assert len(lex) > 100_000 and lex["skola"] < lex["skärmtid"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PUB-avtal", ["pub-avtal", "pub", "avtal"]),
     ("PUB-avtalen", ["pub-avtal", "pub", "avtal"]),
     ("en-till-en", ["en-till-en"]),
     ("1:1", ["1:1"]),
     ("13:00", ["13:00"]),
     ("AI:s roll", ["ai", "roll"]),
     ("DNP", ["dnp"]),
     ("e-post", ["e-post", "post"]),
     ("Informations- och kommunikationsteknik", ["information", "kommunikationsteknik", "kommunikation", "teknik"])],
)
def test_tokenisation(an: SwedishAnalyzer, text: str, expected: list[str]) -> None:
    assert an.tokens(text) == expected


def test_hyphen_form_and_parts_match(an: SwedishAnalyzer) -> None:
    assert "avtal" in an.tokens("PUB-avtalen")
    assert "pub-avtal" in an.query_tokens("pub-avtal")
    assert set(an.query_tokens("AI-policy")) >= {"ai-policy", "ai", "policy"}


def test_query_tokens_match_tokens_without_duplicates(an: SwedishAnalyzer) -> None:
    text = "Digitaliseringsnätverket och nätverket"
    assert an.query_tokens(text) == list(dict.fromkeys(an.tokens(text)))
    assert len(an.query_tokens("prov proven provprov")) == len(set(an.query_tokens("prov proven provprov")))


def test_no_split_mode(an: SwedishAnalyzer) -> None:
    plain = SwedishAnalyzer(split_compounds=False)
    assert plain.tokens("digitaliseringsnätverket") == ["digitaliseringsnätverk"]
    assert plain.stem("digitaliseringsnätverket") == an.stem("digitaliseringsnätverket")


def test_extra_lexicon_enables_split() -> None:
    assert SwedishAnalyzer().split("grönzyxwidget") == ()  # "zyxwidget" is no lexicon word
    extra = SwedishAnalyzer(lexicon=frozenset({"zyxwidget"}))
    assert extra.split("grönzyxwidget") == ("grön", "zyxwidget")
    assert SwedishAnalyzer(lexicon=frozenset({"mun", "kommunx"})).split("kommun") == ()


def test_pickle_roundtrip(an: SwedishAnalyzer) -> None:
    clone = pickle.loads(pickle.dumps(an))
    assert clone.tokens("Digitaliseringsnätverket träffades") == an.tokens("Digitaliseringsnätverket träffades")


def test_bm25_ranks_compound_first(an: SwedishAnalyzer) -> None:
    bm25s = pytest.importorskip("bm25s")
    docs = [
        "Digitaliseringsnätverket träffades.",
        "Kommunen köpte nya datorer till eleverna.",
        "Förskolan diskuterade skärmtiden.",
        "Lärplattformen byts ut i höst.",
        "Rektorerna fick information om budgeten.",
    ]
    retriever = bm25s.BM25()
    retriever.index([an.tokens(d) for d in docs], show_progress=False)
    for query, expected in [("nätverk", 0), ("plattform", 3), ("skärmtid", 2)]:
        q = [t for t in an.query_tokens(query) if t in retriever.vocab_dict]
        ids, scores = retriever.retrieve([q], k=2, show_progress=False)
        assert int(ids[0, 0]) == expected and scores[0, 0] > 0, (query, ids, scores)


def test_enormous_word_is_not_split_and_fast():
    import time

    analyzer = SwedishAnalyzer()
    started = time.perf_counter()
    tokens = analyzer.tokens("a" * 100_000 + " nätverket")
    assert time.perf_counter() - started < 2.0
    assert "nätverk" in tokens
