"""Tests for the query-expansion thesaurus: parsing, matching, expansion, errors."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from index.analysis import SwedishAnalyzer
from index.thesaurus import Thesaurus, ThesaurusError, default_thesaurus_path

SAMPLE = """\
# comment
NP = nationella prov
DNP = digitala nationella prov = digitala prov

AI = artificiell intelligens = generativ AI = ChatGPT = språkmodell
1:1 = en-till-en = en till en
PUB-avtal = personuppgiftsbiträdesavtal = biträdesavtal
GDPR=dataskyddsförordningen
SKR = Sveriges Kommuner och Regioner
"""


@pytest.fixture(scope="module")
def th() -> Thesaurus:
    return Thesaurus.from_text(SAMPLE, analyzer=SwedishAnalyzer(split_compounds=False))


@pytest.fixture(scope="module")
def shipped() -> Thesaurus:
    return Thesaurus.load(default_thesaurus_path())


def test_parse_groups(th: Thesaurus) -> None:
    assert len(th.groups) == 7
    assert th.groups[0] == ("NP", "nationella prov")
    assert th.groups[5] == ("GDPR", "dataskyddsförordningen")  # spaces around "=" optional
    assert th.groups[6] == ("SKR", "Sveriges Kommuner och Regioner")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NP", ["nationella prov"]),
        ("np i matematik", ["nationella prov"]),
        ("nationella proven", ["NP"]),
        ("resultat på nationella provet", ["NP"]),
        ("digitala nationella proven", ["DNP", "digitala prov"]),  # longest match wins, not NP
        ("DNP:s tekniska krav", ["digitala nationella prov", "digitala prov"]),
        ("AI", ["artificiell intelligens", "generativ AI", "ChatGPT", "språkmodell"]),
        ("AI-policy", ["artificiell intelligens", "generativ AI", "ChatGPT", "språkmodell"]),
        ("ChatGPT och fusk", ["AI", "artificiell intelligens", "generativ AI", "språkmodell"]),
        ("generativ AI i skolan", ["AI", "artificiell intelligens", "ChatGPT", "språkmodell"]),
        ("aims and claims", []),
        ("1:1", ["en-till-en"]),  # "en till en" is the same term once hyphens read as spaces
        ("En till en med Chromebooks", ["1:1"]),
        ("PUB-avtalen", ["personuppgiftsbiträdesavtal", "biträdesavtal"]),
        ("pub avtal", ["personuppgiftsbiträdesavtal", "biträdesavtal"]),
        ("personuppgiftsbiträdesavtalet", ["PUB-avtal", "biträdesavtal"]),
        ("dataskyddsförordningen", ["GDPR"]),
        ("GDPR och PUB-avtal", ["dataskyddsförordningen", "personuppgiftsbiträdesavtal", "biträdesavtal"]),
        ("sveriges kommuner och regioner", ["SKR"]),
        ("SKR:s vägledning", ["Sveriges Kommuner och Regioner"]),
        ("skolans nätverk", []),
        ("", []),
    ],
)
def test_expand(th: Thesaurus, query: str, expected: list[str]) -> None:
    assert th.expand(query) == expected


def test_query_terms_not_repeated(th: Thesaurus) -> None:
    assert th.expand("GDPR dataskyddsförordningen") == []
    assert th.expand("AI ChatGPT") == ["artificiell intelligens", "generativ AI", "språkmodell"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NP = nationella prov\nDNP\n", "line.txt:2: expected at least two terms"),
        ("# c\n\nA = = B\n", "line.txt:3: empty term"),
        ("A = B =\n", "line.txt:1: empty term"),
        ("A = --\n", "line.txt:1: term '--' contains no words"),
        ("A = ...\n", "line.txt:1: term '...' contains no words"),
    ],
)
def test_malformed_lines(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "line.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThesaurusError) as err:
        Thesaurus.load(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_shipped_thesaurus(shipped: Thesaurus) -> None:
    assert len(shipped.groups) >= 40
    assert "nationella prov" in shipped.expand("NP")
    assert "NP" in shipped.expand("nationella proven")
    assert "Integritetsskyddsmyndigheten" in shipped.expand("IMY:s granskning")
    assert "SPSM" in shipped.expand("Specialpedagogiska skolmyndigheten")
    assert "fjärrundervisning" in shipped.expand("distansundervisning")
    assert "diagnostiska läs- och skrivprov" in shipped.expand("DLS")
    assert shipped.expand("aims") == []


def test_every_shipped_term_triggers_its_group(shipped: Thesaurus) -> None:
    for group in shipped.groups:
        for term in group:
            others = {shipped._key(t) for t in group} - {shipped._key(term)}
            expansion = {shipped._key(t) for t in shipped.expand(term)}
            assert others <= expansion, (term, group)


def test_load_current_sees_edits(tmp_path: Path) -> None:
    path = tmp_path / "thesaurus.txt"
    path.write_text("NP = nationella prov\n", encoding="utf-8")
    assert Thesaurus.load_current(path).expand("NP") == ["nationella prov"]
    assert Thesaurus.load_current(path) is Thesaurus.load_current(path)  # cached
    path.write_text("NP = nationella prov = nationellt prov i svenska\n", encoding="utf-8")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert Thesaurus.load_current(path).expand("NP") == ["nationella prov", "nationellt prov i svenska"]


def test_expand_grouped_keeps_each_terms_synonyms_apart(th: Thesaurus) -> None:
    grouped = th.expand_grouped("AI och NP")
    assert grouped == [("AI", ["artificiell intelligens", "generativ AI", "ChatGPT", "språkmodell"]),
                       ("NP", ["nationella prov"])]
    assert th.expand("AI och NP") == [t for _, terms in grouped for t in terms]
    assert th.expand_grouped("nationella proven")[0][0] == "nationella prov"  # the term as written
    assert th.expand_grouped("inget här") == []
