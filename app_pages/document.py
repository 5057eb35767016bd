"""Dokument: one document by section, the hit highlighted, the source file downloadable."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.common import esc, hit_meta_html, marked_html
from app_pages.state import build_index_ui, current_archive
from app_pages.urls import search_state
from index.archive import Archive
from index.snippets import MARK, mark_terms
from ingest.models import Document, Section, date_label

#: Sections shown at once: a 500-page minutes file must not become 5,000 elements in the browser.
SECTIONS_PER_PAGE = 30
#: The id of the hit's section, so "Gå till träffen" can jump to it.
HIT_ANCHOR = "traffen"


def document_page() -> None:
    archive = current_archive()
    if archive is None:
        st.title("Dokument")
        build_index_ui()
        return
    doc_id = st.query_params.get("doc")
    doc = archive.meta.document(doc_id) if doc_id else None
    if doc is None:
        choose_document_ui(archive, doc_id)
        return
    chunk_id = st.query_params.get("chunk")
    found = archive.meta.chunk_by_id(chunk_id) if chunk_id else None
    hit_section = found[1].section_index if found and found[1].doc_id == doc.doc_id else None
    back_link_ui()
    st.title(doc.title)
    st.markdown(hit_meta_html(doc.date_label, doc.doc_type, doc.network, esc(doc.path)), unsafe_allow_html=True)
    presenters = sorted({p.name + (f" ({p.organisation})" if p.organisation else "")
                         for p in doc.people if p.role == "presenter"})
    if presenters:
        st.markdown("**Presentatörer:** " + esc(", ".join(presenters)))
    source = Path(archive.meta.document_root(doc.doc_id) or "") / doc.path
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):  # the document's actions
        if source.is_file():
            st.download_button("Ladda ned originalfilen", source.read_bytes(), file_name=source.name,
                               icon=":material/download:")
        st.page_link("app_pages/similar.py", label="Liknande diskussioner", icon=":material/compare_arrows:",
                     query_params={"doc": doc.doc_id})
    sections_ui(archive, doc, hit_section)


def back_link_ui() -> None:
    """A link back to the search that led here (kept in the URL), or to an empty search."""
    state = search_state()
    label = f"Tillbaka till sökningen ”{state['q']}”" if state.get("q") else "Till sökningen"
    st.page_link("app_pages/search.py", label=label, icon=":material/arrow_back:", query_params=state)


def choose_document_ui(archive: Archive, doc_id: str | None) -> None:
    """No (known) document in the URL: say so, and let the reader pick one from the archive."""
    st.title("Dokument")
    if doc_id:
        st.warning("Dokumentet i länken finns inte i arkivet. Det kan ha tagits bort eller ändrats vid en senare "
                   "inläsning; sök efter det igen.")
    else:
        st.write("Öppna ett dokument från en sökträff, eller välj ett här.")
    docs = sorted(archive.documents, key=lambda d: (d["date"] or "", d["title"]), reverse=True)
    labels = {d["doc_id"]: f"{date_label(d['date'], d['date_precision']) or 'odaterat'} · {d['title']} "
                           f"({d['network'] or 'inget nätverk'})"
              for d in docs}
    chosen = st.selectbox("Välj dokument", list(labels), index=None, format_func=labels.__getitem__,
                          placeholder=f"Välj bland {len(labels)} dokument")
    if chosen:
        st.query_params["doc"] = chosen
        st.rerun()


def sections_ui(archive: Archive, doc: Document, hit_section: int | None) -> None:
    """The document's sections, a page of them at a time when there are many; the hit's page first."""
    sections = doc.sections
    total = len(sections)
    if hit_section is not None and not 0 <= hit_section < total:
        hit_section = None
    note = st.empty()  # filled below, once it is known whether the hit is on the page shown
    start = 0
    key = f"part-{doc.doc_id}-{hit_section}"
    if total > SECTIONS_PER_PAGE:
        st.caption(f"Dokumentet har {total} avsnitt; {SECTIONS_PER_PAGE} visas åt gången.")
        start = st.selectbox(
            "Visa avsnitt", list(range(0, total, SECTIONS_PER_PAGE)), key=key,
            index=(hit_section or 0) // SECTIONS_PER_PAGE, format_func=lambda s: part_label(sections, s))
    shown = range(start, min(start + SECTIONS_PER_PAGE, total))
    if hit_section is not None:
        section = sections[hit_section]
        where = f"avsnittet ”{esc(section.heading)}”" if section.heading else f"avsnitt {hit_section + 1}"
        if section.page:
            where += f", sida {section.page}"
        if hit_section in shown:
            jump = f" [Gå till träffen](#{HIT_ANCHOR})" if total > 5 else ""
        else:
            jump = f" Den visas under {part_label(sections, hit_section // SECTIONS_PER_PAGE * SECTIONS_PER_PAGE)}."
        note.markdown(f"Träffen finns i {where}.{jump}", unsafe_allow_html=True)
    query_terms = set(archive.analyzer.tokens(search_state().get("q") or ""))
    # One markdown element for the page of sections: far lighter for the browser than one per section.
    st.markdown("".join(section_html(sections[i], i == hit_section, query_terms, archive) for i in shown),
                unsafe_allow_html=True)
    if total > SECTIONS_PER_PAGE:
        pager_ui(key, start, total)


def part_label(sections: list[Section], start: int) -> str:
    end = min(start + SECTIONS_PER_PAGE, len(sections))
    first = f": {sections[start].heading}" if sections[start].heading else ""
    return f"avsnitt {start + 1}–{end} av {len(sections)}{first}"


def pager_ui(key: str, start: int, total: int) -> None:
    """Buttons to the previous and next page of sections, under the sections."""

    def go(to: int) -> None:
        st.session_state[key] = to

    st.caption(f"Avsnitt {start + 1}–{min(start + SECTIONS_PER_PAGE, total)} av {total}.")
    back, forward = st.columns(2)
    if start > 0:
        back.button(f"Föregående {SECTIONS_PER_PAGE} avsnitt", icon=":material/arrow_back:", on_click=go,
                    args=(start - SECTIONS_PER_PAGE,), key=f"{key}-back")
    if start + SECTIONS_PER_PAGE < total:
        forward.button(f"Nästa {SECTIONS_PER_PAGE} avsnitt", icon=":material/arrow_forward:", on_click=go,
                       args=(start + SECTIONS_PER_PAGE,), key=f"{key}-next")


def section_html(section: Section, is_hit: bool, query_terms: set[str], archive: Archive) -> str:
    """One section as escaped HTML; the hit's section is marked, with the query's words highlighted."""
    heading = esc(section.heading)
    page = f" <span class='hit-meta'>(sida {section.page})</span>" if section.page else ""
    badge = " <span class='hit-badge'>Träff</span>" if is_hit else ""
    title = f"<h2 class='doc-heading'>{heading}{page}{badge}</h2>" if heading or page or badge else ""
    if is_hit and query_terms:
        body = marked_html(mark_terms(section.text.replace(MARK, ""), query_terms, archive.analyzer))
    else:
        body = esc(section.text)
    css, anchor = ("doc-section hit", f" id='{HIT_ANCHOR}'") if is_hit else ("doc-section", "")
    return f"<div class='{css}'{anchor}>{title}<div class='doc-text'>{body}</div></div>"


document_page()
