"""Attachments in messages: who may attach, who may read, ranges and caching, deletion and
clean-up (docs/protocol.md#attachments)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from campus.chat.models import Message, Upload
from campus.core.models import utcnow
from campus.extensions import db
from tests.support.media_files import encoded, pdf_bytes


def upload(client, headers, data: bytes = b"lecture notes\n", name: str = "notes.txt", **form) -> dict:
    response = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def files_in(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def pair(make_user, auth, chats):
    """Ann and Bob in a group chat; their headers and the chat id."""
    ann, bob = make_user(), make_user()
    chat_id = chats.group(ann, [bob], title="Study group")
    return {"ann": ann, "bob": bob, "chat": chat_id, "ann_h": auth.headers(ann), "bob_h": auth.headers(bob)}


def test_an_attachment_alone_is_a_message_and_everyone_gets_it_whole(client, pair, connect):
    bob_socket = connect(pair["bob"])
    sent = upload(client, pair["ann_h"], pdf_bytes(), "Задание.pdf")
    ack = connect(pair["ann"]).ack(
        "send_message", {"chat_id": pair["chat"], "client_id": "att-1", "attachment_id": sent["id"]}
    )
    assert ack["ok"], ack
    message = ack["message"]
    assert message["body"] is None
    assert message["attachment"] == sent
    assert {"id", "kind", "mime", "size", "name", "url", "duration"} <= set(message["attachment"])
    assert bob_socket.events("message")[-1]["attachment"] == sent
    history = client.get(f"/api/v1/chats/{pair['chat']}/messages", headers=pair["bob_h"]).get_json()
    assert history["items"][-1]["attachment"] == sent
    synced = connect(pair["bob"]).ack("sync", {"cursors": {str(pair["chat"]): 0}})
    assert synced["chats"][0]["messages"][-1]["attachment"] == sent
    listed = client.get("/api/v1/chats", headers=pair["bob_h"]).get_json()["items"]
    assert listed[0]["last_message"]["attachment"] == sent
    # Bob, a member, reads the file; a download, with the original name.
    served = client.get(sent["url"], headers=pair["bob_h"])
    assert served.status_code == 200 and served.data == pdf_bytes()
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%D0%97%D0%B0%D0%B4%D0%B0%D0%BD%D0%B8%D0%B5.pdf" in served.headers["Content-Disposition"]


def test_the_rest_endpoint_takes_an_attachment_too(client, pair):
    sent = upload(client, pair["ann_h"])
    response = client.post(
        f"/api/v1/chats/{pair['chat']}/messages",
        headers=pair["ann_h"],
        json={"client_id": "rest-1", "body": "my notes", "attachment_id": sent["id"]},
    )
    assert response.status_code == 201
    assert response.get_json()["attachment"]["id"] == sent["id"]
    assert response.get_json()["body"] == "my notes"


def test_only_the_uploader_attaches_and_only_once(client, pair, connect, make_user, auth):
    sent = upload(client, pair["ann_h"])
    bob = connect(pair["bob"])
    stolen = bob.ack("send_message", {"chat_id": pair["chat"], "client_id": "steal", "attachment_id": sent["id"]})
    assert stolen["error"]["code"] == "not_found"
    ann = connect(pair["ann"])
    first = ann.ack("send_message", {"chat_id": pair["chat"], "client_id": "a-1", "attachment_id": sent["id"]})
    assert first["ok"]
    again = ann.ack("send_message", {"chat_id": pair["chat"], "client_id": "a-2", "attachment_id": sent["id"]})
    assert again["error"]["code"] == "validation_error"
    other_chat = ann.ack(
        "send_message",
        {"chat_id": pair["chat"], "client_id": "a-3", "body": "x", "attachment_id": sent["id"]},
    )
    assert other_chat["error"]["code"] == "validation_error"
    over_http = client.post(
        f"/api/v1/chats/{pair['chat']}/messages",
        headers=pair["ann_h"],
        json={"client_id": "a-4", "attachment_id": sent["id"]},
    )
    assert over_http.status_code == 422 and "attachment_id" in over_http.get_json()["error"]["fields"]
    # A resend of the message that took it is that message, stored once.
    resent = ann.ack("send_message", {"chat_id": pair["chat"], "client_id": "a-1", "attachment_id": sent["id"]})
    assert resent["ok"] and resent["message"]["id"] == first["message"]["id"]
    # Nothing half-written: the failed sends took no seq.
    history = client.get(f"/api/v1/chats/{pair['chat']}/messages", headers=pair["ann_h"]).get_json()["items"]
    assert [m["seq"] for m in history] == [1]


def test_a_failed_send_leaves_the_upload_free_to_attach(client, pair, connect, make_user, chats):
    sent = upload(client, pair["ann_h"])
    ann = connect(pair["ann"])
    stranger_chat = chats.private(make_user(), make_user())
    refused = ann.ack("send_message", {"chat_id": stranger_chat, "client_id": "x-1", "attachment_id": sent["id"]})
    assert refused["error"]["code"] == "not_found"
    too_long = ann.ack(
        "send_message",
        {"chat_id": pair["chat"], "client_id": "x-2", "body": "x" * 4001, "attachment_id": sent["id"]},
    )
    assert too_long["error"]["code"] == "too_large"
    ok = ann.ack("send_message", {"chat_id": pair["chat"], "client_id": "x-3", "attachment_id": sent["id"]})
    assert ok["ok"]


def test_who_may_read_an_upload(client, pair, connect, make_user, auth, app):
    sent = upload(client, pair["ann_h"])
    stranger = auth.headers(make_user())
    # Before it is sent: only the uploader.
    assert client.get(sent["url"], headers=pair["ann_h"]).status_code == 200
    assert client.get(sent["url"], headers=pair["bob_h"]).status_code == 404
    connect(pair["ann"]).ack("send_message", {"chat_id": pair["chat"], "client_id": "r-1", "attachment_id": sent["id"]})
    assert client.get(sent["url"], headers=pair["bob_h"]).status_code == 200
    # A stranger: 404, the same answer as for no upload at all.
    response = client.get(sent["url"], headers=stranger)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/uploads/999999", headers=stranger).get_json() == response.get_json()
    # Signed out: 401; a guest (an account awaiting approval): 403.
    assert client.get(sent["url"]).status_code == 401
    assert client.get(sent["url"], headers=auth.headers(make_user("guest"))).status_code == 403
    # A removed member loses access at once.
    assert (
        client.delete(f"/api/v1/chats/{pair['chat']}/members/{pair['bob']}", headers=pair["ann_h"]).status_code == 204
    )
    assert client.get(sent["url"], headers=pair["bob_h"]).status_code == 404


def test_deleting_the_message_deletes_its_file(client, pair, connect, app):
    sent = upload(client, pair["ann_h"], encoded("webm", video="libvpx", seconds=1), "clip.webm")
    assert len(files_in(app)) == 2  # the video and its poster
    ann = connect(pair["ann"])
    message = ann.ack("send_message", {"chat_id": pair["chat"], "client_id": "d-1", "attachment_id": sent["id"]})
    deleted = ann.ack("delete_message", {"message_id": message["message"]["id"]})
    assert deleted["ok"] and deleted["message"]["attachment"] is None and deleted["message"]["deleted_at"]
    assert files_in(app) == []
    assert client.get(sent["url"], headers=pair["ann_h"]).status_code == 404
    with app.app_context():
        assert db.session.get(Upload, sent["id"]) is None
        assert db.session.scalar(select(Message.attachment_id).where(Message.id == message["message"]["id"])) is None


def test_the_thumbnail_has_the_files_readers(client, pair, connect):
    sent = upload(client, pair["ann_h"], encoded("mp4", video="libx264", seconds=1), "clip.mp4")
    assert client.get(sent["thumb_url"], headers=pair["bob_h"]).status_code == 404
    connect(pair["ann"]).ack("send_message", {"chat_id": pair["chat"], "client_id": "t-1", "attachment_id": sent["id"]})
    thumbnail = client.get(sent["thumb_url"], headers=pair["bob_h"])
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    text = upload(client, pair["ann_h"])
    assert client.get(f"/api/v1/uploads/{text['id']}/thumbnail", headers=pair["ann_h"]).status_code == 404


@pytest.fixture
def video(client, pair):
    sent = upload(client, pair["ann_h"], encoded("webm", video="libvpx", audio="libopus", seconds=2), "clip.webm")
    whole = client.get(sent["url"], headers=pair["ann_h"])
    return sent, whole


def test_byte_ranges_seek_into_audio_and_video(client, pair, video):
    sent, whole = video
    headers = pair["ann_h"]
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(sent["url"], headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == whole.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    tail = client.get(sent["url"], headers={**headers, "Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == whole.data[-50:]
    open_ended = client.get(sent["url"], headers={**headers, "Range": f"bytes={len(whole.data) - 10}-"})
    assert open_ended.status_code == 206 and open_ended.data == whole.data[-10:]


@pytest.mark.parametrize(
    "header",
    [
        "bytes=abc-def",  # malformed
        "bytes=5-2",  # backwards
        "bytes=",  # empty
        "bytes=0-10,5-20",  # overlapping
        "bytes=0-1,2-3,4-5",  # several: one range per request
        "bytes=99999999-",  # past the end
    ],
)
def test_malformed_overlapping_and_unsatisfiable_ranges_are_416(client, pair, video, header):
    sent, whole = video
    response = client.get(sent["url"], headers={**pair["ann_h"], "Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(whole.data)}"


def test_etags_answer_304_and_if_range_falls_back_to_the_whole_file(client, pair, video):
    sent, whole = video
    headers = pair["ann_h"]
    etag = whole.headers["ETag"]
    assert "private" in whole.headers["Cache-Control"]
    assert client.get(sent["url"], headers={**headers, "If-None-Match": etag}).status_code == 304
    fresh = client.get(sent["url"], headers={**headers, "Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and fresh.data == whole.data[:10]
    stale = client.get(sent["url"], headers={**headers, "Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.data == whole.data


def test_files_open_inline_only_when_a_browser_shows_them_safely(client, pair):
    headers = pair["ann_h"]
    for data, name, inline in [
        (encoded("webm", audio="libopus"), "a.webm", True),
        (pdf_bytes(), "a.pdf", False),
        (b"<b>not html</b> just text", "a.txt", False),
    ]:
        sent = upload(client, headers, data, name)
        served = client.get(sent["url"], headers=headers)
        assert served.headers["Content-Disposition"].startswith("inline;" if inline else "attachment;")
        assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_cleanup_removes_only_old_uploads_no_message_took(app, client, pair, connect, runner):
    old_free = upload(client, pair["ann_h"], name="old.txt")
    old_taken = upload(client, pair["ann_h"], name="taken.txt")
    new_free = upload(client, pair["ann_h"], name="new.txt")
    connect(pair["ann"]).ack(
        "send_message", {"chat_id": pair["chat"], "client_id": "c-1", "attachment_id": old_taken["id"]}
    )
    with app.app_context():
        for upload_id in (old_free["id"], old_taken["id"]):
            db.session.get(Upload, upload_id).created_at = utcnow() - timedelta(hours=25)
        db.session.commit()
    assert len(files_in(app)) == 3
    result = runner.invoke(args=["media", "cleanup"])
    assert result.exit_code == 0 and "Removed 1 " in result.output
    with app.app_context():
        assert db.session.get(Upload, old_free["id"]) is None
        assert db.session.get(Upload, old_taken["id"]) is not None
        assert db.session.get(Upload, new_free["id"]) is not None
    assert len(files_in(app)) == 2
    assert "Removed 1 " in runner.invoke(args=["media", "cleanup", "--older-than", "0"]).output


def test_the_hand_built_payloads_with_an_attachment_are_the_documented_shape(app, client, pair, connect):
    from campus.chat.payloads import message_from_orm, message_from_row, select_messages
    from campus.chat.schemas import MessageSchema

    sent = upload(client, pair["ann_h"], encoded("webm", video="libvpx", seconds=1), "clip.webm")
    acked = connect(pair["ann"]).ack(
        "send_message", {"chat_id": pair["chat"], "client_id": "s-1", "body": "look", "attachment_id": sent["id"]}
    )["message"]
    with app.app_context():
        message = db.session.get(Message, acked["id"])
        row = db.session.execute(select_messages().where(Message.id == acked["id"])).one()
        documented = MessageSchema().dump(message_from_orm(message))
        assert documented == message_from_orm(message) == message_from_row(row) == acked


def test_behind_nginx_the_app_checks_and_nginx_sends_the_bytes(app, client, pair, connect, make_user, auth):
    app.config["MEDIA_ACCEL_REDIRECT"] = "/_media/"
    sent = upload(client, pair["ann_h"], pdf_bytes(), "Отчёт.pdf")
    connect(pair["ann"]).ack("send_message", {"chat_id": pair["chat"], "client_id": "x-1", "attachment_id": sent["id"]})
    answer = client.get(sent["url"], headers=pair["bob_h"])
    assert answer.status_code == 200 and answer.data == b""
    with app.app_context():
        key = db.session.get(Upload, sent["id"]).key
    assert answer.headers["X-Accel-Redirect"] == f"/_media/uploads/{key[:2]}/{key}"
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in answer.headers["Content-Security-Policy"]
    assert client.get(sent["url"], headers=auth.headers(make_user())).status_code == 404
