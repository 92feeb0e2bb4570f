"""Benchmark: uploads, and the chat while a 100 MB video streams to ten clients.

    .venv/bin/python bench/uploads.py                  # about three minutes on this 2-core machine
    .venv/bin/python bench/uploads.py --mode gevent    # the same under gevent
    .venv/bin/python bench/uploads.py --quick          # a short look

Starts Campus (`python wsgi.py`, eventlet unless --mode, SQLite and local storage: the embedded
defaults) on a free loopback port, with the upload rate and quota raised, and measures:

- **upload throughput**: `POST /api/v1/uploads` of files made here — a text file, a noisy
  JPEG (re-encoded with a thumbnail), a WAV and a ~100 MB WebM video (probed and re-muxed in a
  child process) — each --repeat times, one at a time; MB/s of the request and server CPU per
  upload (from /proc: the worker and its probe children);
- **1:1 chat latency under streaming**: the 1:1 send → receipt p50/p99 of bench/chat.py (one
  message in flight, raw WebSocket clients), first with nothing else going on, then while ten
  clients download the 100 MB video again and again as fast as they read (each download a fresh
  GET of the whole file), and the bytes they got.

Every loop is bounded in count and time. Figures go to docs/performance.md ("Uploads").
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat import CAMPUS_ENV, RawSocket, drain, machine_load, one_to_one  # noqa: E402
from tests.support.chat_client import CampusApi  # noqa: E402
from tests.support.media_files import big_video, wav_bytes  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

UPLOAD_ENV = {
    **CAMPUS_ENV,
    "UPLOAD_RATE_LIMIT": "100000 per minute",
    "UPLOAD_QUOTA_BYTES": str(100 * 1024**3),
}
READERS = 10


def server_cpu(pid: int) -> float:
    """CPU seconds of the worker and of its children that ended (the probes)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks


def sample_files(workdir: Path, quick: bool) -> list[tuple[str, str, Path]]:
    """(label, file name, path) of the files to upload."""
    from PIL import Image

    rng = random.Random(11)
    text = workdir / "notes.txt"
    text.write_bytes(
        "".join(rng.choice("abcdefghij klmnopqrstuvwxyz\n") for _ in range(2_000_000 if quick else 20_000_000)).encode()
    )
    side = 1500 if quick else 3000
    photo = workdir / "photo.jpg"
    Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3)).save(photo, "JPEG", quality=90)
    audio = workdir / "lecture.wav"
    audio.write_bytes(wav_bytes(60.0 if quick else 600.0))
    video = big_video(workdir / "lecture.webm", megabytes=20 if quick else 98)
    return [
        ("text file", "notes.txt", text),
        ("JPEG photo (re-encoded)", "photo.jpg", photo),
        ("WAV audio (probed, re-muxed)", "lecture.wav", audio),
        ("WebM video (probed, re-muxed)", "lecture.webm", video),
    ]


def measure_uploads(server: LiveServer, api: CampusApi, account, files, repeat: int) -> list[dict]:
    results = []
    for label, name, path in files:
        data = path.read_bytes()
        seconds, cpu = [], []
        for _ in range(repeat):
            before = server_cpu(server.process.pid)
            started = time.perf_counter()
            response = api.call(account, "POST", "/uploads", files={"file": (name, io.BytesIO(data))})
            seconds.append(time.perf_counter() - started)
            cpu.append(server_cpu(server.process.pid) - before)
            if response.status_code != 201:
                raise SystemExit(f"upload of {name} failed: {response.status_code} {response.text[:200]}")
        results.append(
            {
                "label": label,
                "mb": len(data) / 1e6,
                "seconds": min(seconds),
                "median_seconds": sorted(seconds)[len(seconds) // 2],
                "cpu": sorted(cpu)[len(cpu) // 2],
            }
        )
    return results


class Streams:
    """Ten readers downloading one file again and again, as fast as they read, until stopped."""

    def __init__(self, server: LiveServer, path: str, token: str, readers: int, seconds: float):
        self.server, self.path, self.token = server, path, token
        self.stop = threading.Event()
        self.bytes = 0
        self.downloads = 0
        self.lock = threading.Lock()
        self.deadline = time.monotonic() + seconds
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(readers)]

    def read(self) -> None:
        buffer = memoryview(bytearray(4 * 1024 * 1024))
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=60) as conn:
                conn.sendall(
                    f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
                    "Connection: close\r\n\r\n".encode()
                )
                got = 0
                while not self.stop.is_set() and (count := conn.recv_into(buffer)):
                    got += count
            with self.lock:
                self.bytes += got
                self.downloads += 1

    def __enter__(self) -> Streams:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2000, help="1:1 messages per latency measurement")
    parser.add_argument("--seconds", type=float, default=40.0, help="bound on each latency measurement")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.samples, args.seconds = 1, 300, 10.0

    with tempfile.TemporaryDirectory(prefix="campus-bench-uploads-") as folder:
        workdir = Path(folder)
        files = sample_files(workdir, args.quick)
        server = LiveServer(workdir, mode=args.mode, env=UPLOAD_ENV).start()
        try:
            api = CampusApi(server.url)
            ann, bob = api.register("ann"), api.register("bob")
            chat_id = api.ok(ann, "POST", "/chats", json={"type": "private", "user_id": bob.id})["id"]
            uploads = measure_uploads(server, api, ann, files, args.repeat)
            video = api.call(
                ann, "POST", "/uploads", files={"file": ("lecture.webm", files[-1][2].read_bytes())}
            ).json()

            sender, recipient = (
                RawSocket("127.0.0.1", server.port, {"token": ann.token}),
                RawSocket("127.0.0.1", server.port, {"token": bob.token}),
            )
            drain([sender, recipient])
            quiet = one_to_one(sender, recipient, chat_id, samples=args.samples, seconds=args.seconds)
            with Streams(server, video["url"], ann.token, READERS, args.seconds + 30) as streams:
                time.sleep(1.0)  # every reader under way
                started, bytes_before = time.perf_counter(), streams.bytes
                busy = one_to_one(sender, recipient, chat_id, samples=args.samples, seconds=args.seconds)
                elapsed = time.perf_counter() - started
                streamed = streams.bytes - bytes_before
            sender.close()
            recipient.close()
        finally:
            server.stop()

    print(f"\nCampus uploads and streaming ({args.mode}, SQLite, local storage); load: {machine_load()}\n")
    print("| upload | MB | best s | median s | MB/s (best) | server CPU s |")
    print("|---|---|---|---|---|---|")
    for row in uploads:
        print(
            f"| {row['label']} | {row['mb']:.1f} | {row['seconds']:.2f} | {row['median_seconds']:.2f} "
            f"| {row['mb'] / row['seconds']:.0f} | {row['cpu']:.2f} |"
        )
    print(f"\n1:1 chat, one message in flight ({video['size'] / 1e6:.0f} MB video, {READERS} readers):\n")
    print("| while | n | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    print(f"| nothing else | {quiet['n']} | {quiet['p50']:.2f} | {quiet['p99']:.2f} |")
    print(f"| {READERS} clients stream the video | {busy['n']} | {busy['p50']:.2f} | {busy['p99']:.2f} |")
    print(f"\nStreamed meanwhile: {streamed / 1e9:.2f} GB in {elapsed:.1f} s ({streamed / 1e6 / elapsed:.0f} MB/s)")


if __name__ == "__main__":
    main()
