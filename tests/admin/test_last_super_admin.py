"""Two super_admins demoting each other at the same moment: one wins, the other is refused, and
a super_admin remains. Needs PostgreSQL's row locks (SQLite runs one writer at a time anyway)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from campus.extensions import db
from campus.users.models import User
from tests.support.waiting import eventually


def waiting_for_a_lock(engine) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
        )


def test_two_super_admins_demoting_each_other_leave_one(app, db_url, make_user):
    if not db_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL row locks; runs in the PostgreSQL pass (CAMPUS_TEST_DATABASE_URL)")
    from campus.core.errors import Conflict
    from campus.users import services

    first, second = make_user("super_admin"), make_user("super_admin")
    engine = sa.create_engine(db_url)
    outcome: dict[str, object] = {}

    def second_demotes_first():
        with app.app_context():
            actor, target = db.session.get(User, second), db.session.get(User, first)
            try:
                services.change_role(actor, target, "admin")
                outcome["second"] = "demoted first"
            except Conflict:
                outcome["second"] = "refused"
            finally:
                db.session.remove()

    with app.app_context():
        # The first super_admin's demotion of the second, in flight: rows locked, not committed.
        target = db.session.get(User, second)
        assert services._super_admin_count() == 2
        target.role = services.roles.get_role("admin")
        db.session.flush()
        racer = threading.Thread(target=second_demotes_first)
        racer.start()
        eventually(lambda: waiting_for_a_lock(engine) or not racer.is_alive())
        db.session.commit()
        db.session.remove()
    racer.join(30)
    engine.dispose()
    assert outcome["second"] == "refused"
    with app.app_context():
        roles = {db.session.get(User, user_id).role.name for user_id in (first, second)}
    assert roles == {"super_admin", "admin"}
