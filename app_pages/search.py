"""Sök: the search page with filters and result cards."""

from __future__ import annotations

import streamlit as st

from app_pages.common import build_index_ui, current_archive, filters_ui, result_card, sync_params
from index.filters import make_filters
from index.search import search
from ingest.errors import ArkivError


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
    sync_params(query, values)
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



search_page()
