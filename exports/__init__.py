"""Files strategists open and send: the offline map page, reports, RDF and graph files.

- :mod:`ccare.exports.html`: the interactive map, one self-contained offline HTML file;
- :mod:`ccare.exports.report`: the one-page report of a query result;
- :mod:`ccare.exports.highlight`: query results (loop, path, prescription) to draw on a page;
- :mod:`ccare.exports.layout`: node positions, computed in Python;
- :mod:`ccare.exports.svg`: a loop or path as static SVG;
- :mod:`ccare.exports.rdf`: deterministic Turtle, N-Triples, JSON-LD, RDF/XML;
- :mod:`ccare.exports.inference`: the vocabulary entailments ``--inferred`` adds;
- :mod:`ccare.exports.tables`: GraphML, GEXF and CSV tables of the map graph;
- :mod:`ccare.exports.files`: writing any of them whole or not at all;
- :mod:`ccare.exports.safe`, :mod:`ccare.exports.assets`, :mod:`ccare.exports.style`:
  data into HTML safely, bundled scripts, the look of each kind of node.

Nothing here imports click or prints: :mod:`ccare.commands.export` is the command line.
"""
