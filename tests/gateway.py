"""A gateway in front of a real SPARQL server, as deployments put one: it asks for
credentials (HTTP Basic, Digest or a bearer token) and can cap the size of answers, as
Virtuoso does with ``ResultSetMaxRows``.  Every request it lets through goes, unchanged,
to the real server behind it (``oxigraph serve`` in the tests), and the real answer
comes back, cut to the cap if one is set.

Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

from loopback import serving

REALM = "ccare-test"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _digest_params(header: str) -> dict:
    """The ``key=value`` pairs of a Digest ``Authorization`` header."""
    out = {}
    for part in urllib.request.parse_http_list(header[len("Digest "):]):
        k, _, v = part.strip().partition("=")
        out[k.strip()] = v.strip().strip('"')
    return out


class _Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict | None = None, ctype: str = "text/plain"):
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        gw = self.server
        got = self.headers.get("Authorization", "")
        gw.seen.append((self.path, got.split(" ", 1)[0] if got else None))
        if gw.scheme is None:
            return True
        if gw.scheme == "bearer":
            if got == f"Bearer {gw.secret}":
                return True
            self._send(401, b"token required", {"WWW-Authenticate": f'Bearer realm="{REALM}"'})
            return False
        user, password = gw.secret
        if gw.scheme == "basic":
            want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
            if got == want:
                return True
            self._send(401, b"credentials required", {"WWW-Authenticate": f'Basic realm="{REALM}"'})
            return False
        # Digest (RFC 7616, qop=auth, MD5 or SHA-256)
        h = _sha256 if gw.algorithm == "SHA-256" else _md5
        if got.startswith("Digest "):
            p = _digest_params(got)
            ha1 = h(f"{user}:{REALM}:{password}")
            ha2 = h(f"{self.command}:{p.get('uri', '')}")
            want = h(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
            if (p.get("username") == user and p.get("nonce") in gw.nonces and p.get("response") == want
                    and p.get("algorithm", "MD5").upper() == gw.algorithm):
                return True
        nonce = secrets.token_hex(16)
        gw.nonces.add(nonce)
        self._send(401, b"credentials required",
                   {"WWW-Authenticate": f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", '
                                        f'algorithm={gw.algorithm}'})
        return False

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._authorised():
            return
        gw = self.server
        if body.startswith(b"update="):
            gw.updates += 1
            if gw.fail_update is not None and gw.updates == gw.fail_update:
                self._send(500, b"the disk is full\nmore detail")
                return
        headers = {k: self.headers[k] for k in ("Content-Type", "Accept") if self.headers.get(k)}
        req = urllib.request.Request(gw.upstream + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                code, ctype, data = resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as e:
            code, ctype, data = e.code, e.headers.get("Content-Type", "text/plain"), e.read()
        if code == 200:
            data = self._capped(ctype, data)
        self._send(code, data, ctype=ctype)

    def _capped(self, ctype: str, data: bytes) -> bytes:
        """The answer cut to the first rows or triples, as a capping server sends it."""
        gw = self.server
        if ctype.startswith("application/sparql-results+json") and gw.cap_rows is not None:
            res = json.loads(data)
            if "results" in res:
                res["results"]["bindings"] = res["results"]["bindings"][:gw.cap_rows]
            return json.dumps(res).encode()
        if ctype.startswith("application/n-triples") and gw.cap_triples is not None:
            lines = [ln for ln in data.split(b"\n") if ln.strip()]
            return b"".join(ln + b"\n" for ln in lines[:gw.cap_triples])
        return data


@contextlib.contextmanager
def gateway(upstream: str, *, basic=None, digest=None, token=None, cap_rows=None, cap_triples=None,
            algorithm="MD5", fail_update=None):
    """A running gateway to the server at ``upstream`` (its base URL); yields the
    gateway's server object: ``.url`` its base URL, ``.seen`` ``(path, auth scheme)`` of
    every request.  ``basic``/``digest``: the ``(user, password)`` it asks for;
    ``token``: the bearer token; ``cap_rows``, ``cap_triples``: at most so many rows of
    a SELECT, triples of a CONSTRUCT, per answer; ``algorithm``: Digest's (``MD5`` or
    ``SHA-256``); ``fail_update``: the update request (1, 2, ...) answered with HTTP 500,
    as a server whose disk fills up half-way through a load."""
    scheme = "basic" if basic else "digest" if digest else "bearer" if token else None
    with serving(_Gateway, upstream=upstream.rstrip("/"), scheme=scheme, secret=basic or digest or token,
                 nonces=set(), cap_rows=cap_rows, cap_triples=cap_triples, seen=[], algorithm=algorithm,
                 fail_update=fail_update, updates=0) as server:
        yield server
