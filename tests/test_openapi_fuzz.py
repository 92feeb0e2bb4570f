"""schemathesis over /openapi.json: every operation, with all its checks, as an admin and as a
student, so the document and the endpoints never drift (docs/design.md#the-openapi-document).

Generated requests that follow the document must be accepted (2xx, or 401/403/404/409 for the
caller's rights and the data they name), requests that break it refused with a 4xx, and every
answer must match the document — status, headers, body. A few rules depend on the database or
the date and can't be said in JSON Schema; each operation's description says them, and
`STATE_RULES` lists the fields whose 422 such a rule explains. The example count comes from the
hypothesis profile (tests/support/properties.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import phonenumbers
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.accounts import Auth
from tests.support.app import app_for, config_for
from tests.support.directory import student_payload
from tests.support.properties import sized

# What JSON Schema can't say, each said in the operation's description instead: the fields whose
# 422 on a request the document allows is such a rule — of the database (a wrong current password,
# `seq` above the chat's last), the date (an age), other fields (a course after the enrollment
# year, `before` with `after`: `_schema`) or Campus's `phone` format (a number `phonenumbers` deems
# valid). Every list also refuses a cursor it did not make.
UNSAYABLE: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/register"): {"phone"},
    ("PATCH", "/api/v1/users/me"): {"phone"},
    ("POST", "/api/v1/users/me/password"): {"current_password"},
    ("POST", "/api/v1/students"): {"date_of_birth", "course", "phone_number", "major_id", "user_id"},
    ("PATCH", "/api/v1/students/{student_id}"): {"date_of_birth", "course", "phone_number", "major_id", "user_id"},
    ("PATCH", "/api/v1/students/me"): {"phone_number"},
    ("POST", "/api/v1/chats"): {"member_ids", "user_id"},
    ("GET", "/api/v1/chats/{chat_id}/messages"): {"_schema"},
    ("GET", "/api/v1/messages/{user_id}"): {"_schema"},
    ("POST", "/api/v1/chats/{chat_id}/messages"): {"reply_to", "attachment_id"},
    ("POST", "/api/v1/chats/{chat_id}/read"): {"seq"},
    ("PUT", "/api/v1/chats/{chat_id}/mutes/{user_id}"): {"user_id"},
    ("DELETE", "/api/v1/chats/{chat_id}/mutes/{user_id}"): {"user_id"},
    ("GET", "/api/v1/messages/search"): {"before", "after"},
}
# The same for whole-request rules answered with their own code: an invitation is an opaque
# signed token (valid, unused and unexpired is said in the description).
UNSAYABLE_CODES: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/register"): {"link_invalid"},
}


def _document() -> dict:
    """The document the server serves (it needs no database: an empty one will do)."""
    folder = Path(tempfile.mkdtemp(prefix="campus-openapi-"))
    config = config_for(f"sqlite:///{folder / 'spec.db'}", folder)
    with app_for(config) as app:
        return app.test_client().get("/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document())
# A body over a size limit (a message over 4,000 code points) is refused with 413, not 422.
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=[400, 401, 403, 404, 406, 413, 415, 422, 428]
)


def _valid_phones() -> st.SearchStrategy[str]:
    """Campus's `phone` format: numbers `phonenumbers` deems valid, as people write them."""
    regions = ["RU", "US", "GB", "DE", "KZ", "FR"]
    examples = [phonenumbers.example_number(region) for region in regions]
    styles = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL]
    return st.builds(phonenumbers.format_number, st.sampled_from(examples), st.sampled_from(styles))


schemathesis.openapi.format("phone", _valid_phones())


# A file's type and soundness are decided by its content, which the document can only describe.
FILES = {("POST", "/api/v1/uploads"), ("POST", "/api/v1/students/{student_id}/photo")}


def documented_acceptance(ctx, response, case):
    """schemathesis's positive_data_acceptance, except a 422 whose fields all have a rule the
    document can only describe (`UNSAYABLE`, and the cursor of a list), and a file refused for
    what it holds."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if (case.method.upper(), case.path) in FILES and response.status_code in (413, 415, 422):
            return None
        if response.status_code == 422:
            error = response.json().get("error") or {}
            if error.get("code") in UNSAYABLE_CODES.get((case.method.upper(), case.path), set()):
                return None
            fields = set(error.get("fields") or {})
            allowed = UNSAYABLE.get((case.method.upper(), case.path), set())
            if any(parameter.name == "cursor" for parameter in case.operation.query):
                allowed = allowed | {"cursor"}
            if fields and fields <= allowed:
                return None
        raise


def make_student_in(app, user_id: int | None) -> int:
    """A student record in a new major (linked to `user_id` when given)."""
    from campus.majors.services import create_major
    from campus.students.schemas import StudentWriteSchema
    from campus.students.services import create_student

    with app.app_context():
        major_id = create_major(None, name="Physics", description="").id
        values = StudentWriteSchema().load(student_payload(major_id, user_id=user_id))
        return create_student(None, values).id


@pytest.fixture(params=["admin", "student"])
def caller(request, database, unthrottled_app, make_user_in):
    """A signed-in admin or student, in a directory with a major, a student and a chat with
    messages, so that small generated ids find things."""
    if database["kind"] == "postgresql":
        # The document and the endpoints are the same on either database, and the run costs
        # minutes there (a database reset per operation); the property tests run on both.
        pytest.skip("schemathesis runs on SQLite only")
    role = request.param
    user_id = make_user_in(unthrottled_app, role)
    other_id = make_user_in(unthrottled_app, "student" if role == "admin" else "user")
    make_student_in(unthrottled_app, user_id if role == "student" else None)
    headers = Auth(unthrottled_app).headers(user_id)
    client = unthrottled_app.test_client()
    chat = client.post(
        "/api/v1/chats", json={"type": "group", "title": "Fuzz", "member_ids": [other_id]}, headers=headers
    )
    assert chat.status_code == 201, chat.get_json()
    for n in range(3):
        sent = client.post(
            f"/api/v1/chats/{chat.get_json()['id']}/messages",
            json={"client_id": f"m{n}", "body": "hi"},
            headers=headers,
        )
        assert sent.status_code == 201, sent.get_json()
    return headers


@schema.parametrize()
@sized("schemathesis")
def test_the_api_keeps_to_its_document(case, caller, unthrottled_app):
    case.operation.schema.app = unthrottled_app  # where the checks that send requests of their own go
    case.call_and_validate(
        headers=caller,
        app=unthrottled_app,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[documented_acceptance],
    )
