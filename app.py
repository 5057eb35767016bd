"""Nätverksarkivet's Streamlit app: search, documents and archive status, in Swedish."""

from __future__ import annotations

import html
import os
from pathlib import Path

import streamlit as st

from index.archive import Archive
from index.build import ingest
from index.filters import make_filters
from index.search import search
from index.snippets import split_marks
from index.storage import Manifest, current_generation, generation_token
from ingest.config import IngestConfig
from ingest.embedding import load_embedder
from ingest.errors import ArkivError
from ingest.models import DOC_TYPE_LABELS, DOC_TYPES

ROOT = Path(__file__).resolve().parent
STORE = Path(os.environ.get("ARKIV_INDEX") or ROOT / "data" / "index")
CORPUS = Path(os.environ.get("ARKIV_CORPUS") or ROOT / "corpus")
EMBEDDER = os.environ.get("ARKIV_EMBEDDER") or IngestConfig.embedder

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
    token = generation_token(STORE)
    if token is None:
        return None
    return shared_archive(str(STORE), token)


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
    if not CORPUS.is_dir():
        st.warning(f"Arkivet har inget index och mappen `{CORPUS}` finns inte. "
                   "Lägg dokument där eller ange ARKIV_CORPUS, och läs in dem med `arkiv ingest`.")
        return
    st.info(f"Arkivet har inget index ännu. Det byggs nu från dokumenten i `{CORPUS}`; "
            "det tar någon minut första gången.")
    try:
        run_ingest([CORPUS])
    except ArkivError as exc:
        st.error(f"Indexet kunde inte byggas: {exc}")
        return
    st.rerun()


def run_ingest(paths: list[Path]) -> None:
    bar = st.progress(0.0, text="Läser dokument …")
    labels = {"read": "Läser dokument", "embed": "Skapar vektorer", "index": "Bygger index"}

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{labels.get(stage, stage)} … {done}/{total}")

    report = ingest(paths, STORE, IngestConfig(embedder=EMBEDDER), embedder=shared_embedder(EMBEDDER),
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
    networks = st.sidebar.multiselect("Nätverk", archive.networks(), default=[
        n for n in params.get_all("network") if n in archive.networks()])
    types = st.sidebar.multiselect("Dokumenttyp", list(DOC_TYPES), format_func=type_label,
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
            st.switch_page(DOCUMENT_PAGE)


def search_page() -> None:
    st.title("Sök i arkivet")
    st.caption("Anteckningar, presentationer och tematräffar från nätverken för skolans digitalisering.")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    values = filters_ui(archive)
    query = st.text_input("Sökfråga", value=st.query_params.get("q", ""),
                          placeholder="t.ex. AI i undervisningen, digitala nationella prov, GDPR")
    _sync_params(query, values)
    if not query.strip():
        st.write("Skriv en sökfråga och tryck Enter. Du kan begränsa sökningen med filtren i sidopanelen.")
        return
    try:
        filters = make_filters(archive, date_from=values["from"], date_to=values["to"], networks=values["network"],
                               doc_types=values["type"], person=values["person"], org=values["org"])
        result = search(archive, query, k=10, filters=filters)
    except ArkivError as exc:
        st.error(f"Sökningen gick inte att genomföra: {exc}")
        return
    st.caption(f"{len(result.hits)} träffar på {result.took_ms:.0f} ms")
    if not result.hits:
        st.warning("Inga träffar. Pröva färre eller andra ord, eller ta bort filter.")
    for number, hit in enumerate(result.hits, start=1):
        result_card(number, hit)


def _sync_params(query: str, values: dict) -> None:
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


def document_page() -> None:
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    doc_id = st.query_params.get("doc")
    doc = archive.meta.document(doc_id) if doc_id else None
    if doc is None:
        st.title("Dokument")
        st.info("Välj ett dokument från en sökträff.")
        return
    chunk_id = st.query_params.get("chunk")
    found = archive.meta.chunk_by_id(chunk_id) if chunk_id else None
    hit_section = found[1].section_index if found else None
    st.title(doc.title)
    st.markdown(
        f"<div class='hit-meta'>{esc(doc.date or 'odaterat')} · {esc(type_label(doc.doc_type))}"
        f"{' · ' + esc(doc.network) if doc.network else ''} · {esc(doc.path)}</div>", unsafe_allow_html=True)
    source = Path(archive.meta.document_root(doc.doc_id) or "") / doc.path
    if source.is_file():
        st.download_button("Ladda ned originalfilen", source.read_bytes(), file_name=source.name)
    presenters = sorted({p.name + (f" ({p.organisation})" if p.organisation else "")
                         for p in doc.people if p.role == "presenter"})
    if presenters:
        st.markdown("**Presentatörer:** " + esc(", ".join(presenters)))
    for index, section in enumerate(doc.sections):
        label = esc(section.heading)
        if section.page:
            label = f"{label} <span class='hit-meta'>(sida {section.page})</span>"
        css = "doc-section hit" if index == hit_section else "doc-section"
        st.markdown(f"<div class='{css}'><h4>{label}</h4><div class='doc-text'>{esc(section.text)}</div></div>",
                    unsafe_allow_html=True)


def about_page() -> None:
    st.title("Om arkivet")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    stats = archive.stats()
    cols = st.columns(3)
    cols[0].metric("Dokument", stats["documents"])
    cols[1].metric("Textavsnitt", stats["chunks"])
    cols[2].metric("Nätverk", len(stats["networks"]))
    st.markdown(f"**Period:** {esc(stats['period'][0] or '–')} – {esc(stats['period'][1] or '–')}")
    st.markdown(f"**Språkmodell:** {esc(stats['embedder'])} ({stats['dim']} dimensioner)")
    st.markdown(f"**Senaste inläsning:** {esc(stats['last_ingest'] or '–')}")
    st.markdown(f"**Nätverk:** {esc(', '.join(stats['networks']))}")
    st.subheader("Överhoppade filer")
    if stats["skipped"]:
        st.table([{"Fil": s["path"], "Orsak": s["reason"]} for s in stats["skipped"]])
    else:
        st.write("Inga filer hoppades över.")


SEARCH_PAGE = st.Page(search_page, title="Sök", icon="🔎", url_path="sok", default=True)
DOCUMENT_PAGE = st.Page(document_page, title="Dokument", icon="📄", url_path="dokument")
ABOUT_PAGE = st.Page(about_page, title="Om arkivet", icon="ℹ️", url_path="om")


def main() -> None:
    st.set_page_config(page_title="Nätverksarkivet", page_icon="🗂️", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    page = st.navigation([SEARCH_PAGE, DOCUMENT_PAGE, ABOUT_PAGE])
    page.run()


main()
