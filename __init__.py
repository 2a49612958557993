"""ccare: a knowledge-graph explorer of Alipay's C-CARE open-product map.

Start with :func:`ccare.load`, which gives a :class:`~ccare.api.Map` that answers the
strategist's questions (``m.prescribe(has=["小程序"])``, ``m.loops()``, ...); see
:mod:`ccare.api`.  The library is organised as:

- :mod:`ccare.ontology` - vocabulary, shipped knowledge base and SHACL shapes (package data);
- :mod:`ccare.kb.model` - loading the map (plus user files) and the first questions about it;
- :mod:`ccare.query.shacl` - SHACL validation with plain-words reports;
- :mod:`ccare.graph` - the NetworkX flow graph and the loop-closing queries;
- :mod:`ccare.exports` - HTML and data exports;
- :mod:`ccare.cli` - the ``ccare`` command line, a thin layer over the above.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "load", "Map", "Answer"]

#: The public API, imported on first use so that ``ccare --help`` stays fast.
_API = {"load", "Map", "Answer"}


def __getattr__(name):
    if name in _API:
        from ccare import api

        return getattr(api, name)
    raise AttributeError(f"module 'ccare' has no attribute {name!r}")
