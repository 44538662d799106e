#!/usr/bin/env node
// A tiny OTLP/HTTP receiver for sockeye's integration tests.
//
//   node receiver.js PORT OUTPUT_FILE [--tls KEY CERT [--client-ca CA]]
//
// Listens on 127.0.0.1:PORT (0: any free port) over HTTP/1.1, or with --tls over HTTPS with
// that private key and certificate (PEM files); --client-ca also requires every client to
// present a certificate that CA signed (mutual TLS: others are refused in the handshake).
// Accepts POST /v1/metrics and
// POST /v1/traces (protobuf, optionally Content-Encoding: gzip). Every request but /control is
// decoded with the OpenTelemetry JS project's generated protobufjs code
// (@opentelemetry/otlp-transformer, pinned in package.json), not with anything written in
// this repository, and appended to OUTPUT_FILE as ONE JSON line:
//
//   {"seq", "t" (unix seconds, float), "conn" (the connection's number, from 0), "client_cn"
//    (with --client-ca: the common name of the client's certificate), "method", "path",
//    "content_type", "content_encoding",
//    "headers": {lowercased name: value}, "bytes" (as received), "status" (what it answered,
//    or "hang"), "body": the decoded message (toObject: longs as strings, bytes as hex
//    strings, enums as names, no defaults)}
//   or, when the body does not decode, "decode_error": "..." instead of "body" (answered 400);
//   a string field that is not valid UTF-8 does not decode (strict, as Go's protobuf is).
//
// Answers 200 with an empty protobuf body (an empty Export*ServiceResponse) and
// Content-Type: application/x-protobuf, unless a fault mode says otherwise. Modes are set at
// run time by POST /control with a JSON body (answered 200 with the new state as JSON):
//   {"mode":"ok"}
//   {"mode":"status","status":503,"retry_after":"1","count":N}  the next N export requests are
//       answered that status (with Retry-After when given), then back to ok; without count,
//       until the mode changes
//   {"mode":"hang"}  export requests are read (and logged, "status":"hang") but never
//       answered until the mode changes; then their connections are closed unanswered
// Optional "path": "/v1/metrics" in a control body limits the fault to that path.
// On start it prints "listening PORT" on stdout once the socket listens.
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const path = require("path");
const zlib = require("zlib");

const root = require("@opentelemetry/otlp-transformer/build/src/generated/root.js");
const protobuf = require("protobufjs/minimal");

// Strict, like the Go and C++ protobuf runtimes: a `string` field that is not valid UTF-8
// fails the whole request (protobufjs alone would quietly replace the bad bytes).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function readStrictString() {
  const bytes = this.bytes();
  try {
    return strictUtf8.decode(bytes);
  } catch (e) {
    throw new Error(`invalid UTF-8 in a string field: ${Buffer.from(bytes).toString("hex")}`);
  }
}
protobuf.Reader.prototype.string = readStrictString;
protobuf.BufferReader.prototype.string = readStrictString;

const DECODERS = {
  "/v1/metrics": root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest,
  "/v1/traces": root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest,
  "/v1/logs": root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest,
};
const TO_OBJECT = { longs: String, enums: String, defaults: false };

function usage() {
  process.stderr.write("usage: receiver.js PORT OUTPUT_FILE [--tls KEY CERT [--client-ca CA]]\n");
  process.exit(2);
}
if (process.argv.length < 4) usage();
const port = Number(process.argv[2]);
const outPath = path.resolve(process.argv[3]);
let tls = null;
for (let i = 4; i < process.argv.length; i++) {
  if (process.argv[i] === "--tls" && i + 2 < process.argv.length) {
    tls = { key: fs.readFileSync(process.argv[++i]), cert: fs.readFileSync(process.argv[++i]) };
  } else if (process.argv[i] === "--client-ca" && tls && i + 1 < process.argv.length) {
    Object.assign(tls, { ca: fs.readFileSync(process.argv[++i]), requestCert: true,
                         rejectUnauthorized: true });
  } else {
    usage();
  }
}
fs.writeFileSync(outPath, "", { flag: "a" });

let state = { mode: "ok" };
let seq = 0;
let conns = 0;
const hung = new Set(); // responses held open by "hang"

// bytes fields come out of toObject as Uint8Array/Buffer when options.bytes is not set:
// turn them into hex strings (trace and span ids read as they are usually written).
function hexBytes(v) {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (Array.isArray(v)) return v.map(hexBytes);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) out[k] = hexBytes(x);
    return out;
  }
  return v;
}

function log(rec) {
  // one write per line: a reader never sees two records interleaved
  fs.appendFileSync(outPath, JSON.stringify(rec) + "\n");
}

function releaseHung() {
  for (const res of hung) res.socket && res.socket.destroy();
  hung.clear();
}

function setMode(body) {
  const c = JSON.parse(body);
  if (!["ok", "status", "hang"].includes(c.mode)) throw new Error(`unknown mode ${c.mode}`);
  if (c.mode === "status" && !Number.isInteger(c.status)) throw new Error("status mode needs an integer status");
  if (state.mode === "hang" && c.mode !== "hang") releaseHung();
  state = { mode: c.mode };
  if (c.path !== undefined) state.path = c.path;
  if (c.mode === "status") {
    state.status = c.status;
    if (c.retry_after !== undefined && c.retry_after !== null) state.retry_after = String(c.retry_after);
    if (c.count !== undefined && c.count !== null) state.count = Number(c.count);
  }
  return state;
}

function answer(res, status, extra) {
  const headers = Object.assign({ "Content-Type": "application/x-protobuf", "Content-Length": "0" }, extra || {});
  res.writeHead(status, headers);
  res.end();
}

function handler(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    const url = req.url.split("?")[0];

    if (url === "/control") {
      try {
        const s = setMode(raw.toString("utf8") || "{}");
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(s));
      } catch (e) {
        res.writeHead(400, { "Content-Type": "text/plain" });
        res.end(String(e.message) + "\n");
      }
      return;
    }
    if (url === "/state" && req.method === "GET") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(Object.assign({ seq }, state)));
      return;
    }

    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    const rec = {
      seq: seq++,
      t: Date.now() / 1000,
      conn: req.socket.connNumber,
      method: req.method,
      path: url,
      content_type: req.headers["content-type"] || null,
      content_encoding: req.headers["content-encoding"] || null,
      headers,
      bytes: raw.length,
    };
    if (tls && tls.requestCert) rec.client_cn = req.socket.getPeerCertificate().subject.CN;

    const decoder = DECODERS[url];
    if (req.method !== "POST" || !decoder) {
      rec.status = req.method !== "POST" && decoder ? 405 : 404;
      log(rec);
      answer(res, rec.status);
      return;
    }

    let ok = true;
    try {
      let buf = raw;
      const enc = (req.headers["content-encoding"] || "identity").toLowerCase();
      if (enc === "gzip") buf = zlib.gunzipSync(raw);
      else if (enc !== "identity") throw new Error(`unsupported Content-Encoding ${enc}`);
      rec.decoded_bytes = buf.length;
      const msg = decoder.decode(buf);
      rec.body = hexBytes(decoder.toObject(msg, TO_OBJECT));
    } catch (e) {
      ok = false;
      rec.decode_error = String((e && e.message) || e);
    }

    const faulted = ok && (state.path === undefined || state.path === url) ? state.mode : "ok";
    if (!ok) {
      rec.status = 400;
      log(rec);
      answer(res, 400);
    } else if (faulted === "hang") {
      rec.status = "hang";
      log(rec);
      hung.add(res);
      res.on("close", () => hung.delete(res));
    } else if (faulted === "status") {
      rec.status = state.status;
      log(rec);
      const extra = {};
      if (state.retry_after !== undefined) extra["Retry-After"] = state.retry_after;
      if (state.count !== undefined && --state.count <= 0) state = { mode: "ok" };
      answer(res, rec.status, extra);
    } else {
      rec.status = 200;
      log(rec);
      answer(res, 200);
    }
  });
  req.on("error", () => {});
}

const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
server.on(tls ? "secureConnection" : "connection", (socket) => {
  socket.connNumber = conns++;
});

// Keep-alive clients reuse the connection: never close it under them between 1 s windows,
// and never time a hanging request out from this side.
server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.requestTimeout = 0;
server.on("clientError", (err, socket) => socket.destroy());
server.on("tlsClientError", () => {}); // a refused handshake: the client sees it, nothing to log

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

function shutdown() {
  releaseHung();
  server.close(() => process.exit(0));
  server.closeAllConnections && server.closeAllConnections();
  setTimeout(() => process.exit(0), 500).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
