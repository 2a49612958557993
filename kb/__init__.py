"""The knowledge base: inputs, the parse cache, the map's indexes and descriptions.

- :mod:`ccare.kb.loader`: which files make a map, and how they are parsed and merged;
- :mod:`ccare.kb.cache`: the parse cache, keyed by the inputs' bytes and the loading code;
- :mod:`ccare.kb.model`: :class:`~ccare.kb.model.KnowledgeBase`, entities, evidence, facts;
- :mod:`ccare.kb.quantities`: a quantitative fact as a reader reads it;
- :mod:`ccare.kb.synth`: synthetic maps and portfolios for benchmarks and scale tests.
"""
