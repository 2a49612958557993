"""A loopback HTTP server that records every request: proof that ccare made none.

It answers like a friendly SPARQL endpoint and JSON-LD context host, so that a request,
had one been made, would have succeeded and changed the answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_BODY = json.dumps({
    "@context": {"name": "http://schema.org/name"},
    "head": {"vars": ["s"]},
    "results": {"bindings": [{"s": {"type": "uri", "value": "http://example.org/from-the-network"}}]},
}).encode()


class _Recorder(BaseHTTPRequestHandler):
    def _answer(self):
        self.server.requests.append((self.command, self.path))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(_BODY)))
        self.end_headers()
        self.wfile.write(_BODY)

    do_GET = do_POST = do_HEAD = _answer

    def log_message(self, *args):  # keep test output clean
        pass


@contextlib.contextmanager
def serving(handler, **attrs):
    """A ``ThreadingHTTPServer`` of ``handler`` on 127.0.0.1 and a free port, serving in a
    thread, with ``attrs`` set on it and ``url`` its base URL; always shut down."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for k, v in attrs.items():
        setattr(server, k, v)
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def loopback_server():
    """A running server on 127.0.0.1; ``server.url`` is its base URL, ``server.requests`` what it got."""
    return serving(_Recorder, requests=[])
