"""Om arkivet: index status, period covered, embedder and skipped files."""

from __future__ import annotations

import streamlit as st

from app_pages.common import build_index_ui, current_archive, esc


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


about_page()
