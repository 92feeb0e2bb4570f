"""Playwright for Python driving Debian's chromium against a real Campus server.

`page` and `new_page` (see tests/browser/conftest.py) give pages whose console errors fail the
test; on failure a screenshot and the console log are kept in `test-artifacts/`.
"""

from __future__ import annotations

import re
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# A fake microphone and camera, allowed without asking, and sound played without a click first:
# only for the browser of the tests that record voice and video notes (`new_page(fake_media=True)`).
FAKE_MEDIA_FLAGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


def launch(playwright, extra_flags: tuple[str, ...] = ()):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, *extra_flags], headless=True)


class ConsoleLog:
    """Collects a page's console messages and uncaught errors."""

    def __init__(self):
        self.lines: list[str] = []
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message) -> None:
        line = f"{message.type}: {message.text}"
        self.lines.append(line)
        if message.type == "error":
            self.errors.append(line)


def save_artifacts(name: str, pages, logs) -> Path:
    """Screenshots and console logs of a failed test, under test-artifacts/<test name>/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
    folder.mkdir(parents=True, exist_ok=True)
    for index, page in enumerate(pages):
        try:
            page.screenshot(path=str(folder / f"page-{index}.png"), full_page=True)
        except Exception as error:  # the page may be gone already
            (folder / f"page-{index}.error.txt").write_text(str(error))
    for index, log in enumerate(logs):
        (folder / f"console-{index}.log").write_text("\n".join(log.lines + log.errors))
    return folder


def sign_in(page, email: str, password: str, path: str, *, base_url: str = "") -> None:
    """Open `path` signed out, get sent to the login form, sign in, land back on `path`."""
    page.goto(base_url + path)
    assert "/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action*=login] button[type=submit]")
    page.wait_for_url(f"**{path}*")


def mails_in(log_text: str) -> list[str]:
    """Mails written by the `log` mail backend, newest last."""
    return re.findall(r"MAIL to=.*?(?=\n\d{4}-\d\d-\d\d |\Z)", log_text, flags=re.S)


def mailed_reset_link(server, email: str) -> str:
    """The reset link mailed to `email`, once the server's mail queue has sent it (its log)."""
    from tests.support.waiting import eventually

    found: list[str] = []

    def sent() -> bool:
        try:
            found.append(reset_link(server.log_text(), email))
        except AssertionError:
            return False
        return True

    if not eventually(sent):
        raise AssertionError(f"no reset mail for {email} in the server log")
    return found[-1]


def reset_link(log_text: str, email: str) -> str:
    for mail in reversed(mails_in(log_text)):
        if f"to={email}" in mail:
            match = re.search(r"https?://\S+/reset-password/\S+", mail)
            if match:
                return match.group(0)
    raise AssertionError(f"no reset mail for {email} in the server log")
