"""What the app's pages share: cached archive and embedder, escaping, filters and result cards."""

from __future__ import annotations

import html
import os
from pathlib import Path

import streamlit as st

from index.archive import Archive
from index.build import ingest
from index.snippets import split_marks
from index.storage import Manifest, current_generation, generation_token
from ingest.config import IngestConfig
from ingest.embedding import load_embedder
from ingest.errors import ArkivError
from ingest.models import DOC_TYPE_LABELS, DOC_TYPES

ROOT = Path(__file__).resolve().parent.parent


def store_path() -> Path:
    """The index store: $ARKIV_INDEX, else data/index beside the app."""
    return Path(os.environ.get("ARKIV_INDEX") or ROOT / "data" / "index")


def corpus_path() -> Path:
    """The folder the index is built from on first start: $ARKIV_CORPUS, else corpus/."""
    return Path(os.environ.get("ARKIV_CORPUS") or ROOT / "corpus")


def embedder_spec() -> str:
    """The embedder for a first build: $ARKIV_EMBEDDER, else the default e5 model."""
    return os.environ.get("ARKIV_EMBEDDER") or IngestConfig.embedder

CSS = """
<style>
mark { background: #fde68a; color: #111827; padding: 0 .1em; border-radius: 2px; }
.hit-meta { color: #374151; font-size: .9rem; }
.hit-snippet { margin: .25rem 0 .5rem 0; line-height: 1.5; }
.doc-section { padding: .4rem .6rem; border-left: 3px solid transparent; }
.doc-section.hit { border-left-color: #b45309; background: #fffbeb; }
.doc-text { white-space: pre-wrap; line-height: 1.5; }
</style>
"""


@st.cache_resource(show_spinner="Laddar språkmodellen …")
def shared_embedder(name: str):
    """The embedding model, loaded once per process and shared by all sessions (it holds a lock)."""
    return load_embedder(name)


@st.cache_resource(show_spinner="Öppnar arkivet …", max_entries=2)
def shared_archive(store: str, generation: str):
    """The opened index of one generation; a new generation gives a new cache entry."""
    gen = current_generation(Path(store))
    manifest = Manifest.load(gen) if gen else None
    return Archive.open(Path(store), shared_embedder(manifest.embedder) if manifest else None)


def current_archive() -> Archive | None:
    """The live archive, or None when no index exists yet."""
    token = generation_token(store_path())
    if token is None:
        return None
    return shared_archive(str(store_path()), token)


def esc(text: str | None) -> str:
    """Escape document text for HTML: nothing from a document may execute."""
    return html.escape(text or "", quote=True)


def marked_html(snippet: str) -> str:
    """A snippet with its query words wrapped in <mark>, every piece escaped."""
    return "".join(f"<mark>{esc(t)}</mark>" if m else esc(t) for t, m in split_marks(snippet))


def type_label(doc_type: str) -> str:
    return DOC_TYPE_LABELS.get(doc_type, doc_type)


def build_index_ui() -> None:
    """Build the index from the corpus folder on first start, with a progress bar."""
    corpus = corpus_path()
    if not corpus.is_dir():
        st.warning(f"Arkivet har inget index och mappen `{corpus}` finns inte. "
                   "Lägg dokument där eller ange ARKIV_CORPUS, och läs in dem med `arkiv ingest`.")
        return
    st.info(f"Arkivet har inget index ännu. Det byggs nu från dokumenten i `{corpus}`; "
            "det tar någon minut första gången.")
    try:
        run_ingest([corpus])
    except ArkivError as exc:
        st.error(f"Indexet kunde inte byggas: {exc}")
        return
    st.rerun()


def run_ingest(paths: list[Path]) -> None:
    bar = st.progress(0.0, text="Läser dokument …")
    labels = {"read": "Läser dokument", "embed": "Skapar vektorer", "index": "Bygger index"}

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{labels.get(stage, stage)} … {done}/{total}")

    spec = embedder_spec()
    report = ingest(paths, store_path(), IngestConfig(embedder=spec), embedder=shared_embedder(spec),
                    on_progress=progress)
    bar.progress(1.0, text=f"Klart: {report.documents} dokument, {report.chunks} textavsnitt.")


def filters_ui(archive: Archive) -> dict:
    """The sidebar filters; returns their values (also kept in the URL)."""
    params = st.query_params
    st.sidebar.header("Filter")
    first, last = archive.period()
    years = list(range(int((first or "2019")[:4]), int((last or "2026")[:4]) + 1))
    year_from = st.sidebar.selectbox("Från år", ["Alla"] + years, index=_index_of(["Alla"] + years, params.get("from")))
    year_to = st.sidebar.selectbox("Till år", ["Alla"] + years, index=_index_of(["Alla"] + years, params.get("to")))
    networks = st.sidebar.multiselect("Nätverk", archive.networks(), placeholder="Alla nätverk", default=[
        n for n in params.get_all("network") if n in archive.networks()])
    types = st.sidebar.multiselect("Dokumenttyp", list(DOC_TYPES), format_func=type_label, placeholder="Alla typer",
                                   default=[t for t in params.get_all("type") if t in DOC_TYPES])
    person = st.sidebar.text_input("Person", value=params.get("person", ""))
    org = st.sidebar.text_input("Organisation", value=params.get("org", ""))
    return {"from": None if year_from == "Alla" else str(year_from),
            "to": None if year_to == "Alla" else str(year_to),
            "network": networks, "type": types, "person": person.strip() or None, "org": org.strip() or None}


def _index_of(options: list, value) -> int:
    for i, option in enumerate(options):
        if str(option) == str(value):
            return i
    return 0


def result_card(number: int, hit) -> None:
    where = esc(hit.section)
    if hit.page:
        where = f"{where} · sida {hit.page}" if where else f"sida {hit.page}"
    with st.container(border=True):
        st.markdown(f"#### {number}. {esc(hit.title)}", unsafe_allow_html=True)
        st.markdown(
            f"<div class='hit-meta'>{esc(hit.date or 'odaterat')} · {esc(type_label(hit.doc_type))}"
            f"{' · ' + esc(hit.network) if hit.network else ''}{' · ' + where if where else ''}</div>"
            f"<div class='hit-snippet'>{marked_html(hit.snippet)}</div>", unsafe_allow_html=True)
        if hit.more:
            st.caption("Fler träffar i dokumentet: " + "; ".join(
                (m.section or f"sida {m.page}") for m in hit.more))
        if st.button("Visa dokument", key=f"open-{hit.chunk_id}"):
            st.query_params["doc"] = hit.doc_id
            st.query_params["chunk"] = hit.chunk_id
            st.switch_page("app_pages/document.py")


def sync_params(query: str, values: dict) -> None:
    """Keep the query and filters in the URL so a search can be shared as a link."""
    wanted = {"q": query.strip() or None, "from": values["from"], "to": values["to"],
              "person": values["person"], "org": values["org"]}
    for key, value in wanted.items():
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]
    for key in ("network", "type"):
        if st.query_params.get_all(key) != values[key]:
            if values[key]:
                st.query_params[key] = values[key]
            elif key in st.query_params:
                del st.query_params[key]
