"""Shared fixtures: a tiny corpus indexed with the fake embedder, and the real corpus with e5."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.build import ingest  # noqa: E402
from ingest.config import IngestConfig  # noqa: E402
from ingest.embedding import HashEmbedder, load_embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI_CORPUS = FIXTURES / "mini_corpus"
CORPUS = ROOT / "corpus"
LABELS = Path(__file__).resolve().parent / "data" / "labels"
HASH_CONFIG = IngestConfig(embedder="hash")


@pytest.fixture(scope="session")
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


#: Four short notes: two on Safe Exam Browser and kiosk mode (one without the word
#: "tekniktest"), two on unrelated matters. Used with ``archive_of`` by ranking tests.
NOTES = {
    "a/2023/2023-03-14_a_anteckningar.md": "# Anteckningar\n\n## Tekniktest\n"
        "Tekniktestet visade att Safe Exam Browser och kioskläge måste fungera på elevdatorerna.\n",
    "a/2023/2023-10-05_a_anteckningar.md": "# Anteckningar\n\n## Provdagen\n"
        "Safe Exam Browser i kioskläge fungerade på elevdatorerna under provdagen.\n",
    "b/2024/2024-02-20_b_anteckningar.md": "# Anteckningar\n\n## Skolbibliotek\n"
        "Skolbiblioteken köper in fler ljudböcker och ordnar bokcirklar för mellanstadiet.\n",
    "b/2024/2024-04-11_b_anteckningar.md": "# Anteckningar\n\n## Förskolan\n"
        "Förskolan planerar utomhuspedagogik och fler utflykter under våren.\n",
}


def archive_of(root: Path, files: dict[str, str], embedder):
    """An Archive of a small corpus written from ``files`` (path under the corpus -> text)
    into ``root``, indexed with ``embedder`` (the fake one in fast tests)."""
    from index.archive import Archive
    corpus = root / "corpus"
    for name, text in files.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    ingest([corpus], root / "index", HASH_CONFIG, embedder=embedder)
    return Archive.open(root / "index", embedder=embedder)


@pytest.fixture(scope="session")
def mini_store(tmp_path_factory, hash_embedder) -> Path:
    """An index store of the mini corpus built with the fake embedder (shared, read-only)."""
    store = tmp_path_factory.mktemp("mini") / "index"
    ingest([MINI_CORPUS], store, HASH_CONFIG, embedder=hash_embedder)
    return store


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A private, writable copy of the mini corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(MINI_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def e5_embedder():
    return load_embedder("multilingual-e5-small")


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory, e5_embedder) -> Path:
    """The sample corpus indexed with the real default model (built once per test session)."""
    store = tmp_path_factory.mktemp("corpus") / "index"
    ingest([CORPUS], store, IngestConfig(), embedder=e5_embedder)
    return store


@pytest.fixture(scope="session")
def corpus_archive(corpus_store, e5_embedder):
    from index.archive import Archive

    archive = Archive.open(corpus_store, e5_embedder)
    yield archive
    archive.close()


@pytest.fixture()
def app_env(monkeypatch, mini_store):
    """The environment app.py needs to serve the mini corpus's index with the fake embedder."""
    monkeypatch.setenv("ARKIV_INDEX", str(mini_store))
    monkeypatch.setenv("ARKIV_EMBEDDER", "hash")
    return mini_store


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def search_page(query: str):
    """The app's search page run with ``?q=query`` (an AppTest), checked to have run cleanly."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["q"] = query
    at.run()
    assert not at.exception, at.exception
    return at


def markdown_of(at) -> str:
    """All Markdown an AppTest run rendered, as one string."""
    return "\n".join(m.value for m in at.markdown)
