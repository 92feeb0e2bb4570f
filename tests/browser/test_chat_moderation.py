"""Moderation on the chat page: a moderator deletes a student's message and both pages show it
deleted by a moderator; a pinned message shows in the pinned bar of every member's page; a mute
refuses the muted member's sends with the reason."""

from __future__ import annotations

import itertools

import requests
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD, bearer
from tests.support.browser import sign_in
from tests.support.chat_client import CampusApi
from tests.support.chat_page import bodies, open_conversation, send

_numbers = itertools.count(1)


def give_role(new_page, live_server, user, role: str = "moderator", label: str = "Moderator") -> str:
    """An administrator gives `user` a role on the admin page; the administrator's email."""
    email = f"moderation-admin-{next(_numbers)}@example.org"
    live_server.flask("users", "create-admin", email, "--password", PASSWORD, "--role", "admin")
    admin = new_page()
    sign_in(admin, email, PASSWORD, f"/admin/users/{user.id}", base_url=live_server.url)
    admin.locator("#role-form select").select_option(role)
    admin.locator("#role-form button[type=submit]").click()
    expect(admin.locator("#current-role")).to_have_text(label)
    return email


def test_a_moderator_deletes_a_students_message_and_both_pages_show_it(
    open_chat_page, chat_user, new_page, live_server
):
    owner, student, moderator = chat_user("Olga"), chat_user("Stas"), chat_user("Mira")
    give_role(new_page, live_server, moderator)
    chat_id = owner.create_group("Seminar", [student, moderator])
    student.post_message(chat_id, "something rude", client_id="rude-1")
    student.post_message(chat_id, "something fine", client_id="fine-1")

    student_page = open_chat_page(student)
    open_conversation(student_page, "Seminar")
    expect(bodies(student_page)).to_have_text(["something rude", "something fine"])
    # A student has no Delete on others' messages, nor Pin or Mute in a group.
    assert student_page.locator("#message-list li.theirs .delete-button").count() == 0
    assert student_page.locator("#message-list .pin-button, #message-list .mute-button").count() == 0

    moderator_page = open_chat_page(moderator)
    open_conversation(moderator_page, "Seminar")
    rude = moderator_page.locator("#message-list li.msg", has_text="something rude")
    rude.locator(".delete-button").click()
    rude.locator(".delete-button").click()  # confirm

    for page in (moderator_page, student_page):
        expect(bodies(page)).to_have_text(["Message deleted by a moderator", "something fine"])

    # Pinning shows in every member's pinned bar.
    moderator_page.locator("#message-list li.msg", has_text="something fine").locator(".pin-button").click()
    for page in (moderator_page, student_page):
        expect(page.locator("#pinned-bar")).to_be_visible()
        expect(page.locator("#pinned-text")).to_have_text("something fine")
    expect(student_page.locator("#pinned-unpin")).to_be_hidden()

    # A mute: the student's next message is refused with the reason.
    moderator_page.locator("#message-list li.msg", has_text="something fine").locator(".mute-button").click()
    moderator_page.locator("#mute-reason").fill("Cool down, please")
    moderator_page.locator("#mute-confirm").click()
    expect(moderator_page.locator("#connection-status")).to_contain_text("may not write here until")
    send(student_page, "let me speak")
    failed = student_page.locator("#pending-list li", has_text="let me speak")
    expect(failed.locator(".msg-status")).to_have_attribute("data-status", "failed")
    expect(failed.locator(".msg-error")).to_contain_text("Cool down, please")

    # And removes the member from the group in the members dialog.
    moderator_page.locator("#members-button").click()
    moderator_page.get_by_role("button", name=f"Remove {student.name}").click()
    expect(moderator_page.locator("#member-list li")).to_have_count(2)
    expect(student_page.locator("#conversation")).to_be_hidden()


def test_a_teacher_joins_the_major_chat_and_posts_a_pinned_announcement(
    open_chat_page, chat_user, new_page, live_server
):
    teacher, student = chat_user("Irina"), chat_user("Petya")
    student.verify_email()
    admin_email = give_role(new_page, live_server, teacher, "teacher", "Teacher")
    admin = bearer(CampusApi(live_server.url).token_pair(admin_email)["access_token"])
    major_name = f"Chemistry {next(_numbers)}"
    major = requests.post(live_server.url + "/api/v1/majors", headers=admin, json={"name": major_name}).json()
    record = {
        "first_name": "Petya", "last_name": student.last_name, "date_of_birth": "2004-05-06",
        "email": student.email, "phone_number": "+79161234568", "address": "Lenina street 2, Moscow",
        "enrollment_year": 2023, "course": 2, "major_id": major["id"], "user_id": student.id,
    }  # fmt: skip
    assert requests.post(live_server.url + "/api/v1/students", headers=admin, json=record).status_code == 201

    teacher_page = open_chat_page(teacher)
    teacher_page.locator("#campus-chats summary").click()
    entry = teacher_page.locator("#campus-chat-list li[data-kind=major]", has_text=major_name)
    entry.get_by_role("button", name=f"Join {major_name}").click()
    expect(entry.get_by_role("button", name=f"Leave {major_name}")).to_be_visible()
    open_conversation(teacher_page, major_name)
    expect(teacher_page.locator("#chat-staff")).to_have_text(f"Staff: {teacher.name}")
    teacher_page.locator("#pin-on-send").check()
    send(teacher_page, "Lab work moves to Thursday")
    expect(teacher_page.locator("#pinned-text")).to_have_text("Lab work moves to Thursday")

    student_page = open_chat_page(student)
    expect(student_page.locator("#campus-chats")).to_be_hidden()
    student_page.locator("#chat-list li[data-kind=major] button").click()
    expect(bodies(student_page)).to_have_text(["Lab work moves to Thursday"])
    expect(student_page.locator("#pinned-bar")).to_be_visible()
    expect(student_page.locator("#pinned-text")).to_have_text("Lab work moves to Thursday")
    expect(student_page.locator("#chat-staff")).to_have_text(f"Staff: {teacher.name}")
    expect(student_page.locator("#composer")).to_be_hidden()
