"""Adding a document through the app and finding it in search (changes the index: runs last)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import need_page, no_exception, open_app, search_for, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.changes_index]

UPLOADED = """# Anteckningar – Zebrafinkprojektet

Datum: 2024-05-30

## 1. Zebrafinkprojektet i årskurs 5
Eleverna dokumenterade zebrafinkarnas beteende med lärplattor och delade filmerna med en klass i Borås.
"""


def test_upload_a_file_and_find_it(page, app_url, tmp_path):
    path = need_page("upload.py")
    source = tmp_path / "2024-05-30_natverk-b_anteckningar_zebrafink.md"
    source.write_text(UPLOADED, encoding="utf-8")
    open_app(page, app_url + path)
    page.locator("input[type='file']").first.set_input_files(str(source))
    wait_idle(page)
    page.get_by_role("button", name=re.compile(r"Lägg till|Läs in|Ladda upp|Spara|Indexera", re.I)).first.click()
    expect(page.get_by_text(re.compile(r"lades till i arkivet|lagts till|tillagd", re.I)).first).to_be_visible(
        timeout=60_000)
    wait_idle(page)
    no_exception(page)
    open_app(page, app_url)
    search_for(page, "zebrafinkarnas beteende")
    expect(page.locator("h2.hit-title").first).to_contain_text("Zebrafinkprojektet", timeout=30_000)
