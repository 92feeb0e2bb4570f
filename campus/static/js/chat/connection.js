/* Campus chat page: the Socket.IO connection to /chat (docs/protocol.md, "Connecting").
 *
 * The page authenticates with its access cookie plus the CSRF double-submit value in `auth`: a
 * function, so every reconnect reads the current cookie (it changes on refresh), refreshing
 * first when the access cookie is about to expire. A refusal with `token_expired` refreshes and
 * connects again; `too_many_connections` (the user's or the address's socket cap) is trouble, tried
 * again after a pause; any other refusal means signed out. A server-side disconnect (a worker
 * restarting) is not retried by the client by itself, so it is here.
 *
 * No DOM and no global `io`: the Socket.IO client function and the API are passed in. */

import { ACK_TIMEOUT_MS, CAPPED_RETRY_MS, TOKEN_RETRY_PAUSE_MS } from "./config.js";

export class Connection {
  /** `io`: the Socket.IO client; `api`: createApi()'s refresh functions; `csrfToken()`. */
  constructor({ io, namespace, api, csrfToken, now = Date.now, ackTimeoutMs = ACK_TIMEOUT_MS, timers = globalThis }) {
    this.io = io;
    this.namespace = namespace;
    this.api = api;
    this.csrfToken = csrfToken;
    this.now = now;
    this.ackTimeoutMs = ackTimeoutMs;
    this.timers = timers;
    this.socket = null;
    this.closed = false;
  }

  /**
   * Open the socket. `handlers`: `connect()`, `disconnect(reason)`, `unauthorized(code)` (the
   * server refused these credentials), `trouble()` (network: the client retries by itself) and
   * `events` (server → client event name → handler).
   */
  connect(handlers) {
    const socket = this.io(this.namespace, {
      transports: ["websocket", "polling"],
      tryAllTransports: true,          // fall back to long polling where WebSockets are blocked
      auth: (send) => {
        const ready = this.api.accessExpiring() ? this.api.refreshAccess() : Promise.resolve();
        ready.then(() => send({ csrf: this.csrfToken() }));
      },
    });
    this.socket = socket;
    socket.on("connect", () => handlers.connect());
    socket.on("disconnect", (reason) => {
      handlers.disconnect(reason);
      if (reason === "io server disconnect" && !this.closed) socket.connect();
    });
    let lastRefresh = -Infinity;
    socket.on("connect_error", async (err) => {
      if (err && err.message === "unauthorized") {
        const code = err.data && err.data.code;
        if (code === "too_many_connections") {   // not signed out: too many tabs; try again later
          handlers.trouble();
          this.timers.setTimeout(() => { if (!this.closed) socket.connect(); }, CAPPED_RETRY_MS);
          return;
        }
        if (code === "token_expired" && this.now() - lastRefresh > TOKEN_RETRY_PAUSE_MS) {
          lastRefresh = this.now();
          if (await this.api.refreshAccess()) { socket.connect(); return; }
        }
        handlers.unauthorized(code);
        return;
      }
      handlers.trouble();
    });
    for (const [event, handler] of Object.entries(handlers.events || {})) socket.on(event, handler);
    return socket;
  }

  get connected() {
    return Boolean(this.socket && this.socket.connected);
  }

  /** Emit with an ack; `callback(err, ack)`, err set on timeout or disconnect. */
  request(event, payload, callback) {
    this.socket.timeout(this.ackTimeoutMs).emit(event, payload, callback);
  }

  /** The ack, or null when there was none (not connected, timed out, disconnected). */
  emitWithAck(event, payload) {
    return new Promise((resolve) => {
      if (!this.connected) { resolve(null); return; }
      this.request(event, payload, (err, ack) => resolve(err ? null : ack));
    });
  }

  /** Emit when connected, ignoring the ack (read markers, typing). */
  emit(event, payload) {
    if (this.connected) this.socket.emit(event, payload, () => {});
  }

  /** Signed out: close the socket for good. */
  close() {
    this.closed = true;
    if (this.socket) this.socket.disconnect();
  }
}
