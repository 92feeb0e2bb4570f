"""The browser harness itself: the home page loads in chromium without console errors."""


def test_home_page_loads(page):
    page.goto("/")
    assert page.locator("a.brand").inner_text() == "Campus"
