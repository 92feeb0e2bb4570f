"""Real audio, video and document files made in the tests (PyAV encodes, the standard library
writes WAV and ZIP), for the upload tests.

    wav_bytes(seconds=1.0)                    # PCM WAV, a 440 Hz tone
    encoded("webm", audio="libopus")          # audio-only WebM with Opus, like a browser's recording
    encoded("mp4", video="libx264", audio="aac", seconds=2, size=(320, 240))
    big_video(path, megabytes=100)            # a valid VP8 WebM of about that size, made fast
"""

from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

SAMPLE_RATE = 48_000


def tone(seconds: float, rate: int = SAMPLE_RATE, frequency: float = 440.0) -> bytes:
    """Signed 16-bit mono samples of a sine tone."""
    count = int(seconds * rate)
    return b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * frequency * n / rate))) for n in range(count))


def wav_bytes(seconds: float = 1.0, rate: int = 16_000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(tone(seconds, rate))
    return out.getvalue()


def _audio_frames(stream, seconds: float):
    """The tone in frames the encoder takes (mono or stereo, packed signed 16-bit)."""
    context = stream.codec_context
    rate = context.sample_rate
    samples = tone(seconds, rate)
    frame_size = context.frame_size or 1024
    channels = context.layout.nb_channels
    for start in range(0, len(samples) // 2, frame_size):
        chunk = samples[start * 2 : (start + frame_size) * 2].ljust(frame_size * 2, b"\0")
        if channels > 1:
            chunk = b"".join(chunk[i : i + 2] * channels for i in range(0, len(chunk), 2))
        frame = av.AudioFrame(format="s16", layout=context.layout.name, samples=frame_size)
        frame.planes[0].update(chunk)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        yield frame


def encoded(
    fmt: str,
    *,
    audio: str | None = None,
    video: str | None = None,
    seconds: float = 1.0,
    size: tuple[int, int] = (160, 120),
    fps: int = 10,
) -> bytes:
    """A file in container `fmt` (webm, ogg, mp4, ipod, mp3) with the given encoders."""
    out = io.BytesIO()
    container = av.open(out, "w", format=fmt)
    streams = []
    if video:
        vstream = container.add_stream(video, rate=fps)
        vstream.width, vstream.height = size
        vstream.pix_fmt = "yuv420p"
        streams.append(vstream)
    if audio:
        astream = container.add_stream(audio, rate=SAMPLE_RATE if audio != "libmp3lame" else 44_100)
        if audio == "aac":
            astream.layout = "mono"
        streams.append(astream)
    if video:
        for index in range(int(seconds * fps)):
            picture = Image.new("RGB", size, ((index * 25) % 256, 40, 90))
            picture.paste((30, 200, 30), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            for packet in vstream.encode(frame):
                container.mux(packet)
        for packet in vstream.encode():
            container.mux(packet)
    if audio:
        for frame in _audio_frames(astream, seconds):
            for packet in astream.encode(frame):
                container.mux(packet)
        for packet in astream.encode():
            container.mux(packet)
    container.close()
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first `keep` of a file, as an interrupted upload would leave it."""
    return data[: int(len(data) * keep)]


def big_video(path: Path, megabytes: int = 100, size: tuple[int, int] = (1280, 720)) -> Path:
    """A valid, seekable VP8 WebM of about `megabytes`, without encoding for minutes: one
    noisy key frame at top quality, muxed again and again (every packet a key frame)."""
    import random

    noise = random.Random(7).randbytes(size[0] * size[1] * 3)
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height = size
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = Fraction(1, 10)
    encoder.bit_rate = 200_000_000
    encoder.options = {"crf": "4", "qmin": "0", "qmax": "4", "kf-max-dist": "1", "auto-alt-ref": "0"}
    frame = av.VideoFrame.from_image(Image.frombytes("RGB", size, noise)).reformat(format="yuv420p")
    frame.pts = 0
    packets = [*encoder.encode(frame), *encoder.encode()]
    key = bytes(packets[0])
    container = av.open(str(path), "w", format="webm")
    stream = container.add_stream("libvpx", rate=10)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    stream.codec_context.extradata = encoder.extradata
    count = max(1, megabytes * 1024 * 1024 // len(key))
    for index in range(count):
        packet = av.Packet(key)
        packet.stream = stream
        packet.pts = packet.dts = index
        packet.duration = 1
        packet.time_base = Fraction(1, 10)
        packet.is_keyframe = True
        container.mux(packet)
    container.close()
    return path


def zip_bytes(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def pdf_bytes(text: str = "Assignment 1") -> bytes:
    """A minimal, valid one-page PDF."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
