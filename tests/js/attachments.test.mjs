// The chat page's attachments without a browser: names for previews, sizes and durations
// (attachments.js), uploads with progress, cancel and errors (uploads.js), and the voice/video
// note recorder (recorder.js) on fake devices.

import assert from "node:assert/strict";
import { test } from "node:test";

import { describeAttachment, formatDuration, formatSize, guessKind, uploadUrl } from "../../campus/static/js/chat/attachments.js";
import { translator } from "../../campus/static/js/chat/config.js";
import { pickType, Recorder, RecordingError, VOICE_MAX_SECONDS } from "../../campus/static/js/chat/recorder.js";
import { createUploader } from "../../campus/static/js/chat/uploads.js";
import { FakeTimers, flush } from "./fakes.mjs";

const t = translator({
  photo: "Photo", gif: "GIF", voice_note: "Voice note {duration}", video_note: "Video note {duration}",
  audio: "Audio {duration}", video: "Video {duration}", file_named: "File: {name}",
  size_b: "{size} B", size_kb: "{size} KB", size_mb: "{size} MB", size_gb: "{size} GB",
  upload_too_large: "Too large: at most {size} MB", upload_failed: "Upload failed", upload_cancelled: "Cancelled",
  recording_denied: "No microphone permission", recording_empty: "Nothing recorded",
});

test("durations read as m:ss, and h:mm:ss past an hour", () => {
  assert.equal(formatDuration(12.4), "0:12");
  assert.equal(formatDuration(75), "1:15");
  assert.equal(formatDuration(3600 + 62), "1:01:02");
  assert.equal(formatDuration(null), "0:00");
  assert.equal(formatDuration(NaN), "0:00");
});

test("sizes read in B, KB, MB and GB", () => {
  assert.equal(formatSize(512, t, "en"), "512 B");
  assert.equal(formatSize(14 * 1024, t, "en"), "14 KB");
  assert.equal(formatSize(3.25 * 1024 * 1024, t, "en"), "3.3 MB");
  assert.equal(formatSize(3.25 * 1024 * 1024, t, "ru"), "3,3 MB");
});

test("the chat list names attachments by what they are", () => {
  assert.equal(describeAttachment({ kind: "image", mime: "image/jpeg" }, t), "Photo");
  assert.equal(describeAttachment({ kind: "image", mime: "image/gif" }, t), "GIF");
  assert.equal(describeAttachment({ kind: "audio", note: true, duration: 12.2 }, t), "Voice note 0:12");
  assert.equal(describeAttachment({ kind: "video", note: true, duration: 7 }, t), "Video note 0:07");
  assert.equal(describeAttachment({ kind: "audio", note: false, duration: 185 }, t), "Audio 3:05");
  assert.equal(describeAttachment({ kind: "video", note: false, duration: 30 }, t), "Video 0:30");
  assert.equal(describeAttachment({ kind: "file", name: "Задание.pdf" }, t), "File: Задание.pdf");
  assert.equal(describeAttachment(null, t), "");
});

test("a picked file's likely kind comes from its type; SVG is no image here", () => {
  assert.equal(guessKind({ type: "image/png" }), "image");
  assert.equal(guessKind({ type: "image/svg+xml" }), "file");
  assert.equal(guessKind({ type: "audio/webm" }), "audio");
  assert.equal(guessKind({ type: "video/mp4" }), "video");
  assert.equal(guessKind({ type: "" }), "file");
});

test("only the server's upload URLs are loaded", () => {
  assert.equal(uploadUrl("/api/v1/uploads/12"), "/api/v1/uploads/12");
  assert.equal(uploadUrl("/api/v1/uploads/12/thumbnail"), "/api/v1/uploads/12/thumbnail");
  for (const bad of ["javascript:alert(1)", "https://evil.example/x", "//evil.example/api/v1/uploads/1", "/api/v1/uploads/1?x", null, 5]) {
    assert.equal(uploadUrl(bad), null, String(bad));
  }
});

/** An XMLHttpRequest the test answers: records what was sent, plays progress and the answer. */
class FakeXHR {
  static made = [];

  constructor() {
    this.headers = {};
    this.upload = {};
    this.aborted = false;
    FakeXHR.made.push(this);
  }

  open(method, url) { Object.assign(this, { method, url }); }
  setRequestHeader(name, value) { this.headers[name] = value; }
  send(body) { this.body = body; }
  abort() { this.aborted = true; this.onabort(); }
  progress(loaded, total) { this.upload.onprogress({ lengthComputable: true, loaded, total }); }
  answer(status, body) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload();
  }
}

function uploader({ refreshed = true } = {}) {
  FakeXHR.made = [];
  const refreshes = [];
  const upload = createUploader({
    base: "/api/v1",
    csrf: { access_header: "X-CSRF-TOKEN", access_cookie: "csrf_access_token" },
    cookie: (name) => "csrf-value-of-" + name,
    limits: { image: 1000, audio: 5000, video: 9000, file: 2000 },
    t,
    refreshAccess: async () => { refreshes.push(1); return refreshed; },
    XHR: FakeXHR,
  });
  return { ...upload, refreshes };
}

test("an upload reports its progress and gives the attachment", async () => {
  const { upload } = uploader();
  const seen = [];
  const file = new File(["hello"], "notes.txt", { type: "text/plain" });
  const handle = upload(file, { note: false, onProgress: (share) => seen.push(share) });
  const [xhr] = FakeXHR.made;
  assert.equal(xhr.method, "POST");
  assert.equal(xhr.url, "/api/v1/uploads");
  assert.equal(xhr.headers["X-CSRF-TOKEN"], "csrf-value-of-csrf_access_token");
  assert.equal(xhr.body.get("file").name, "notes.txt");
  assert.equal(xhr.body.get("note"), null);
  xhr.progress(2, 5);
  xhr.answer(201, { id: 9, kind: "file", name: "notes.txt" });
  assert.deepEqual(await handle.promise, { id: 9, kind: "file", name: "notes.txt" });
  assert.deepEqual(seen, [0.4, 1]);
});

test("a recorded note says so", async () => {
  const { upload } = uploader();
  upload(new File(["x"], "voice-note.webm", { type: "audio/webm" }), { note: true });
  assert.equal(FakeXHR.made[0].body.get("note"), "true");
});

test("a refusal carries the server's code and words", async () => {
  const { upload } = uploader();
  const handle = upload(new File(["MZ"], "setup.txt", { type: "text/plain" }));
  FakeXHR.made[0].answer(415, { error: { code: "unsupported_type", message: "This type of file is not accepted." } });
  await assert.rejects(handle.promise, { code: "unsupported_type", message: "This type of file is not accepted.", status: 415 });
});

test("a file over its kind's limit is refused before anything is sent", async () => {
  const { upload } = uploader();
  const handle = upload(new File([new Uint8Array(1500)], "big.png", { type: "image/png" }));
  await assert.rejects(handle.promise, { code: "too_large" });
  assert.equal(FakeXHR.made.length, 0);
});

test("cancel aborts the request", async () => {
  const { upload } = uploader();
  const handle = upload(new File(["x"], "a.txt"));
  handle.cancel();
  assert.equal(FakeXHR.made[0].aborted, true);
  await assert.rejects(handle.promise, { code: "cancelled" });
});

test("an expired access cookie is refreshed once and the upload sent again", async () => {
  const { upload, refreshes } = uploader();
  const handle = upload(new File(["x"], "a.txt"));
  FakeXHR.made[0].answer(401, { error: { code: "token_expired", message: "expired" } });
  await flush();
  assert.equal(refreshes.length, 1);
  assert.equal(FakeXHR.made.length, 2);
  FakeXHR.made[1].answer(201, { id: 3 });
  assert.equal((await handle.promise).id, 3);
});

/* ---------- the recorder on fake devices ---------- */

class FakeTrack {
  constructor() { this.stopped = false; }
  stop() { this.stopped = true; }
}

class FakeMediaRecorder {
  static supported = new Set(["audio/webm;codecs=opus", "video/webm;codecs=vp8,opus"]);
  static isTypeSupported(type) { return FakeMediaRecorder.supported.has(type); }

  constructor(stream, options) {
    this.stream = stream;
    this.mimeType = options.mimeType || "";
    this.state = "inactive";
    FakeMediaRecorder.last = this;
  }

  start(timeslice) { this.state = "recording"; this.timeslice = timeslice; }
  stop() {
    this.state = "inactive";
    this.ondataavailable({ data: new Blob(["opus-bytes"]) });
    queueMicrotask(() => this.onstop());
  }
}

class FakeAudioContext {
  createMediaStreamSource() { return { connect() {} }; }
  createAnalyser() {
    return {
      fftSize: 0,
      getByteTimeDomainData(samples) { samples.forEach((_, i) => { samples[i] = i % 2 ? 128 + 64 : 128 - 64; }); },
    };
  }
  close() { this.closed = true; return Promise.resolve(); }
}

function recorder({ deny = false } = {}) {
  const timers = new FakeTimers();
  const tracks = [];
  const asked = [];
  const media = {
    getUserMedia: async (constraints) => {
      asked.push(constraints);
      if (deny) throw Object.assign(new Error("denied"), { name: "NotAllowedError" });
      const stream = { tracks: [new FakeTrack(), new FakeTrack()], getTracks() { return this.tracks; } };
      tracks.push(...stream.tracks);
      return stream;
    },
  };
  const autoStopped = [];
  const rec = new Recorder({
    media, MediaRecorder: FakeMediaRecorder, AudioContext: FakeAudioContext, now: () => timers.now, timers, t,
    onAutoStop: (file) => autoStopped.push(file),
  });
  return { rec, timers, tracks, asked, autoStopped };
}

test("the recorder picks Opus in WebM when the browser has it", () => {
  assert.equal(pickType(FakeMediaRecorder, "voice"), "audio/webm;codecs=opus");
  assert.equal(pickType(FakeMediaRecorder, "video"), "video/webm;codecs=vp8,opus");
  assert.equal(pickType(null, "voice"), "");
});

test("a voice note records with a timer and a level, and stops into a named file", async () => {
  const { rec, timers, tracks, asked } = recorder();
  await rec.start("voice");
  assert.deepEqual(asked, [{ audio: true }]);
  assert.equal(rec.recording, true);
  assert.equal(FakeMediaRecorder.last.mimeType, "audio/webm;codecs=opus");
  timers.advance(2500);
  assert.equal(rec.elapsed(), 2.5);
  assert.ok(rec.level() > 0.5 && rec.level() <= 1);
  const file = await rec.stop();
  assert.equal(file.name, "voice-note.webm");
  assert.equal(file.type, "audio/webm");
  assert.equal(await file.text(), "opus-bytes");
  assert.ok(tracks.every((track) => track.stopped), "the microphone is released");
  assert.equal(rec.recording, false);
});

test("a video note asks for the camera too", async () => {
  const { rec, asked } = recorder();
  await rec.start("video");
  assert.equal(asked[0].audio, true);
  assert.ok(asked[0].video);
  assert.equal((await rec.stop()).name, "video-note.webm");
});

test("cancel throws the recording away and frees the devices", async () => {
  const { rec, tracks } = recorder();
  await rec.start("voice");
  rec.cancel();
  await flush();
  assert.equal(rec.recording, false);
  assert.ok(tracks.every((track) => track.stopped));
  await assert.rejects(rec.stop(), RecordingError);
});

test("a refused microphone is a clear error", async () => {
  const { rec } = recorder({ deny: true });
  await assert.rejects(rec.start("voice"), { code: "denied", message: "No microphone permission" });
  assert.equal(rec.state, "idle");
});

test("a note stops by itself at its longest length", async () => {
  const { rec, timers, autoStopped } = recorder();
  await rec.start("voice");
  timers.advance(VOICE_MAX_SECONDS * 1000);
  await flush();
  assert.equal(autoStopped.length, 1);
  assert.equal(autoStopped[0].name, "voice-note.webm");
});
