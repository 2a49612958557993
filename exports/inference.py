"""What ``ccare export --inferred`` adds: the entailments of the map's own vocabulary.

The rules, applied until nothing new follows (each round can only add triples built
from terms already in the graph, so the closure is finite; :data:`MAX_ROUNDS` bounds it
anyway):

- ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` are transitive (RDFS rules 5, 11);
- an instance of a class is an instance of its superclasses (rdfs9);
- a triple with a property holds for its super-properties (rdfs7), so every
  ``cc:userFlowsTo`` is also a ``cc:flowsTo``;
- the subject of a property with an ``rdfs:domain`` has that type (rdfs2), and the
  object of one with an ``rdfs:range`` too, unless it is a literal (rdfs3);
- ``owl:SymmetricProperty`` and ``owl:inverseOf`` give the reverse triple
  (``cc:combinesWith`` runs both ways).

It deliberately leaves out what a full RDFS reasoner adds on top (``rdfs:Resource`` for
every node, axiomatic triples about the RDF vocabulary): noise for a reader.  The map's
*interpretive* relations (assertions marked ``cc:inferred true``, each with its rationale)
are part of the map and are exported either way.

Examples
--------
>>> from rdflib import Graph, Namespace, RDF, RDFS
>>> EX = Namespace("http://example.org/")
>>> g = Graph()
>>> for t in [(EX.Core, RDFS.subClassOf, EX.Product), (EX.pay, RDF.type, EX.Core)]:
...     _ = g.add(t)
>>> closed = entailed(g)
>>> (EX.pay, RDF.type, EX.Product) in closed, len(closed)
(True, 1)
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import RDF, RDFS, Graph, Literal
from rdflib.namespace import OWL

from ccare.errors import CcareError

__all__ = ["MAX_ROUNDS", "entailed", "with_entailments"]

#: More rounds than any vocabulary's hierarchy is deep; reaching it means a bug.
MAX_ROUNDS = 64


def _closure(pairs: dict) -> dict:
    """Transitive closure of a ``{a: {b, ...}}`` relation (cycles allowed)."""
    out = {}
    for a in pairs:
        seen, todo = set(), list(pairs[a])
        while todo:
            b = todo.pop()
            if b not in seen:
                seen.add(b)
                todo.extend(pairs.get(b, ()))
        out[a] = seen
    return out


def entailed(graph: Graph) -> Graph:
    """The triples the rules above add to ``graph`` (only the new ones; ``graph`` is read only)."""
    new = Graph()
    for _round in range(MAX_ROUNDS):
        def has(t):
            return t in graph or t in new

        def triples(pattern):
            yield from graph.triples(pattern)
            yield from new.triples(pattern)

        sub_c, sub_p = defaultdict(set), defaultdict(set)
        for a, _, b in triples((None, RDFS.subClassOf, None)):
            sub_c[a].add(b)
        for a, _, b in triples((None, RDFS.subPropertyOf, None)):
            sub_p[a].add(b)
        sup_c, sup_p = _closure(sub_c), _closure(sub_p)
        domain = defaultdict(set)
        range_ = defaultdict(set)
        for p, _, c in triples((None, RDFS.domain, None)):
            domain[p].add(c)
        for p, _, c in triples((None, RDFS.range, None)):
            range_[p].add(c)
        symmetric = {p for p, _, _ in triples((None, RDF.type, OWL.SymmetricProperty))}
        inverse = defaultdict(set)
        for p, _, q in triples((None, OWL.inverseOf, None)):
            inverse[p].add(q)
            inverse[q].add(p)

        found: set = set()
        for c, sups in sup_c.items():
            found.update((c, RDFS.subClassOf, s) for s in sups if s != c)
        for p, sups in sup_p.items():
            found.update((p, RDFS.subPropertyOf, s) for s in sups if s != p)
        for s, p, o in list(triples((None, None, None))):
            if p == RDF.type and o in sup_c:
                found.update((s, RDF.type, c) for c in sup_c[o])
            for q in sup_p.get(p, ()):
                found.add((s, q, o))
            for c in domain.get(p, ()):
                found.add((s, RDF.type, c))
            if not isinstance(o, Literal):
                for c in range_.get(p, ()):
                    found.add((o, RDF.type, c))
                if p in symmetric:
                    found.add((o, p, s))
                for q in inverse.get(p, ()):
                    found.add((o, q, s))
        fresh = [t for t in found if not has(t) and not isinstance(t[0], Literal)]
        if not fresh:
            return new
        for t in fresh:
            new.add(t)
    raise CcareError(f"inference did not settle within {MAX_ROUNDS} rounds")


def with_entailments(graph: Graph) -> Graph:
    """A new graph: ``graph`` plus :func:`entailed` (prefixes kept)."""
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=True)
    for t in graph:
        out.add(t)
    for t in entailed(graph):
        out.add(t)
    return out
