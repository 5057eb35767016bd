"""The search's state in the URL, so a search, a document or a filter can be shared as a link."""

from __future__ import annotations

import streamlit as st

def seed_from_url(key: str, value) -> None:
    """Give the keyed widget ``key`` the URL's ``value`` on a fresh load or when a link changed the URL.

    Widgets whose default comes straight from the URL change identity whenever the URL
    changes, and then drop what was typed next (every other search was lost). Keyed widgets
    keep their value; this puts the URL's value in only when the URL's parameter differs
    from what this session last wrote there (see ``sync_params``).
    """
    raw = tuple(st.query_params.get_all(key))
    if key not in st.session_state or st.session_state.get(f"_url_{key}") != raw:
        st.session_state[key] = value
        st.session_state[f"_url_{key}"] = raw


#: The URL parameters that make up a search: carried to a document and back, so both can be shared.
SEARCH_KEYS = ("q", "from", "to", "network", "type", "person", "org")


def search_state() -> dict[str, str | list[str]]:
    """The search's query and filters as they stand in the URL."""
    state: dict[str, str | list[str]] = {}
    for key in SEARCH_KEYS:
        values = st.query_params.get_all(key)
        if values:
            state[key] = values if key in ("network", "type") else values[0]
    return state


def document_link_params(doc_id: str, chunk_id: str | None = None) -> dict[str, str | list[str]]:
    """URL parameters that open a document (at a hit) and remember the search that led there."""
    params: dict[str, str | list[str]] = {**search_state(), "doc": doc_id}
    if chunk_id:
        params["chunk"] = chunk_id
    return params


def set_url_param(key: str, value: str | list[str] | None) -> None:
    """Put a value in the URL (None or empty removes it) and remember it for ``seed_from_url``.

    Pages that keep a keyed widget in the URL write it with this, so the next run does not
    mistake the page's own write for a followed link and overwrite what was typed since.
    """
    values = [value] if isinstance(value, str) else list(value or [])
    values = [v for v in values if v]
    if values and st.query_params.get_all(key) != values:
        st.query_params[key] = values if len(values) > 1 else values[0]
    elif not values and key in st.query_params:
        del st.query_params[key]
    st.session_state[f"_url_{key}"] = tuple(st.query_params.get_all(key))


def sync_params(query: str, values: dict) -> None:
    """Keep the query and filters in the URL so a search can be shared as a link."""
    set_url_param("q", query.strip() or None)
    for key in ("from", "to", "person", "org", "network", "type"):
        set_url_param(key, values[key])
    publish_url()


def publish_url() -> None:
    """Make the address bar show this run's parameters.

    A link to the page the reader is already on (st.page_link with query_params, e.g. "Menade
    du") changes st.query_params for the run but leaves the old address in the browser, so a
    reload or a shared link would bring back the old search. Setting any parameter sends the
    whole query string; the browser ignores it when the address already matches.
    """
    for key in st.query_params:
        st.query_params[key] = st.query_params.get_all(key)
        return
