"""The list helpers every JSON and HTML list shares: typed keyset cursors and the list schema."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from marshmallow import Schema, fields

from campus.core.api import decode_cursor, encode_cursor, list_schema
from campus.core.errors import ValidationError


@pytest.mark.parametrize(
    "values, types",
    [
        (["Maths", 3], (str, int)),
        ([7], (int,)),
        (["before", 12], ({"before", "after"}, int)),
        ([1.5, 2], (float, float)),
        ([True], (bool,)),
    ],
)
def test_a_cursor_gives_back_its_values_when_they_have_the_expected_types(app, values, types):
    with app.test_request_context():
        assert decode_cursor(encode_cursor(values), types) == values


def test_a_datetime_travels_as_iso_text(app):
    when = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    with app.test_request_context():
        assert decode_cursor(encode_cursor([when, 4]), (datetime, int)) == [when, 4]


def test_no_cursor_is_the_first_page(app):
    with app.test_request_context():
        assert decode_cursor(None, (int,)) is None
        assert decode_cursor("", (int,)) is None


@pytest.mark.parametrize(
    "cursor, types",
    [
        ("nonsense", (int,)),
        (encode_cursor(["7"]), (int,)),  # text where the key is an integer
        (encode_cursor([True]), (int,)),  # a bool is no int
        (encode_cursor([7]), (str,)),
        (encode_cursor([7]), (bool,)),
        (encode_cursor(["a", 1]), (int,)),  # wrong arity
        (encode_cursor([1]), (int, int)),
        (encode_cursor(["sideways", 3]), ({"before", "after"}, int)),
        (encode_cursor([["before"], 3]), ({"before", "after"}, int)),
        (encode_cursor(["yesterday", 1]), (datetime, int)),
        (encode_cursor([2**70]), (int,)),  # beyond what a driver binds
        (encode_cursor(["a\x00"]), (str,)),
        (encode_cursor(["x"]), (float,)),
    ],
)
def test_a_forged_cursor_is_a_422_on_the_cursor_field(app, cursor, types):
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        decode_cursor(cursor, types)
    assert refused.value.status == 422
    assert refused.value.fields == {"cursor": ["Not a valid cursor."]}


def test_the_message_is_translated(app):
    with app.test_request_context(headers={"Accept-Language": "ru"}), pytest.raises(ValidationError) as refused:
        decode_cursor("nonsense", (int,))
    assert refused.value.fields == {"cursor": ["Неверный курсор."]}


def test_literal_values_allowed_at_a_place_are_checked(app):
    with app.test_request_context():
        assert decode_cursor(encode_cursor(["before", 7]), (("before", "after"), int)) == ["before", 7]
        for forged in (["sideways", 7], ["before", "7"], ["before", True], ["before"]):
            with pytest.raises(ValidationError):
                decode_cursor(encode_cursor(forged), (("before", "after"), int))


class ThingSchema(Schema):
    id = fields.Integer()


def test_the_list_schema_is_the_list_envelope():
    schema = list_schema(ThingSchema, "ThingListSchema")
    assert schema.__name__ == "ThingListSchema"
    assert schema().dump({"items": [{"id": 1, "other": 2}], "next_cursor": None}) == {
        "items": [{"id": 1}],
        "next_cursor": None,
    }
    raw = list_schema(fields.Raw(), "RawListSchema")
    assert raw().dump({"items": [{"any": "thing"}], "next_cursor": "abc"}) == {
        "items": [{"any": "thing"}],
        "next_cursor": "abc",
    }
