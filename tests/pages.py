"""An exported page opened in real Chromium, for the browser tests.

:class:`Page` opens a file (or a ``file:`` URL with a fragment) in a new browser context and
keeps what went wrong on the page (errors and warnings on the console, uncaught
exceptions, dialogs) and every request, aborting any that would leave the machine.
:func:`opener` is the body of an ``open_page`` fixture: it opens pages on demand and closes
them after the test.  The ``browser`` fixture is in ``conftest.py``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

#: What a page may load: its own file and the data it carries.  Anything else (a CDN, a
#: font server, a tracker) is aborted and recorded in :attr:`Page.blocked`.
LOCAL = ("file:", "data:", "blob:")


class Page:
    """One page in its own browser context."""

    def __init__(self, browser, url: str | Path, *, ready: bool = True, init_script: str | None = None,
                 allow: tuple[str, ...] = LOCAL, **context):
        self.context = browser.new_context(**{"viewport": {"width": 1400, "height": 900}, **context})
        if init_script:
            self.context.add_init_script(init_script)
        self.allow = allow
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.dialogs: list[str] = []

        def route(r):
            if r.request.url.startswith(allow):
                r.continue_()
            else:
                self.blocked.append(r.request.url)
                r.abort()

        self.context.route("**/*", route)
        self.page = p = self.context.new_page()
        p.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        p.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
             if m.type in ("error", "warning") else None)
        p.on("request", lambda req: self.requests.append(req.url))
        p.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        p.goto(url.as_uri() if isinstance(url, Path) else url)
        if ready:  # map.js marks the body once the network is drawn and the panels are wired
            p.wait_for_selector("body[data-ready='1']", state="attached", timeout=15000)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def wait(self, expr: str, timeout: float = 10.0) -> None:
        """Poll ``expr`` until it is true (``page.wait_for_function`` would need ``eval``,
        which the page's Content-Security-Policy forbids)."""
        deadline = time.monotonic() + timeout
        while not self.js(expr):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {expr}")
            self.page.wait_for_timeout(40)

    def assert_clean(self) -> None:
        """Nothing went wrong on the page, no dialog opened, and nothing left the machine."""
        assert self.errors == []
        assert self.dialogs == []
        assert self.blocked == []
        assert self.requests and all(u.startswith(self.allow) for u in self.requests), self.requests

    def close(self) -> None:
        self.context.close()


def opener(browser, cls: Callable[..., Page] = Page) -> Iterator:
    """``yield from opener(browser)`` in a fixture: it yields ``open(url_or_path, fragment="",
    **options)``, which opens a :class:`Page` (or what ``cls`` makes), and closes them all afterwards."""
    opened: list[Page] = []

    def _open(url_or_path: str | Path, fragment: str = "", **options) -> Page:
        url = url_or_path if isinstance(url_or_path, str) else Path(url_or_path).as_uri()
        o = cls(browser, url + (("#" + fragment) if fragment else ""), **options)
        opened.append(o)
        return o

    yield _open
    for o in opened:
        o.close()
