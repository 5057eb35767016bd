"""Trender: how many meetings discuss a theme per year or term, and the archive's automatic themes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import esc, hit_meta_html, marked_html, type_label
from app_pages.state import build_index_ui, current_archive
from app_pages.urls import seed_from_url, set_url_param
from index.archive import Archive, Filters
from index.export import rows_to_csv, theme_rows, trend_document_rows, trend_rows
from index.themes import find_themes, theme_sections
from index.trends import Trend, period_sections, theme_trends, trends
from ingest.errors import ArkivError
from ingest.models import DOC_TYPES

BY_LABELS = {"year": "År", "term": "Termin (VT/HT)"}
SECTIONS_SHOWN = 20


def trends_page() -> None:
    st.title("Trender")
    st.caption("Hur ofta nätverken har tagit upp ett tema, år för år eller termin för termin.")
    archive = current_archive()
    if archive is None:
        build_index_ui()
        return
    themes, by, filters = inputs_ui(archive)
    if themes:
        try:
            results = trends(archive, themes, by, filters)
        except ArkivError as exc:
            st.error(f"Trenden gick inte att räkna fram: {exc}")
            return
        charts_ui(results)
        downloads_ui(archive, results)
        period_ui(archive, results)
    else:
        st.write("Skriv ett eller flera teman, åtskilda med kommatecken, t.ex. ”AI, digitala nationella prov”.")
    automatic_themes_ui(archive, by, filters)


def inputs_ui(archive: Archive) -> tuple[list[str], str, Filters]:
    """Themes, period and filters; the themes are kept in the URL (?teman=...)."""
    seed_from_url("teman", st.query_params.get("teman", ""))
    text = st.text_input("Teman (åtskilda med kommatecken)", key="teman",
                         placeholder="AI, nationella prov, skärmtid i förskolan")
    themes = list(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    set_url_param("teman", text.strip() or None)
    cols = st.columns(3)
    by = cols[0].radio("Per", list(BY_LABELS), format_func=BY_LABELS.__getitem__, horizontal=True)
    networks = cols[1].multiselect("Nätverk", archive.networks(), placeholder="Alla nätverk")
    types = cols[2].multiselect("Dokumenttyp", list(DOC_TYPES), format_func=type_label, placeholder="Alla typer")
    return themes, by, Filters(networks=tuple(networks), doc_types=tuple(types))


def trend_frame(results: list[Trend]) -> pd.DataFrame:
    """One row per theme and period: meetings, matching meetings and shares (for charts)."""
    return pd.DataFrame([{"Tema": t.theme, "Period": p.period, "Möten": p.meetings,
                          "Möten med temat": p.matching_meetings, "Andel": p.share,
                          "Andel avsnitt": p.section_share} for t in results for p in t.points])


def charts_ui(results: list[Trend]) -> None:
    frame = trend_frame(results)
    if frame.empty:
        st.info("Inga daterade möten matchar filtren.")
        return
    periods = list(dict.fromkeys(frame["Period"]))
    x = alt.X("Period:N", sort=periods, title=None)
    line = alt.Chart(frame).mark_line(point=True).encode(
        x=x, y=alt.Y("Andel:Q", title="Andel av mötena", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("Tema:N", title="Tema"),
        tooltip=["Tema", "Period", "Möten", "Möten med temat", alt.Tooltip("Andel:Q", format=".0%")])
    st.header("Andel möten som tar upp temat")
    st.altair_chart(line, width="stretch")
    bars = alt.Chart(frame).mark_bar().encode(
        x=x, xOffset="Tema:N", y=alt.Y("Möten med temat:Q", title="Möten"), color=alt.Color("Tema:N", title="Tema"),
        tooltip=["Tema", "Period", "Möten", "Möten med temat"])
    st.header("Antal möten som tar upp temat")
    st.altair_chart(bars, width="stretch")
    for result in results:
        semantic = (f"eller liknar ”{esc(result.query)}” (likhet minst {result.threshold:.3f})"
                    if result.threshold != float("inf") else "")
        parts = [" eller ".join(slot[:6]) for slot in result.slots or [result.phrasings]]
        words = " och ".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]
        st.caption(f"{esc(result.theme)}: avsnitt som nämner {esc(words)} {semantic}. "
                   "Ett möte räknas när något av dess avsnitt gör det.")
    if results[0].year_only:
        st.caption(f"{results[0].year_only} dokument är bara daterade med ett år (till exempel årsöversikter) och "
                   "hör inte till någon termin: de räknas per år men inte per termin.")


def downloads_ui(archive: Archive, results: list[Trend]) -> None:
    cols = st.columns(2)
    cols[0].download_button("Ladda ned siffrorna (CSV)", rows_to_csv(trend_rows(results), excel=True),
                            file_name="trender.csv", mime="text/csv", icon=":material/download:")
    cols[1].download_button("Ladda ned mötena (CSV)", rows_to_csv(trend_document_rows(archive, results), excel=True),
                            file_name="trender-moten.csv", mime="text/csv", icon=":material/download:")


def period_ui(archive: Archive, results: list[Trend]) -> None:
    """Pick a theme and a period to read the sections that were counted."""
    st.header("Avsnitten bakom siffrorna")
    cols = st.columns(2)
    chosen = cols[0].selectbox("Tema", range(len(results)), format_func=lambda i: results[i].theme)
    result = results[chosen]
    periods = [p for p in result.points if p.matching_sections]
    if not periods:
        st.write("Inget avsnitt tar upp temat med de valda filtren.")
        return
    labels = {p.period: f"{p.period} ({p.matching_meetings} av {p.meetings} möten)" for p in periods}
    period = cols[1].selectbox("Period", list(labels), index=len(labels) - 1, format_func=labels.__getitem__)
    point = result.point(period)
    sections = period_sections(archive, result, point.period, limit=SECTIONS_SHOWN)
    st.caption(f"{point.matching_sections} avsnitt i {point.matching_meetings} möten"
               + (f"; de {SECTIONS_SHOWN} mest lika visas" if point.matching_sections > SECTIONS_SHOWN else ""))
    for section in sections:
        why = " och ".join(w for w, on in (("orden", section.lexical), ("innehållet", section.semantic)) if on)
        section_card(section.hit, f"Räknas genom {why}")


def section_card(hit, note: str = "") -> None:
    """A section with its document, date and a link to it; all document text escaped."""
    where = esc(hit.section) + (f" · sida {hit.page}" if hit.page else "")
    with st.container(border=True):
        st.markdown(f"**{esc(hit.title)}**{hit_meta_html(hit.date_label, hit.doc_type, hit.network, where)}"
                    f"<div class='hit-snippet'>{marked_html(hit.snippet)}</div>", unsafe_allow_html=True)
        if note:
            st.caption(note)
        st.page_link("app_pages/document.py", label="Visa dokument", icon=":material/description:",
                     query_params={"doc": hit.doc_id, "chunk": hit.chunk_id})


def automatic_themes_ui(archive: Archive, by: str, filters: Filters) -> None:
    """The archive's themes found by clustering, their share over time, and one theme's sections."""
    st.header("Teman i arkivet")
    st.caption("Avsnitten grupperade efter innehåll; varje tema beskrivs med sina mest utmärkande ord.")
    model = find_themes(archive)
    points = theme_trends(archive, model, by, filters)
    themes = [t for t in model.themes if not t.attendance]
    if not themes:
        st.write("Arkivet har för lite text för att hitta teman.")
        return
    periods = [p.period for p in next(iter(points.values()), [])]
    table = pd.DataFrame([{"Tema": t.label, "Avsnitt": t.size, "Dokument": len(t.doc_ids),
                           **{p.period: None if p.section_share is None else 100 * p.section_share
                              for p in points[t.theme_id]}} for t in themes])
    st.caption("Andel av periodens avsnitt som hör till temat:")
    st.dataframe(table, hide_index=True, column_config={
        p: st.column_config.NumberColumn(p, format="%.0f %%") for p in periods})
    st.download_button("Ladda ned temana (CSV)", rows_to_csv(theme_rows(archive, model, points), excel=True),
                       file_name="teman.csv", mime="text/csv", icon=":material/download:")
    by_id = {t.theme_id: t for t in themes}
    chosen = st.selectbox("Öppna ett tema", list(by_id), index=None, placeholder="Välj ett tema",
                          format_func=lambda i: f"{by_id[i].label} ({by_id[i].size} avsnitt)")
    if chosen is None:
        return
    theme = by_id[chosen]
    st.markdown("**Ord:** " + esc(", ".join(theme.words)))
    frame = pd.DataFrame([{"Period": p.period, "Andel avsnitt": p.section_share} for p in points[theme.theme_id]])
    st.altair_chart(alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("Period:N", sort=periods, title=None),
        y=alt.Y("Andel avsnitt:Q", axis=alt.Axis(format="%"))), width="stretch")
    for hit in theme_sections(archive, theme, limit=SECTIONS_SHOWN):
        section_card(hit)


trends_page()
