"""The browser harness itself: the home page loads in chromium without console errors."""

from tests.support.accessibility import serious_violations


def test_home_page_loads(page):
    page.goto("/")
    assert page.locator("a.brand").inner_text() == "Campus"


def test_axe_finds_what_it_should_and_the_home_page_passes(page):
    """The accessibility check runs for real: a control without a name is a critical violation,
    and the home page as shipped has no serious or critical one."""
    page.goto("/")
    assert serious_violations(page) == []
    page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<button id=unnamed></button>')")
    assert any(line.startswith("button-name") for line in serious_violations(page))
