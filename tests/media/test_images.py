"""The media layer through the photo endpoints: type checks, limits, re-encoding, thumbnails, caching."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.support.images import image_bytes, png_bomb


def upload(client, headers, student, data: bytes, filename: str):
    return client.post(
        f"/api/v1/students/{student}/photo",
        headers=headers,
        data={"photo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "fmt, filename, mime",
    [
        ("JPEG", "me.jpg", "image/jpeg"),
        ("JPEG", "ME.JPEG", "image/jpeg"),
        ("PNG", "me.png", "image/png"),
        ("WEBP", "me.webp", "image/webp"),
    ],
)
def test_accepted_types_are_stored_and_served(client, admin, make_student, fmt, filename, mime):
    student = make_student()
    response = upload(client, admin, student, image_bytes(fmt), filename)
    assert response.status_code == 200, response.get_json()
    url = response.get_json()["photo_url"]
    assert url.startswith(f"/api/v1/students/{student}/photo?v=")
    photo = client.get(url, headers=admin)
    assert photo.status_code == 200 and photo.mimetype == mime
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(photo.data)).size == (64, 48)


@pytest.mark.parametrize(
    "data, filename, code",
    [
        (b"#!/bin/sh\nrm -rf /\n", "evil.jpg", "unsupported_type"),
        (b"<script>alert(1)</script>", "x.png", "unsupported_type"),
        (b"%PDF-1.4\n" + b"0" * 100, "doc.jpg", "unsupported_type"),
        (b"GIF89a" + b"\0" * 100, "anim.gif", "unsupported_type"),
        (image_bytes("PNG"), "really-a-png.jpg", "extension_mismatch"),
        (image_bytes("JPEG"), "photo.exe", "extension_mismatch"),
        (image_bytes("JPEG"), "no-extension", "extension_mismatch"),
    ],
)
def test_wrong_types_are_415(client, admin, make_student, data, filename, code):
    student = make_student()
    response = upload(client, admin, student, data, filename)
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == code
    assert client.get(f"/api/v1/students/{student}", headers=admin).get_json()["photo_url"] is None


def test_a_truncated_image_is_422(client, admin, make_student):
    data = image_bytes("PNG", size=(300, 300))
    response = upload(client, admin, make_student(), data[: len(data) // 2], "half.png")
    assert response.status_code in (415, 422)


def test_oversized_file_is_413(app, client, admin, make_student):
    app.config["MEDIA_IMAGE_MAX_BYTES"] = 10_000
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    assert len(out.getvalue()) > 10_000
    response = upload(client, admin, make_student(), out.getvalue(), "big.png")
    assert response.status_code == 413


def test_too_many_pixels_is_413(app, client, admin, make_student):
    app.config["MEDIA_IMAGE_MAX_PIXELS"] = 100 * 100
    response = upload(client, admin, make_student(), image_bytes("PNG", size=(200, 101)), "wide.png")
    assert response.status_code == 413


def test_metadata_is_stripped_and_large_images_scaled_down(client, admin, make_student):
    student = make_student()
    original = image_bytes("JPEG", size=(3000, 1500), exif=True)
    assert Image.open(io.BytesIO(original)).getexif()
    url = upload(client, admin, student, original, "gps.jpg").get_json()["photo_url"]
    stored = Image.open(io.BytesIO(client.get(url, headers=admin).data))
    assert not stored.getexif() and "exif" not in stored.info
    assert stored.size == (1024, 512)
    thumb = Image.open(io.BytesIO(client.get(url + "&size=thumb", headers=admin).data))
    assert thumb.size == (256, 128)


def test_served_with_etag_and_private_caching(client, admin, make_student):
    student = make_student()
    url = upload(client, admin, student, image_bytes(), "a.jpg").get_json()["photo_url"]
    first = client.get(url, headers=admin)
    assert "private" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    again = client.get(url, headers=admin | {"If-None-Match": etag})
    assert again.status_code == 304


def test_replacing_and_removing_a_photo_removes_old_files(app, client, admin, make_student):
    from pathlib import Path

    student = make_student()
    upload(client, admin, student, image_bytes(), "a.jpg")
    new_url = upload(client, admin, student, image_bytes("PNG"), "b.png").get_json()["photo_url"]
    files = sorted(p.name for p in Path(app.config["MEDIA_ROOT"]).rglob("*") if p.is_file())
    assert len(files) == 2 and all(name.endswith(".png") for name in files)  # the photo and its thumbnail
    assert client.get(new_url, headers=admin).mimetype == "image/png"
    assert client.delete(f"/api/v1/students/{student}/photo", headers=admin).status_code == 204
    assert not [p for p in Path(app.config["MEDIA_ROOT"]).rglob("*") if p.is_file()]
    assert client.get(new_url, headers=admin).status_code == 404


def test_upload_needs_the_photo_field(client, admin, make_student):
    student = make_student()
    response = client.post(
        f"/api/v1/students/{student}/photo", headers=admin, data={"other": "x"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "photo" in response.get_json()["error"]["fields"]


def test_photo_is_behind_authentication(client, admin, make_student, make_user, auth):
    student = make_student()
    url = upload(client, admin, student, image_bytes(), "a.jpg").get_json()["photo_url"]
    assert client.get(url).status_code == 401
    assert client.get(url, headers=auth.headers(make_user("guest"))).status_code == 403
    assert client.get(url, headers=auth.headers(make_user("user"))).status_code == 200


def test_storage_refuses_paths_that_are_not_generated_keys(app):
    from campus.media import storage

    with app.app_context():
        for area, key in (("photos", "../../etc/passwd"), ("../x", "0" * 32 + ".jpg"), ("photos", "a.jpg")):
            with pytest.raises(ValueError):
                storage.path_for(area, key)


def stored_files(app) -> list:
    from pathlib import Path

    return [p for p in Path(app.config["MEDIA_ROOT"]).rglob("*") if p.is_file()]


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (7_000, 7_000), (2**31 - 1, 1)])
def test_a_png_bomb_is_413_at_the_default_limits(app, client, admin, make_student, width, height):
    """Refused from the header's dimensions, before any pixel is decoded (Pillow's own bomb check
    would only start at 89 Mpx)."""
    student = make_student()
    data = png_bomb(width, height)
    assert len(data) < 50_000
    response = upload(client, admin, student, data, "bomb.png")
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "too_large"
    assert stored_files(app) == []
    assert client.get(f"/api/v1/students/{student}", headers=admin).get_json()["photo_url"] is None


def test_a_request_over_max_content_length_is_413_with_the_error_body(app, client, admin, make_student):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    response = upload(client, admin, make_student(), b"\xff\xd8\xff" + b"\x00" * 300_000, "big.jpg")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"]
    assert stored_files(app) == []


@pytest.mark.parametrize("fmt, filename", [("PNG", "gps.png"), ("WEBP", "gps.webp")])
def test_exif_is_stripped_from_png_and_webp_too(client, admin, make_student, fmt, filename):
    original = image_bytes(fmt, exif=True)
    assert Image.open(io.BytesIO(original)).getexif()
    url = upload(client, admin, make_student(), original, filename).get_json()["photo_url"]
    for size in ("", "&size=thumb"):
        stored = Image.open(io.BytesIO(client.get(url + size, headers=admin).data))
        assert not stored.getexif() and "exif" not in stored.info


def test_text_chunks_icc_profiles_and_trailing_data_are_dropped(client, admin, make_student):
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note")
    info.add_itxt("Author", "Иван Петров")
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (32, 32), (1, 2, 3)).save(out, "PNG", pnginfo=info, icc_profile=icc)
    original = out.getvalue() + b"<?php system($_GET['c']); ?>"
    url = upload(client, admin, make_student(), original, "notes.png").get_json()["photo_url"]
    data = client.get(url, headers=admin).data
    stored = Image.open(io.BytesIO(data))
    assert not {"Comment", "Author", "icc_profile"} & set(stored.info)
    assert b"secret note" not in data and b"php" not in data and data.endswith(b"IEND\xaeB`\x82")


def test_exif_orientation_is_applied_before_it_is_dropped(client, admin, make_student):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (80, 40)).save(out, "JPEG", exif=exif.tobytes())
    url = upload(client, admin, make_student(), out.getvalue(), "turned.jpg").get_json()["photo_url"]
    assert Image.open(io.BytesIO(client.get(url, headers=admin).data)).size == (40, 80)


@pytest.mark.parametrize(
    "mode, fmt, filename",
    [
        ("I;16", "PNG", "deep.png"),
        ("CMYK", "JPEG", "print.jpg"),
        ("P", "PNG", "palette.png"),
        ("LA", "PNG", "grey-alpha.png"),
        ("1", "PNG", "bits.png"),
        ("RGBA", "WEBP", "alpha.webp"),
    ],
)
def test_unusual_pixel_modes_are_accepted(client, admin, make_student, mode, fmt, filename):
    out = io.BytesIO()
    Image.new(mode, (30, 20)).save(out, fmt)
    response = upload(client, admin, make_student(), out.getvalue(), filename)
    assert response.status_code == 200, response.get_json()
    stored = Image.open(io.BytesIO(client.get(response.get_json()["photo_url"], headers=admin).data))
    assert stored.size == (30, 20)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"photo": "aGVsbG8="}},
        {"data": image_bytes(), "content_type": "image/jpeg"},
        {"data": {"photo": "x"}, "content_type": "application/x-www-form-urlencoded"},
    ],
    ids=["json", "raw image", "urlencoded"],
)
def test_a_photo_not_sent_as_multipart_is_415(client, admin, make_student, kwargs):
    response = client.post(f"/api/v1/students/{make_student()}/photo", headers=admin, **kwargs)
    assert response.status_code == 415 and response.get_json()["error"]["code"]
