"""The map as a graph, and the queries strategists ask of it.

- :mod:`ccare.graph.build`: RDF map -> NetworkX ``MultiDiGraph`` and back;
- :mod:`ccare.graph.view`: reading that graph (flow subgraph, products, entities), no RDF;
- :mod:`ccare.graph.walks`: paths and loops step by step, with evidence;
- :mod:`ccare.graph.search`: constrained, pruned enumeration of directed cycles;
- :mod:`ccare.graph.loops`: operating loops;
- :mod:`ccare.graph.paths`: shortest product paths and alternatives;
- :mod:`ccare.graph.prescribe`: the fewest products to add to close a loop;
- :mod:`ccare.graph.gaps`: needs, values and flows a merchant is missing;
- :mod:`ccare.graph.coverage`: the product × need/value matrix;
- :mod:`ccare.graph.rank`: products by their role in the flow graph;
- :mod:`ccare.graph.whatif`: loops lost and kept when a product is dropped.

Nothing here imports click or prints: the command line (:mod:`ccare.commands.queries`)
renders what these functions return.  Only :mod:`~ccare.graph.build` reads RDF: the
algorithms take the vocabulary from :mod:`ccare.ontology.vocab` and load without rdflib.
"""
