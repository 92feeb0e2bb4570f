"""Campus chats follow the directory: a linked student is in their major (announcement) chat and
cohort chat; teachers may join any; nobody edits their members by hand."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from campus.chat.models import Chat, ChatMember
from campus.extensions import db

API = "/api/v1"
YEAR = date.today().year - 1


def campus_chats_of(app, user_id):
    with app.app_context():
        rows = db.session.execute(
            select(Chat.kind, Chat.major_id, Chat.enrollment_year, Chat.title)
            .join(ChatMember, ChatMember.chat_id == Chat.id)
            .where(ChatMember.user_id == user_id, Chat.kind.is_not(None))
            .order_by(Chat.kind.desc())
        )
        return [tuple(row) for row in rows]


def chat_id_of(app, key):
    with app.app_context():
        return db.session.scalar(select(Chat.id).where(Chat.key == key))


def test_a_linked_student_joins_the_major_and_cohort_chats(app, make_user, make_major, make_student, connect):
    student = make_user("student")
    major = make_major("Физика")
    sock = connect(student)

    make_student(major_id=major, user_id=student, enrollment_year=YEAR)

    assert campus_chats_of(app, student) == [
        ("major", major, None, "Физика"),
        ("cohort", major, YEAR, f"Физика, {YEAR}"),
    ]
    joined = sock.events("chat_updated")
    assert sorted(e["chat"]["kind"] for e in joined) == ["cohort", "major"]
    assert all(e["change"] == "member_added" for e in joined)
    cohort, announcements = chat_id_of(app, f"cohort:{major}:{YEAR}"), chat_id_of(app, f"major:{major}")
    assert sock.ack("send_message", {"chat_id": cohort, "client_id": "c1", "body": "hi all"})["ok"]
    assert (
        sock.ack("send_message", {"chat_id": announcements, "client_id": "c2", "body": "x"})["error"]["code"]
        == "forbidden"
    )


def test_classmates_share_one_cohort_chat(app, make_user, make_major, make_student):
    ann, bob = make_user("student"), make_user("student")
    major = make_major()
    make_student(major_id=major, user_id=ann, enrollment_year=YEAR)
    make_student(major_id=major, user_id=bob, enrollment_year=YEAR)
    with app.app_context():
        members = db.session.scalars(
            select(ChatMember.user_id).where(ChatMember.chat_id == chat_id_of(app, f"cohort:{major}:{YEAR}"))
        ).all()
    assert sorted(members) == sorted([ann, bob])


def test_a_major_change_moves_the_student_and_the_old_chat_goes_quiet(
    app, make_user, make_major, make_student, connect
):
    from campus.students.models import Student
    from campus.students.services import update_student

    student, classmate = make_user("student"), make_user("student")
    old_major, new_major = make_major(), make_major()
    record = make_student(major_id=old_major, user_id=student, enrollment_year=YEAR)
    make_student(major_id=old_major, user_id=classmate, enrollment_year=YEAR)
    old_cohort = chat_id_of(app, f"cohort:{old_major}:{YEAR}")
    sock, classmate_socket = connect(student), connect(classmate)

    with app.app_context():
        update_student(None, db.session.get(Student, record), {"major_id": new_major})
    classmate_socket.ack("send_message", {"chat_id": old_cohort, "client_id": "q1", "body": "after you left"})

    assert [kind_major[:2] for kind_major in campus_chats_of(app, student)] == [
        ("major", new_major),
        ("cohort", new_major),
    ]
    assert sock.events("message") == []
    changes = sorted((e["change"], e["chat"]["id"]) for e in sock.events("chat_updated"))
    assert ("member_removed", old_cohort) in changes


def test_deleting_the_record_takes_the_student_out(app, make_user, make_major, make_student):
    from campus.students.models import Student
    from campus.students.services import delete_student

    student = make_user("student")
    record = make_student(major_id=make_major(), user_id=student)
    with app.app_context():
        delete_student(None, db.session.get(Student, record))
    assert campus_chats_of(app, student) == []


def test_teachers_browse_and_join_any_campus_chat_and_post_announcements(
    app, client, auth, make_user, make_major, make_student, connect
):
    student, teacher, user = make_user("student"), make_user("teacher"), make_user()
    major = make_major()
    make_student(major_id=major, user_id=student, enrollment_year=YEAR)
    announcements = chat_id_of(app, f"major:{major}")
    student_socket = connect(student)

    listed = client.get(f"{API}/chats/campus", headers=auth.headers(teacher)).get_json()["items"]
    assert {(c["kind"], c["member"]) for c in listed} == {("major", False), ("cohort", False)}
    assert client.get(f"{API}/chats/campus", headers=auth.headers(user)).status_code == 403
    joined = client.post(
        f"{API}/chats/{announcements}/members", json={"user_id": teacher}, headers=auth.headers(teacher)
    )
    assert joined.status_code == 201
    assert (
        client.post(
            f"{API}/chats/{announcements}/messages",
            json={"client_id": "t1", "body": "Exam on Monday"},
            headers=auth.headers(teacher),
        ).status_code
        == 201
    )
    assert [m["body"] for m in student_socket.events("message")] == ["Exam on Monday"]
    # A plain user can't join; a student can't leave; a teacher can.
    assert (
        client.post(
            f"{API}/chats/{announcements}/members", json={"user_id": user}, headers=auth.headers(user)
        ).status_code
        == 404
    )
    assert (
        client.delete(f"{API}/chats/{announcements}/members/{student}", headers=auth.headers(student)).status_code
        == 403
    )
    assert (
        client.delete(f"{API}/chats/{announcements}/members/{student}", headers=auth.headers(teacher)).status_code
        == 403
    )
    assert (
        client.patch(f"{API}/chats/{announcements}", json={"title": "x"}, headers=auth.headers(teacher)).status_code
        == 403
    )
    assert (
        client.delete(f"{API}/chats/{announcements}/members/{teacher}", headers=auth.headers(teacher)).status_code
        == 204
    )


def test_a_teacher_who_joined_stays_when_the_directory_changes(app, make_user, make_major, make_student, auth, client):
    from campus.chat.campus_chats import sync_campus_memberships

    student, teacher = make_user("student"), make_user("teacher")
    major = make_major()
    make_student(major_id=major, user_id=student, enrollment_year=YEAR)
    cohort = chat_id_of(app, f"cohort:{major}:{YEAR}")
    client.post(f"{API}/chats/{cohort}/members", json={"user_id": teacher}, headers=auth.headers(teacher))
    with app.app_context():
        sync_campus_memberships(teacher)
    assert campus_chats_of(app, teacher) == [("cohort", major, YEAR, campus_chats_of(app, student)[1][3])]


def test_the_cli_backfills_campus_chats(app, runner, make_user, make_major, make_student):
    student = make_user("student")
    major = make_major()
    make_student(major_id=major, user_id=student)
    with app.app_context():
        db.session.execute(ChatMember.__table__.delete())
        db.session.commit()
    assert campus_chats_of(app, student) == []
    result = runner.invoke(args=["chat", "sync-campus"])
    assert result.exit_code == 0, result.output
    assert len(campus_chats_of(app, student)) == 2


def test_an_import_of_linked_students_fills_the_chats_in_one_go(app, make_user, make_major, connect):
    from campus.chat.campus_chats import sync_campus_memberships
    from campus.students.models import Student

    major = make_major()
    users = [make_user("student") for _ in range(5)]
    watcher = connect(users[0])
    with app.app_context():
        for n, user_id in enumerate(users):  # linked rows written directly, then one sync
            db.session.add(
                Student(
                    first_name="A",
                    last_name=f"B{n}",
                    date_of_birth=date(2004, 1, 1),
                    email=f"imp{n}@example.test",
                    phone_number="+79123456789",
                    address="Somewhere 1, Some city",
                    enrollment_year=YEAR,
                    course=1,
                    major_id=major,
                    user_id=user_id,
                    search_name=f"a b{n}",
                )
            )
        db.session.commit()
        sync_campus_memberships(users)
    cohort = chat_id_of(app, f"cohort:{major}:{YEAR}")
    with app.app_context():
        members = db.session.scalars(select(ChatMember.user_id).where(ChatMember.chat_id == cohort)).all()
    assert sorted(members) == sorted(users)
    announced = [e for e in watcher.events("chat_updated") if e["chat"]["id"] == cohort]
    assert len(announced) == 1 and len(announced[0]["chat"]["members"]) == 5


def test_a_newcomer_starts_with_the_history_read(app, client, auth, make_user, make_major, make_student, connect):
    first, later = make_user("student"), make_user("student")
    major = make_major()
    make_student(major_id=major, user_id=first, enrollment_year=YEAR)
    cohort = chat_id_of(app, f"cohort:{major}:{YEAR}")
    sock = connect(first)
    for n in range(3):
        sock.ack("send_message", {"chat_id": cohort, "client_id": f"h{n}", "body": "earlier"})
    make_student(major_id=major, user_id=later, enrollment_year=YEAR)
    items = client.get(f"{API}/chats", headers=auth.headers(later)).get_json()["items"]
    assert {c["id"]: c["unread"] for c in items}[cohort] == 0


def test_campus_chat_titles_follow_a_major_rename(app, client, make_user, make_major, make_student, connect, auth):
    student = make_user("student")
    major, other_major = make_major("Physics"), make_major("Chemistry")
    make_student(major_id=major, user_id=student, enrollment_year=YEAR)
    make_student(major_id=other_major, user_id=make_user("student"), enrollment_year=YEAR)
    announcements, cohort = chat_id_of(app, f"major:{major}"), chat_id_of(app, f"cohort:{major}:{YEAR}")
    cursors = {str(announcements): None, str(cohort): None}
    sock = connect(student)
    for answer in sock.ack("sync", {"cursors": dict.fromkeys(cursors, 0)})["chats"]:
        cursors[str(answer["chat_id"])] = answer["rev"]
    sock.clear()

    admin = make_user("admin")
    response = client.patch(f"{API}/majors/{major}", json={"name": "Applied physics"}, headers=auth.headers(admin))
    assert response.status_code == 200

    assert campus_chats_of(app, student) == [
        ("major", major, None, "Applied physics"),
        ("cohort", major, YEAR, f"Applied physics, {YEAR}"),
    ]
    renamed = sorted(
        (e["chat"]["id"], e["chat"]["title"]) for e in sock.events("chat_updated") if e["change"] == "renamed"
    )
    assert renamed == [(announcements, "Applied physics"), (cohort, f"Applied physics, {YEAR}")]
    # A client that missed the events gets the renamed chats from sync (each took its next rev).
    synced = {a["chat_id"]: a for a in sock.ack("sync", {"cursors": cursors})["chats"]}
    assert synced[announcements]["chat"]["title"] == "Applied physics"
    assert synced[cohort]["rev"] == cursors[str(cohort)] + 1
    # The other major's chats are untouched; a description-only change renames nothing.
    assert chat_title(app, f"major:{other_major}") == "Chemistry"
    sock.clear()
    assert (
        client.patch(
            f"{API}/majors/{major}", json={"description": "Now with labs."}, headers=auth.headers(admin)
        ).status_code
        == 200
    )
    assert sock.events("chat_updated") == []


def chat_title(app, key):
    with app.app_context():
        return db.session.scalar(select(Chat.title).where(Chat.key == key))
