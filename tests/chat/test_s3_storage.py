"""The S3 backend against a real S3-compatible server (moto's, started here): uploads stored as
objects, read through short-lived presigned URLs after Campus's access check, deleted with their
message or by the clean-up. (tests/chat_live/test_workers_s3.py: two workers share a bucket.)"""

from __future__ import annotations

import io

import pytest
import requests

from tests.support.app import app_for, config_for
from tests.support.media_files import encoded, pdf_bytes
from tests.support.s3 import S3Server
from tests.support.sockets import Socket

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def s3():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3):
    return s3.new_bucket()


@pytest.fixture
def s3_app(db_url, tmp_path, s3, bucket):
    """The app with MEDIA_STORAGE=s3 on the test's database and bucket."""
    with app_for(config_for(db_url, tmp_path, **{**s3.campus_env(bucket), "MEDIA_S3_URL_SECONDS": 60})) as app:
        yield app


@pytest.fixture
def s3_client(s3_app):
    return s3_app.test_client()


def upload(client, headers, data: bytes, name: str) -> dict:
    response = client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_uploads_live_in_the_bucket_and_are_read_through_presigned_urls(
    s3_app, s3_client, make_user, auth, chats, s3, bucket, tmp_path
):
    client = s3_client
    ann, bob, stranger = make_user(), make_user(), make_user()
    chat_id = chats.private(ann, bob)
    video = encoded("webm", video="libvpx", audio="libopus", seconds=2)
    sent = upload(client, auth.headers(ann), video, "clip.webm")
    document = upload(client, auth.headers(ann), pdf_bytes(), "Отчёт.pdf")
    keys = s3.objects(bucket)
    assert len(keys) == 3 and all(key.startswith("uploads/") for key in keys)  # video, poster, pdf
    assert not (tmp_path / "media").exists()  # nothing on the local disk

    Socket(s3_app, auth.token(ann)).ack(
        "send_message", {"chat_id": chat_id, "client_id": "s3-1", "attachment_id": sent["id"]}
    )
    # Campus checks access, then sends a short-lived URL of the object.
    assert client.get(sent["url"], headers=auth.headers(stranger)).status_code == 404
    answer = client.get(sent["url"], headers=auth.headers(bob))
    assert answer.status_code == 302 and answer.headers["Cache-Control"] == "no-store"
    presigned = answer.headers["Location"]
    assert presigned.startswith(s3.url) and "X-Amz-Expires=60" in presigned
    whole = requests.get(presigned, timeout=30)
    assert whole.status_code == 200 and len(whole.content) == sent["size"]
    assert whole.headers["Content-Type"] == "video/webm"
    assert whole.headers["Content-Disposition"].startswith("inline")
    part = requests.get(presigned, headers={"Range": "bytes=10-19"}, timeout=30)
    assert part.status_code == 206 and part.content == whole.content[10:20]
    # A download is a download, with its name.
    pdf = requests.get(client.get(document["url"], headers=auth.headers(ann)).headers["Location"], timeout=30)
    assert pdf.content == pdf_bytes() and pdf.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf" in pdf.headers["Content-Disposition"]
    # Deleting the message deletes the objects.
    message_id = client.get(f"/api/v1/chats/{chat_id}/messages", headers=auth.headers(ann)).get_json()["items"][0]["id"]
    Socket(s3_app, auth.token(ann)).ack("delete_message", {"message_id": message_id})
    assert len(s3.objects(bucket)) == 1


def test_student_photos_use_the_same_backend(s3_client, make_user, auth, make_student, s3, bucket):
    client = s3_client
    from PIL import Image

    admin = auth.headers(make_user("admin"))
    student = make_student()
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(image, "PNG")
    response = client.post(
        f"/api/v1/students/{student}/photo",
        headers=admin,
        data={"photo": (io.BytesIO(image.getvalue()), "me.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert [key.split("/")[0] for key in s3.objects(bucket)] == ["photos", "photos"]
    photo = client.get(response.get_json()["photo_url"], headers=admin)
    assert photo.status_code == 302
    assert requests.get(photo.headers["Location"], timeout=30).headers["Content-Type"] == "image/png"


def test_cleanup_removes_the_objects_of_unattached_uploads(s3_app, s3_client, make_user, auth, s3, bucket):
    upload(s3_client, auth.headers(make_user()), b"draft\n", "draft.txt")
    runner = s3_app.test_cli_runner()
    assert len(s3.objects(bucket)) == 1
    result = runner.invoke(args=["media", "cleanup", "--older-than", "0"])
    assert "Removed 1 " in result.output
    assert s3.objects(bucket) == []


def test_create_bucket_makes_the_configured_bucket_once(db_url, tmp_path, s3):
    name = f"campus-new-{tmp_path.name[-8:].lower().replace('_', '-')}"
    with app_for(config_for(db_url, tmp_path, **{**s3.campus_env(name)})) as app:
        runner = app.test_cli_runner()
        assert f"Bucket {name} is ready." in runner.invoke(args=["media", "create-bucket"]).output
        assert f"Bucket {name} is ready." in runner.invoke(args=["media", "create-bucket"]).output
    assert name in [bucket["Name"] for bucket in s3.client().list_buckets()["Buckets"]]
