"""A small client of the SPARQL 1.1 Protocol: queries and updates over HTTP, nothing more.

Requests are ``POST`` with URL-encoded ``query=`` or ``update=`` parameters, the form
every SPARQL 1.1 server accepts (Oxigraph, Fuseki, GraphDB, Virtuoso, Neptune).

Credentials (:class:`Credentials`) come from the environment, ``CCARE_ENDPOINT_TOKEN``
(sent as ``Authorization: Bearer``) or ``CCARE_ENDPOINT_USER`` and
``CCARE_ENDPOINT_PASSWORD``, or from the URL's ``user:password@`` (a user in the URL and
the password in the environment is the way to keep it out of shell history).  A user name and
password are sent the way the server's challenge asks: HTTP Basic (Fuseki, GraphDB;
after the first challenge, with every request) or Digest (Virtuoso's ``/sparql-auth``).
They go to the endpoint's own URLs only (redirects are refused) and appear in no
message.
``SELECT`` and ``ASK`` ask for ``application/sparql-results+json``; ``CONSTRUCT`` for
N-Triples (Turtle or RDF/XML are read too, by the response's content type), parsed with
ccare's own bounded parsers (:mod:`ccare.rdfio`): an endpoint's answer is input like any
file.  Every failure is an :class:`EndpointError` naming the endpoint (without any
password in its URL) and what went wrong.

Examples
--------
>>> Endpoint("ftp://example.org/sparql")
Traceback (most recent call last):
...
ccare.errors.UsageError: endpoint 'ftp://example.org/sparql' is not an http:// or https:// URL
>>> term({"type": "literal", "value": "支付", "xml:lang": "zh"})
rdflib.term.Literal('支付', lang='zh')
>>> redact("https://user:secret@db.example.org/sparql")
'https://db.example.org/sparql'
>>> redact("http://user:secret@[::1]:7878/query")
'http://[::1]:7878/query'
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef

from ccare.errors import CcareError, DataError, UsageError
from ccare.rdfio import Limits, parse_bytes

__all__ = ["DEFAULT_TIMEOUT", "EndpointError", "EndpointTimeout", "Credentials", "Endpoint", "term", "redact"]

#: Environment variables holding an endpoint's credentials.
TOKEN_ENV, USER_ENV, PASSWORD_ENV = "CCARE_ENDPOINT_TOKEN", "CCARE_ENDPOINT_USER", "CCARE_ENDPOINT_PASSWORD"

#: Seconds to wait for an endpoint's answer to one request.
DEFAULT_TIMEOUT = 120.0

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Response media types of CONSTRUCT, and the rdflib format ccare parses each as.
_RDF_TYPES = {
    "application/n-triples": "nt",
    "text/plain": "nt",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/rdf+xml": "xml",
}


class EndpointError(CcareError):
    """A SPARQL endpoint could not be reached, refused a request or answered nonsense."""


class EndpointTimeout(EndpointError):
    """The endpoint gave no answer within the request's time limit."""


def redact(url: str) -> str:
    """``url`` without user name and password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host))


def term(binding: dict):
    """The rdflib term of one SPARQL JSON results binding."""
    kind, value = binding.get("type"), binding.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if binding.get("xml:lang"):
            return Literal(value, lang=binding["xml:lang"])
        dt = binding.get("datatype")
        return Literal(value, datatype=URIRef(dt)) if dt and dt != _XSD_STRING else Literal(value)
    raise ValueError(f"unknown binding type {kind!r}")


def _check_url(url: str, what: str) -> str:
    parts = urllib.parse.urlsplit(url)
    try:
        parts.port  # noqa: B018 - urllib checks the port when asked for it
    except ValueError:
        raise UsageError(f"{what} {parts.scheme}://{parts.hostname or ''}...: the port is not a number") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{what} {redact(url)!r} is not an http:// or https:// URL")
    return url


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
    def for_url(cls, url: str, environ=None) -> "Credentials":
        """The credentials for ``url``: a token from :data:`TOKEN_ENV`; else a user from
        :data:`USER_ENV` or the URL's ``user@``, with the password from
        :data:`PASSWORD_ENV` or the URL's ``user:password@``.

        Raises :class:`~ccare.errors.UsageError` for a password with no user.
        """
        env = os.environ if environ is None else environ
        if env.get(TOKEN_ENV):
            return cls(token=env[TOKEN_ENV])
        parts = urllib.parse.urlsplit(url)
        in_url = urllib.parse.unquote(parts.username) if parts.username is not None else None
        user = env.get(USER_ENV) or in_url
        if user is None:
            if env.get(PASSWORD_ENV):
                raise UsageError(f"{PASSWORD_ENV} is set but names no user: set {USER_ENV}, "
                                 "or put user@ in the endpoint's URL")
            return cls()
        if env.get(PASSWORD_ENV) is not None:
            password = env[PASSWORD_ENV]
        else:  # the URL's password goes with the URL's user only
            password = urllib.parse.unquote(parts.password or "") if user == in_url else ""
        return cls(user=user, password=password)

    def opener(self, urls) -> urllib.request.OpenerDirector:
        """A urllib opener that refuses redirects and authenticates to ``urls`` (and
        nowhere else)."""
        handlers: list = [_NoRedirect]
        if self.user:
            # sent on the server's challenge, Basic or Digest; once Basic has been accepted,
            # up front with the next requests (HTTPPasswordMgrWithPriorAuth)
            mgr = urllib.request.HTTPPasswordMgrWithPriorAuth()
            for u in urls:
                mgr.add_password(None, u, self.user, self.password or "")
            handlers += [urllib.request.HTTPBasicAuthHandler(mgr), urllib.request.HTTPDigestAuthHandler(mgr)]
        return urllib.request.build_opener(*handlers)

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class Endpoint:
    """A SPARQL 1.1 service: ``query_url`` answers queries, ``update_url`` (default the
    same) takes updates.  ``timeout`` bounds each request, in seconds."""

    def __init__(self, query_url: str, update_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 limits: Limits | None = None, credentials: Credentials | None = None):
        _check_url(query_url, "endpoint")
        if update_url:
            _check_url(update_url, "update endpoint")
        self.credentials = credentials if credentials is not None else Credentials.for_url(query_url)
        # what is requested: the URLs without user:password@ (credentials go in headers)
        self.query_url = redact(query_url)
        self.update_url = redact(update_url) if update_url else self.query_url
        self.timeout = timeout
        self.limits = limits or Limits.from_env()
        # redirects are refused: what is POSTed goes to the URL the user named, or nowhere
        self._opener = self.credentials.opener({self.query_url, self.update_url})

    def with_timeout(self, timeout: float) -> "Endpoint":
        """The same endpoint (URLs, credentials, limits), with another request time limit."""
        return Endpoint(self.query_url, self.update_url, timeout=timeout, limits=self.limits,
                        credentials=self.credentials)

    def __repr__(self) -> str:
        return f"Endpoint({redact(self.query_url)!r})"

    # ------------------------------------------------------------------ transport

    def _post(self, url: str, field: str, text: str, accept: str | None) -> tuple[bytes, str]:
        body = urllib.parse.urlencode({field: text}).encode("ascii")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "ccare",
                   **self.credentials.headers()}
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        where = redact(url)
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                data = resp.read(self.limits.max_file_size + 1)
                ctype = resp.headers.get_content_type()
        except urllib.error.HTTPError as e:
            if e.code in (401, 403):
                raise EndpointError(f"{where}: HTTP {e.code}: {self._refusal(e)}") from None
            detail = e.read(2000).decode("utf-8", "replace").strip().splitlines()
            msg = detail[0] if detail else e.reason
            raise EndpointError(f"{where}: HTTP {e.code}: {msg}") from None
        except urllib.error.URLError as e:
            raise EndpointError(f"{where}: cannot reach the endpoint ({e.reason})") from None
        except ValueError as e:  # urllib's auth handlers raise it on a challenge of another scheme
            if "AuthHandler" not in str(e):
                raise EndpointError(f"{where}: {e}") from None
            raise EndpointError(f"{where}: cannot answer the endpoint's authentication challenge ({e}); "
                                f"for a bearer token set {TOKEN_ENV}") from None
        except TimeoutError:
            raise EndpointTimeout(f"{where}: no answer within {self.timeout:g}s") from None
        except OSError as e:
            raise EndpointError(f"{where}: {e}") from None
        if len(data) > self.limits.max_file_size:
            raise EndpointError(f"{where}: answer over {self.limits.max_file_size:,} bytes "
                                "(set CCARE_MAX_FILE_SIZE to raise the limit)")
        return data, ctype

    def _refusal(self, e: urllib.error.HTTPError) -> str:
        """What to tell the user when the endpoint refuses the request (401 or 403)."""
        c = self.credentials
        if e.code == 403:
            who = "the token" if c.token else f"user {c.user!r}" if c.user else "anonymous requests"
            return f"the endpoint does not allow this to {who}"
        if not c:
            return (f"the endpoint wants credentials: set {TOKEN_ENV}, or {USER_ENV} and {PASSWORD_ENV}")
        if c.token:
            return f"the endpoint refused the token in {TOKEN_ENV}"
        return f"the endpoint refused user {c.user!r} and the password given"

    # ------------------------------------------------------------------ operations

    def select(self, query: str) -> list[dict]:
        """Rows of a ``SELECT``: ``{variable: rdflib term}``, unbound variables left out."""
        return [{k: term(v) for k, v in b.items()} for b in self._bindings(query)]

    def select_values(self, query: str) -> list[dict]:
        """Rows of a ``SELECT`` as ``{variable: lexical value}`` (strings; no rdflib terms,
        for answers of tens of thousands of rows)."""
        return [{k: v.get("value", "") for k, v in b.items()} for b in self._bindings(query)]

    def _bindings(self, query: str) -> list[dict]:
        rows = self._results(query).get("results", {}).get("bindings", [])
        if not isinstance(rows, list) or not all(isinstance(b, dict) for b in rows):
            raise EndpointError(f"{redact(self.query_url)}: not SPARQL JSON results (bindings)")
        return rows

    def count(self, query: str) -> int:
        """The number ``?n`` a ``SELECT (COUNT(...) AS ?n)`` answers."""
        rows = self.select_values(query)
        n = rows[0].get("n", "") if rows else ""
        if not n.isdigit():
            raise EndpointError(f"{redact(self.query_url)}: a count answered with {n!r}, not a number")
        return int(n)

    def ask(self, query: str) -> bool:
        """The answer of an ``ASK``."""
        res = self._results(query)
        if not isinstance(res.get("boolean"), bool):
            raise EndpointError(f"{redact(self.query_url)}: ASK answered without a boolean")
        return res["boolean"]

    def _results(self, query: str) -> dict:
        data, _ = self._post(self.query_url, "query", query, "application/sparql-results+json")
        try:
            res = json.loads(data)
        except ValueError as e:
            raise EndpointError(f"{redact(self.query_url)}: not SPARQL JSON results ({e})") from None
        if not isinstance(res, dict):
            raise EndpointError(f"{redact(self.query_url)}: not SPARQL JSON results")
        return res

    def construct(self, query: str, graph: Graph) -> int:
        """Run a ``CONSTRUCT`` and add its triples to ``graph``; return how many were read."""
        accept = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
        data, ctype = self._post(self.query_url, "query", query, accept)
        fmt = _RDF_TYPES.get(ctype)
        if fmt is None:
            raise EndpointError(f"{redact(self.query_url)}: CONSTRUCT answered with {ctype}, not RDF")
        try:
            return parse_bytes(graph, data, fmt, name=f"answer of {redact(self.query_url)}", limits=self.limits)
        except DataError as e:
            raise EndpointError(str(e)) from None

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 ``update`` at the update endpoint."""
        self._post(self.update_url, "update", update, None)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: POSTed data goes to the URL the user named, or nowhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirected to {redact(newurl)}; "
                                     "give that URL as the endpoint", headers, fp)
