"""Nätverksarkivet's Streamlit app: the entry point that lays out the pages (in app_pages/)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import CSS

PAGES = [
    st.Page("app_pages/search.py", title="Sök", icon=":material/search:", url_path="sok", default=True),
    st.Page("app_pages/document.py", title="Dokument", icon=":material/description:", url_path="dokument"),
    st.Page("app_pages/about.py", title="Om arkivet", icon=":material/info:", url_path="om"),
]


def main() -> None:
    st.set_page_config(page_title="Nätverksarkivet", page_icon="🗂️", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    st.navigation(PAGES).run()


main()
