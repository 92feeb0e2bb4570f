"""POST /api/v1/uploads: every accepted kind with real files, and every bad input refused with
nothing stored (docs/protocol.md#attachments)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import av
import pytest
from PIL import Image

from campus.chat.models import Upload
from campus.extensions import db
from tests.support.images import image_bytes, png_bomb
from tests.support.media_files import encoded, pdf_bytes, truncated, wav_bytes, zip_bytes


def animated_gif() -> bytes:
    frames = [Image.new("RGB", (40, 30), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0, comment=b"secret")
    return out.getvalue()


def upload(client, headers, data: bytes, name: str, **form):
    return client.post(
        "/api/v1/uploads",
        headers=headers,
        data={"file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data",
    )


def stored(app) -> tuple[int, list[Path]]:
    """Upload rows and files on disk: what a refused upload must leave at zero."""
    with app.app_context():
        rows = db.session.query(Upload).count()
    root = Path(app.config["MEDIA_ROOT"])
    return rows, [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def ann(make_user, auth):
    return auth.headers(make_user())


ACCEPTED = [
    ("photo.jpg", lambda: image_bytes("JPEG", exif=True), "image", "image/jpeg"),
    ("screen.PNG", lambda: image_bytes("PNG"), "image", "image/png"),
    ("sticker.webp", lambda: image_bytes("WEBP"), "image", "image/webp"),
    ("funny.gif", animated_gif, "image", "image/gif"),
    ("voice.wav", lambda: wav_bytes(1.0), "audio", "audio/wav"),
    ("voice.ogg", lambda: encoded("ogg", audio="libopus"), "audio", "audio/ogg"),
    ("voice.opus", lambda: encoded("ogg", audio="libopus"), "audio", "audio/ogg"),
    ("recording.webm", lambda: encoded("webm", audio="libopus"), "audio", "audio/webm"),
    ("song.mp3", lambda: encoded("mp3", audio="libmp3lame"), "audio", "audio/mpeg"),
    ("memo.m4a", lambda: encoded("ipod", audio="aac"), "audio", "audio/mp4"),
    ("clip.webm", lambda: encoded("webm", video="libvpx", audio="libopus", seconds=2), "video", "video/webm"),
    ("clip.mp4", lambda: encoded("mp4", video="libx264", audio="aac", seconds=2), "video", "video/mp4"),
    ("Задание 1.pdf", pdf_bytes, "file", "application/pdf"),
    ("notes.zip", lambda: zip_bytes({"a.txt": b"hello"}), "file", "application/zip"),
    ("конспект.txt", lambda: "Лекция 1: введение\n".encode(), "file", "text/plain"),
    ("grades.csv", lambda: b"name,grade\nAnn,5\n", "file", "text/plain"),
    ("main.py", lambda: b"print('hi')\n", "file", "text/plain"),
]


@pytest.mark.parametrize("name, make, kind, mime", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_every_kind_is_accepted_by_its_content_and_served_back(client, ann, name, make, kind, mime):
    response = upload(client, ann, make(), name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["mime"], body["name"]) == (kind, mime, name)
    assert body["url"] == f"/api/v1/uploads/{body['id']}"
    assert body["note"] is False
    served = client.get(body["url"], headers=ann)
    assert served.status_code == 200
    assert served.mimetype == mime
    assert len(served.data) == body["size"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("inline" if kind != "file" else "attachment")
    assert "filename*=UTF-8''" in disposition
    if kind in ("audio", "video"):
        assert body["duration"] == pytest.approx(2.0 if kind == "video" else 1.0, abs=0.1)
        with av.open(io.BytesIO(served.data)) as container:  # the clean copy plays
            assert container.duration and container.duration / 1e6 == pytest.approx(body["duration"], abs=0.1)
    else:
        assert body["duration"] is None
    if kind in ("image", "video"):
        assert body["width"] and body["height"]
        thumbnail = client.get(body["thumb_url"], headers=ann)
        assert thumbnail.status_code == 200 and thumbnail.mimetype.startswith("image/")
        Image.open(io.BytesIO(thumbnail.data)).verify()
    else:
        assert body["thumb_url"] is None and body["width"] is None


def test_images_are_re_encoded_without_metadata(client, ann):
    body = upload(client, ann, image_bytes("JPEG", exif=True), "photo.jpg").get_json()
    data = client.get(body["url"], headers=ann).data
    assert b"SpyCam" not in data and not Image.open(io.BytesIO(data)).getexif()
    assert (body["width"], body["height"]) == (64, 48)


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment(client, ann):
    body = upload(client, ann, animated_gif(), "funny.gif").get_json()
    data = client.get(body["url"], headers=ann).data
    assert b"secret" not in data
    assert Image.open(io.BytesIO(data)).n_frames == 3


def test_a_recorded_note_is_marked_as_one(client, ann):
    body = upload(client, ann, encoded("webm", audio="libopus"), "voice-note.webm", note="true").get_json()
    assert body["note"] is True and body["kind"] == "audio"
    for other in ("maybe", "1", "TRUE", ""):  # the document's enum, exactly
        bad = upload(client, ann, encoded("webm", audio="libopus"), "voice-note.webm", note=other)
        assert bad.status_code == 422 and "note" in bad.get_json()["error"]["fields"], other


def test_a_browser_recording_without_duration_becomes_seekable(client, ann, tmp_path):
    """MediaRecorder writes WebM without a duration or cues; the stored copy has both."""
    data = encoded("webm", audio="libopus", seconds=3)
    body = upload(client, ann, data, "note.webm").get_json()
    served = client.get(body["url"], headers=ann).data
    with av.open(io.BytesIO(served)) as container:
        assert container.duration / 1e6 == pytest.approx(3.0, abs=0.1)
        container.seek(2_000_000)  # seeking works
        assert next(container.demux(container.streams.audio[0])).pts is not None


def jpeg_bomb() -> bytes:
    """A small JPEG whose header claims 65000 × 65000 pixels."""
    data = bytearray(image_bytes("JPEG"))
    at = data.index(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", 65000, 65000)
    return bytes(data)


BAD_INPUT = [
    ("html-as-jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "cat.jpg", 415, "unsupported_type"),
    ("script-as-jpg", b"#!/bin/sh\nrm -rf ~\n", "cat.jpg", 415, "extension_mismatch"),
    ("html-as-txt", b"<html><body onload=alert(1)>", "notes.txt", 415, "unsupported_type"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", 415, None),
    ("svg-as-txt", b'<?xml version="1.0"?><svg><script>alert(1)</script></svg>', "x.txt", 415, None),
    ("exe", b"MZ\x90\x00" + b"\0" * 200, "setup.exe", 415, "unsupported_type"),
    ("png-as-jpg", image_bytes("PNG"), "photo.jpg", 415, "extension_mismatch"),
    ("png-as-pdf", image_bytes("PNG"), "photo.pdf", 415, "extension_mismatch"),
    ("zip-as-docx", zip_bytes({"a.txt": b"x"}), "essay.docx", 415, "extension_mismatch"),
    ("jpeg-zip-polyglot", image_bytes("JPEG") + zip_bytes({"evil.html": b"<script>"}), "a.jpg", 415, "polyglot"),
    ("pdf-zip-polyglot", pdf_bytes() + zip_bytes({"evil.js": b"x"}), "a.pdf", 415, "polyglot"),
    ("png-bomb", png_bomb(12_000, 12_000), "bomb.png", 413, "too_large"),
    ("jpeg-bomb", jpeg_bomb(), "bomb.jpg", 413, "too_large"),
    ("zero-bytes", b"", "empty.txt", 422, "empty_file"),
    ("truncated-video", truncated(encoded("webm", video="libvpx", audio="libopus", seconds=4)), "v.webm", 422, None),
    ("truncated-mp4", truncated(encoded("mp4", video="libx264", seconds=4)), "v.mp4", 422, None),
    ("garbage-video", b"\x1a\x45\xdf\xa3" + b"\x42\x82\x84webm" + b"\0" * 500, "v.webm", 422, None),
    ("video-as-ogg", encoded("ogg", audio="libopus"), "clip.mp4", 415, "extension_mismatch"),
    ("path", image_bytes("PNG"), "../../etc/passwd.png", 422, "bad_file_name"),
    ("windows-path", image_bytes("PNG"), "C:\\Users\\ann\\photo.png", 422, "bad_file_name"),
    ("no-extension", b"root:x:0:0:root:/root:/bin/bash\n", "../../etc/passwd", 422, "bad_file_name"),
    ("device-name", b"hello", "con.txt", 422, "bad_file_name"),
    ("device-name-upper", b"hello", "LPT1.txt", 422, "bad_file_name"),
    ("too-long", b"hello", "a" * 300 + ".txt", 422, "bad_file_name"),
    ("rtl-override", b"hello", "invoice\u202etxt.exe", 422, "bad_file_name"),
    ("nul-in-name", b"hello", "a\x00.txt", 422, "bad_file_name"),
    ("dot-file", b"hello", ".htaccess", 422, "bad_file_name"),
]


@pytest.mark.parametrize("case, data, name, status, code", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(app, client, ann, case, data, name, status, code):
    response = upload(client, ann, data, name)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    if code:
        assert error["code"] == code
    assert error["message"]
    assert stored(app) == (0, [])


def test_a_file_over_its_kinds_limit_is_413(app, client, ann):
    app.config.update(UPLOAD_MAX_FILE_BYTES=1000, UPLOAD_MAX_AUDIO_BYTES=20_000)
    assert upload(client, ann, b"x" * 1001, "big.txt").status_code == 413
    response = upload(client, ann, wav_bytes(1.0), "long.wav")  # 32 KB of audio
    assert response.status_code == 413 and "MB" in response.get_json()["error"]["message"]
    assert upload(client, ann, b"x" * 1000, "fits.txt").status_code == 201


def test_a_request_larger_than_any_upload_is_refused_before_reading_it(app, client, ann):
    for name in ("UPLOAD_MAX_IMAGE_BYTES", "UPLOAD_MAX_AUDIO_BYTES", "UPLOAD_MAX_VIDEO_BYTES", "UPLOAD_MAX_FILE_BYTES"):
        app.config[name] = 1000
    response = upload(client, ann, b"x" * 200_000, "big.txt")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored(app) == (0, [])


def test_the_storage_quota_counts_what_a_user_keeps(app, client, ann, make_user, auth):
    app.config["UPLOAD_QUOTA_BYTES"] = 2500
    assert upload(client, ann, b"a" * 1200, "one.txt").status_code == 201
    assert upload(client, ann, b"b" * 1200, "two.txt").status_code == 201
    response = upload(client, ann, b"c" * 200, "three.txt")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "quota_exceeded"
    # Another user's quota is their own.
    assert upload(client, auth.headers(make_user()), b"d" * 1200, "mine.txt").status_code == 201


def test_uploads_are_rate_limited_per_user(app, client, ann, make_user, auth):
    app.config["UPLOAD_RATE_LIMIT"] = "3 per minute"
    codes = [upload(client, ann, b"hello", f"n{i}.txt").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    assert upload(client, auth.headers(make_user()), b"hello", "other.txt").status_code == 201


def test_a_missing_file_field_or_a_json_body_is_refused(client, ann):
    missing = client.post("/api/v1/uploads", headers=ann, data={"other": "x"}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in missing.get_json()["error"]["fields"]
    as_json = client.post("/api/v1/uploads", headers=ann, json={"file": "x"})
    assert as_json.status_code == 415


def test_uploading_needs_an_account_that_may_chat(client, make_user, auth):
    assert upload(client, {}, b"hello", "a.txt").status_code == 401
    assert upload(client, auth.headers(make_user("guest")), b"hello", "a.txt").status_code == 403
