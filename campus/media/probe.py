"""Audio and video: read by FFmpeg (PyAV) in a child process, re-muxed into a clean file.

`probe_media(source, found, workdir)` runs `campus/media/probe_child.py` on an uploaded file:
FFmpeg parses hostile input there, under CPU-time and memory limits, so a crafted file that
crashes or hangs the parser costs the uploader a 422, not a worker with every socket on it
(docs/design.md#uploads). The child

- opens the file with the demuxer the magic bytes named (never FFmpeg's guess: no playlists,
  no other protocols than reading that one file);
- accepts only codecs browsers play (Opus, Vorbis, AAC, MP3, PCM; VP8, VP9, AV1, H.264);
- copies every packet into a new container (no re-encoding): metadata such as a phone's GPS
  position is dropped, and the duration and seek index are written — a browser's MediaRecorder
  writes neither, and its WebM could not be seeked otherwise;
- refuses a file whose packets end well before the duration its header declares (truncated) or
  that FFmpeg can't read through (damaged);
- decodes the first video frame for a poster image.

The child imports nothing of Campus (and so starts in a tenth of a second); it prints one JSON
object: the result, or `{"error": <code>}`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from campus.core.errors import UnsupportedMediaType, ValidationError
from campus.media.sniff import FileType

CHILD = Path(__file__).with_name("probe_child.py")


@dataclass(frozen=True)
class MediaInfo:
    """What the child found: the kind, the clean copy and its type, duration and picture size."""

    kind: str
    mime: str
    ext: str
    path: Path
    duration: float
    width: int | None
    height: int | None
    poster: Path | None


def probe_media(source: Path, found: FileType, workdir: Path) -> MediaInfo:
    """Check and re-mux an audio or video upload in a child process (see the module's docstring).

    415 for a codec or a container content that is not accepted (a video named `.ogg`, a WebM
    with no sound or picture), 422 for a damaged or truncated file.
    """
    config = current_app.config
    seconds = int(config.get("MEDIA_PROBE_SECONDS", 60))
    # -I: the child sees none of the app's environment (secrets) and no user site-packages.
    command = [sys.executable, "-I", str(CHILD), found.mime, found.kind, str(source), str(workdir)]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CAMPUS_PROBE_SECONDS": str(seconds),
        "CAMPUS_PROBE_MEMORY": str(int(config.get("MEDIA_PROBE_MEMORY", 1024 * 1024 * 1024))),
    }
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds + 5, env=env, check=False)
        result = json.loads(done.stdout.decode() or "{}") if done.returncode == 0 else {}
    except (subprocess.TimeoutExpired, ValueError):
        result = {}
    if "kind" not in result:
        _refuse(result.get("error", "damaged"))
    return MediaInfo(
        kind=result["kind"],
        mime=result["mime"],
        ext=result["ext"],
        path=Path(result["path"]),
        duration=result["duration"],
        width=result.get("width"),
        height=result.get("height"),
        poster=Path(result["poster"]) if result.get("poster") else None,
    )


def _refuse(code: str):
    if code == "codec":
        raise UnsupportedMediaType(_("This audio or video format is not accepted."), code="unsupported_codec")
    if code == "no_streams":
        raise UnsupportedMediaType(_("The file has no sound or picture."), code="unsupported_type")
    if code == "kind":
        raise UnsupportedMediaType(
            _("The file name's extension does not match its content."), code="extension_mismatch"
        )
    if code == "truncated":
        raise ValidationError(
            _("The file is incomplete; send it again."), code="truncated", fields={"file": [_("Incomplete file.")]}
        )
    raise ValidationError(_("The file is damaged."), code="damaged", fields={"file": [_("Damaged file.")]})
