"""`flask seed demo`'s chat: the demo accounts find a group with a few messages, once."""

from __future__ import annotations

from sqlalchemy import func, select

from campus.chat.models import Chat, ChatMember, Message
from campus.demo import DEMO_CHAT_LINES, DEMO_CHAT_MEMBERS, DEMO_CHAT_TITLE, demo_email
from campus.extensions import db
from campus.users.models import User


def test_seed_demo_gives_the_demo_accounts_one_group_with_its_messages(dev_app):
    runner = dev_app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
    with dev_app.app_context():
        chats = db.session.scalars(select(Chat).where(Chat.title == DEMO_CHAT_TITLE)).all()
        assert len(chats) == 1
        members = set(
            db.session.scalars(
                select(User.email)
                .join(ChatMember, ChatMember.user_id == User.id)
                .where(ChatMember.chat_id == chats[0].id)
            )
        )
        assert members == {demo_email(role) for role in DEMO_CHAT_MEMBERS}
        bodies = db.session.scalars(
            select(Message.body).where(Message.chat_id == chats[0].id).order_by(Message.seq)
        ).all()
        assert bodies == [body for _role, body in DEMO_CHAT_LINES]
        assert db.session.scalar(select(func.max(Message.seq)).where(Message.chat_id == chats[0].id)) == 3
