"""Personer: who presented or spoke on a theme, and one person's profile (talks, meetings, organisations)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import downloads_ui, esc, hit_meta_html, type_label
from app_pages.state import build_index_ui, current_archive
from app_pages.urls import publish_url, seed_from_url
from index.archive import Archive
from index.export import people_rows
from index.filters import make_filters
from index.people import Appearance, Evidence, PersonProfile, PersonResult, find_people, person_profile
from ingest.errors import ArkivError
from ingest.models import DOC_TYPES

#: People listed for a theme.
PEOPLE_K = 10
#: How a role reads in a sentence about the person.
ROLE_LABELS = {"presenter": "presenterade", "speaker": "talade", "present": "närvarande", "guest": "gäst",
               "absent": "frånvarande", "chair": "ordförande", "note_taker": "antecknare",
               "coordinator": "samordnare"}


def people_page() -> None:
    st.title("Personer")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    name = st.query_params.get("person", "").strip()
    if name:
        profile_ui(archive, name)
        return
    st.caption("Vem har presenterat eller pratat om ett tema på nätverksträffarna? Skriv temat, "
               "eller en fråga som ”vem har pratat om digitala nationella prov?”.")
    values = people_filters_ui(archive)
    seed_from_url("q", st.query_params.get("q", ""))
    query = st.text_input("Tema", key="q", placeholder="t.ex. digitala nationella prov, AI och bedömning, GDPR")
    if query.strip() != st.query_params.get("q", ""):  # keep the theme in the URL, so the list can be shared
        if query.strip():
            st.query_params["q"] = query.strip()
        else:
            del st.query_params["q"]
        st.session_state["_url_q"] = tuple(st.query_params.get_all("q"))  # see common.seed_from_url
    if not query.strip():
        return
    try:
        filters = make_filters(archive, date_from=values["from"], date_to=values["to"], networks=values["network"],
                               doc_types=values["type"])
        people = find_people(archive, query, k=PEOPLE_K, filters=filters)
    except ArkivError as exc:
        st.error(f"Personsökningen gick inte att genomföra: {exc}")
        return
    if not people:
        st.warning("Ingen i arkivet har presenterat eller pratat om det. Pröva andra ord eller ta bort filter.")
        return
    st.caption(f"{len(people)} personer, flest och senaste presentationer först")
    people_cards(people, query)
    downloads_ui(people_rows(people), "personer", "listan")


def people_filters_ui(archive: Archive) -> dict:
    """Period, network and type in the sidebar (the URL's ``person`` names a profile on this page)."""
    st.sidebar.header("Filter")
    first, last = archive.period()
    years = ["Alla"] + list(range(int((first or "2019")[:4]), int((last or "2026")[:4]) + 1))
    year_from = st.sidebar.selectbox("Från år", years, key="people-from")
    year_to = st.sidebar.selectbox("Till år", years, key="people-to")
    networks = st.sidebar.multiselect("Nätverk", archive.networks(), placeholder="Alla nätverk", key="people-network")
    types = st.sidebar.multiselect("Dokumenttyp", list(DOC_TYPES), format_func=type_label, placeholder="Alla typer",
                                   key="people-type")
    return {"from": None if year_from == "Alla" else str(year_from),
            "to": None if year_to == "Alla" else str(year_to), "network": networks, "type": types}


def document_params(doc_id: str, chunk_id: str | None, query: str | None) -> dict[str, str]:
    """A link to a document (at a passage), with the theme as the search to return to."""
    params = {"doc": doc_id}
    if chunk_id:
        params["chunk"] = chunk_id
    if query:
        params["q"] = query
    return params


def people_cards(people: list[PersonResult], query: str, evidence_shown: int = 3, bordered: bool = True) -> None:
    """One card per person: name, organisations, where they presented or spoke (linked) and a profile link.

    The profile link keeps the theme (``q``), so the profile's back link returns to this list.
    """
    for number, found in enumerate(people, start=1):
        with st.container(border=bordered, key=f"person-{number}-{bordered}"):
            orgs = f" <span class='hit-meta'>· {esc(', '.join(found.organisations))}</span>" if found.organisations \
                else ""
            st.markdown(f"<h2 class='hit-title'>{number}. {esc(found.name)}{orgs}</h2>", unsafe_allow_html=True)
            for item in found.evidence[:evidence_shown]:
                evidence_line(item, query)
            if len(found.evidence) > evidence_shown:
                with st.expander(f"{len(found.evidence) - evidence_shown} till"):
                    for item in found.evidence[evidence_shown:]:
                        evidence_line(item, query)
            st.page_link("app_pages/people.py", label=f"Profil: {found.name}", icon=":material/person:",
                         query_params={"person": found.name, "q": query})


def evidence_line(item: Evidence, query: str) -> None:
    """Where a person presented or spoke: date, role, agenda item, document, with a link to the passage."""
    where = esc(item.section or item.title)
    st.markdown(f"{esc(item.date_label or 'odaterat')} · {esc(ROLE_LABELS.get(item.role, item.role))}: {where}"
                f"<br><span class='hit-meta'>{esc(item.title)} · {esc(type_label(item.doc_type))}</span>",
                unsafe_allow_html=True)
    st.page_link("app_pages/document.py", label="Visa dokument", icon=":material/description:",
                 query_params=document_params(item.doc_id, item.chunk_id or None, query))


def profile_ui(archive: Archive, name: str) -> None:
    """One person: organisations over time, talks and meetings, each linked to its document."""
    publish_url()
    st.page_link("app_pages/people.py", label="Till personsökningen", icon=":material/arrow_back:",
                 query_params={k: v for k, v in {"q": st.query_params.get("q")}.items() if v})
    profile = person_profile(archive, name)
    if profile is None:
        st.warning(f"Ingen person som heter ”{name}” finns i arkivet. Pröva efternamnet, eller sök på ett tema.")
        return
    st.header(profile.name)
    profile_summary(profile)
    st.subheader(f"Presentationer ({len(profile.presentations)})")
    if not profile.presentations:
        st.write("Inga presentationer i arkivet.")
    for talk in profile.presentations:
        appearance_line(talk, talk.section or talk.title)
    st.subheader(f"Möten ({len(profile.meetings)})")
    if not profile.meetings:
        st.write("Inga möten i arkivet.")
    for meeting in profile.meetings:
        appearance_line(meeting, f"{ROLE_LABELS.get(meeting.role, meeting.role)} – {meeting.title}")


def profile_summary(profile: PersonProfile) -> None:
    """Titles, organisations over time, networks, and other people the typed name fits."""
    if profile.titles:
        st.markdown(esc(", ".join(profile.titles)))
    if profile.organisations:
        st.table([{"Organisation": o.name, "Först": o.first or "–", "Senast": o.last or "–",
                   "Dokument": o.documents} for o in profile.organisations])
    if profile.networks:
        st.markdown("**Nätverk:** " + esc(", ".join(profile.networks)))
    if profile.also_matching:
        st.caption("Namnet passar också: " + ", ".join(profile.also_matching))
        with st.container(horizontal=True):
            for other in profile.also_matching[:5]:
                st.page_link("app_pages/people.py", label=other, icon=":material/person:",
                             query_params={"person": other})


def appearance_line(item: Appearance, label: str) -> None:
    """A talk or meeting: what, when, which network, with a link to the document."""
    with st.container():
        st.markdown(f"{esc(label)}<br>{hit_meta_html(item.date_label, item.doc_type, item.network)}",
                    unsafe_allow_html=True)
        st.page_link("app_pages/document.py", label="Visa dokument", icon=":material/description:",
                     query_params=document_params(item.doc_id, None, None))


# Streamlit runs a page as "__main__"; the search page imports people_cards without running this page.
if __name__ == "__main__":
    people_page()
