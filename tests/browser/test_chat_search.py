"""Search in messages on the chat page: a Russian word found in another form, the chat opened at
the message with the history loaded back to it; the found words highlighted as text."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support.chat_page import bodies, chat_item


def test_search_finds_a_russian_word_in_another_form_and_opens_the_chat_at_it(open_chat_page, chat_user):
    alice, bob = chat_user("Alice"), chat_user("Bob")
    chat_id = alice.create_group("Кафедра", [bob])
    other_id = alice.create_group("Other", [bob])
    alice.post_message(chat_id, "Сдайте <b>курсовую</b> до пятницы", client_id="search-target")
    for number in range(1, 81):  # the target is out of the newest page; two senders stay under the flood limit
        (alice, bob)[number % 2].post_message(chat_id, f"later message {number}", client_id=f"search-later-{number}")
    alice.post_message(other_id, "nothing about it here", client_id="search-other")

    page = open_chat_page(bob)
    expect(chat_item(page, "Кафедра")).to_be_visible()
    page.locator("#message-search-input").fill("курсовая")
    page.locator("#message-search-input").press("Enter")

    results = page.locator("#message-search-results li[data-message-id]")
    expect(results).to_have_count(1)
    expect(results.first.locator(".search-result-chat")).to_have_text("Кафедра")
    expect(results.first.locator("mark")).to_have_text("курсовую")
    expect(results.first.locator(".search-snippet")).to_have_text("Сдайте <b>курсовую</b> до пятницы")
    assert results.first.locator("b").count() == 0

    results.first.locator("button").click()
    expect(page.locator("#conversation-title")).to_have_text("Кафедра")
    target = page.locator("#message-list li.msg.search-target")
    expect(target.locator(".msg-body")).to_have_text("Сдайте <b>курсовую</b> до пятницы")
    expect(target).to_be_focused()
    expect(target).to_be_in_viewport()
    expect(bodies(page).last).to_have_text("later message 80")

    # "In the open chat only" searches the open one.
    page.locator("#message-search-here").check()
    page.locator("#message-search-input").fill("message")
    page.locator("#message-search-input").press("Enter")
    expect(page.locator("#message-search-results li[data-message-id]")).to_have_count(20)
    expect(page.locator("#message-search-results .search-more button")).to_be_visible()
    page.locator("#message-search-results .search-more button").click()
    expect(page.locator("#message-search-results li[data-message-id]")).to_have_count(40)
    page.locator("#message-search-input").fill("nothing")
    page.locator("#message-search-input").press("Enter")
    expect(page.locator("#message-search-status")).to_have_text("No messages found.")


def test_search_works_by_keyboard_on_a_phone_sized_page(open_chat_page, chat_user):
    ann, bob = chat_user("Ann"), chat_user("Bob")
    chat_id = ann.private_chat_with(bob)
    ann.post_message(chat_id, "The papers are in the library", client_id="phone-1")

    page = open_chat_page(bob, viewport={"width": 360, "height": 740})
    box = page.locator("#message-search-input")
    box.focus()
    page.keyboard.type("paper")
    page.keyboard.press("Enter")
    result = page.locator("#message-search-results li[data-message-id] button")
    expect(result).to_have_count(1)
    box_width = page.locator("#message-search").evaluate("form => form.scrollWidth")
    assert box_width <= 360
    result.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#message-list li.msg.search-target .msg-body")).to_have_text("The papers are in the library")
    expect(page.locator("#message-list li.msg.search-target")).to_be_focused()
