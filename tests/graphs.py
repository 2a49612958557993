"""Comparing RDF graphs in tests: equal up to blank-node names, with a readable diff."""

from __future__ import annotations

import hashlib
from collections import Counter

from rdflib import BNode, Graph

__all__ = ["assert_same_graph"]


def _canonical(g: Graph) -> Counter:
    """The triples of ``g`` with each blank node named by what it says, recursively.

    The map's blank nodes (assertions, evidence) form trees, for which two graphs are
    isomorphic exactly when these multisets are equal; it is much faster than rdflib's
    general canonicalisation on thousands of blank nodes.
    """
    out: dict = {}
    for s, p, o in g:
        out.setdefault(s, []).append((p, o))
    names: dict = {}

    def name(node, depth=0):
        if not isinstance(node, BNode):
            return node.n3()
        if node not in names:
            if depth > 50:
                raise ValueError("blank nodes nested too deeply (a cycle?)")
            inner = sorted(f"{p.n3()} {name(o, depth + 1)}" for p, o in out.get(node, ()))
            names[node] = "_:" + hashlib.sha256("\n".join(inner).encode()).hexdigest()[:16]
        return names[node]

    return Counter((name(s), p.n3(), name(o)) for s, p, o in g)


def assert_same_graph(a: Graph, b: Graph) -> None:
    ca, cb = _canonical(a), _canonical(b)
    if ca != cb:
        only_a, only_b = sorted((ca - cb).elements()), sorted((cb - ca).elements())
        raise AssertionError(
            f"graphs differ\nonly in the first ({len(only_a)}):\n" + "\n".join(map(" ".join, only_a[:20]))
            + f"\nonly in the second ({len(only_b)}):\n" + "\n".join(map(" ".join, only_b[:20]))
        )
