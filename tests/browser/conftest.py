"""Fixtures of the browser test: Debian's chromium driven by Playwright, and the UI in its
real container (frontend_container.py) against the real backend of the session's `stack`."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from frontend_container import frontend_image, running_frontend

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found: Debian's chromium is needed (scripts/bootstrap.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def frontend_image_tag() -> str:
    return frontend_image()


@pytest.fixture(scope="session")
def frontend_url(stack, frontend_image_tag) -> Iterator[str]:
    with running_frontend(frontend_image_tag, stack.backend_url) as url:
        yield url
