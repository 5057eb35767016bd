"""Automatic themes: every section in exactly one theme, labels that are words, shares over time."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from arkiv.cli import main
from index.archive import Archive
from index.export import theme_rows
from index.themes import choose_k, find_themes, spherical_kmeans, term_index, theme_sections
from index.trends import theme_trends

APP = str(Path(__file__).resolve().parent.parent / "app.py")
WORD = re.compile(r"^[^\W\d_]+(?:[-:][^\W_]+)*$")


@pytest.fixture(scope="module")
def mini(mini_store):
    archive = Archive.open(mini_store)
    yield archive
    archive.close()


@pytest.mark.parametrize("sections,expected", [(0, 0), (1, 1), (3, 2), (12, 2), (100, 7), (929, 22), (5_000, 40)])
def test_choose_k_grows_with_the_corpus(sections, expected):
    assert choose_k(sections) == expected


def test_spherical_kmeans_finds_separated_groups():
    rng = np.random.default_rng(1)
    centres = np.eye(3, 8, dtype=np.float32)
    points = np.vstack([c + 0.05 * rng.standard_normal((30, 8)) for c in centres]).astype(np.float32)
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    found = spherical_kmeans(points, 3, seed=0)
    labels = np.argmax(points @ found.T, axis=1)
    assert len({tuple(labels[i * 30:(i + 1) * 30]) for i in range(3)}) == 3
    assert all(len(set(labels[i * 30:(i + 1) * 30])) == 1 for i in range(3))


def test_every_section_is_in_exactly_one_theme(mini):
    model = find_themes(mini)
    rows = [r for t in model.themes for r in t.rows]
    assert sorted(rows) == list(range(mini.size))
    for theme in model.themes:
        assert (model.assignment[theme.rows] == theme.theme_id).all()
    assert [t.theme_id for t in model.themes] == list(range(len(model.themes)))
    body = term_index(mini).body
    attendance = [t for t in model.themes if t.attendance]
    assert len(attendance) == 1 and set(attendance[0].rows) == set(np.flatnonzero(~body).tolist())
    assert sum(not t.attendance for t in model.themes) == model.k == choose_k(int(body.sum()))


def test_labels_are_readable_words_from_the_corpus(mini):
    model = find_themes(mini)
    people = {part for r in mini.meta.all_people() for part in r["name"].split()}
    corpus_text = " ".join(c["section"] + " " + c["text"] for c in mini.meta.query("SELECT section, text FROM chunks"))
    for theme in model.themes:
        assert theme.label == ", ".join(theme.words[:4])
        assert theme.words and len(theme.words) == len({w.lower() for w in theme.words})
        for word in theme.words:
            assert WORD.match(word), word
            assert word in corpus_text, word  # a surface form, not a stem
            assert word not in people
            assert word.lower() not in {"och", "att", "som", "det", "för"}


def test_themes_are_deterministic_and_cached(mini):
    first = find_themes(mini)
    assert find_themes(mini) is first
    again = find_themes(mini, k=first.k, seed=0)
    assert [t.rows for t in again.themes] == [t.rows for t in first.themes]


def test_theme_shares_over_time_add_up(mini):
    model = find_themes(mini)
    points = theme_trends(mini, model, "year")
    assert set(points) == {t.theme_id for t in model.themes if not t.attendance}
    totals: dict[str, int] = {}
    for series in points.values():
        for p in series:
            totals[p.period] = totals.get(p.period, 0) + p.matching_sections
    sections = {p.period: p.sections for p in next(iter(points.values()))}
    assert totals == sections  # each body section counted in exactly one theme


def test_theme_sections_and_export(mini):
    model = find_themes(mini)
    theme = model.themes[0]
    hits = theme_sections(mini, theme, limit=3)
    assert 1 <= len(hits) <= 3 and hits[0].chunk_id == mini.meta.chunks_by_rows([theme.rows[0]])[theme.rows[0]].chunk_id
    rows = theme_rows(mini, model, theme_trends(mini, model))
    assert rows and all(r["path"] and r["title"] and r["date"] for r in rows)
    assert {r["theme_id"] for r in rows} == {t.theme_id for t in model.themes}


def test_cli_themes(mini_store):
    runner = CliRunner()
    result = runner.invoke(main, ["themes", "--index", str(mini_store), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["themes"] and all(t["label"] for t in data["themes"])
    assert "periods" in data["themes"][0]
    text = runner.invoke(main, ["themes", "--index", str(mini_store), "--theme", "0"])
    assert text.exit_code == 0 and "share of sections" in text.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, ["themes", "--index", str(mini_store), "--csv"]).output)))
    assert rows and all(r["path"] and r["date"] for r in rows)
    bad = runner.invoke(main, ["themes", "--index", str(mini_store), "--theme", "99"])
    assert bad.exit_code == 2 and "there is no theme 99" in bad.output


def test_app_trends_page(monkeypatch, mini_store):
    monkeypatch.setenv("ARKIV_INDEX", str(mini_store))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    assert at.title[0].value == "Trender"
    box = next(t for t in at.text_input if t.label.startswith("Teman"))
    box.input("ChatGPT, skärmtid").run()
    assert not at.exception
    assert at.query_params["teman"] == "ChatGPT, skärmtid"
    labels = [b.label for b in at.get("download_button")]
    assert {"Ladda ned siffrorna (CSV)", "Ladda ned mötena (CSV)", "Ladda ned temana (CSV)"} <= set(labels)
    period = next(s for s in at.selectbox if s.label == "Period")
    assert period.value == "2023"
    text = "\n".join(m.value for m in at.markdown)
    assert "Anteckningar – Nätverk A" in text and "<mark>" in text
    next(s for s in at.selectbox if s.label == "Öppna ett tema").select_index(0).run()
    assert not at.exception
    assert any(m.value.startswith("**Ord:**") for m in at.markdown)
    next(r for r in at.radio if r.label == "Per").set_value("term").run()
    assert not at.exception and next(s for s in at.selectbox if s.label == "Period").value == "HT 2023"


@pytest.mark.model
def test_corpus_themes_name_its_subjects(corpus_archive, capsys):
    model = find_themes(corpus_archive)
    with capsys.disabled():
        print("\n" + "\n".join(f"  {t.theme_id:>2} {t.size:>4} {t.label}" for t in model.themes))
    words = [{w.lower() for w in t.words} for t in model.themes]
    assert 15 <= model.k <= 30
    for expected in ({"prov", "nationella"}, {"ai-förordningen"}, {"skärmtid", "förskolan"}, {"pub-avtal"},
                     {"källkritik"}, {"cybersäkerhet"}, {"programmering"}):
        assert any(expected <= w for w in words), expected


def test_large_archives_label_themes_from_a_sample(mini, monkeypatch):
    import index.themes as themes

    model = find_themes(mini)
    clusters = [np.array(t.rows) for t in model.themes]
    full = themes.label_words(mini, clusters)
    monkeypatch.setattr(themes, "LABEL_ALL_ROWS", 0)  # take the sampling path on the mini corpus
    monkeypatch.setattr(themes, "LABEL_SAMPLE", 10**6)  # a sample as large as every theme: same counts
    assert themes.label_words(mini, clusters) == full
    monkeypatch.setattr(themes, "LABEL_SAMPLE", 3)
    sampled = themes.label_words(mini, clusters)
    assert len(sampled) == len(full) and all(sampled[i] for i, c in enumerate(clusters) if len(c) >= 3)
    texts = mini.meta.headed_texts(list(range(mini.size)))
    words = {w.lower() for text in texts.values() for w in re.findall(r"[\w:-]+", text)}
    assert all(w.lower() in words for label in sampled for w in label)
