"""JSON log lines for log collectors (`LOG_FORMAT=json`), each with the request or socket it
came from: one object per line, `request_id` inside an HTTP request (the one in `X-Request-ID`),
`sid` and `namespace` inside a Socket.IO event."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

# What a request id from outside may look like (nginx's $request_id is 32 hex digits): anything
# else is replaced, so a client cannot write arbitrary text into the logs through it.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The request id a proxy sent, when it is a plain token; a new one otherwise."""
    return header if header and REQUEST_ID.fullmatch(header) else uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            sid = getattr(request, "sid", None)  # set by Flask-SocketIO for the events of a socket
            if sid is not None:
                entry["sid"], entry["namespace"] = sid, getattr(request, "namespace", None)
            elif "request_id" in g:
                entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs() -> None:
    """Every handler of the root logger writes JSON lines."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
