"""What the browser tests share: headless Chromium (driven by Playwright's Python
client, no browser download), the marks that skip them with a stated reason when
either is missing, and `open_page`. The `browser` fixture is in conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_PLAYWRIGHT = "playwright is not installed (pip install playwright)"
NO_CHROMIUM = (
    "no Chromium on PATH (chromium or chromium-browser): install it with the system's package "
    "manager, e.g. apt-get install chromium (pip install playwright installs only the client "
    "these tests drive it with, no browser)"
)
#: ``pytestmark = needs_browser`` in a module of browser tests
needs_browser = [
    pytest.mark.skipif(sync_playwright is None, reason=NO_PLAYWRIGHT),
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]
OUT = Path(__file__).resolve().parent.parent / "out"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def open_page(browser, path: Path, width: int = 1280, height: int = 800):
    """A page showing `path`, and the list that collects its console errors and uncaught exceptions."""
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.goto(path.resolve().as_uri())
    return page, errors
