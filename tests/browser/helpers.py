"""Helpers shared by the browser tests: paths, Chromium settings and page actions."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
#: The app is idle (no script run in flight) when its root carries this attribute.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def artifact_name(item) -> str:
    return re.sub(r"[^\w.-]+", "_", item.name)


def save_screenshot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its own container, so grow the viewport."""
    size = page.viewport_size or {"width": 1280, "height": 900}
    height = page.evaluate("""() => Math.max(document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"],'
             + ' section.main')].map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(max(int(height), size["height"]), 6000)})
    page.wait_for_timeout(60)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def open_app(page, url: str) -> None:
    """Go to a URL of the app and wait until its script has finished running."""
    page.goto(url)
    page.wait_for_selector(IDLE)


def wait_idle(page) -> None:
    page.wait_for_selector(IDLE)


def wait_for_param(page, key: str, value: str, timeout: float = 5000) -> None:
    """Wait until the address bar's ?key= is value (what a reload or a shared link would get)."""
    page.wait_for_function("([key, value]) => new URL(location.href).searchParams.get(key) === value",
                           arg=[key, value], timeout=timeout)


def search_for(page, query: str) -> None:
    box = page.get_by_label("Sökfråga")
    box.fill(query)
    box.press("Enter")


def main(page):
    """The page's main area (not the sidebar, whose navigation repeats page names)."""
    return page.locator('[data-testid="stMain"]')


def main_text(page) -> str:
    return main(page).inner_text()


def no_exception(page) -> None:
    """Fail with the app's own message when a page raised."""
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


#: Roles of form controls that must carry an accessible name (a label).
INPUT_ROLES = ("textbox", "searchbox", "combobox", "spinbutton", "slider", "checkbox", "radio", "listbox", "switch")


#: Form controls in the DOM with no label, aria-label or non-empty aria-labelledby.
_UNLABELLED_JS = """() => {
  const named = el => (el.labels && el.labels.length) || el.getAttribute('aria-label')
    || (el.getAttribute('aria-labelledby') || '').split(' ')
         .some(id => id && document.getElementById(id) && document.getElementById(id).textContent.trim());
  return [...document.querySelectorAll('input, textarea, select')]
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null && !named(el))
    .map(el => el.outerHTML.slice(0, 160));
}"""


def unlabelled_inputs(page) -> list[str]:
    """Form controls without an accessible name, from the accessibility tree and from the DOM."""
    snapshot = page.locator("body").aria_snapshot()
    roles = "|".join(INPUT_ROLES)
    missing = [line.strip() for line in snapshot.splitlines()
               if re.match(rf"\s*- ({roles})(\s*\[[^\]]*\])?(:.*)?$", line)]
    return missing + page.evaluate(_UNLABELLED_JS)


def heading_levels(page) -> list[tuple[int, str]]:
    """Levels and texts of the headings in the main area, in document order."""
    return [(level, text) for level, text in page.evaluate("""() =>
        [...document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')]
          .filter(h => h.offsetParent !== null)
          .map(h => [Number(h.tagName[1]), h.textContent.trim()])""")]


#: WCAG contrast of every visible text in the main area against its (blended) background.
_CONTRAST_JS = """([minimum, largeMinimum]) => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const blend = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3]));
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255];
    for (const c of layers.reverse()) bg = blend(c, bg);
    return bg;
  };
  const bad = [], seen = new Set();
  const walker = document.createTreeWalker(document.querySelector('[data-testid="stMain"]'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.trim();
    if (!text || seen.has(el) || el.offsetParent === null) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) < 0.1) continue;
    const bg = background(el), fg = blend(parse(style.color), bg);
    const [light, dark] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? largeMinimum : minimum))
      bad.push(`${ratio.toFixed(2)}: ${text.slice(0, 60)} (${style.color} on rgb(${bg.map(Math.round)}))`);
  }
  return bad;
}"""


def low_contrast_texts(page, minimum: float = 4.5, large_minimum: float = 3.0) -> list[str]:
    """Visible texts in the main area whose colour contrast with their background is below WCAG AA."""
    return page.evaluate(_CONTRAST_JS, [minimum, large_minimum])


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("""() => Math.max(0, ...[document.documentElement, document.body,
        ...document.querySelectorAll('[data-testid="stMain"], [data-testid="stMainBlockContainer"]')]
        .map(e => e.scrollWidth - window.innerWidth))""")


def registered_page(name: str) -> str | None:
    """The URL path of app_pages/<name> when that page exists and app.py registers it, else None."""
    if not (ROOT / "app_pages" / name).exists():
        return None
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    found = re.search(rf"st\.Page\(\s*[\"']app_pages/{re.escape(name)}[\"'][^)]*?\)", app, re.DOTALL)
    if not found:
        return None
    path = re.search(r"url_path\s*=\s*[\"']([^\"']*)[\"']", found.group(0))
    return "/" + (path.group(1) if path else Path(name).stem)


def need_page(name: str) -> str:
    """The URL path of an app page; fails when app.py does not register it."""
    path = registered_page(name)
    assert path is not None, f"app_pages/{name} does not exist or app.py does not register it"
    return path
