"""Nätverksarkivet's Streamlit app: the entry point that lays out the pages (in app_pages/)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import CSS

PAGES = [
    st.Page("app_pages/search.py", title="Sök", icon=":material/search:", url_path="sok", default=True),
    st.Page("app_pages/document.py", title="Dokument", icon=":material/description:", url_path="dokument"),
    st.Page("app_pages/people.py", title="Personer", icon=":material/groups:", url_path="personer"),
    st.Page("app_pages/trends.py", title="Trender", icon=":material/trending_up:", url_path="trender"),
    st.Page("app_pages/similar.py", title="Liknande diskussioner", icon=":material/compare_arrows:",
            url_path="liknande"),
    st.Page("app_pages/upload.py", title="Lägg till dokument", icon=":material/upload_file:", url_path="lagg-till"),
    st.Page("app_pages/about.py", title="Om arkivet", icon=":material/info:", url_path="om"),
]


def main() -> None:
    st.set_page_config(page_title="Nätverksarkivet", page_icon="🗂️", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    st.navigation(PAGES).run()


main()
