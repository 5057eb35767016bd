"""Liknande diskussioner: other meetings that discussed what a section, a document or pasted text is about."""

from __future__ import annotations

import streamlit as st

from app_pages.common import esc, hit_meta_html, marked_html
from app_pages.state import build_index_ui, current_archive
from index.archive import Archive
from index.export import rows_to_csv, similar_rows
from index.similar import SimilarResult, similar_to_chunk, similar_to_document, similar_to_text
from ingest.errors import ArkivError

ORDER_LABELS = {"best": "Mest lika först", "newest": "Nyast först"}
MEETINGS = 10


def similar_page() -> None:
    st.title("Liknande diskussioner")
    st.caption("Hitta andra möten där samma sak har diskuterats, med de ord de har gemensamt.")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    order = st.radio("Ordning", list(ORDER_LABELS), format_func=ORDER_LABELS.__getitem__, horizontal=True)
    chunk_id, doc_id = st.query_params.get("chunk"), st.query_params.get("doc")
    result = None
    try:
        if chunk_id:
            result = similar_to_chunk(archive, chunk_id, k=MEETINGS, order=order)
        elif doc_id:
            result = similar_to_document(archive, doc_id, k=MEETINGS, order=order)
    except ArkivError:
        st.warning("Avsnittet eller dokumentet i länken finns inte i arkivet. Det kan ha ändrats vid en senare "
                   "inläsning; öppna det igen från en sökträff, eller klistra in text nedan.")
    text = st.text_area("Klistra in text, t.ex. ett utkast till dagordning", height=120,
                        placeholder="1. AI och bedömning\n2. Digitala nationella prov – läget\n3. Övriga frågor")
    if text.strip():
        try:
            result = similar_to_text(archive, text, k=MEETINGS, order=order)
        except ArkivError as exc:
            st.error(f"Texten gick inte att jämföra: {exc}")
            return
    if result is None:
        if not (chunk_id or doc_id):
            st.write("Öppna sidan från en sökträff eller ett dokument (”Liknande diskussioner”), "
                     "eller klistra in en text ovan.")
        return
    source_ui(archive, result)
    results_ui(result)


def source_ui(archive: Archive, result: SimilarResult) -> None:
    """What the meetings below are compared with."""
    source = result.source
    if source.kind == "text":
        st.markdown(f"**Jämför med den inklistrade texten** ({len(source.text.split())} ord).")
        return
    what = "avsnittet" if source.kind == "chunk" else "dokumentet"
    where = f" – {esc(source.section)}" if source.section else ""
    st.markdown(f"**Jämför med {what}:** {esc(source.title)}{where} ({esc(source.date_label or 'odaterat')})",
                unsafe_allow_html=True)
    params = {"doc": source.doc_id}
    if source.kind == "chunk":
        params["chunk"] = source.ref
    st.page_link("app_pages/document.py", label="Visa källan", icon=":material/description:", query_params=params)


def results_ui(result: SimilarResult) -> None:
    if not result.hits:
        st.info("Inga andra möten att jämföra med.")
        return
    st.caption(f"{len(result.hits)} möten, {ORDER_LABELS[result.order].lower()}, på {result.took_ms:.0f} ms")
    for number, similar in enumerate(result.hits, start=1):
        hit = similar.hit
        where = esc(hit.section) + (f" · sida {hit.page}" if hit.page else "")
        with st.container(border=True):
            st.markdown(f"<h2 class='hit-title'>{number}. {esc(hit.title)}</h2>"
                        f"{hit_meta_html(hit.date_label, hit.doc_type, hit.network, where)}"
                        f"<div class='hit-snippet'>{marked_html(hit.snippet)}</div>", unsafe_allow_html=True)
            if similar.shared_terms:
                st.markdown("**Gemensamma ord:** " + esc(", ".join(similar.shared_terms)))
            if similar.sentence:
                st.markdown(f"<div class='hit-meta'>Mest lik mening: ”{esc(similar.sentence)}”</div>",
                            unsafe_allow_html=True)
            if hit.more:
                st.caption("Fler liknande avsnitt i dokumentet: " + "; ".join(
                    m.section or f"sida {m.page}" for m in hit.more))
            st.page_link("app_pages/document.py", label="Visa dokument", icon=":material/description:",
                         query_params={"doc": hit.doc_id, "chunk": hit.chunk_id})
    st.download_button("Ladda ned listan (CSV)", rows_to_csv(similar_rows(result), excel=True),
                       file_name="liknande-diskussioner.csv", mime="text/csv", icon=":material/download:")


similar_page()
