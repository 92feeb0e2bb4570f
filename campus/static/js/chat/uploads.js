/* Campus chat page: sending a file to POST /api/v1/uploads (docs/protocol.md#attachments) with
 * progress and cancel — XMLHttpRequest, since fetch reports no upload progress. An upload that
 * fails says why in the server's words (too large, wrong type…) and can be tried again.
 *
 * No DOM: the XMLHttpRequest constructor, the cookie reader and the API's refresh are passed in. */

import { guessKind } from "./attachments.js";

export class UploadError extends Error {
  constructor(code, message, status = 0) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * `base`: "/api/v1"; `csrf`: the page config's cookie and header names; `limits`: bytes per kind
 * (refused here before sending anything); `refreshAccess()` renews the access cookie and
 * `accessExpiring()` says it is due (api.js).
 */
export function createUploader({
  base, csrf, cookie, limits, t, refreshAccess, accessExpiring = () => false, XHR = globalThis.XMLHttpRequest,
}) {
  /** Start uploading `file`; `{promise, cancel}`. The promise gives the attachment (`<upload>`). */
  function upload(file, { note = false, onProgress = () => {} } = {}) {
    let request = null;
    let cancelled = false;
    const limit = limits && limits[guessKind(file)];
    const promise = new Promise((resolve, reject) => {
      if (limit && file.size > limit) {
        reject(new UploadError("too_large", t("upload_too_large", { size: Math.round(limit / (1024 * 1024)) })));
        return;
      }
      const send = async (retried) => {
        if (!retried && accessExpiring()) await refreshAccess();
        if (cancelled) { reject(new UploadError("cancelled", t("upload_cancelled"))); return; }
        request = new XHR();
        request.open("POST", base + "/uploads");
        request.setRequestHeader("Accept", "application/json");
        request.setRequestHeader(csrf.access_header, cookie(csrf.access_cookie));
        request.upload.onprogress = (event) => {
          if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
        };
        request.onload = async () => {
          let body = null;
          try { body = JSON.parse(request.responseText); } catch (error) { /* not JSON */ }
          if (request.status === 201 && body && body.id) { onProgress(1); resolve(body); return; }
          const error = (body && body.error) || {};
          if (request.status === 401 && error.code === "token_expired" && !retried && await refreshAccess()) {
            send(true);
            return;
          }
          const message = error.message || (request.status === 413 ? t("upload_too_large_plain") : t("upload_failed"));
          reject(new UploadError(error.code || "http_" + request.status, message, request.status));
        };
        request.onerror = () => reject(new UploadError("network", t("upload_failed")));
        request.onabort = () => reject(new UploadError("cancelled", t("upload_cancelled")));
        const form = new FormData();
        form.append("file", file, file.name || "file");
        if (note) form.append("note", "true");
        request.send(form);
      };
      send(false);
    });
    return {
      promise,
      cancel() {
        cancelled = true;
        if (request) request.abort();
      },
    };
  }

  return { upload };
}
