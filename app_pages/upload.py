"""Lägg till dokument: upload files, check or correct their metadata, and ingest them with a progress bar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from app_pages.common import type_label
from app_pages.state import add_documents, build_index_ui, corpus_path, current_archive, store_ingest_config
from app_pages.reasons import explained
from ingest.errors import ArkivError
from ingest.models import DOC_TYPES, date_label
from ingest.readers import SUPPORTED_SUFFIXES
from ingest.uploads import UNKNOWN_NETWORK, UPLOAD_DIR, UploadMeta, check_upload, network_slug, probe_upload

STAGES = {"read": "Läser dokument", "embed": "Skapar vektorer", "index": "Bygger index"}


@st.cache_data(show_spinner="Läser filen …", max_entries=64)
def detected_metadata(name: str, data: bytes, max_file_mb: float, timeout_s: float) -> dict:
    """What the archive reads from an upload: safe name and metadata, or the reason it is refused."""
    try:
        safe = check_upload(name, data, max_file_mb)
        parsed, meta = probe_upload(safe, data, timeout_s)
    except ArkivError as exc:
        return {"error": str(exc)}
    return {"name": safe, "title": meta.title, "date": meta.date, "date_precision": meta.date_precision,
            "network": meta.network, "doc_type": meta.doc_type, "sections": len(parsed.sections)}


def metadata_ui(index: int, found: dict, networks: list[str]) -> UploadMeta | None:
    """The fields for one file, prefilled with what was detected; None when the values are invalid."""
    key = f"upload-{index}-{found['name']}"
    title = st.text_input("Titel", value=found["title"] or "", key=f"{key}-title")
    # A term or a year alone is not a day: the field stays empty and the file's own dating is kept.
    exact = found["date"] and found.get("date_precision", "day") == "day"
    detected = dt.date.fromisoformat(found["date"]) if exact else None
    date = st.date_input("Datum", value=detected, format="YYYY-MM-DD", key=f"{key}-date")
    if found["date"] and not exact and date is None:
        st.caption(f"Filen anger bara {date_label(found['date'], found['date_precision'])}; lämna datumet tomt "
                   "för att behålla det, eller välj en dag.")
    options = sorted(set(networks) | ({found["network"]} if found["network"] else set()))
    network = st.selectbox("Nätverk", options, index=options.index(found["network"]) if found["network"] else None,
                           placeholder=f"Okänt (sparas under {UNKNOWN_NETWORK}/) eller skriv ett nytt",
                           accept_new_options=True, key=f"{key}-network")
    doc_type = st.selectbox("Dokumenttyp", list(DOC_TYPES), index=list(DOC_TYPES).index(found["doc_type"]),
                            format_func=type_label, key=f"{key}-type")
    try:
        return UploadMeta(title=title.strip() or None, date=date.isoformat() if date else None,
                          network=network_slug(network), doc_type=doc_type)
    except ArkivError as exc:
        st.error(f"Uppgifterna går inte att använda: {exc}")
        return None


def result_ui() -> None:
    """The outcome of the last upload: the documents added, each a link into the archive."""
    result = st.session_state.pop("upload_result", None)
    if not result:
        return
    st.success(f"{len(result)} dokument lades till i arkivet och går att söka på nu.")
    for title, doc_id in result:
        st.page_link("app_pages/document.py", label=title, icon=":material/description:",
                     query_params={"doc": doc_id})
        st.page_link("app_pages/search.py", label=f"Sök: {title}", icon=":material/search:",
                     query_params={"q": title})


def upload_page() -> None:
    st.title("Lägg till dokument")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    config = store_ingest_config()
    result_ui()
    kinds = sorted({s.lstrip(".") for s in SUPPORTED_SUFFIXES})
    st.caption(f"Filerna sparas i `{corpus_path() / UPLOAD_DIR}/<nätverk>/` och läses in i arkivet. "
               f"Filtyper: {', '.join(kinds)}; högst {config.max_file_mb:g} MB per fil.")
    round_ = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader("Välj filer", type=kinds, accept_multiple_files=True, key=f"uploads-{round_}",
                             max_upload_size=int(config.max_file_mb))
    if not files:
        st.info("Välj en eller flera filer. Du kan rätta titel, datum, nätverk och typ innan de läggs till.")
        return
    uploads: list[tuple[str, bytes, UploadMeta]] = []
    refused = 0
    for index, file in enumerate(files):
        data = file.getvalue()
        found = detected_metadata(file.name, data, config.max_file_mb, config.parse_timeout_s)
        with st.expander(file.name, expanded=True):
            if "error" in found:
                refused += 1
                st.error(f"Filen kan inte läggas till: {explained(found['error'])}")
                continue
            meta = metadata_ui(index, found, archive.networks())
            if meta is None:
                refused += 1
                continue
            uploads.append((found["name"], data, meta))
    overwrite = st.checkbox("Ersätt befintliga filer med samma namn", key="upload-overwrite")
    if refused:
        st.warning("Ta bort eller rätta filerna ovan som inte kan läggas till.")
    if st.button("Lägg till i arkivet", type="primary", disabled=bool(refused) or not uploads, key="upload-add"):
        add_ui(uploads, overwrite)


def add_ui(uploads: list[tuple[str, bytes, UploadMeta]], overwrite: bool) -> None:
    """Save and ingest with a progress bar; on success show the new documents, on failure why."""
    bar = st.progress(0.0, text="Sparar filerna …")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{STAGES.get(stage, stage)} … {done}/{total}")

    try:
        report, saved = add_documents(uploads, overwrite=overwrite, on_progress=progress)
    except ArkivError as exc:
        bar.empty()
        st.error(f"Inget lades till, arkivet är oförändrat: {explained(str(exc))}")
        return
    bar.progress(1.0, text="Klart.")
    archive = current_archive()
    paths = {item.path.resolve() for item in saved}
    added = [(d["title"], d["doc_id"]) for d in archive.documents if (Path(d["root"]) / d["path"]).resolve() in paths]
    st.session_state["upload_result"] = added
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1  # empties the uploader
    st.rerun()


if __name__ == "__main__":  # Streamlit runs pages as __main__; tests may import the functions
    upload_page()
