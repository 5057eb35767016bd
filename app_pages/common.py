"""What the app's pages show alike: escaping, spelling help, filters and result cards.

The shared archive and ingests are in ``app_pages.state``, the URL state in ``app_pages.urls``.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter

import streamlit as st

from app_pages.urls import document_link_params, search_state, seed_from_url
from index.archive import Archive
from index.snippets import split_marks
from ingest.models import DOC_TYPE_LABELS, DOC_TYPES

CSS = """
<style>
mark { background: #fde68a; color: #111827; padding: 0 .1em; border-radius: 2px; }
.hit-meta { color: #374151; font-size: .9rem; }
.hit-snippet { margin: .25rem 0 .5rem 0; line-height: 1.55; }
/* Result and section titles are h2 for a correct outline (h1 page, h2 items), sized as subheads
   (at any level, so every page's cards look alike). */
:is(h2, h3, h4).hit-title { font-size: 1.3rem; font-weight: 600; line-height: 1.3; margin: 0 0 .35rem 0;
                            padding: 0; }
:is(h2, h3, h4).doc-heading { font-size: 1.15rem; font-weight: 600; line-height: 1.3; margin: .2rem 0 .3rem 0;
                              padding: 0; }
.doc-section { padding: .5rem .75rem; border-left: 3px solid transparent; border-radius: 0 4px 4px 0;
               scroll-margin-top: 4rem; }
.doc-section.hit { border-left-color: #b45309; background: #fffbeb; }
.doc-text { white-space: pre-wrap; line-height: 1.6; max-width: 80ch; overflow-wrap: anywhere; }
.hit-badge { display: inline-block; font-size: .8rem; font-weight: 600; color: #78350f; background: #fde68a;
             border-radius: 999px; padding: 0 .5rem; margin-left: .4rem; vertical-align: middle; }
/* A visible focus ring for keyboard users on links and buttons. */
a:focus-visible, button:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 2px; }
@media (max-width: 640px) {
  h1 { font-size: 2rem !important; }
  :is(h2, h3, h4).hit-title { font-size: 1.15rem; }
  .doc-section { padding: .4rem .5rem; }
}
</style>
"""


def esc(text: str | None) -> str:
    """Escape document text for HTML: nothing from a document may execute."""
    return html.escape(text or "", quote=True)


def marked_html(snippet: str) -> str:
    """A snippet with its query words wrapped in <mark>, every piece escaped."""
    return "".join(f"<mark>{esc(t)}</mark>" if m else esc(t) for t, m in split_marks(snippet))


_WORD = re.compile(r"[^\W\d_]{3,}")
#: Queries offered on the empty search page, one per kind of question people ask.
EXAMPLE_QUERIES = (
    "AI i undervisningen", "digitala nationella prov", "GDPR och molntjänster", "skärmtid i förskolan")


@st.cache_resource(show_spinner=False, max_entries=2)
def _vocabulary(_archive: Archive, store: str, generation: str) -> tuple[Counter, frozenset[str]]:
    """Every word of the archive's text and titles with its count, and the analysed forms the index knows."""
    counts: Counter = Counter()
    for row in _archive.meta.query("SELECT text FROM chunks"):
        counts.update(w.lower() for w in _WORD.findall(row[0]))
    for doc in _archive.documents:
        counts.update(w.lower() for w in _WORD.findall(doc["title"] or ""))
    return counts, frozenset(_archive.analyzer.tokens(" ".join(counts)))


def close_spellings(archive: Archive, query: str, limit: int = 3) -> dict[str, list[str]]:
    """For each query word the archive does not know, the archive's words closest to it in spelling.

    A word counts as known when all its analysed forms (stems, compound parts) occur in the
    index, so "nätverk" is known through "digitaliseringsnätverket" and only real misses are
    corrected.
    """
    counts, known = _vocabulary(archive, str(archive.store), archive.gen.name)
    close: dict[str, list[str]] = {}
    for word in dict.fromkeys(w.lower() for w in _WORD.findall(query)):
        forms = set(archive.analyzer.tokens(word))
        if not forms or forms <= known:
            continue
        candidates = [w for w in counts if abs(len(w) - len(word)) <= 2]
        matches = difflib.get_close_matches(word, candidates, n=limit, cutoff=0.75)
        if matches:
            close[word] = matches
    return close


def spelling_ui(archive: Archive, query: str) -> None:
    """"Menade du …?" with a link that runs the corrected search, when a query word is not in the archive."""
    close = close_spellings(archive, query)
    if not close:
        return
    fixed = query
    for word, matches in close.items():
        fixed = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", matches[0], fixed)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown("Menade du:", width="content")
        st.page_link("app_pages/search.py", label=fixed, icon=":material/spellcheck:",
                     query_params={**search_state(), "q": fixed})
    others = sorted({m for matches in close.values() for m in matches[1:]})
    if others:
        st.caption("Andra ord i arkivet som liknar din sökning: " + ", ".join(others))


FILTER_LABELS = {"from": "från år", "to": "till år", "network": "nätverk", "type": "dokumenttyp",
                 "person": "person", "org": "organisation"}


def no_results_ui(query: str, values: dict) -> None:
    """What to do when nothing matched: name the active filters and offer the search without them."""
    active = [label for key, label in FILTER_LABELS.items() if values.get(key)]
    if not active:
        st.warning("Inga träffar. Pröva andra eller färre ord.")
        return
    st.warning(f"Inga träffar med de valda filtren ({', '.join(active)}). "
               "Ta bort ett eller flera filter i sidopanelen, eller sök i hela arkivet.")
    st.page_link("app_pages/search.py", label="Sök i hela arkivet, utan filter", icon=":material/filter_alt_off:",
                 query_params={"q": query})


def empty_query_ui(archive: Archive) -> None:
    """Guidance for an empty search box: what the archive holds and example searches to click."""
    first, last = archive.period()
    span = f" från {first[:4]}–{last[:4]}" if first and last else ""
    st.markdown(f"Skriv en sökfråga och tryck **Enter**. Arkivet har {len(archive.documents)} dokument{span} "
                f"från {len(archive.networks())} nätverk; begränsa sökningen med filtren i sidopanelen.")
    st.markdown("**Exempel på sökningar:**")
    with st.container(horizontal=True):  # wraps onto more lines on a narrow screen
        for example in EXAMPLE_QUERIES:
            st.page_link("app_pages/search.py", label=example, icon=":material/search:", query_params={"q": example})


def type_label(doc_type: str) -> str:
    return DOC_TYPE_LABELS.get(doc_type, doc_type)


def filters_ui(archive: Archive) -> dict:
    """The sidebar filters; returns their values (also kept in the URL)."""
    params = st.query_params
    st.sidebar.header("Filter")
    first, last = archive.period()
    years = ["Alla"] + list(range(int((first or "2019")[:4]), int((last or "2026")[:4]) + 1))
    networks = archive.networks()
    seed_from_url("from", years[_index_of(years, params.get("from"))])
    seed_from_url("to", years[_index_of(years, params.get("to"))])
    seed_from_url("network", [n for n in params.get_all("network") if n in networks])
    seed_from_url("type", [t for t in params.get_all("type") if t in DOC_TYPES])
    seed_from_url("person", params.get("person", ""))
    seed_from_url("org", params.get("org", ""))
    year_from = st.sidebar.selectbox("Från år", years, key="from")
    year_to = st.sidebar.selectbox("Till år", years, key="to")
    chosen_networks = st.sidebar.multiselect("Nätverk", networks, placeholder="Alla nätverk", key="network")
    types = st.sidebar.multiselect("Dokumenttyp", list(DOC_TYPES), format_func=type_label, placeholder="Alla typer",
                                   key="type")
    person = st.sidebar.text_input("Person", key="person", placeholder="t.ex. Anna Berg")
    org = st.sidebar.text_input("Organisation", key="org", placeholder="t.ex. Skolverket")
    return {"from": None if year_from == "Alla" else str(year_from),
            "to": None if year_to == "Alla" else str(year_to),
            "network": chosen_networks, "type": types, "person": person.strip() or None, "org": org.strip() or None}


def _index_of(options: list, value) -> int:
    for i, option in enumerate(options):
        if str(option) == str(value):
            return i
    return 0


def hit_meta_html(date: str | None, doc_type: str, network: str | None, where: str = "") -> str:
    """The grey line under a title: date · type · network · where (all escaped)."""
    parts = [esc(date or "odaterat"), esc(type_label(doc_type))]
    if network:
        parts.append(esc(network))
    if where:
        parts.append(where)
    return f"<div class='hit-meta'>{' · '.join(parts)}</div>"


#: A link shown on a result card: (page file, label, material icon, URL parameters).
CardLink = tuple[str, str, str, dict]


def result_card(number: int, hit, links: tuple[CardLink, ...] | list[CardLink] = ()) -> None:
    """One search hit in a bordered card: title, date and place, marked snippet, and links.

    Args:
        number: The hit's rank, shown before the title.
        hit: The SearchHit.
        links: Further links for the card's row of links, after "Visa dokument"
            (e.g. ``("app_pages/similar.py", "Liknande diskussioner", ":material/compare_arrows:",
            {"chunk": hit.chunk_id})``).
    """
    where = esc(hit.section)
    if hit.page:
        where = f"{where} · sida {hit.page}" if where else f"sida {hit.page}"
    with st.container(border=True, key=f"hit-{number}"):  # key: the CSS class st-key-hit-N
        st.markdown(f"<h2 class='hit-title'>{number}. {esc(hit.title)}</h2>"
                    f"{hit_meta_html(hit.date_label, hit.doc_type, hit.network, where)}"
                    f"<div class='hit-snippet'>{marked_html(hit.snippet)}</div>", unsafe_allow_html=True)
        if hit.more:
            st.caption("Fler träffar i dokumentet: " + "; ".join(
                (m.section or f"sida {m.page}") for m in hit.more))
        if hit.sources:
            st.caption("Samma text finns också i: " + "; ".join(
                f"{s['title']} ({s['date_label'] or 'odaterat'})" for s in hit.sources))
        with st.container(horizontal=True, gap="medium"):
            # Real links (not buttons): they open in a new tab, and the URL carries the document, the
            # hit and the search, so the page can be shared and "back" finds the search again.
            st.page_link("app_pages/document.py", label="Visa dokument", icon=":material/description:",
                         query_params=document_link_params(hit.doc_id, hit.chunk_id))
            for page, label, icon, params in links:
                st.page_link(page, label=label, icon=icon, query_params=params)


def downloads_ui(rows: list[dict], stem: str, label: str) -> None:
    """CSV and JSON downloads of result rows (each row names its source document and date)."""
    from index.export import rows_to_csv, rows_to_json

    with st.container(horizontal=True, gap="small"):
        st.download_button(f"Ladda ned {label} (CSV)", rows_to_csv(rows, excel=True), file_name=f"{stem}.csv",
                           mime="text/csv", icon=":material/download:", key=f"{stem}-csv")
        st.download_button(f"Ladda ned {label} (JSON)", rows_to_json(rows), file_name=f"{stem}.json",
                           mime="application/json", icon=":material/download:", key=f"{stem}-json")


def speaker_links(archive: Archive, hit) -> list[CardLink]:
    """Profile links for the people who presented the hit's section (or the hit's deck)."""
    presenters = [p for p in archive.meta.people_of(hit.doc_id) if p.role == "presenter"]
    own = [p for p in presenters if p.section and hit.section.startswith(p.section.split(" › ")[0])]
    chosen = own or ([p for p in presenters if not p.section or hit.doc_type == "presentation"])
    names = list(dict.fromkeys(p.name for p in chosen))[:3]
    return [("app_pages/people.py", name, ":material/person:", {"person": name}) for name in names]


