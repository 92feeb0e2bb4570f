"""Attachments in the chat page, in a real browser against the production entry point: a voice
note and a video note recorded with Chromium's fake microphone and camera, sent, and played on
the other side; an image dropped with the progress bar showing and previewed on the other side;
a refused file saying why; a PDF arriving as a file card and downloading as an attachment.

One user reads in English at 1280 px, the other in Russian at 360 px.
"""

from __future__ import annotations

import base64
import io
import random
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support.accessibility import serious_violations
from tests.support.chat_page import chat_item, open_conversation
from tests.support.media_files import pdf_bytes

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "ru-RU", "extra_http_headers": {"Accept-Language": "ru"}}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


@pytest.fixture
def pair(chat_user, open_chat_page):
    """Ann (English, 1280 px) and Boris (Russian, 360 px) with their private chat open on both
    pages, in the browser with a fake microphone and camera."""
    ann, boris = chat_user("Ann"), chat_user("Boris")
    chat_id = ann.private_chat_with(boris)
    ann_page = open_chat_page(ann, fake_media=True, **DESKTOP)
    boris_page = open_chat_page(boris, fake_media=True, **PHONE)
    open_conversation(ann_page, boris.name)
    open_conversation(boris_page, ann.name)
    return ann, boris, ann_page, boris_page, chat_id


def drop_files(page, files: list[tuple[str, str, bytes]]) -> None:
    """Drag files from the desktop onto the conversation and drop them."""
    payload = [{"name": name, "type": mime, "data": base64.b64encode(data).decode()} for name, mime, data in files]
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, {type: file.type}));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event("#conversation", "dragenter", {"dataTransfer": transfer})
    expect(page.locator("#conversation")).to_have_class(re.compile("dropping"))
    page.dispatch_event("#conversation", "drop", {"dataTransfer": transfer})


def noisy_jpeg(side: int = 900) -> bytes:
    """A photo-like JPEG of some hundreds of KB (noise does not compress)."""
    image = Image.frombytes("RGB", (side, side), random.Random(3).randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def played(page, selector: str) -> None:
    """Play the last matching player and wait until its clock runs; seek back and check it moved."""
    player = page.locator(selector).last
    expect(player).to_be_visible()
    page.wait_for_function(
        "(selector) => { const all = document.querySelectorAll(selector); const p = all[all.length - 1];"
        " return p && p.readyState >= 1 && p.duration > 0; }",
        arg=selector,
    )
    player.evaluate("(player) => player.play()")
    page.wait_for_function(
        "(selector) => { const all = document.querySelectorAll(selector); return all[all.length - 1].currentTime > 0.3; }",
        arg=selector,
    )
    # The server answers byte ranges: the player seeks.
    seeked = player.evaluate(
        """(player) => new Promise((resolve) => {
            player.pause();
            player.addEventListener("seeked", () => resolve(player.currentTime), {once: true});
            player.currentTime = 0.1;
        })"""
    )
    assert seeked == pytest.approx(0.1, abs=0.15)


def test_voice_and_video_notes_are_recorded_sent_and_played(pair):
    ann, _boris, ann_page, boris_page, _chat = pair

    # A voice note: the timer runs, the level meter moves with the fake microphone's beeps.
    ann_page.locator("#record-voice").click()
    panel = ann_page.locator("#recorder-panel")
    expect(panel).to_be_visible()
    expect(ann_page.locator("#recorder-title")).to_have_text("Recording a voice note")
    expect(ann_page.locator("#recorder-time")).to_have_text(re.compile(r"^0:0[2-9]$"), timeout=20_000)
    ann_page.wait_for_function("() => document.getElementById('recorder-level').value > 0.02")
    ann_page.locator("#recorder-send").click()
    expect(panel).to_be_hidden()

    mine = ann_page.locator("#message-list li.msg.mine .att-audio")
    expect(mine).to_have_count(1)
    expect(mine.locator(".att-label")).to_have_text(re.compile(r"^Voice note 0:0[2-9]$"))
    # Boris reads Russian on a phone: the list says what came, the player plays and seeks.
    expect(chat_item(boris_page, ann.name).locator(".chat-item-preview")).to_have_text(
        re.compile(r"^Голосовое сообщение 0:0\d$")
    )
    played(boris_page, "#message-list li.msg.theirs .att-audio audio")

    # A video note from the fake camera, the same way: a round video with a poster.
    ann_page.locator("#record-video").click()
    expect(ann_page.locator("#recorder-preview")).to_be_visible()
    ann_page.wait_for_function("() => document.getElementById('recorder-preview').videoWidth > 0")
    expect(ann_page.locator("#recorder-time")).to_have_text(re.compile(r"^0:0[2-9]$"), timeout=20_000)
    ann_page.locator("#recorder-send").click()
    video = boris_page.locator("#message-list li.msg.theirs .att-video.att-note video")
    expect(video).to_have_count(1)
    expect(video).to_have_attribute("poster", re.compile(r"^/api/v1/uploads/\d+/thumbnail$"))
    expect(chat_item(boris_page, ann.name).locator(".chat-item-preview")).to_have_text(
        re.compile(r"^Видеосообщение 0:0\d$")
    )
    played(boris_page, "#message-list li.msg.theirs .att-video video")

    # A recording can be thrown away: nothing is sent.
    ann_page.locator("#record-voice").click()
    expect(ann_page.locator("#recorder-time")).to_have_text(re.compile(r"^0:0[1-9]$"), timeout=20_000)
    ann_page.locator("#recorder-cancel").click()
    expect(panel).to_be_hidden()
    expect(ann_page.locator("#message-list li.msg.mine")).to_have_count(2)
    # (The shared top bar's account menu has no text at 360 px: not this page's part.)
    assert serious_violations(boris_page, exclude=[".user-menu"]) == []


def test_images_and_files_dropped_picked_refused_and_downloaded(pair, live_server):
    ann, _boris, ann_page, boris_page, _chat = pair

    # An image dropped on a slow connection: its progress bar shows while it goes up.
    cdp = ann_page.context.new_cdp_session(ann_page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 150_000},
    )
    photo = noisy_jpeg()
    drop_files(ann_page, [("lecture board.jpg", "image/jpeg", photo)])
    item = ann_page.locator("#upload-tray .upload-item", has_text="lecture board.jpg")
    progress = item.locator("progress")
    expect(progress).to_be_visible()
    ann_page.wait_for_function(
        "() => { const bar = document.querySelector('#upload-tray progress');"
        " return bar && bar.value > 0 && bar.value < 1; }"
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(item).to_have_count(0, timeout=60_000)

    # Boris sees the preview (the thumbnail, loaded) and opens it full size.
    preview = boris_page.locator("#message-list li.msg.theirs .att-image img")
    expect(preview).to_have_count(1)
    boris_page.wait_for_function(
        "() => { const img = document.querySelector('#message-list .att-image img'); return img && img.naturalWidth > 0; }"
    )
    assert preview.evaluate("(img) => img.naturalWidth") <= 320  # a thumbnail, not the photo
    expect(chat_item(boris_page, ann.name).locator(".chat-item-preview")).to_have_text("Фотография")
    boris_page.locator("#message-list .att-open").click()
    viewer = boris_page.locator("#image-viewer")
    expect(viewer).to_be_visible()
    expect(boris_page.locator("#image-viewer-title")).to_have_text("lecture board.jpg")
    boris_page.wait_for_function("() => document.getElementById('image-viewer-image').naturalWidth === 900")
    viewer.locator("button[value=close]").click()
    expect(viewer).to_be_hidden()

    # A program renamed to look like a document is refused, saying why; Retry fails the same way.
    ann_page.expected_errors.append(r"status of 415")
    drop_files(ann_page, [("syllabus.pdf", "application/pdf", b"MZ\x90\x00" + b"\0" * 300)])
    failed = ann_page.locator("#upload-tray .upload-item.failed")
    expect(failed.locator(".upload-status")).to_have_text("Not sent: This type of file is not accepted.")
    failed.locator(".upload-retry").click()
    expect(failed.locator(".upload-status")).to_have_text("Not sent: This type of file is not accepted.")
    failed.locator(".upload-remove").click()
    expect(ann_page.locator("#upload-tray")).to_be_hidden()

    # A PDF picked with the attach button arrives as a file card and downloads as an attachment.
    ann_page.locator("#attach-input").set_input_files(
        files=[{"name": "Задание 3.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Homework 3")}]
    )
    card = boris_page.locator("#message-list li.msg.theirs .att-file")
    expect(card).to_have_count(1)
    expect(card.locator(".att-name")).to_have_text("Задание 3.pdf")
    expect(card.locator(".att-size")).to_have_text(re.compile(r"^\d+ Б$"))
    expect(chat_item(boris_page, ann.name).locator(".chat-item-preview")).to_have_text("Файл: Задание 3.pdf")
    with boris_page.expect_download() as download_info:
        card.locator(".att-download").click()
    download = download_info.value
    assert download.suggested_filename == "Задание 3.pdf"
    assert Path(download.path()).read_bytes() == pdf_bytes("Homework 3")
    headers = boris_page.request.get(live_server.url + card.locator(".att-download").get_attribute("href")).headers
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["x-content-type-options"] == "nosniff"
    # Nothing of the page runs from a file: names are text.
    assert boris_page.locator("#message-list script").count() == 0
    assert serious_violations(ann_page) == []
