"""A hand-written HTTP/1.x origin server on raw sockets, for the framing cases nginx does not
produce on demand: chunked bodies (several chunks, chunk extensions, trailers), a body
delimited by the connection's close, 100 Continue and 103 Early Hints before the final
response, 304 and 204 with no body, HEAD with a Content-Length it does not send, and a
request it never answers. One thread per connection; requests are read with their bodies
(Content-Length or chunked), so keep-alive and pipelining work.

The bytes of every response are fixed (RESPONSES), so a client can read exactly one
response without parsing it: see Client.exchange. Run as a script to serve by hand:
    python3 http_origin.py PORT
"""

import socket
import sys
import threading
import time

# Each response is a list of writes, sent one send() each: framing must not depend on
# how the bytes are cut. CLOSE after the writes: the server closes the connection; TUNNEL:
# the connection left HTTP (101), the server echoes raw bytes until the client closes; a
# float: the server sleeps that long before the next write.
CLOSE = object()
TUNNEL = object()
SLOW_S = 1.2

BODY_CLOSE = b"closed by the server\n" * 100  # 2100 bytes, no length given

RESPONSES = {
    "/plain": [b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nplain\n"],
    "/chunked": [
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"5\r\nhello\r\n",
        b"1A\r\n, this body comes in four\r\n",
        b"8\r\n chunks\n\r\n",
        b"0\r\n\r\n",
    ],
    # chunk extensions, a hex size in upper case, a chunk cut in the middle of its size line,
    # and trailer fields after the last chunk
    "/chunked-ext": [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n",
        b"4;name=value\r\nabcd\r\n",
        b"1",
        b"0;quoted=\"a;b\"\r\n0123456789ABCDEF\r\n",
        b"0\r\nX-Checksum: 42\r\nX-Other: yes\r\n\r\n",
    ],
    "/close": [b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n", BODY_CLOSE[:1000],
               BODY_CLOSE[1000:], CLOSE],
    # 304 and 204 never have a body, whatever Content-Length says (RFC 9110 8.6)
    "/notmod": [b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 1234\r\n\r\n"],
    "/nocontent": [b"HTTP/1.1 204 No Content\r\nX-Nothing: here\r\n\r\n"],
    # asked for with HEAD: the length of the body a GET would get, and no body
    "/head": [b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n"],
    "/early": [b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nearly\n"],
    # with Expect: 100-continue the server sends CONTINUE first and reads the body after
    "/continue": [b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\ncontinue\n"],
    "/created": [b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"],
    # read the request, then close without a byte of response
    "/noanswer": [CLOSE],
    "/slow": [SLOW_S, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nslow\n"],
    "/upgrade": [b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\n\r\n", TUNNEL],
    # heads longer than the 4096 bytes sockeye keeps of them
    "/bigreq": [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbig\n"],
    "/bigresp": [b"HTTP/1.1 200 OK\r\nSet-Cookie: id=" + b"c" * 6000 +
                 b"\r\nContent-Length: 4\r\n\r\nbig\n"],
    # a body that looks like a response: framing by Content-Length, not by content
    "/tricky": [b"HTTP/1.1 200 OK\r\nContent-Length: 45\r\n\r\n",
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"],
}
# a chunked response written one byte per send()
RESPONSES["/bytewise"] = [bytes([b]) for b in (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n")]
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
NOT_FOUND = [b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"]

STATUS = {"/plain": 200, "/chunked": 200, "/chunked-ext": 200, "/close": 200, "/notmod": 304,
          "/nocontent": 204, "/head": 200, "/early": 200, "/continue": 200, "/created": 201,
          "/tricky": 200, "/bytewise": 200, "/slow": 200, "/upgrade": 101, "/bigreq": 200,
          "/bigresp": 200}


def response_bytes(path):
    path = path.split("?", 1)[0]
    return b"".join(w for w in RESPONSES.get(path, NOT_FOUND) if isinstance(w, bytes))


def closes(path):
    return CLOSE in RESPONSES.get(path.split("?", 1)[0], NOT_FOUND)


class _Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def read_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self):
        """(method, path, {lower-case name: value}) of the next request head."""
        head = self.read_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return method, target.split("?", 1)[0], headers

    def read_response(self, head_request=False):
        """(status, head bytes) of the next response, its body read and dropped; interim
        (1xx) responses are returned like the others: call again for the final one."""
        head = self.read_until(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if head_request or status < 200 or status in (204, 304):
            return status, head
        if "transfer-encoding" in headers or "content-length" in headers:
            self.read_body(headers)
        else:
            try:
                while True:
                    self._fill()
            except EOFError:
                self.buf = b""
        return status, head

    def read_body(self, headers):
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self.read_until(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":
                        pass
                    return
                self.read_exact(size + 2)
        self.read_exact(int(headers.get("content-length", "0")))


class OriginServer:
    """Serves RESPONSES on 127.0.0.1:port until stopped; a context manager."""

    def __init__(self, port, write_pause_s=0.002):
        self.port = port
        self.write_pause_s = write_pause_s  # between the writes of one response
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.threads = []
        self.errors = []
        self.served = {}  # (method, path, status) -> count, status 0 for no answer
        self.lock = threading.Lock()
        self.stopping = False
        self.acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self):
        self.acceptor.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping = True
        try:
            # wake accept(): shutdown of a listener makes a blocked accept return EINVAL
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        self.acceptor.join(10)
        for t in list(self.threads):
            t.join(10)

    def _accept(self):
        while not self.stopping:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            self.threads.append(t)
            t.start()

    def _count(self, method, path, status):
        with self.lock:
            k = (method, path, status)
            self.served[k] = self.served.get(k, 0) + 1

    def _serve(self, sock):
        conn = _Conn(sock)
        try:
            while True:
                try:
                    method, path, headers = conn.read_head()
                except EOFError:
                    return
                writes = RESPONSES.get(path, NOT_FOUND)
                if headers.get("expect", "").lower() == "100-continue":
                    sock.sendall(CONTINUE)
                if path != "/noanswer":
                    conn.read_body(headers)
                self._count(method, path, STATUS.get(path, 0 if path in RESPONSES else 404))
                for i, w in enumerate(writes):
                    if w is CLOSE:
                        return
                    if w is TUNNEL:
                        while True:
                            data = conn.buf or sock.recv(65536)
                            conn.buf = b""
                            if not data:
                                return
                            sock.sendall(data)
                    if isinstance(w, float):
                        time.sleep(w)
                        continue
                    if i and self.write_pause_s:
                        time.sleep(self.write_pause_s)
                    sock.sendall(w)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))
        finally:
            sock.close()


class Client:
    """One keep-alive connection that sends requests and reads exactly the known response."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = _Conn(self.sock)

    def exchange(self, method, path, body=b"", headers=(), expect_continue=False):
        head = f"{method} {path} HTTP/1.1\r\nHost: origin\r\nUser-Agent: sockeye-test\r\n"
        for h in headers:
            head += h + "\r\n"
        if body or method in ("POST", "PUT"):
            head += f"Content-Length: {len(body)}\r\n"
        if expect_continue:
            head += "Expect: 100-continue\r\n"
        head += "\r\n"
        self.sock.sendall(head.encode())
        if expect_continue:
            got = self.conn.read_exact(len(CONTINUE))
            if got != CONTINUE:
                raise AssertionError(f"expected 100 Continue, got {got!r}")
        if body:
            self.sock.sendall(body)
        want = response_bytes(path)
        if closes(path):
            got = self.read_to_eof()
        else:
            got = self.conn.read_exact(len(want))
        if got != want:
            raise AssertionError(f"{method} {path}: got {got!r}, expected {want!r}")
        return got

    def read_to_eof(self):
        out = self.conn.buf
        self.conn.buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return out
            out += data

    def close(self):
        self.sock.close()


if __name__ == "__main__":
    with OriginServer(int(sys.argv[1])) as srv:
        print(f"serving {sorted(RESPONSES)} on 127.0.0.1:{srv.port}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
