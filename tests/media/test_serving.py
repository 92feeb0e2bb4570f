"""Sending stored files: chunks that yield to the event loop, files closed however a response ends."""

from __future__ import annotations

import pytest

from campus import create_app
from campus.media import serving, storage
from tests.support.app import app_for, config_for


def test_a_large_file_goes_out_in_chunks_with_a_pause_after_each(app, monkeypatch):
    pauses = []
    monkeypatch.setattr(serving, "cooperative_pause", lambda: lambda: pauses.append(1))
    data = bytes(range(256)) * 8192  # 2 MB
    with app.test_request_context("/"):
        key = storage.new_key("bin")
        storage.write("uploads", key, data)
        response = serving.send_stored("uploads", key, "application/octet-stream", inline=False)
        chunks = list(response.response)
        response.close()
    assert b"".join(chunks) == data
    assert [len(chunk) for chunk in chunks] == [serving.STREAM_CHUNK] * (len(data) // serving.STREAM_CHUNK)
    assert len(pauses) == len(chunks)


def test_a_range_is_sent_in_chunks_too(app, monkeypatch):
    pauses = []
    monkeypatch.setattr(serving, "cooperative_pause", lambda: lambda: pauses.append(1))
    data = bytes(range(256)) * 8192
    with app.test_request_context("/", headers={"Range": "bytes=1000-600999"}):
        key = storage.new_key("bin")
        storage.write("uploads", key, data)
        response = serving.send_stored("uploads", key, "application/octet-stream")
        body = b"".join(response.response)
        response.close()
    assert response.status_code == 206 and body == data[1000:601000]
    assert len(pauses) >= 2


def test_an_unread_body_still_closes_its_file(app):
    with app.test_request_context("/"):
        key = storage.new_key("bin")
        storage.write("uploads", key, b"x" * 1000)
        response = serving.send_stored("uploads", key, "application/octet-stream")
        wrapper = response.response
        response.close()
    assert wrapper.body.file.closed


def test_pages_may_load_media_from_the_buckets_public_address(db_url, tmp_path):
    s3 = {
        "MEDIA_STORAGE": "s3",
        "MEDIA_S3_BUCKET": "campus",
        "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "MEDIA_S3_PUBLIC_ENDPOINT_URL": "https://files.campus.example.edu/store",
    }
    with app_for(config_for(db_url, tmp_path, **s3)) as app:
        policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://files.campus.example.edu;" in policy
    assert "media-src 'self' blob: https://files.campus.example.edu;" in policy


def test_a_storage_setting_that_cannot_work_stops_the_start_up(db_url, tmp_path):
    with pytest.raises(RuntimeError, match="MEDIA_STORAGE must be local or s3"):
        create_app(config_for(db_url, tmp_path, MEDIA_STORAGE="ftp"))
    with pytest.raises(RuntimeError, match="needs MEDIA_S3_BUCKET"):
        create_app(config_for(db_url, tmp_path, MEDIA_STORAGE="s3"))
