"""Untrusted bytes to triples and back: checked reads, the Oxigraph store, bulk reads, whole writes.

- :mod:`ccare.rdfio.read`: bounded reads and parses of user files, in every RDF format;
- :mod:`ccare.rdfio.prescan`: cheap checks of bytes before a parser sees them;
- :mod:`ccare.rdfio.terms`: RDF terms written into SPARQL text by a serializer, never pasted;
- :mod:`ccare.rdfio.store`: the Oxigraph store (or rdflib's) the map is held in;
- :mod:`ccare.rdfio.bulk`: the facts the indexes need about thousands of nodes, in one pass;
- :mod:`ccare.rdfio.atomic`: output written whole or not at all, never over a device or an input.
"""
