"""gRPC server and client for test_http2.py, with Debian's python3-grpcio and no generated
code: the methods of one service, demo.Echo, are registered with generic handlers and bytes
in, bytes out (no serializers). Run with /usr/bin/python3 (the interpreter grpcio is
installed for), never imported by the tests.

    grpc_peer.py serve PORT
        Serves demo.Echo on 127.0.0.1:PORT and prints "ready" once it listens. Ok answers
        (OK), Missing aborts with NOT_FOUND (grpc-status 5), Fail raises (UNKNOWN, 2), Stream
        answers with STREAM_MESSAGES messages (OK). Runs until its stdin is closed, then stops
        (in-flight calls finish) and prints {"Ok": n, ...}: the calls each method handled.

    grpc_peer.py client PORT
        Reads one JSON command a line from stdin and answers each with one JSON line:
          {"channel": C, "calls": {"Ok": n, ...}, "threads": T}
            makes n calls of each method on channel C (opened at its first use, one TCP
            connection per channel), spread over T threads that run at once (default 1: one
            after the other); answers {"Ok": {"OK": n}, "Missing": {"NOT_FOUND": n}, ...,
            "messages": streamed messages received, "errors": [unexpected outcomes]}
          {"close": true}  closes every channel (their connections) and answers {"closed": n}
        and exits at the end of its input.
"""

import collections
import concurrent.futures
import json
import sys
import threading

import grpc

SERVICE = "demo.Echo"
METHODS = ("Ok", "Missing", "Fail", "Stream")
STREAM_MESSAGES = 5
# the status each method ends with (its grpc-status on the wire: OK 0, NOT_FOUND 5, UNKNOWN 2)
EXPECTED = {"Ok": "OK", "Missing": "NOT_FOUND", "Fail": "UNKNOWN", "Stream": "OK"}
CALL_TIMEOUT_S = 20
# no proxy from the environment; separate channels never share a connection (grpc's global
# subchannel pool would give two channels with the same target and arguments one)
CHANNEL_OPTIONS = [("grpc.enable_http_proxy", 0), ("grpc.use_local_subchannel_pool", 1)]


def serve(port):
    handled = collections.Counter()
    lock = threading.Lock()

    def count(method):
        with lock:
            handled[method] += 1

    def ok(request, context):
        count("Ok")
        return b"ok:" + request

    def missing(request, context):
        count("Missing")
        context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")

    def fail(request, context):
        count("Fail")
        raise RuntimeError("deliberate failure (grpc_peer.py)")

    def stream(request, context):
        count("Stream")
        for i in range(STREAM_MESSAGES):
            yield b"message %d of %s" % (i, request)

    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Ok": grpc.unary_unary_rpc_method_handler(ok),
        "Missing": grpc.unary_unary_rpc_method_handler(missing),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
    })
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=32),
                         handlers=[handler], options=[("grpc.so_reuseport", 0)])
    if server.add_insecure_port(f"127.0.0.1:{port}") != port:
        raise SystemExit(f"grpc_peer: cannot listen on 127.0.0.1:{port}")
    server.start()
    print("ready", flush=True)
    sys.stdin.read()
    server.stop(grace=5).wait()
    print(json.dumps(dict(handled)), flush=True)


def one_call(channel, method):
    """One call; returns (status name, messages received)."""
    path = f"/{SERVICE}/{method}"
    try:
        if method == "Stream":
            got = list(channel.unary_stream(path)(b"s", timeout=CALL_TIMEOUT_S))
            return "OK", len(got)
        channel.unary_unary(path)(b"u", timeout=CALL_TIMEOUT_S)
        return "OK", 0
    except grpc.RpcError as e:
        return e.code().name, 0


def run_calls(channel, calls, threads):
    todo = [m for m, n in calls.items() for _ in range(n)]
    for m in calls:
        if m not in METHODS:
            raise SystemExit(f"grpc_peer: no method {m}")
    out = {m: collections.Counter() for m in calls}
    messages = 0
    errors = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        # threads == 1: one call after the other, in order; more: that many at once
        for method, (status, got) in zip(todo, pool.map(lambda m: one_call(channel, m), todo)):
            out[method][status] += 1
            messages += got
            if status != EXPECTED[method] or (method == "Stream" and got != STREAM_MESSAGES):
                errors.append(f"{method}: {status}, {got} messages")
    res = {m: dict(c) for m, c in out.items()}
    res["messages"] = messages
    res["errors"] = errors
    return res


def client(port):
    channels = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        if cmd.get("close"):
            for ch in channels.values():
                ch.close()
            print(json.dumps({"closed": len(channels)}), flush=True)
            channels = {}
            continue
        c = cmd.get("channel", 0)
        if c not in channels:
            channels[c] = grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS)
        print(json.dumps(run_calls(channels[c], cmd["calls"], cmd.get("threads", 1))),
              flush=True)
    for ch in channels.values():
        ch.close()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("serve", "client"):
        raise SystemExit(__doc__)
    (serve if sys.argv[1] == "serve" else client)(int(sys.argv[2]))
