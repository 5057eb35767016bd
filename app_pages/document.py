"""Dokument: one document by section, the hit highlighted, the source file downloadable."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.common import build_index_ui, current_archive, esc, type_label


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


document_page()
