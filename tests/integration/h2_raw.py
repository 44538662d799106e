"""An HTTP/2 server and client of a few lines, speaking frames built by hand, for the tests
of the kernel's frame walk (test_http2.py): unlike nghttp2's tools they cut their bytes
wherever a test says. Headers are HPACK literals without indexing and static-table indexes
(no dynamic table, no Huffman), bodies are DATA frames of at most 16384 bytes.

The client sends its preface, then batches of requests, each batch in one go, and waits for
every response of a batch before the next; the server answers a whole batch in one go. How
the bytes are cut: `writes` is a list of sizes, cycled: each sendmsg carries up to 60 iovec
entries of those sizes (None: one sendall of everything); `read` is the recv size."""

import socket
import threading

DATA, HEADERS, SETTINGS, PING = 0, 1, 4, 6
END_STREAM, END_HEADERS = 1, 4
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_FRAME = 16384
STATUS_INDEX = {200: 0x88, 404: 0x8d}  # RFC 7541 Appendix A
IOV_PER_CALL = 60


def frame(ftype, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + \
        stream.to_bytes(4, "big") + payload


def literal(name, value):
    """Literal header field without indexing, new name (RFC 7541 6.2.2), short strings."""
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def request(stream, path):
    block = (literal(b":method", b"GET") + literal(b":scheme", b"http") +
             literal(b":authority", b"raw") + literal(b":path", path.encode()))
    return frame(HEADERS, END_HEADERS | END_STREAM, stream, block)


def response(stream, status, body):
    block = bytes([STATUS_INDEX[status]])
    if not body:
        return frame(HEADERS, END_HEADERS | END_STREAM, stream, block)
    out = frame(HEADERS, END_HEADERS, stream, block)
    for at in range(0, len(body), MAX_FRAME):
        chunk = body[at:at + MAX_FRAME]
        out += frame(DATA, END_STREAM if at + len(chunk) == len(body) else 0, stream, chunk)
    return out


def send(sock, data, writes):
    if writes is None:
        sock.sendall(data)
        return
    at, k = 0, 0
    while at < len(data):
        iov = []
        while at < len(data) and len(iov) < IOV_PER_CALL:
            n = writes[k % len(writes)]
            k += 1
            iov.append(data[at:at + n])
            at += n
        sent = sock.sendmsg(iov)
        assert sent == sum(len(v) for v in iov), "a short sendmsg"


class Frames:
    """Frames out of a byte stream read in any pieces."""

    def __init__(self, sock, read):
        self.sock, self.read, self.buf = sock, read, b""

    def next(self):
        while True:
            if len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) >= 9 + n:
                    head, self.buf = self.buf[:9 + n], self.buf[9 + n:]
                    return head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7fffffff, \
                        head[9:]
            chunk = self.sock.recv(self.read)
            if not chunk:
                raise EOFError("peer closed")
            self.buf += chunk


def serve(listener, answer, writes, read):
    """Accept one connection and answer its requests: answer(path) -> (status, body)."""
    sock, _ = listener.accept()
    with sock:
        send(sock, frame(SETTINGS, 0, 0), None)  # before the client's preface: servers do
        preface = b""
        while len(preface) < len(PREFACE):
            preface += sock.recv(len(PREFACE) - len(preface))
        assert preface == PREFACE, preface
        frames = Frames(sock, read)
        batch = []
        while True:
            try:
                ftype, flags, stream, payload = frames.next()
            except EOFError:
                return
            if ftype == HEADERS:
                path = payload.split(b"\x05:path", 1)[1]
                batch.append((stream, path[1:1 + path[0]].decode()))
            if ftype == PING:  # the client's end of a batch (see fetch)
                out = b"".join(response(s, *answer(p)) for s, p in batch)
                send(sock, out, writes)
                batch = []


def fetch(port, batches, writes, read):
    """Send each batch of paths and wait for its responses: returns {(path, status): count}."""
    got = {}
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        frames = Frames(sock, read)
        stream = 1
        send(sock, PREFACE + frame(SETTINGS, 0, 0), None)
        for paths in batches:
            pending = {}
            out = b""
            for path in paths:
                out += request(stream, path)
                pending[stream] = path
                stream += 2
            # a PING ends the batch: the server answers all of it in one write, however its
            # reads cut the requests
            send(sock, out + frame(PING, 0, 0, bytes(8)), writes)
            status = {}
            while pending:
                ftype, flags, s, payload = frames.next()
                if ftype == HEADERS:
                    status[s] = next(k for k, v in STATUS_INDEX.items() if v == payload[0])
                if ftype in (HEADERS, DATA) and flags & END_STREAM:
                    key = (pending.pop(s), status[s])
                    got[key] = got.get(key, 0) + 1
    return got


def run(port, batches, answer, writes=None, read=65536):
    """One connection on 127.0.0.1:port: the server in a thread, the client here."""
    with socket.create_server(("127.0.0.1", port)) as listener:
        errors = []

        def server():
            try:
                serve(listener, answer, writes, read)
            except Exception as e:  # reported by the client's side
                errors.append(e)

        t = threading.Thread(target=server)
        t.start()
        try:
            got = fetch(port, batches, writes, read)
        finally:
            t.join(30)
        if errors:
            raise errors[0]
        return got
