"""The user's own questions of the map: SPARQL, SHACL validation, and the sandbox they run in.

- :mod:`ccare.query.sparql`: user SPARQL, checked, then run in the sandbox or at an endpoint;
- :mod:`ccare.query.shacl`: validation of the map and of user extensions against the shapes;
- :mod:`ccare.query.sandbox`: work run in a forked child that can really be stopped.
"""
