"""SPARQL 1.1 endpoints: the map beyond one machine.

- :mod:`ccare.endpoint.client`: the SPARQL 1.1 Protocol (query and update over HTTP);
- :mod:`ccare.endpoint.remote`: a knowledge base whose data lives at an endpoint;
- :mod:`ccare.endpoint.upload`: loading RDF into an endpoint with ``INSERT DATA``.

Any SPARQL 1.1 server will do: Oxigraph, Apache Jena Fuseki, GraphDB, Virtuoso, Amazon
Neptune (the tests run against Oxigraph and Virtuoso).  ccare talks to the URL the user
names and to nothing else, within a deadline of its own, and reads every answer as
untrusted input.
"""
