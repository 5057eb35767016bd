"""The pages others are adding (similar discussions, people, trends) in a real browser.

Each test skips until its page exists and app.py registers it, so the suite stays green while
the pages are being written.
"""

from __future__ import annotations

import warnings
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .helpers import (ROOT, heading_levels, main, main_text, need_page, no_exception, open_app, unlabelled_inputs,
                      wait_for_param, wait_idle)

pytestmark = pytest.mark.browser

AI_MINUTES = "natverk-a/2023/2023-10-05_natverk-a_anteckningar.md"
CHART = ", ".join(f"[data-testid='{name}']" for name in (
    "stVegaLiteChart", "stArrowVegaLiteChart", "stAltairChart", "stPlotlyChart", "stLineChart", "stBarChart"))


def test_open_similar_discussions_from_a_hit(page, app_url, documents):
    path = need_page("similar.py")
    open_app(page, f"{app_url}/?q={quote('ChatGPT fusk AI-detektorer')}")
    expect(page.locator("h2.hit-title").first).to_contain_text("Anteckningar – Nätverk A")
    main(page).get_by_role("link", name="Liknande diskussioner").first.click()
    page.wait_for_url(f"**{path}?**")
    wait_idle(page)
    expect(page.locator("h1")).to_have_text("Liknande diskussioner")
    expect(page.locator(".hit-title").first).to_be_visible()
    no_exception(page)
    others = [d["title"] for p, d in documents.items() if p != AI_MINUTES]
    assert any(title in main_text(page) for title in others), "no other meeting is offered as similar"


def test_open_similar_discussions_from_a_document(page, app_url, documents):
    need_page("similar.py")
    doc = documents[AI_MINUTES]
    open_app(page, f"{app_url}/dokument?doc={doc['doc_id']}&chunk={doc['chunks'][1].chunk_id}")
    link = main(page).get_by_role("link", name="Liknande diskussioner").first
    expect(link).to_be_visible()  # waits for it; a missing link fails the test
    link.click()
    wait_idle(page)
    expect(page.locator("h1")).to_have_text("Liknande diskussioner")
    expect(page.locator(".hit-title").first).to_be_visible()
    no_exception(page)


def test_open_a_person(page, app_url):
    path = need_page("people.py")
    open_app(page, f"{app_url}{path}?q={quote('provplattformen Safe Exam Browser')}")
    expect(page.locator("h2.hit-title").first).to_contain_text("Helena Welén")
    main(page).get_by_role("link", name="Profil: Helena Welén").first.click()
    wait_idle(page)
    expect(main(page).get_by_role("heading", name="Helena Welén", exact=True)).to_be_visible()
    expect(main(page)).to_contain_text("Skolverket")
    expect(main(page)).to_contain_text("2023-03-14")
    no_exception(page)


def test_trends_show_a_chart(page, app_url):
    path = need_page("trends.py")
    open_app(page, f"{app_url}{path}?teman={quote('skärmtid, AI')}")
    expect(page.locator(CHART).first).to_be_visible()
    no_exception(page)


@pytest.mark.parametrize("name, query", [("similar.py", "?doc={doc}"), ("people.py", "?q=skärmtid"),
                                         ("trends.py", "?teman=AI"), ("upload.py", "")])
def test_other_pages_label_their_inputs(page, app_url, documents, name, query):
    """Every input has a label (asserted); headings out of order are reported as warnings."""
    path = need_page(name)
    open_app(page, app_url + path + query.format(doc=documents[AI_MINUTES]["doc_id"]))
    expect(page.locator("h1")).to_be_visible()
    no_exception(page)
    assert unlabelled_inputs(page) == []
    levels = heading_levels(page)
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b[0] > a[0] + 1]
    if jumps or [lvl for lvl, _ in levels].count(1) != 1:
        warnings.warn(f"{name}: headings out of order: {jumps or levels}", stacklevel=1)


def _page_source(name: str) -> str:
    path = ROOT / "app_pages" / name
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.xfail("seed_from_url" not in _page_source("trends.py"), strict=False,
                   reason="trends.py's unkeyed theme box takes its value from ?teman=, so every other edit is "
                          "dropped; fix: common.seed_from_url + key='teman' + common.set_url_param")
def test_trends_keep_each_theme_typed(page, app_url):
    path = need_page("trends.py")
    open_app(page, app_url + path)
    box = page.get_by_label("Teman (åtskilda med kommatecken)")
    for theme in ("AI", "skärmtid"):
        box.fill(theme)
        box.press("Enter")
        wait_for_param(page, "teman", theme)
        wait_idle(page)
    expect(box).to_have_value("skärmtid")


@pytest.mark.xfail("publish_url" not in _page_source("people.py"), strict=False,
                   reason="a profile link stays on the people page, and Streamlit leaves the old address in the "
                          "browser; fix: call common.publish_url() in people.profile_ui")
def test_person_profile_address_can_be_shared(page, app_url):
    path = need_page("people.py")
    open_app(page, f"{app_url}{path}?q={quote('provplattformen Safe Exam Browser')}")
    main(page).get_by_role("link", name="Profil: Helena Welén").first.click()
    wait_for_param(page, "person", "Helena Welén")
