"""Shared Playwright fixtures for browser tests (`@pytest.mark.browser`).

Import them in a test module with `from tests.browser_support import browser, page  # noqa: F401`;
use pytest-django's `live_server` and `transactional_db`, and `login(...)` to sign in through the form.
"""

from pathlib import Path

import pytest

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1440, "height": 900}
TIMEOUT_MS = 15_000
# Screenshots some tests take for a person to look at after a run (the checkout's, not the machine's /tmp).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

# Every module that imports `browser` gets its own copy of the session fixture, but Playwright's sync API
# allows one running instance per thread: all copies share this one and the last to finish closes it.
_shared: dict = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's, no download)."""
    if "browser" not in _shared:
        import os

        from playwright.sync_api import sync_playwright

        if not os.path.exists(CHROMIUM_PATH):
            message = f"browser tests need Debian's chromium at {CHROMIUM_PATH} (apt-get install chromium)"
            if os.environ.get("CI"):
                pytest.fail(message)  # CI installs it: missing there is a broken run, not a skip
            pytest.skip(message)

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        playwright = sync_playwright().start()
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
    _shared["users"] += 1
    yield _shared["browser"]
    _shared["users"] -= 1
    if not _shared["users"]:
        _shared.pop("browser").close()
        _shared.pop("playwright").stop()


@pytest.fixture
def page(browser):
    """A fresh browser context per test: no cookies or storage carried over."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the real login form and wait until the portal has let us in."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
