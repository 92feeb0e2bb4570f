/* Campus chat page: recording a voice note (microphone) or a short video note (camera and
 * microphone) with MediaRecorder, in Opus — a timer, a level meter, cancel and send.
 *
 * No DOM: `media` (navigator.mediaDevices), the MediaRecorder and AudioContext constructors and
 * the clock are passed in, so Node's tests drive it with fakes. */

export const VOICE_MAX_SECONDS = 300;  // a voice note stops by itself after five minutes
export const VIDEO_MAX_SECONDS = 60;   // a video note after one
const TYPES = {
  voice: ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"],
  video: ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm"],
};

export class RecordingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** The first container/codec this browser records, or "" (the browser's default). */
export function pickType(MediaRecorder, kind) {
  const supported = MediaRecorder && typeof MediaRecorder.isTypeSupported === "function";
  return (supported && TYPES[kind].find((type) => MediaRecorder.isTypeSupported(type))) || "";
}

/**
 * One recording at a time. `start(kind)` asks for the devices and records; `level()` is the
 * input's loudness now (0…1), `elapsed()` seconds so far; `stop()` resolves with a File
 * ("voice-note.webm"), `cancel()` throws it all away. `onAutoStop(file)` gets a recording
 * that reached its longest length.
 */
export class Recorder {
  constructor({ media, MediaRecorder, AudioContext = null, now = () => Date.now(), timers = globalThis, t, onAutoStop = () => {} }) {
    Object.assign(this, { media, MediaRecorder, AudioContext, now, timers, t, onAutoStop });
    this.state = "idle";   // idle → starting → recording → idle
    this.kind = null;
    this.stream = null;
    this.recorder = null;
    this.chunks = [];
    this.startedAt = 0;
    this.analyser = null;
    this.audioContext = null;
    this.limitTimer = null;
    this.finish = null;
  }

  get recording() {
    return this.state === "recording";
  }

  async start(kind) {
    if (this.state !== "idle") throw new RecordingError("busy", this.t("recording_busy"));
    if (!this.media || !this.media.getUserMedia || !this.MediaRecorder) {
      throw new RecordingError("unsupported", this.t("recording_unsupported"));
    }
    this.state = "starting";
    this.kind = kind;
    try {
      this.stream = await this.media.getUserMedia(kind === "video"
        ? { audio: true, video: { width: { ideal: 480 }, height: { ideal: 480 }, facingMode: "user" } }
        : { audio: true });
    } catch (error) {
      this.reset();
      const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      throw new RecordingError(denied ? "denied" : "no_device", this.t(denied ? "recording_denied" : "recording_no_device"));
    }
    if (this.state !== "starting") { this.release(); throw new RecordingError("cancelled", this.t("recording_cancelled")); }
    const mimeType = pickType(this.MediaRecorder, kind);
    this.recorder = new this.MediaRecorder(this.stream, mimeType ? { mimeType, audioBitsPerSecond: 48000 } : {});
    this.chunks = [];
    this.recorder.ondataavailable = (event) => { if (event.data && event.data.size) this.chunks.push(event.data); };
    this.recorder.onstop = () => { if (this.finish) this.finish(); };
    this.recorder.start(1000);
    this.startedAt = this.now();
    this.state = "recording";
    this.listen();
    const limit = kind === "video" ? VIDEO_MAX_SECONDS : VOICE_MAX_SECONDS;
    this.limitTimer = this.timers.setTimeout(() => { this.stop().then(this.onAutoStop, () => {}); }, limit * 1000);
  }

  /** An analyser on the microphone, for the level meter (none where Web Audio is missing). */
  listen() {
    if (!this.AudioContext) return;
    try {
      this.audioContext = new this.AudioContext();
      const source = this.audioContext.createMediaStreamSource(this.stream);
      this.analyser = this.audioContext.createAnalyser();
      this.analyser.fftSize = 512;
      source.connect(this.analyser);
    } catch (error) {
      this.analyser = null;
    }
  }

  elapsed() {
    return this.recording ? (this.now() - this.startedAt) / 1000 : 0;
  }

  /** Loudness now, 0…1 (the RMS of the last samples, scaled so speech fills most of the bar). */
  level() {
    if (!this.analyser) return 0;
    const samples = new Uint8Array(this.analyser.fftSize);
    this.analyser.getByteTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += ((sample - 128) / 128) ** 2;
    return Math.min(1, Math.sqrt(sum / samples.length) * 3);
  }

  /** Stop and keep: the recording as a File, named for what it is. */
  stop() {
    if (this.state !== "recording") return Promise.reject(new RecordingError("not_recording", this.t("recording_cancelled")));
    const kind = this.kind;
    const type = (this.recorder.mimeType || pickType(this.MediaRecorder, kind) || (kind === "video" ? "video/webm" : "audio/webm")).split(";")[0];
    return new Promise((resolve, reject) => {
      this.finish = () => {
        const chunks = this.chunks;
        this.release();
        if (!chunks.length) { reject(new RecordingError("empty", this.t("recording_empty"))); return; }
        const extension = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "mp4" : "webm";
        resolve(new File(chunks, (kind === "video" ? "video-note." : "voice-note.") + extension, { type }));
      };
      this.recorder.stop();
    });
  }

  /** Stop and throw away. */
  cancel() {
    if (this.state === "recording") {
      this.finish = () => this.release();
      this.recorder.stop();
    } else {
      this.release();
    }
  }

  release() {
    if (this.limitTimer !== null) this.timers.clearTimeout(this.limitTimer);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    if (this.audioContext) this.audioContext.close().catch(() => {});
    this.reset();
  }

  reset() {
    Object.assign(this, {
      state: "idle", kind: null, stream: null, recorder: null, chunks: [], analyser: null, audioContext: null,
      limitTimer: null, finish: null,
    });
  }
}
