/* Campus chat page: the voice-note and video-note buttons and the recording panel — a timer, a
 * level meter (and the camera's picture for a video note), Cancel and Send. A sent recording
 * goes through the upload tray like any file (attach.js), marked as a note. */

import { formatDuration } from "./attachments.js";
import { $ } from "./dom.js";
import { Recorder } from "./recorder.js";

export function createRecord({ t, attach, notifications }) {
  const panel = $("recorder-panel");
  const timer = $("recorder-time");
  const level = $("recorder-level");
  const preview = $("recorder-preview");
  const composer = $("composer");
  let ticker = null;

  const recorder = new Recorder({
    media: navigator.mediaDevices,
    MediaRecorder: window.MediaRecorder,
    AudioContext: window.AudioContext || window.webkitAudioContext || null,
    t,
    onAutoStop: (file) => { hide(); attach.send(file, { note: true }); },
  });

  function show(kind) {
    panel.hidden = false;
    panel.dataset.kind = kind;
    composer.classList.add("recording");
    $("recorder-title").textContent = kind === "video" ? t("recording_video") : t("recording_voice");
    preview.hidden = kind !== "video";
    if (kind === "video") {
      preview.srcObject = recorder.stream;
      preview.play().catch(() => {});
    }
    const tick = () => {
      timer.textContent = formatDuration(recorder.elapsed());
      const loudness = recorder.level();
      level.value = loudness;
      level.style.setProperty("--level", String(loudness));
    };
    tick();
    ticker = setInterval(tick, 100);
    $("recorder-send").focus();
  }

  function hide() {
    clearInterval(ticker);
    ticker = null;
    panel.hidden = true;
    composer.classList.remove("recording");
    preview.srcObject = null;
    timer.textContent = "0:00";
    level.value = 0;
  }

  async function start(kind) {
    try {
      await recorder.start(kind);
      show(kind);
    } catch (error) {
      notifications.setStatus(error.message);
    }
  }

  $("record-voice").addEventListener("click", () => start("voice"));
  $("record-video").addEventListener("click", () => start("video"));
  $("recorder-cancel").addEventListener("click", () => { recorder.cancel(); hide(); });
  $("recorder-send").addEventListener("click", async () => {
    try {
      const file = await recorder.stop();
      hide();
      attach.send(file, { note: true });
    } catch (error) {
      hide();
      notifications.setStatus(error.message);
    }
  });

  return {
    /** Leaving the chat throws an unsent recording away. */
    cancel() {
      if (recorder.state !== "idle") { recorder.cancel(); hide(); }
    },
  };
}
