// The Node peer of the bench suite (issue 14): a minimal socket.io server from npm, nothing else.
//
//     node bench/peers/node_server.mjs [--host 127.0.0.1] [--port 8002]
//
// No database, no authentication, no schema. A socket connects to the namespace `/chat` with
// `auth={"room": "<name>"}` and joins that room; its `send_message` event is broadcast as
// `message` to the whole room (the sender's own sockets too, as Campus does) and acknowledged with
// `{"ok": true, "message": …}` — the shape of bench/peers/bare_socketio.py. socket.io's defaults:
// no websocket compression (perMessageDeflate is off on the server since socket.io 4), Node's
// HTTP server sets TCP_NODELAY. `GET /healthz` answers 200 so tests/support/server.LiveServer
// can start it.
import http from "node:http";
import { parseArgs } from "node:util";

import { Server } from "socket.io";

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8002" },
  },
});

const httpServer = http.createServer({ noDelay: true }, (request, response) => {
  const found = request.url === "/healthz";
  response.writeHead(found ? 200 : 404, { "Content-Type": "text/plain" });
  response.end(found ? "ok" : "not found");
});

const io = new Server(httpServer, { serveClient: false });
const chat = io.of("/chat");

chat.use((socket, next) => {
  const room = socket.handshake.auth?.room;
  next(typeof room === "string" ? undefined : new Error("unauthorized"));
});

chat.on("connection", (socket) => {
  const room = socket.handshake.auth.room;
  socket.join(room);
  socket.on("send_message", (data, ack) => {
    const answer =
      data !== null && typeof data === "object"
        ? { ok: true, message: data }
        : { ok: false, error: { code: "validation_error", message: "Bad payload." } };
    if (answer.ok) chat.to(room).emit("message", data);
    if (typeof ack === "function") ack(answer);
  });
});

httpServer.listen(Number(args.port), args.host);
