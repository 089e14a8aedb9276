"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest
from browser import ARGS, CHROMIUM, sync_playwright


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test (modules using it set ``pytestmark = needs_browser``)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
