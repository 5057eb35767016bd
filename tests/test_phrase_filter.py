"""Quoted-phrase filtering reads candidates from the BM25 postings and answers as a full scan would."""

from __future__ import annotations

import re

import numpy as np
import pytest

from index.archive import Archive
from index.filters import phrase_candidates, phrase_mask
from index.query import fold_phrase


@pytest.fixture(scope="module")
def mini(mini_store):
    archive = Archive.open(mini_store)
    yield archive
    archive.close()


def full_scan(archive: Archive, phrases: list[str]) -> np.ndarray:
    """The reference: every chunk's heading and text, folded and searched."""
    texts = archive.meta.headed_texts(list(range(archive.size)))
    wanted = [re.compile(r"(?<!\w)" + re.escape(fold_phrase(p))) for p in phrases]
    return np.array([all(p.search(fold_phrase(texts[r])) for p in wanted) for r in range(archive.size)])


def sample_phrases(archive: Archive) -> list[str]:
    """Word sequences of one to three words from the chunks, whole and cut inside the last word."""
    rng = np.random.default_rng(7)
    texts = list(archive.meta.headed_texts(list(range(archive.size))).values())
    phrases = set()
    for text in texts:
        words = fold_phrase(text).split(" ")
        for _ in range(12):
            i = int(rng.integers(len(words)))
            n = int(rng.integers(1, 4))
            phrase = " ".join(words[i:i + n])
            phrases.add(phrase)
            if len(phrase) > 4:
                phrases.add(phrase[: len(phrase) - int(rng.integers(1, 3))])
    return sorted(p for p in phrases if p.strip())


def test_candidates_answer_as_a_full_scan(mini):
    phrases = sample_phrases(mini)
    assert len(phrases) > 150
    wrong = [p for p in phrases if not np.array_equal(phrase_mask(mini, [p]), full_scan(mini, [p]))]
    assert not wrong, wrong[:10]


def test_several_phrases_and_unknown_words(mini):
    assert np.array_equal(phrase_mask(mini, ["nationella prov", "skolverket"]),
                          full_scan(mini, ["nationella prov", "skolverket"]))
    assert not phrase_mask(mini, ["ordsomintefinns någonstans"]).any()


def test_candidates_narrow_the_rows(mini):
    rows = phrase_candidates(mini, "nationella prov")
    assert rows is not None and 0 < len(rows) < mini.size
    assert phrase_candidates(mini, "och") is None  # a stop word narrows nothing: every row is read
