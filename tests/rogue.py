"""A rogue SPARQL endpoint on 127.0.0.1: raw sockets, so it can misbehave in ways an HTTP
server library will not (trickle bytes, never answer, lie about Content-Length, answer
garbage).  Each test gives it a function ``answer(request) -> bytes | callable``: the
bytes are written as they are; a callable gets the socket and does what it likes.

Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    form: dict = field(default_factory=dict)

    @property
    def query(self) -> str:
        return self.form.get("query", "")


def http(body: bytes | str, status: str = "200 OK", ctype: str = "application/sparql-results+json",
         headers: dict | None = None, length: int | None = None) -> bytes:
    """A whole HTTP/1.1 answer (``length`` overrides the Content-Length sent)."""
    if isinstance(body, str):
        body = body.encode()
    head = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}",
            f"Content-Length: {len(body) if length is None else length}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def rows(*bindings: dict, vars=None) -> bytes:
    """SPARQL JSON results of ``bindings`` (each ``{var: binding}``)."""
    names = vars or sorted({k for b in bindings for k in b})
    return http(json.dumps({"head": {"vars": names}, "results": {"bindings": list(bindings)}}))


def count(n: str) -> bytes:
    return rows({"n": {"type": "literal", "value": n}})


def trickle(data: bytes, every: float = 0.2):
    """An answer sent a byte at a time, ``every`` seconds apart (for ever if ``data`` is long)."""

    def send(conn: socket.socket):
        for i in range(len(data)):
            conn.sendall(data[i:i + 1])
            time.sleep(every)

    return send


def silence(conn: socket.socket):
    """Read the request, answer nothing, hold the connection until the client lets go."""
    conn.settimeout(60)
    with contextlib.suppress(OSError):
        while conn.recv(65536):
            pass


def _read_request(conn: socket.socket) -> Request | None:
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = (lines[0].split(" ", 2) + ["", ""])[:3]
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length") or 0)
    while len(body) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
    return Request(method, path, headers, form)


class Rogue:
    def __init__(self, answer):
        self.answer = answer
        self.requests: list[Request] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket):
        with conn:
            try:
                while True:
                    req = _read_request(conn)
                    if req is None:
                        return
                    self.requests.append(req)
                    out = self.answer(req)
                    if callable(out):
                        out(conn)
                        return
                    conn.sendall(out)
                    return  # one answer per connection
            except OSError:
                return


@contextlib.contextmanager
def rogue(answer):
    """A running :class:`Rogue` answering with ``answer(request)``; always stopped."""
    r = Rogue(answer)
    r._thread.start()
    try:
        yield r
    finally:
        r._stop.set()
        r._thread.join(2)
        r._sock.close()
