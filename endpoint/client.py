"""A small client of the SPARQL 1.1 Protocol: queries and updates over HTTP, nothing more.

Requests are ``POST`` with URL-encoded ``query=`` or ``update=`` parameters, the form
every SPARQL 1.1 server accepts (Oxigraph, Fuseki, GraphDB, Virtuoso, Neptune), sent with
httpx, configured to talk to the URL given and to nothing else: no proxy, ``.netrc`` or
certificate setting taken from the environment (``trust_env=False``), no redirect
followed (a redirect is an error naming where it pointed).

Time: httpx, like every HTTP library, bounds each phase (connect, each read) of a
request, so a server that trickles a byte a second would hold ccare for ever.  ccare
keeps its own clock: every socket operation of a request is given what is left of the
request's deadline (:class:`Deadline`), so a request ends, whatever the server does, at
``timeout`` seconds, or at the deadline of the whole command (``--timeout`` covers the
map fetch and every page); then :class:`EndpointTimeout` (exit code 3).

A graph: with ``graph`` set, queries name it as their default graph (the Protocol's
``default-graph-uri`` parameter; the query text is not touched), and updates write
``GRAPH <iri>`` through :mod:`ccare.rdfio.terms` (:func:`ccare.endpoint.upload.insert_data`,
:meth:`Endpoint.clear`).

Credentials (:class:`Credentials`) come from the environment, ``CCARE_ENDPOINT_TOKEN``
(sent as ``Authorization: Bearer``) or ``CCARE_ENDPOINT_USER`` and
``CCARE_ENDPOINT_PASSWORD``, or from the URL's ``user:password@`` (a user in the URL and
the password in the environment is the way to keep it out of shell history).  A user
name and password are sent only once the server has asked, in the scheme its challenge
names: HTTP Basic (Fuseki, GraphDB) or Digest, MD5 or SHA-256 (Virtuoso's
``/sparql-auth``); the scheme is remembered for each URL, so a Digest server is never
sent Basic (the password in the clear).  They go to the endpoint's own URLs only and
appear in no message.

``SELECT`` and ``ASK`` ask for ``application/sparql-results+json``; ``CONSTRUCT`` for
N-Triples (Turtle or RDF/XML are read too, by the response's content type), parsed with
ccare's own bounded parsers (:mod:`ccare.rdfio.read`): an endpoint's answer is input like any
file, checked whole (an answer cut short of its ``Content-Length`` is an error) and
capped (``CCARE_MAX_FILE_SIZE``).  Every failure is an :class:`EndpointError` naming the
endpoint (without any password in its URL) and what went wrong.

Skolem IRIs (``…/.well-known/genid/…``, RDF 1.1 §3.5) in answers are read back as blank
nodes: ``ccare load`` writes blank nodes so (:mod:`ccare.endpoint.upload`).

Examples
--------
>>> Endpoint("ftp://example.org/sparql")
Traceback (most recent call last):
...
ccare.errors.UsageError: endpoint 'ftp://example.org/sparql' is not an http:// or https:// URL
>>> term({"type": "literal", "value": "支付", "xml:lang": "zh"})
rdflib.term.Literal('支付', lang='zh')
>>> term({"type": "uri", "value": "https://w3id.org/ccare/.well-known/genid/9f2c"})
rdflib.term.BNode('9f2c')
>>> redact("https://user:secret@db.example.org/sparql")
'https://db.example.org/sparql'
>>> redact("http://user:secret@[::1]:7878/query")
'http://[::1]:7878/query'
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Mapping

import httpcore
import httpx
from rdflib import BNode, Graph, Literal, URIRef

from ccare import settings
from ccare.errors import DataError, EndpointError, EndpointTimeout, UsageError
from ccare.limits import REQUEST_TIMEOUT
from ccare.rdfio import terms
from ccare.rdfio.read import Limits, parse_bytes
from ccare.text.render import printable as _printable

__all__ = ["DEFAULT_TIMEOUT", "EndpointError", "EndpointTimeout", "Credentials", "Endpoint", "Deadline",
           "term", "redact", "GENID", "is_skolem"]

#: Environment variables holding an endpoint's credentials.
TOKEN_ENV, USER_ENV, PASSWORD_ENV = "CCARE_ENDPOINT_TOKEN", "CCARE_ENDPOINT_USER", "CCARE_ENDPOINT_PASSWORD"

#: Seconds one request may take, from its first byte sent to its last byte read.
DEFAULT_TIMEOUT = REQUEST_TIMEOUT

#: Where ``ccare load`` mints the skolem IRIs of blank nodes (RDF 1.1 §3.5).
GENID = "https://w3id.org/ccare/.well-known/genid/"
_GENID_PATH = "/.well-known/genid/"

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Response media types of CONSTRUCT, and the rdflib format ccare parses each as.
_RDF_TYPES = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
}

#: Bytes of an error answer shown (its first line).
_ERROR_BODY = 2000


def redact(url: str) -> str:
    """``url`` without user name and password, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.username is None and parts.password is None:
            return url
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # not a URL: show none of what may be a user:password@
        return url.split("@", 1)[-1] if "@" in url else url
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if port:
        host += f":{port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def is_skolem(value: str) -> bool:
    """Is ``value`` a skolem IRI (``http(s)://…/.well-known/genid/…``)?"""
    return _GENID_PATH in value and value.startswith(("http://", "https://"))


def _unskolem(value: str):
    """The blank node a skolem IRI stands for, else the IRI."""
    if is_skolem(value):
        if value.startswith(GENID) and value[len(GENID):].isalnum():
            return BNode(value[len(GENID):])
        # another minter's: one blank node per IRI, whatever its authority or path holds
        return BNode("g" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32])
    return URIRef(value)


_LANG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


def term(binding: dict):
    """The rdflib term of one SPARQL JSON results binding; :class:`ValueError` for a
    binding that is not one (an unknown type, a value that is not a string, a bad
    language tag or datatype IRI)."""
    if not isinstance(binding, dict):
        raise ValueError(f"a binding is {type(binding).__name__}, not an object")
    kind, value = binding.get("type"), binding.get("value")
    if not isinstance(value, str):
        raise ValueError(f"a binding's value is {type(value).__name__}, not a string")
    if kind == "uri":
        return _unskolem(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        lang, dt = binding.get("xml:lang"), binding.get("datatype")
        if lang is not None:
            if not isinstance(lang, str) or not _LANG.fullmatch(lang):
                raise ValueError(f"not a language tag: {str(lang)[:80]!r}")
            return Literal(value, lang=lang)
        if dt is None or dt == _XSD_STRING:
            return Literal(value)
        if not isinstance(dt, str):
            raise ValueError("a datatype that is not a string")
        try:
            terms.iri(dt)
        except terms.TermError as e:
            raise ValueError(f"datatype {e}") from None
        return Literal(value, datatype=URIRef(dt))
    raise ValueError(f"unknown binding type {str(kind)[:40]!r}")


def _check_url(url: str, what: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as e:
        raise UsageError(f"{what} {redact(url)!r} is not a URL ({e})") from None
    try:
        parts.port  # noqa: B018 - urllib checks the port when asked for it
    except ValueError:
        raise UsageError(f"{what} {parts.scheme}://{parts.hostname or ''}...: the port is not a number "
                         "from 0 to 65535") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} {redact(url)!r} is not an http:// or https:// URL")
    try:
        httpx.URL(redact(url))
    except (httpx.InvalidURL, ValueError, TypeError) as e:
        raise UsageError(f"{what} {redact(url)!r} is not a URL ({e})") from None
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise UsageError(f"{what} {redact(url)!r} holds a space or control character")
    return url


class Deadline:
    """ccare's own clock for requests: :meth:`left` is what remains of the current
    request's deadline, given to every connect, read and write of its sockets.

    >>> d = Deadline()
    >>> d.start(5.0); 4.0 < d.left(None) <= 5.0 and d.left(1.0) == 1.0
    True
    >>> d.start(5.0, until=time.monotonic() - 1)
    >>> d.left(None)
    Traceback (most recent call last):
    ...
    httpcore.ReadTimeout: the request's deadline has passed
    """

    def __init__(self):
        self.at = math.inf

    def start(self, timeout: float, until: float | None = None) -> None:
        """A request starts: it must end within ``timeout`` s, and by ``until`` (monotonic)."""
        self.at = min(time.monotonic() + timeout, until if until is not None else math.inf)

    def left(self, timeout: float | None) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the request's deadline has passed")
        return remaining if timeout is None else min(timeout, remaining)


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the :class:`Deadline`."""

    def __init__(self, stream, clock: Deadline):
        self._s, self._clock = stream, clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._s.read(max_bytes, self._clock.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._s.write(buffer, self._clock.left(timeout))

    def close(self) -> None:
        self._s.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _Stream(self._s.start_tls(ssl_context, server_hostname, self._clock.left(timeout)), self._clock)

    def get_extra_info(self, info: str):
        return self._s.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own sockets, each operation bounded by the :class:`Deadline`."""

    def __init__(self, clock: Deadline):
        self._b, self._clock = httpcore.SyncBackend(), clock

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error: Exception | None = None
        for address in _resolve(host, port, self._clock.left(timeout)):
            try:
                stream = self._b.connect_tcp(address, port, self._clock.left(timeout), local_address, socket_options)
            except httpcore.ConnectError as e:  # the next address, as socket.create_connection does
                error = e
                continue
            return _Stream(stream, self._clock)
        raise error or httpcore.ConnectError(f"{host}: no address")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.ConnectError("ccare does not use Unix sockets")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - httpcore's retries (none here)
        time.sleep(seconds)


def _resolve(host: str, port: int, within: float) -> list[str]:
    """The addresses of ``host``, looked up within ``within`` seconds: the system's
    resolver takes no timeout, so it runs in a thread that ccare stops waiting for."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    found: list = []

    def look_up():
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as e:
            found.append(e)

    t = threading.Thread(target=look_up, daemon=True, name="ccare-resolve")
    t.start()
    t.join(within)
    if t.is_alive():
        raise httpcore.ConnectTimeout(f"{host}: no address within the deadline")
    if found and isinstance(found[0], OSError):
        raise httpcore.ConnectError(f"{host}: {found[0]}")
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise httpcore.ConnectError(f"{host}: no address")
    return addresses


class _Transport(httpx.HTTPTransport):
    """httpx's transport, its connection pool on the :class:`_Backend` (httpx takes no
    network backend of its own; tests/test_endpoint.py proves the deadline holds)."""

    def __init__(self, clock: Deadline):
        ctx = ssl.create_default_context()  # the system's CAs, as before; no SSL_CERT_* from httpx
        super().__init__(verify=ctx, trust_env=False)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):  # pragma: no cover
            raise RuntimeError("httpx's transport changed: ccare cannot bound its requests in time")
        self._pool = httpcore.ConnectionPool(ssl_context=ctx, max_connections=4, max_keepalive_connections=2,
                                             network_backend=_Backend(clock))


class _AuthFailure(Exception):
    """A challenge ccare cannot answer (a malformed Digest challenge, an unknown algorithm)."""


def _schemes(response: httpx.Response) -> set[str]:
    return {h.strip().split(" ", 1)[0].lower() for h in response.headers.get_list("www-authenticate") if h.strip()}


class _Login(httpx.Auth):
    """A user and password, sent only in the scheme the server's challenge asks for
    (Basic or Digest), remembered for each URL: once a URL has asked for Digest, its
    requests carry Digest from the start, and never Basic."""

    def __init__(self, user: str, password: str):
        self._user, self._password = user, password
        self._scheme: dict[str, str] = {}
        self._digest: dict[str, httpx.DigestAuth] = {}

    def auth_flow(self, request: httpx.Request):
        key = str(request.url)
        scheme = self._scheme.get(key)
        if scheme == "basic":
            yield from httpx.BasicAuth(self._user, self._password).auth_flow(request)
            return
        if scheme == "digest":
            yield from self._digested(self._digest[key].auth_flow(request))
            return
        response = yield request  # no credentials until the server says which scheme it takes
        if response.status_code != 401:
            return
        offered = _schemes(response)
        if "digest" in offered:
            self._scheme[key], digest = "digest", httpx.DigestAuth(self._user, self._password)
            self._digest[key] = digest
            flow = digest.auth_flow(request)
            next(flow)
            try:
                answered = self._step(flow, response)
            except StopIteration:
                return
            response = yield answered
            try:
                flow.send(response)
            except StopIteration:
                pass
        elif "basic" in offered:
            self._scheme[key] = "basic"
            yield from httpx.BasicAuth(self._user, self._password).auth_flow(request)

    @staticmethod
    def _step(flow, response):
        try:
            return flow.send(response)
        except (KeyError, ValueError, IndexError, TypeError, NotImplementedError, httpx.ProtocolError) as e:
            # a malformed challenge, an algorithm or qop httpx does not speak (auth-int)
            raise _AuthFailure(f"cannot answer the endpoint's Digest challenge ({_reason(e)})") from None

    def _digested(self, flow):
        request = next(flow)
        while True:
            response = yield request
            try:
                request = self._step(flow, response)
            except StopIteration:
                return


@dataclass(frozen=True)
class Credentials:
    """How ccare proves who it is to an endpoint: a bearer ``token``, or a ``user`` and
    ``password``; all ``None`` for an open endpoint.  Never shown (``repr`` hides them)."""

    user: str | None = None
    password: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        kind = "token" if self.token else f"user {self.user!r}" if self.user else "none"
        return f"Credentials({kind})"

    def __bool__(self) -> bool:
        return bool(self.token or self.user)

    @classmethod
    def for_url(cls, url: str, environ: Mapping[str, str] | None = None) -> "Credentials":
        """The credentials for ``url``: a token from :data:`TOKEN_ENV`; else a user from
        :data:`USER_ENV` or the URL's ``user@``, with the password from
        :data:`PASSWORD_ENV` or the URL's ``user:password@`` (the variables of ``environ``,
        else of :func:`ccare.settings.current`).

        Raises :class:`~ccare.errors.UsageError` for a password with no user.
        """
        s = settings.current() if environ is None else settings.Settings.from_env(environ)
        if s.endpoint_token:
            return cls(token=s.endpoint_token)
        parts = urllib.parse.urlsplit(url)
        in_url = urllib.parse.unquote(parts.username) if parts.username is not None else None
        user = s.endpoint_user or in_url
        if user is None:
            if s.endpoint_password:
                raise UsageError(f"{PASSWORD_ENV} is set but names no user: set {USER_ENV}, "
                                 "or put user@ in the endpoint's URL")
            return cls()
        if s.endpoint_password is not None:
            password = s.endpoint_password
        else:  # the URL's password goes with the URL's user only
            password = urllib.parse.unquote(parts.password or "") if user == in_url else ""
        return cls(user=user, password=password)

    def auth(self) -> httpx.Auth | None:
        """The httpx authentication of a user and password (the token goes in :meth:`headers`)."""
        return _Login(self.user, self.password or "") if self.user and not self.token else None

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class Endpoint:
    """A SPARQL 1.1 service: ``query_url`` answers queries, ``update_url`` (default the
    same) takes updates.

    ``timeout`` bounds each request, from first byte sent to last byte read, in seconds;
    ``deadline`` (a :func:`time.monotonic` time), if given, bounds every request made
    through this object (a command's ``--timeout``).  ``graph``: the named graph read
    and written (None: the endpoint's default graph).
    """

    def __init__(self, query_url: str, update_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 limits: Limits | None = None, credentials: Credentials | None = None,
                 graph: str | None = None, deadline: float | None = None):
        _check_url(query_url, "endpoint")
        if update_url:
            _check_url(update_url, "update endpoint")
        if not (isinstance(timeout, (int, float)) and timeout > 0 and math.isfinite(timeout)):
            raise UsageError(f"an endpoint's timeout is a number of seconds above 0, not {timeout!r}")
        if graph is not None:
            try:
                terms.iri(graph)
            except terms.TermError as e:
                raise UsageError(f"--graph: {e}") from None
        self.credentials = credentials if credentials is not None else Credentials.for_url(query_url)
        # what is requested: the URLs without user:password@ (credentials go in headers)
        self.query_url = redact(query_url)
        self.update_url = redact(update_url) if update_url else self.query_url
        self.timeout = timeout
        self.deadline = deadline
        self.graph = graph
        self.limits = limits or Limits.from_env()
        self.requests = 0
        self._clock = Deadline()
        self._auth = self.credentials.auth()
        self._client = httpx.Client(transport=_Transport(self._clock), trust_env=False, follow_redirects=False,
                                    timeout=httpx.Timeout(timeout))

    def _with(self, **changes) -> "Endpoint":
        kw: dict[str, Any] = dict(update_url=self.update_url, timeout=self.timeout, limits=self.limits,
                  credentials=self.credentials, graph=self.graph, deadline=self.deadline)
        kw.update(changes)
        return Endpoint(self.query_url, **kw)

    def with_timeout(self, timeout: float) -> "Endpoint":
        """The same endpoint (URLs, credentials, limits, graph), every request made
        through it ending within ``timeout`` s from now, all together."""
        return self._with(timeout=timeout, deadline=time.monotonic() + timeout)

    def with_graph(self, graph: str | None) -> "Endpoint":
        """The same endpoint, reading and writing the named ``graph``."""
        return self._with(graph=graph)

    def __repr__(self) -> str:
        return f"Endpoint({redact(self.query_url)!r})"

    @property
    def where(self) -> str:
        """The endpoint (and graph) for messages."""
        return redact(self.query_url) + (f" (graph <{self.graph}>)" if self.graph else "")

    # ------------------------------------------------------------------ transport

    def _post(self, url: str, field: str, text: str, accept: str | None) -> tuple[bytes, str]:
        form = {field: text}
        if self.graph and field == "query":
            form["default-graph-uri"] = self.graph  # SPARQL 1.1 Protocol §2.1.4: the query text is untouched
        headers = {"User-Agent": "ccare", "Accept-Encoding": "identity", **self.credentials.headers()}
        if accept:
            headers["Accept"] = accept
        where = redact(url)
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise EndpointTimeout(f"{where}: no answer within the time limit (--timeout)")
        self._clock.start(self.timeout, self.deadline)
        limit = self.limits.max_file_size
        self.requests += 1
        try:
            with self._client.stream("POST", url, data=form, headers=headers, auth=self._auth) as resp:
                if 300 <= resp.status_code < 400:
                    to = resp.headers.get("location", "elsewhere")
                    raise EndpointError(
                        f"{where}: HTTP {resp.status_code}: redirected to {_printable(redact(to)[:300])!r}; "
                        "give that URL as the endpoint (ccare follows no redirect)"
                    )
                if resp.status_code >= 400:
                    raise EndpointError(f"{where}: HTTP {resp.status_code}: {self._failure(resp)}")
                if not 200 <= resp.status_code < 300:  # 2xx: an answer (204 and others to updates)
                    raise EndpointError(f"{where}: HTTP {resp.status_code}, not an answer of SPARQL")
                declared = resp.headers.get("content-length")
                if declared and declared.strip().isdigit() and int(declared) > limit:
                    raise EndpointError(f"{where}: answer of {int(declared):,} bytes, over {limit:,} "
                                        "(set CCARE_MAX_FILE_SIZE to raise the limit)")
                data = bytearray()
                for chunk in resp.iter_bytes():
                    data += chunk
                    if len(data) > limit:
                        raise EndpointError(f"{where}: answer over {limit:,} bytes "
                                            "(set CCARE_MAX_FILE_SIZE to raise the limit)")
                ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        except httpx.TimeoutException:
            raise EndpointTimeout(self._late(where)) from None
        except httpx.ConnectError as e:
            raise EndpointError(f"{where}: cannot reach the endpoint ({_reason(e)})") from None
        except (httpx.RemoteProtocolError, httpx.DecodingError) as e:
            # an answer cut short of its Content-Length, a status line that is not HTTP, ...
            raise EndpointError(f"{where}: a broken answer ({_reason(e)})") from None
        except httpx.HTTPError as e:
            raise EndpointError(f"{where}: {type(e).__name__}: {_reason(e)}") from None
        except _AuthFailure as e:
            raise EndpointError(f"{where}: {e}") from None
        except (OSError, ssl.SSLError) as e:
            raise EndpointError(f"{where}: {e}") from None
        return bytes(data), ctype

    def _late(self, where: str) -> str:
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.01:
            return f"{where}: no whole answer within the time limit (--timeout)"
        return f"{where}: no whole answer within {self.timeout:g}s"

    def _failure(self, resp: httpx.Response) -> str:
        """What to say of an HTTP error answer (its body read no further than 2,000 bytes)."""
        if resp.status_code in (401, 403):
            return self._refusal(resp)
        body = bytearray()
        for chunk in resp.iter_bytes():
            body += chunk
            if len(body) >= _ERROR_BODY:
                break
        lines = bytes(body[:_ERROR_BODY]).decode("utf-8", "replace").strip().splitlines()
        return _printable(lines[0] if lines else resp.reason_phrase or "error")

    def _refusal(self, resp: httpx.Response) -> str:
        """What to tell the user when the endpoint refuses the request (401 or 403)."""
        c = self.credentials
        if resp.status_code == 403:
            who = "the token" if c.token else f"user {c.user!r}" if c.user else "anonymous requests"
            return f"the endpoint does not allow this to {who}"
        if not c:
            return (f"the endpoint wants credentials: set {TOKEN_ENV}, or {USER_ENV} and {PASSWORD_ENV}")
        if c.token:
            return f"the endpoint refused the token in {TOKEN_ENV}"
        offered = _schemes(resp)
        if offered and not offered & {"basic", "digest"}:
            return (f"cannot answer the endpoint's authentication challenge ({', '.join(sorted(offered))}) "
                    f"with a user and password; for a bearer token set {TOKEN_ENV}")
        return f"the endpoint refused user {c.user!r} and the password given"

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ operations

    def select(self, query: str) -> list[dict]:
        """Rows of a ``SELECT``: ``{variable: rdflib term}``, unbound variables left out."""
        return [{k: term(v) for k, v in b.items()} for b in self._bindings(query)]

    def select_values(self, query: str) -> list[dict]:
        """Rows of a ``SELECT`` as ``{variable: lexical value}`` (strings; no rdflib terms,
        for answers of tens of thousands of rows)."""
        return [{k: v["value"] for k, v in b.items()} for b in self._bindings(query)]

    def _bindings(self, query: str, res: dict | None = None) -> list[dict]:
        res = self._results(query) if res is None else res
        results = res.get("results")
        rows = results.get("bindings") if isinstance(results, dict) else None
        if not isinstance(rows, list):
            raise EndpointError(f"{self.where}: not SPARQL JSON results (no results.bindings list)")
        for b in rows:
            if not isinstance(b, dict):
                raise EndpointError(f"{self.where}: not SPARQL JSON results (a row that is not an object)")
            for k, v in b.items():
                try:
                    term(v)
                except ValueError as e:
                    raise EndpointError(f"{self.where}: not SPARQL JSON results (?{str(k)[:40]}: {e})") from None
        return rows

    def count(self, query: str) -> int:
        """The number ``?n`` a ``SELECT (COUNT(...) AS ?n)`` answers."""
        rows = self.select_values(query)
        n = rows[0].get("n", "") if rows else ""
        if not re.fullmatch(r"[0-9]{1,18}", n):
            raise EndpointError(f"{self.where}: a count answered with {_printable(n[:40])!r}, not a number")
        return int(n)

    def ask(self, query: str) -> bool:
        """The answer of an ``ASK``.

        Virtuoso answers ``ASK`` as a ``SELECT`` of ``?__ASK_RETVAL``, one row of 1 for true
        and no row for false, with JSON's ``boolean`` missing: read too.
        """
        res = self._results(query)
        if isinstance(res.get("boolean"), bool):
            return res["boolean"]
        head = res.get("head")
        if isinstance(head, dict) and head.get("vars") == ["__ASK_RETVAL"]:
            rows = self._bindings(query, res)
            if not rows:  # its "false": no row at all
                return False
            value = rows[0].get("__ASK_RETVAL", {}).get("value")
            if len(rows) == 1 and value in ("0", "1"):
                return value == "1"
        raise EndpointError(f"{self.where}: ASK answered without a boolean")

    def _results(self, query: str) -> dict:
        data, _ = self._post(self.query_url, "query", query, "application/sparql-results+json")
        try:
            res = json.loads(data)
        except RecursionError:
            raise EndpointError(f"{self.where}: not SPARQL JSON results (nested too deep)") from None
        except ValueError as e:
            raise EndpointError(f"{self.where}: not SPARQL JSON results ({e})") from None
        if not isinstance(res, dict):
            raise EndpointError(f"{self.where}: not SPARQL JSON results")
        return res

    def construct(self, query: str, graph: Graph) -> int:
        """Run a ``CONSTRUCT`` and add its triples to ``graph`` (skolem IRIs back to blank
        nodes); return how many were read."""
        accept = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
        data, ctype = self._post(self.query_url, "query", query, accept)
        fmt = _RDF_TYPES.get(ctype)
        if fmt is None:
            raise EndpointError(f"{self.where}: CONSTRUCT answered with {_printable(ctype[:80]) or 'no type'}, not RDF")
        if _GENID_PATH.encode() not in data:
            target = graph
        else:
            target = Graph()
        try:
            n = parse_bytes(target, data, fmt, name=f"answer of {redact(self.query_url)}", limits=self.limits)
        except DataError as e:
            raise EndpointError(str(e)) from None
        if target is not graph:
            fix = lambda t: _unskolem(str(t)) if isinstance(t, URIRef) else t  # noqa: E731
            for s, p, o in target:
                graph.add((fix(s), p, fix(o)))
        return n

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 ``update`` at the update endpoint."""
        self._post(self.update_url, "update", update, None)

    def clear(self) -> None:
        """Empty :attr:`graph`, else the default graph."""
        self.update(f"CLEAR SILENT GRAPH {terms.iri(self.graph)}" if self.graph else "CLEAR DEFAULT")


def _reason(e: Exception) -> str:
    text = str(e) or type(e).__name__
    return _printable(text.splitlines()[0] if text.strip() else type(e).__name__)[:300]

