"""Two workers on PostgreSQL + Redis with the S3 backend (moto's server, started here): a voice
note uploaded through one worker is delivered to a socket on the other and served by it."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.support.chat_client import CampusApi, ChatSocket, new_client_id
from tests.support.media_files import encoded
from tests.support.s3 import S3Server
from tests.support.server import LIFTED_LOGIN_LIMIT, LiveServer
from tests.support.services_available import require_redis

pytestmark = [pytest.mark.server, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def s3():
    server = S3Server().start()
    yield server
    server.stop()


def test_two_workers_share_the_bucket_uploaded_through_one_served_by_the_other(tmp_path, postgres_database, s3):
    bucket = s3.new_bucket()
    queue = {"SOCKETIO_MESSAGE_QUEUE": require_redis(), "SOCKETIO_CHANNEL": f"campus-test-{uuid.uuid4().hex}"}
    env = {**LIFTED_LOGIN_LIMIT, **queue, **s3.campus_env(bucket)}
    # Each worker has a media folder of its own: only the bucket is shared.
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = LiveServer(tmp_path / "one", database_url=postgres_database, env=env)
    second = LiveServer(tmp_path / "two", database_url=postgres_database, env=env, prepare=False)
    try:
        worker1, worker2 = first.start(), second.start()
        api = CampusApi(worker1.url)
        ann, bob = api.register("ann"), api.register("bob")
        chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
        voice = encoded("webm", audio="libopus", seconds=2)
        sent = api.call(ann, "POST", "/uploads", files={"file": ("voice.webm", voice)}, data={"note": "true"})
        assert sent.status_code == 201, sent.text
        sent = sent.json()
        bob_socket = ChatSocket(worker2.url, bob.token).connect()
        ann_socket = ChatSocket(worker1.url, ann.token).connect()
        try:
            ack = ann_socket.ack(
                "send_message", {"chat_id": chat_id, "client_id": new_client_id(), "attachment_id": sent["id"]}
            )
            assert ack["ok"], ack
            received = bob_socket.wait_for_message(chat_id)
            assert received["attachment"] == sent and received["attachment"]["note"] is True
        finally:
            ann_socket.close()
            bob_socket.close()
        # Bob asks worker 2, which never saw the upload: it checks, then sends him to the bucket.
        answer = api.call(bob, "GET", f"/uploads/{sent['id']}", base_url=worker2.url, allow_redirects=False)
        assert answer.status_code == 302, answer.text
        fetched = requests.get(answer.headers["Location"], timeout=30)
        assert fetched.status_code == 200 and len(fetched.content) == sent["size"]
        assert fetched.headers["Content-Type"] == "audio/webm"
        assert not (tmp_path / "one" / "media").exists() and not (tmp_path / "two" / "media").exists()
    finally:
        first.stop()
        second.stop()
