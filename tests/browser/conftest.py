"""Fixtures for browser tests: one real server (eventlet entry point) per module, pages with
console checking and artifacts on failure."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import FAKE_MEDIA_FLAGS, ConsoleLog, launch, save_artifacts
from tests.support.chat_page import ChatUser
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The real server of a module's tests (the chat's sign up many users: no login limit; a
    closed page is announced offline within a second, not after the production grace)."""
    server = LiveServer(
        tmp_path_factory.mktemp("live"), env={**LIFTED_LOGIN_LIMIT, "PRESENCE_OFFLINE_GRACE": "0.5"}
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import expect, sync_playwright

    # Waits, not speed limits: expect()'s default 5 s ran out on a machine loaded by other work
    # (a message appearing after its ack), while nothing was wrong.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = launch(playwright_instance)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def media_browser(playwright_instance):
    """A second chromium with a fake microphone and camera (launched only if a test asks)."""
    browser = launch(playwright_instance, tuple(FAKE_MEDIA_FLAGS))
    yield browser
    browser.close()


@pytest.fixture
def new_page(request, browser, live_server):
    """`new_page(fake_media=False, **context_options)` → a page in a fresh browser context (its
    own cookies), console checked; `fake_media` opens it in `media_browser`.

    After the test: any console error fails it, except those the test announced with
    `page.expected_errors.append(regex)` (the browser logs every 4xx a test provokes on purpose);
    on failure, screenshots and logs are saved.
    """
    contexts, pages, logs = [], [], []

    def make(fake_media: bool = False, **context_options):
        chromium = request.getfixturevalue("media_browser") if fake_media else browser
        context = chromium.new_context(base_url=live_server.url, **context_options)
        page = context.new_page()
        page.expected_errors = []
        log = ConsoleLog()
        log.attach(page)
        contexts.append(context)
        pages.append(page)
        logs.append(log)
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    expected = [re.compile(pattern) for page in pages for pattern in page.expected_errors]
    errors = [error for log in logs for error in log.errors if not any(p.search(error) for p in expected)]
    if failed or errors:
        save_artifacts(request.node.nodeid, pages, logs)
    for context in contexts:
        context.close()
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def chat_user(live_server):
    """`chat_user(first_name)` → a new `ChatUser` on the live server."""
    return lambda first_name: ChatUser(live_server, first_name)


@pytest.fixture
def open_chat_page(new_page, live_server):
    """`open_chat_page(user, base_url=None, prepare=None, **context_options)` → that user's
    /chat page, connected (`new_page`'s options: viewport, locale, `fake_media`…).

    `prepare(page)` runs before the page loads (permissions, init scripts).
    """

    def open_page(user: ChatUser, base_url: str | None = None, prepare=None, **context_options):
        base_url = base_url or live_server.url
        page = new_page(**context_options)
        if prepare:
            prepare(page)
        page.dialogs = []
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
        user.sign_in(page, base_url)
        expect(page.locator("#chat-app")).to_have_attribute("data-connection", "online")
        return page

    return open_page
