"""End-to-end tests that drive the real app in headless Chromium (marker: browser)."""
