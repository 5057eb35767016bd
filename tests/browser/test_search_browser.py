"""The search, document and about pages as people meet them, in a real browser."""

from __future__ import annotations

import re
import statistics
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .conftest import LONG_DOC
from .helpers import (heading_levels, horizontal_overflow, low_contrast_texts, main, main_text, no_exception,
                      open_app, search_for, unlabelled_inputs, wait_for_param, wait_idle)

pytestmark = pytest.mark.browser

FIRST_MINUTES = "natverk-a/2023/2023-03-14_natverk-a_anteckningar.md"
AI_MINUTES = "natverk-a/2023/2023-10-05_natverk-a_anteckningar.md"


def hit_titles(page):
    return page.locator("h2.hit-title")


def test_search_shows_the_expected_first_hit(page, app_url):
    open_app(page, app_url)
    search_for(page, "Safe Exam Browser tekniktest")
    first = page.locator(".st-key-hit-1")
    expect(first.locator("h2.hit-title")).to_have_text("1. Anteckningar – Nätverk A")
    expect(first.locator(".hit-meta")).to_contain_text("2023-03-14")
    expect(first.locator("mark", has_text="Browser")).to_be_visible()
    expect(page).to_have_url(f"{app_url}/?q=Safe+Exam+Browser+tekniktest")
    no_exception(page)


def test_network_filter_keeps_only_that_network(page, app_url):
    open_app(page, app_url)
    search_for(page, "avtal prov fusk")
    expect(hit_titles(page).first).to_be_visible()
    expect(page.locator(".hit-meta", has_text="natverk-b").first).to_be_visible()
    page.get_by_role("combobox", name="Nätverk").click()
    page.get_by_role("option", name="natverk-a").click()
    page.keyboard.press("Escape")
    page.wait_for_url("**network=natverk-a**")
    wait_idle(page)
    expect(page.locator(".hit-meta", has_text="natverk-b")).to_have_count(0)
    metas = page.locator(".hit-meta")
    expect(metas.first).to_contain_text("natverk-a")
    assert all("natverk-a" in text for text in metas.all_inner_texts())


def test_open_document_from_a_hit(page, app_url, documents):
    open_app(page, app_url)
    search_for(page, "ChatGPT fusk AI-detektorer")
    expect(hit_titles(page).first).to_be_visible()
    page.get_by_role("link", name="Visa dokument").first.click()
    page.wait_for_url("**/dokument?**")
    wait_idle(page)
    doc = documents[AI_MINUTES]
    assert f"doc={doc['doc_id']}" in page.url and "chunk=" in page.url and "q=ChatGPT" in page.url
    expect(page.locator("h1")).to_have_text(doc["title"])
    hit = page.locator(".doc-section.hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("ChatGPT och fusk")
    expect(hit.locator("mark").first).to_be_visible()
    expect(page.get_by_role("button", name="Ladda ned originalfilen")).to_be_visible()
    # The way back restores the search from the URL.
    page.get_by_role("link", name="Tillbaka till sökningen").click()
    page.wait_for_url("**/?q=ChatGPT**")
    expect(page.get_by_label("Sökfråga")).to_have_value("ChatGPT fusk AI-detektorer")
    expect(hit_titles(page).first).to_be_visible()
    no_exception(page)


def test_about_page_counts_documents_and_lists_skipped_files(page, app_url, documents):
    open_app(page, f"{app_url}/om")
    expect(page.locator("h1")).to_have_text("Om arkivet")
    metric = page.locator("[data-testid='stMetric']", has_text="Dokument").first
    expect(metric).to_contain_text(str(len(documents)))
    expect(page.get_by_role("heading", name="Överhoppade filer")).to_be_visible()
    expect(page.locator("table", has_text="trasig.pdf")).to_be_visible()
    expect(page.locator("table", has_text="Filen är skadad och kunde inte läsas")).to_be_visible()
    no_exception(page)


def test_search_link_with_query_and_network_reproduces_the_search(page, app_url):
    open_app(page, f"{app_url}/?q={quote('avtal prov fusk')}&network=natverk-a")
    expect(page.get_by_label("Sökfråga")).to_have_value("avtal prov fusk")
    expect(page.locator("[data-testid='stSidebar']").get_by_text("natverk-a")).to_be_visible()
    expect(hit_titles(page).first).to_be_visible()
    assert all("natverk-a" in text for text in page.locator(".hit-meta").all_inner_texts())


def test_document_link_opens_the_document(page, app_url, documents):
    doc = documents[FIRST_MINUTES]
    open_app(page, f"{app_url}/dokument?doc={doc['doc_id']}")
    expect(page.locator("h1")).to_have_text(doc["title"])
    expect(page.get_by_text("Safe Exam Browser").first).to_be_visible()
    expect(page.locator(".doc-section.hit")).to_have_count(0)
    no_exception(page)


def test_unknown_document_link_explains_and_offers_a_choice(page, app_url):
    open_app(page, f"{app_url}/dokument?doc=finns-inte")
    expect(page.get_by_text("Dokumentet i länken finns inte i arkivet")).to_be_visible()
    expect(page.get_by_role("combobox", name="Välj dokument")).to_be_visible()


def test_long_document_shows_one_page_of_sections_around_the_hit(page, app_url, documents):
    doc = documents[LONG_DOC]
    chunk = next(c for c in doc["chunks"] if "vecka 200." in c.text)
    started = time.perf_counter()
    open_app(page, f"{app_url}/dokument?doc={doc['doc_id']}&chunk={chunk.chunk_id}")
    expect(page.locator(".doc-section.hit")).to_contain_text("Lokalbokning vecka 200")
    took = time.perf_counter() - started
    sections = page.locator(".doc-section")
    assert 0 < sections.count() <= 30, f"{sections.count()} sections rendered at once"
    expect(page.get_by_text(f"Dokumentet har {len(doc['sections'])} avsnitt")).to_be_visible()
    page.get_by_role("link", name="Gå till träffen").click()
    expect(page.locator(".doc-section.hit")).to_be_in_viewport()
    # Other parts of the document are a button or a choice away; the note says where the hit is.
    page.get_by_role("button", name="Nästa 30 avsnitt").click()
    expect(page.locator(".doc-section").first).to_contain_text("Lokalbokning vecka 210")
    expect(page.get_by_text("Den visas under avsnitt 181–210")).to_be_visible()
    part = page.get_by_role("combobox", name="Visa avsnitt")
    part.click()
    part.press_sequentially("avsnitt 1–30")  # the list is long: type to narrow it down
    page.get_by_role("option", name="avsnitt 1–30", exact=False).first.click()
    expect(page.locator(".doc-section").first).to_contain_text("Protokollsamling")
    expect(page.locator(".doc-section.hit")).to_have_count(0)
    print(f"\nlong document ({len(doc['sections'])} sections) opened in {took:.2f} s")


def test_empty_query_gives_guidance(page, app_url):
    open_app(page, app_url)
    expect(page.get_by_text("Skriv en sökfråga")).to_be_visible()
    assert hit_titles(page).count() == 0
    main(page).get_by_role("link", name="skärmtid i förskolan").click()  # example searches, one click each
    expect(page.get_by_label("Sökfråga")).to_have_value("skärmtid i förskolan")
    # The two documents of the mini corpus that discuss it: the notes and the year's overview.
    expect(hit_titles(page).first).to_contain_text(re.compile("ANTECKNINGAR NÄTVERK B|Nätverksträffar 2024"))
    expect(hit_titles(page).filter(has_text="ANTECKNINGAR NÄTVERK B")).to_have_count(1)
    expect(hit_titles(page).filter(has_text="Nätverksträffar 2024")).to_have_count(1)
    wait_for_param(page, "q", "skärmtid i förskolan")


def test_no_results_suggests_removing_filters(page, app_url):
    open_app(page, f"{app_url}/?q=avtal&network=natverk-a&from=2024")
    expect(page.get_by_text("Inga träffar")).to_be_visible()
    expect(page.locator("[data-testid='stAlert']")).to_contain_text("filter")
    page.get_by_role("link", name="Sök i hela arkivet").click()
    expect(hit_titles(page).first).to_be_visible()


def test_misspelled_query_without_results_offers_close_spellings(page, app_url):
    # A filter leaves nothing to find, so the spelling help shows wherever the page calls it.
    open_app(page, f"{app_url}/?q={quote('skärmtd')}&network=natverk-a&from=2024")
    expect(page.get_by_text("Menade du")).to_be_visible()
    page.get_by_role("link", name="skärmtid", exact=True).click()
    expect(page.get_by_label("Sökfråga")).to_have_value("skärmtid")
    wait_for_param(page, "q", "skärmtid")  # the address bar follows, so a reload keeps the correction
    expect(page.get_by_text("Menade du")).to_have_count(0)
    assert "network=natverk-a" in page.url and "from=2024" in page.url  # the correction keeps the filters


def test_a_second_search_in_the_same_tab(page, app_url):
    """Each query typed counts (an unkeyed box fed from ?q= dropped every other one; see common.seed_from_url)."""
    open_app(page, app_url)
    search_for(page, "Safe Exam Browser tekniktest")
    expect(hit_titles(page).first).to_have_text("1. Anteckningar – Nätverk A")
    wait_idle(page)
    search_for(page, "micro:bit Scratch programmering")
    page.wait_for_url("**q=micro**", timeout=5000)
    expect(hit_titles(page).first).to_have_text("1. Nätverksträffar 2024")
    wait_idle(page)
    search_for(page, "lokalbokning projektorer aulan")
    page.wait_for_url("**q=lokalbokning**", timeout=5000)
    expect(hit_titles(page).first).to_have_text("1. Protokollsamling – Nätverk C")


def test_filters_change_twice_and_follow_links(page, app_url):
    open_app(page, f"{app_url}/?q=anteckningar")
    for network, expected in [("natverk-a", "network=natverk-a"), ("natverk-b", "network=natverk-a&network=natverk-b")]:
        page.get_by_role("combobox", name="Nätverk").click()
        page.get_by_role("option", name=network).click()
        page.keyboard.press("Escape")
        page.wait_for_url(f"**{expected}**", timeout=5000)
        wait_idle(page)
    expect(page.locator(".hit-meta", has_text="natverk-c")).to_have_count(0)
    expect(page.locator(".hit-meta", has_text="natverk-b").first).to_be_visible()
    # A link to another search (here: a fresh load of a shared URL) replaces the filters.
    open_app(page, f"{app_url}/?q=anteckningar&network=natverk-c")
    expect(page.locator(".hit-meta").first).to_contain_text("natverk-c")
    assert all("natverk-c" in text for text in page.locator(".hit-meta").all_inner_texts())


def test_results_arrive_quickly_after_enter(page, app_url, capsys):
    """Time from Enter to the new first result, after a first search; printed, not asserted."""
    open_app(page, app_url)
    search_for(page, "Safe Exam Browser")
    expect(hit_titles(page).first).to_be_visible()
    wait_idle(page)
    box = page.get_by_label("Sökfråga")
    timings = []
    for query, title in [("skärmtid förskolan lärplattor", "ANTECKNINGAR NÄTVERK B"),
                         ("ChatGPT fusk bedömning", "Anteckningar – Nätverk A"),
                         ("micro:bit Scratch programmering", "Nätverksträffar 2024"),
                         ("lokalbokning projektorer aulan", "Protokollsamling – Nätverk C")]:
        box.fill(query)
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            """(title) => { const first = document.querySelector('h2.hit-title');
                            return first && first.textContent.includes(title)
                                   && !first.closest('[data-stale="true"]'); }""",
            arg=title, polling="raf", timeout=5000)
        timings.append(time.perf_counter() - started)
        wait_idle(page)
    with capsys.disabled():
        print(f"\nresult latency after Enter (ms): {', '.join(f'{t * 1000:.0f}' for t in timings)}; "
              f"median {statistics.median(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}")


def test_labels_headings_and_contrast(page, app_url, documents):
    """Every input has a label, headings go h1, h2, h3 without gaps, and text meets WCAG AA contrast."""
    doc = documents[LONG_DOC]
    for path in ["/?q=avtal", "/om", f"/dokument?doc={doc['doc_id']}&chunk={doc['chunks'][40].chunk_id}&q=vecka",
                 "/dokument"]:
        open_app(page, app_url + path)
        expect(page.locator("h1")).to_be_visible()
        assert unlabelled_inputs(page) == [], path
        levels = heading_levels(page)
        assert levels and levels[0][0] == 1, (path, levels)
        assert [lvl for lvl, _ in levels].count(1) == 1, (path, levels)
        jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b[0] > a[0] + 1]
        assert not jumps, (path, jumps)
        assert low_contrast_texts(page) == [], path


def test_keyboard_only_search_and_open(page, app_url):
    open_app(page, app_url)
    expect(page.get_by_label("Sökfråga")).to_be_visible()  # the whole page is drawn before tabbing
    wait_idle(page)
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Sökfråga":
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type("Safe Exam Browser")
    page.keyboard.press("Enter")
    expect(hit_titles(page).first).to_have_text("1. Anteckningar – Nätverk A")
    wait_idle(page)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()").endswith("Visa dokument"):
            break
    else:
        pytest.fail("Tab never reached the first 'Visa dokument' link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dokument?**")
    expect(page.locator(".doc-section.hit")).to_be_visible()


@pytest.mark.viewport(390, 844)
@pytest.mark.parametrize("path", ["/?q=avtal", "/dokument", "/om"])
def test_narrow_screen_has_no_sideways_scrolling(page, app_url, path, documents):
    if path == "/dokument":
        doc = documents[FIRST_MINUTES]
        path = f"/dokument?doc={doc['doc_id']}&chunk={doc['chunks'][1].chunk_id}&q=Safe+Exam+Browser"
    open_app(page, app_url + path)
    expect(page.locator("h1")).to_be_in_viewport()
    assert horizontal_overflow(page) <= 1, main_text(page)[:300]
