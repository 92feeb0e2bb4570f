"""The child process of `campus.media.probe`: FFmpeg (PyAV) reads one uploaded file, under CPU and
memory limits, and copies its streams into a clean container. Run as a script; it imports nothing
of Campus (see `campus.media.probe` for what it checks and why).

    python -I probe_child.py <mime> <audio|media> <source> <workdir>   → one JSON object on stdout
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

AUDIO, VIDEO, MEDIA = "audio", "video", "media"

AUDIO_CODECS = frozenset(
    {"opus", "vorbis", "aac", "mp3", "mp3float", "flac", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"}
)
VIDEO_CODECS = frozenset({"vp8", "vp9", "av1", "h264", "libdav1d", "libvpx", "libvpx-vp9"})
# The demuxer for each container the magic bytes can name.
DEMUXERS = {
    "video/webm": "matroska",
    "video/mp4": "mov",
    "audio/mp4": "mov",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
}
# What the clean copy is written as: (muxer, extension, mime) for audio-only and for video.
OUTPUTS = {
    "video/webm": (("webm", "webm", "audio/webm"), ("webm", "webm", "video/webm")),
    "video/mp4": (("ipod", "m4a", "audio/mp4"), ("mp4", "mp4", "video/mp4")),
    "audio/mp4": (("ipod", "m4a", "audio/mp4"), None),
    "audio/ogg": (("ogg", "ogg", "audio/ogg"), None),
    "audio/mpeg": (("mp3", "mp3", "audio/mpeg"), None),
    "audio/wav": (("wav", "wav", "audio/wav"), None),
}
POSTER_SIDE = 320
# Packets may end a little before the declared duration (the last frame's own length).
TRUNCATION_SLACK = 0.5


class Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _limit_resources() -> None:
    import resource

    seconds = int(os.environ.get("CAMPUS_PROBE_SECONDS", "60"))
    memory = int(os.environ.get("CAMPUS_PROBE_MEMORY", str(1024 * 1024 * 1024)))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _streams(container, hinted_kind: str):
    """The audio and video streams to keep (cover art of an MP3 is dropped); `Refused` when a
    codec is not accepted or there is nothing to play."""
    audio = list(container.streams.audio)
    video = [s for s in container.streams.video if not (s.disposition & _attached_pic_flag())]
    for stream in audio:
        if stream.codec_context.name not in AUDIO_CODECS:
            raise Refused("codec")
    for stream in video:
        if stream.codec_context.name not in VIDEO_CODECS:
            raise Refused("codec")
    if not audio and not video:
        raise Refused("no_streams")
    if video and hinted_kind == AUDIO:
        raise Refused("kind")
    return audio[:1], video[:1]


def _attached_pic_flag() -> int:
    import av

    return int(av.stream.Disposition.attached_pic)


def _poster(frame, workdir: Path) -> Path:
    image = frame.to_image()
    image.thumbnail((POSTER_SIDE, POSTER_SIDE))
    path = workdir / "poster.jpg"
    image.convert("RGB").save(path, "JPEG", quality=80)
    return path


def run(mime: str, hinted_kind: str, source: Path, workdir: Path) -> dict:
    """Probe and re-mux `source` into `workdir`; the JSON answer as a dict."""
    import av

    try:
        container = av.open(str(source), format=DEMUXERS[mime], options={"protocol_whitelist": "file"})
    except (av.error.FFmpegError, OSError):
        raise Refused("damaged") from None
    with container:
        audio, video = _streams(container, hinted_kind)
        kind = VIDEO if video else AUDIO
        muxer, ext, out_mime = OUTPUTS[mime][1 if video else 0] or OUTPUTS[mime][0]
        declared = container.duration / 1_000_000 if container.duration else None
        target = workdir / f"clean.{ext}"
        options = {"movflags": "+faststart"} if muxer in ("mp4", "ipod") else {}
        if muxer == "mp3":
            options = {"id3v2_version": "0", "write_xing": "1"}
        ends: list[float] = []
        poster = None
        output = av.open(str(target), "w", format=muxer, options=options)
        try:
            mapping = {}
            for stream in [*video, *audio]:
                mapping[stream.index] = output.add_stream_from_template(stream)
                ends.append(0.0)
            order = {stream.index: i for i, stream in enumerate([*video, *audio])}
            decoder = video[0].codec_context if video else None
            packets = 0
            for packet in container.demux([*video, *audio]):
                if packet.dts is None:
                    continue
                i = order[packet.stream.index]
                if packet.pts is not None and packet.time_base is not None:
                    end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                    ends[i] = max(ends[i], end)
                if poster is None and decoder is not None and packet.stream.index == video[0].index:
                    frames = decoder.decode(packet)
                    if frames:
                        poster = _poster(frames[0], workdir)
                packet.stream = mapping[packet.stream.index]
                output.mux(packet)
                packets += 1
        except av.error.FFmpegError:
            # Read well at first, then broken: most likely cut off (an interrupted copy).
            raise Refused("truncated" if packets else "damaged") from None
        finally:
            try:
                output.close()
            except av.error.FFmpegError:
                pass
    if not ends or max(ends) <= 0:
        raise Refused("damaged")
    duration = max(ends)
    if declared is not None and duration < declared - max(TRUNCATION_SLACK, declared * 0.02):
        raise Refused("truncated")
    if video and poster is None:
        raise Refused("damaged")
    width = video[0].codec_context.width if video else None
    height = video[0].codec_context.height if video else None
    return {
        "kind": kind,
        "mime": out_mime,
        "ext": ext,
        "path": str(target),
        "duration": round(duration, 3),
        "width": width or None,
        "height": height or None,
        "poster": str(poster) if poster else None,
    }


def main(argv: list[str]) -> int:
    mime, hinted_kind, source, workdir = argv
    _limit_resources()
    try:
        if mime not in DEMUXERS or hinted_kind not in (AUDIO, MEDIA):
            raise Refused("codec")
        result = run(mime, hinted_kind, Path(source), Path(workdir))
    except Refused as refused:
        result = {"error": refused.code}
    except MemoryError:
        result = {"error": "damaged"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
