"""The JavaScript and CSS a page needs, read from installed packages, never fetched.

vis-network is taken from the copy that pyvis (pinned in ``pyproject.toml``) bundles for
its own ``in_line`` template, so the page carries the library inline and opens from
``file://`` with no network.  ccare's own script and style sheet ship beside this module
in ``web/`` and are read with :func:`importlib.resources.files`.

Examples
--------
>>> js = vis_network_js()
>>> "vis-network" in js[:200] and len(js) > 100_000
True
>>> "ccare" in own("map.js")
True
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from ccare.errors import AssetError

__all__ = ["VIS_VERSION", "vis_network_js", "own", "AssetError"]

#: The vis-network release pyvis 0.3.2 bundles (the version its in_line template includes).
VIS_VERSION = "9.1.2"


@lru_cache(maxsize=None)
def vis_network_js() -> str:
    """The minified vis-network library, with its licence header, as text."""
    # found, not imported: importing pyvis pulls in jinja2 and IPython (0.27 s) for nothing
    spec = importlib.util.find_spec("pyvis")
    try:
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("pyvis is not installed")
        res = Path(spec.submodule_search_locations[0], "templates", "lib", f"vis-{VIS_VERSION}", "vis-network.min.js")
        return res.read_text(encoding="utf-8")
    except OSError as e:
        raise AssetError(
            f"vis-network {VIS_VERSION} not found in the installed pyvis ({e}); "
            "reinstall ccare so that pyvis==0.3.2 is present"
        ) from None


@lru_cache(maxsize=None)
def own(name: str) -> str:
    """One of ccare's own page files (``map.js``, ``map.css``, ``report.css``, ...)."""
    return files("ccare.exports").joinpath("web").joinpath(name).read_text(encoding="utf-8")
