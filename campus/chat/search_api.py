"""`GET /api/v1/messages/search` (docs/protocol.md#search): full-text search in my chats."""

from __future__ import annotations

from datetime import UTC

from flask import g
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from campus.chat import search
from campus.chat.schemas import MessageSchema, query_int
from campus.core.api import api_blueprint, list_schema
from campus.core.schemas import MAX_SAFE_INTEGER, StrictSchema, Text
from campus.core.security import permission_required

search_api = api_blueprint("message_search_api", __name__, "/messages", "Search in the messages of my chats")


class QueryTime(fields.AwareDateTime):
    """An ISO 8601 time (UTC when it names no zone), within the years 1900–9999."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= moment.year <= 9998:
            raise ValidationError("Give a time between the years 1900 and 9998.")
        return moment.astimezone(UTC)


class SearchArgsSchema(StrictSchema):
    q = Text(required=True, validate=validate.Length(min=1, max=200), metadata={"description": "plain words"})
    chat_id = query_int(load_default=None, min=1, max=MAX_SAFE_INTEGER)
    sender_id = query_int(load_default=None, min=1, max=MAX_SAFE_INTEGER)
    before = QueryTime(load_default=None, metadata={"description": "messages sent before this time"})
    after = QueryTime(load_default=None, metadata={"description": "messages sent at or after this time"})
    limit = query_int(load_default=20, min=1, max=50)
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))

    @validates_schema
    def ordered_times(self, data, **kwargs):
        if data.get("before") and data.get("after") and data["after"] >= data["before"]:
            raise ValidationError("`after` must be earlier than `before`.", "after")


class SnippetSegmentSchema(Schema):
    text = fields.String(metadata={"description": "plain text (never HTML)"})
    hit = fields.Boolean(metadata={"description": "a word that matched the query"})


class SearchResultSchema(Schema):
    message = fields.Nested(MessageSchema)
    snippet = fields.List(
        fields.Nested(SnippetSegmentSchema),
        metadata={"description": "up to 160 characters of the body around the first match, in segments"},
    )


SearchResultListSchema = list_schema(SearchResultSchema, "SearchResultListSchema")


@search_api.route("/search", methods=["GET"])
@permission_required("chat.use")
@search_api.arguments(SearchArgsSchema, location="query")
@search_api.response(200, SearchResultListSchema)
def search_messages(args):
    """Messages of the chats I am a member of now with every word of `q` in some form
    (Russian and English stems), best match first, then newest.

    `before` and `after` are times in the years 1900–9998, and `after` must be earlier than
    `before` when both are given (a 422 on the field); `chat_id` of a chat I am not in is a 404;
    `cursor` is the previous page's `next_cursor`, unchanged.
    """
    return search.search_messages(g.current_user.id, **args)
