"""Senders writing to one chat at the same time get gapless, unique seq and rev numbers, and a
resend racing its original stores one message (SQLite's single writer; PostgreSQL's row lock)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from campus.chat.access import load_actor
from campus.chat.messages import delete_message, edit_message, send_message
from campus.chat.models import Chat, Message
from campus.core.errors import ValidationError
from campus.extensions import db

SENDERS, EACH = 4, 10


def run_in_threads(app, work) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(SENDERS)

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                work(n)
                db.session.remove()
        except Exception as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_senders_get_gapless_unique_numbers(app, make_user, chats):
    users = [make_user() for _ in range(SENDERS)]
    chat_id = chats.group(users[0], users[1:])

    def send_some(n: int) -> None:
        actor = load_actor(users[n])
        for i in range(EACH):
            send_message(actor, chat_id, client_id=f"{n}-{i}", body=f"{n}/{i}")

    assert run_in_threads(app, send_some) == []
    with app.app_context():
        rows = db.session.execute(
            select(Message.seq, Message.rev, Message.sender_id, Message.client_id)
            .where(Message.chat_id == chat_id)
            .order_by(Message.seq)
        ).all()
        chat = db.session.get(Chat, chat_id)
        assert [row.seq for row in rows] == list(range(1, SENDERS * EACH + 1))
        assert [row.rev for row in rows] == sorted({row.rev for row in rows})  # unique, in seq order
        assert (chat.last_seq, chat.rev) == (SENDERS * EACH, rows[-1].rev)
        for n, user_id in enumerate(users):  # each sender's own messages in the order sent
            mine = [row.client_id for row in rows if row.sender_id == user_id]
            assert mine == [f"{n}-{i}" for i in range(EACH)]


def test_racing_resends_store_one_message(app, make_user, chats):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    results: list[dict] = []

    def resend(_n: int) -> None:
        results.append(send_message(load_actor(ann), chat_id, client_id="same", body="once")[0])

    assert run_in_threads(app, resend) == []
    assert len({message["id"] for message in results}) == 1
    with app.app_context():
        assert db.session.scalars(select(Message.seq).where(Message.chat_id == chat_id)).all() == [1]
        assert db.session.get(Chat, chat_id).last_seq == 1


def test_an_edit_racing_a_deletion_never_brings_the_text_back(app, make_user, chats):
    ann = make_user()
    chat_id = chats.private(ann, ann)
    with app.app_context():
        message_id = send_message(load_actor(ann), chat_id, client_id="r", body="secret")[0]["id"]

    def edit_or_delete(n: int) -> None:
        actor = load_actor(ann)
        if n % 2:
            delete_message(actor, message_id)
        else:
            try:
                edit_message(actor, message_id, f"edit {n}")
            except ValidationError:
                pass  # it was deleted first

    assert run_in_threads(app, edit_or_delete) == []
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.deleted_at is not None and message.body is None
