"""Om arkivet: what the archive holds (documents, networks, period), the index and skipped files."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import streamlit as st

from app_pages.common import esc, type_label
from app_pages.state import build_index_ui, current_archive
from app_pages.reasons import swedish_reason


def about_page() -> None:
    st.title("Om arkivet")
    st.write("Nätverksarkivet samlar anteckningar, presentationer och tematräffar från nätverken för skolans "
             "digitalisering, så att man kan söka i vad som sagts och hitta källan med datum och sida.")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    stats = archive.stats()
    # A row that wraps: four across on a wide screen, two by two on a phone (columns would stack).
    with st.container(horizontal=True, gap="medium"):
        for label, value in [("Dokument", stats["documents"]), ("Textavsnitt", stats["chunks"]),
                             ("Nätverk", len(stats["networks"])), ("Överhoppade filer", len(stats["skipped"]))]:
            st.metric(label, value, border=True, width=160)
    contents_ui(archive.documents, stats)
    index_ui(stats)
    skipped_ui(stats["skipped"])


def contents_ui(documents: list[dict], stats: dict) -> None:
    st.header("Innehåll")
    first, last = stats["period"]
    st.markdown(f"**Period:** {esc(first or '–')} – {esc(last or '–')}")
    per_network = Counter(d["network"] or "(inget nätverk)" for d in documents)
    left, right = st.columns(2)
    with left:
        st.markdown("**Dokument per nätverk**")
        st.table([{"Nätverk": name, "Dokument": count} for name, count in sorted(per_network.items())])
    with right:
        st.markdown("**Dokument per typ**")
        st.table([{"Typ": type_label(t), "Dokument": n}
                  for t, n in sorted(stats["doc_types"].items(), key=lambda item: -item[1])])


def index_ui(stats: dict) -> None:
    st.header("Sökindex")
    st.markdown(f"**Språkmodell:** {esc(stats['embedder'])} ({stats['dim']} dimensioner)  \n"
                f"**Senaste inläsning:** {esc(readable_time(stats['last_ingest']))}  \n"
                f"**Indexets storlek:** {stats['index_bytes'] / 1_000_000:.1f} MB")
    st.caption("Nya och ändrade filer läses in med `arkiv ingest` (bara det som ändrats läses om), "
               "enstaka filer också under Lägg till dokument.")


def skipped_ui(skipped: list[dict]) -> None:
    st.header("Överhoppade filer")
    if not skipped:
        st.write("Inga filer hoppades över: alla filer i dokumentmappen kunde läsas.")
        return
    st.write(f"{len(skipped)} {'fil' if len(skipped) == 1 else 'filer'} kunde inte läsas och finns inte i "
             "sökningen. Rätta eller ersätt filen och läs in igen.")
    st.table([{"Fil": s["path"], "Orsak": swedish_reason(s["reason"]), "Detaljer (från inläsningen)": s["reason"]}
              for s in skipped])


def readable_time(value: str | None) -> str:
    """An ISO timestamp as "2024-03-12 14:05 UTC"; other text unchanged."""
    if not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    zone = " UTC" if moment.utcoffset() is not None and not moment.utcoffset() else ""
    return moment.strftime("%Y-%m-%d %H:%M") + zone


about_page()
