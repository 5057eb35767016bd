"""Browser-test fixtures: one Streamlit server over a fixture corpus per session, driven by headless Chromium.

The server indexes a copy of tests/fixtures/mini_corpus (plus a very long document and a broken
file) with the fake "hash" embedder, so the suite needs no model and runs in well under two
minutes. Every test leaves a screenshot in test-artifacts/screenshots/; a failing one also
leaves the page's HTML there.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import HASH_CONFIG, MINI_CORPUS

from .helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, artifact_name, save_screenshot

try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # the test extra is not installed: leave the browser tests out rather than fail collecting
    collect_ignore_glob = ["test_*.py"]

#: Sections in the generated long document: enough that rendering them all at once would hurt.
LONG_SECTIONS = 240
LONG_DOC = "natverk-c/2022/2022-06-01_natverk-c_protokollsamling.md"


def _long_document() -> str:
    parts = ["# Protokollsamling – Nätverk C", "", "Datum: 2022-06-01", ""]
    for i in range(1, LONG_SECTIONS + 1):
        parts += [f"## {i}. Lokalbokning vecka {i}",
                  f"Samordnaren gick igenom lokalbokningen för vecka {i}. Vaktmästaren noterade {i} ärenden "
                  "om projektorer och högtalare i aulan.", ""]
    return "\n".join(parts)


@pytest.fixture(scope="session", autouse=True)
def _need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}; install it with `apt-get install chromium` "
                    "(scripts/test.sh does)")


@pytest.fixture(scope="session")
def browser_corpus(tmp_path_factory) -> Path:
    """A writable copy of the mini corpus, plus a 240-section document and a file that cannot be read."""
    corpus = tmp_path_factory.mktemp("browser") / "corpus"
    shutil.copytree(MINI_CORPUS, corpus)
    long_doc = corpus / LONG_DOC
    long_doc.parent.mkdir(parents=True)
    long_doc.write_text(_long_document(), encoding="utf-8")
    (corpus / "natverk-b" / "2024" / "trasig.pdf").write_bytes(b"%PDF-1.4 this file ends here")
    return corpus


@pytest.fixture(scope="session")
def browser_store(browser_corpus, hash_embedder) -> Path:
    from index.build import ingest

    store = browser_corpus.parent / "index"
    ingest([browser_corpus], store, HASH_CONFIG, embedder=hash_embedder)
    return store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(base: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer {base}/_stcore/health within {timeout} s:\n"
                       f"{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def app_url(browser_store, browser_corpus) -> Iterator[str]:
    """The base URL of a Streamlit server running app.py over the browser corpus's index."""
    port = _free_port()
    log = browser_corpus.parent / "streamlit.log"
    env = dict(os.environ, ARKIV_INDEX=str(browser_store), ARKIV_CORPUS=str(browser_corpus), ARKIV_EMBEDDER="hash",
               HF_HUB_OFFLINE="1")
    # No file watcher: other people edit the tree while tests run, and a rerun mid-test is noise.
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / "streamlit.log")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "viewport(width, height): the browser window for the test (phone: 390, 844)")
    config.addinivalue_line("markers", "changes_index: adds to the shared server's index, so it runs last")


def pytest_collection_modifyitems(config, items) -> None:
    """Tests that change the shared index run after all the others (which expect the fixture corpus)."""
    items.sort(key=lambda item: item.get_closest_marker("changes_index") is not None)


@pytest.fixture()
def page(browser, app_url, request):
    """A fresh browser tab (1280×900 unless marked viewport, Swedish) whose screenshot is saved when the test ends."""
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (1280, 900)
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": height}, locale="sv-SE", is_mobile=phone,
                                  has_touch=phone)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = artifact_name(request.node)
    try:
        save_screenshot(tab, ARTIFACTS / f"{name}.png")
        report = getattr(request.node, "report_call", None)
        page_html = ARTIFACTS / f"{name}.html"
        if report is not None and report.failed:
            page_html.write_text(tab.content(), encoding="utf-8")
        else:
            page_html.unlink(missing_ok=True)  # from an earlier failed run
    finally:
        context.close()


@pytest.fixture(scope="session")
def documents(browser_store) -> dict[str, dict]:
    """The browser corpus's documents by path (doc_id, title, sections, chunks), read from its index."""
    from index.archive import Archive

    archive = Archive.open(browser_store)
    try:
        found = {}
        for row in archive.documents:
            doc = archive.meta.document(row["doc_id"], with_people=False)
            found[row["path"]] = {"doc_id": row["doc_id"], "title": row["title"], "network": row["network"],
                                  "sections": doc.sections, "chunks": archive.meta.chunks_of(row["doc_id"])}
        return found
    finally:
        archive.close()
