"""Sök: the search page with filters and result cards; a who-question gets the people who spoke first."""

from __future__ import annotations

import streamlit as st

from app_pages.common import (downloads_ui, empty_query_ui, esc, filters_ui, no_results_ui, result_card, speaker_links,
                              spelling_ui)
from app_pages.state import build_index_ui, current_archive
from app_pages.urls import seed_from_url, sync_params
from app_pages.people import people_cards
from index.archive import Archive, Filters
from index.filters import make_filters
from index.people import find_people
from index.query import QueryUnderstanding
from index.search import search
from index.export import search_rows
from ingest.errors import ArkivError

#: People shown above the results of a who-question (the people page shows more).
PEOPLE_SHOWN = 3


def search_page() -> None:
    st.title("Sök i arkivet")
    st.caption("Anteckningar, presentationer och tematräffar från nätverken för skolans digitalisering.")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    values = filters_ui(archive)
    seed_from_url("q", st.query_params.get("q", ""))
    query = st.text_input("Sökfråga", key="q",
                          placeholder="t.ex. AI i undervisningen, digitala nationella prov, vem har pratat om GDPR?")
    sync_params(query, values)
    if not query.strip():
        empty_query_ui(archive)
        return
    try:
        filters = make_filters(archive, date_from=values["from"], date_to=values["to"], networks=values["network"],
                               doc_types=values["type"], person=values["person"], org=values["org"])
        result = search(archive, query, k=10, filters=filters)
    except ArkivError as exc:
        st.error(f"Sökningen gick inte att genomföra: {exc}")
        return
    if result.understood is not None:
        understood_ui(result.understood)
        if result.understood.is_who:
            who_answer_ui(archive, query, result.understood, filters)
    if result.expanded:
        st.caption("Sökte också på " + ", ".join(f"”{esc(t)}”" for t in result.expanded)
                   + " (synonymer och förkortningar ur arkivets tesaurus)")
    spelling_ui(archive, query)
    if not result.hits:
        no_results_ui(query, values)
        return
    st.caption(f"{len(result.hits)} träffar på {result.took_ms:.0f} ms")
    for number, hit in enumerate(result.hits, start=1):
        result_card(number, hit, links=[("app_pages/similar.py", "Liknande diskussioner",
                                         ":material/compare_arrows:", {"chunk": hit.chunk_id}),
                                        *speaker_links(archive, hit)])
    downloads_ui(search_rows(result), "sokresultat", "träffarna")


def understood_ui(understood: QueryUnderstanding) -> None:
    """Say what the search read out of the query: a period, exact phrases."""
    notes = []
    if understood.has_dates:
        span = f"{understood.date_from or '…'} – {understood.date_to or '…'}"
        notes.append(f"tidsperiod {esc(', '.join(understood.dates))} ({esc(span)})")
    if understood.phrases:
        notes.append("exakt fras " + ", ".join(f"”{esc(p)}”" for p in understood.phrases))
    if notes:
        st.caption(f"Sökningen gäller {' och '.join(notes)}: {esc(understood.text)}")


def who_answer_ui(archive: Archive, query: str, understood: QueryUnderstanding, filters: Filters) -> None:
    """The people finder's best answers to "vem har pratat om ...?", above the results."""
    try:
        people = find_people(archive, query, k=PEOPLE_SHOWN, filters=filters)
    except ArkivError as exc:
        st.error(f"Personsökningen gick inte att genomföra: {exc}")
        return
    with st.container(border=True, key="who-answer"):
        st.markdown(f"<h2 class='hit-title'>Personer som har presenterat eller pratat om "
                    f"”{esc(understood.text)}”</h2>", unsafe_allow_html=True)
        if not people:
            st.write("Ingen i arkivet har presenterat eller pratat om det, så långt dokumenten visar.")
            return
        people_cards(people, understood.text, evidence_shown=2, bordered=False)
        st.page_link("app_pages/people.py", label="Fler personer och deras presentationer", icon=":material/groups:",
                     query_params={"q": query})


search_page()
