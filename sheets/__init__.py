"""Map sheets: the knowledge base as a spreadsheet, and back (issue 14).

A map sheet is ccare's own template, beside the GraphML/CSV exports meant for Gephi:
four sheets (``entities``, ``relations``, ``evidence``, ``facts``) whose headers are in
English and Chinese, in one ``.xlsx`` workbook or a folder of CSV files.  They hold
everything the knowledge base (the ABox) holds; the vocabulary (the TBox) stays Turtle.

- :mod:`ccare.sheets.columns`: the sheets and their columns, and header matching;
- :mod:`ccare.sheets.workbook`: reading an untrusted ``.xlsx`` or CSV folder (bounded, no
  entity declarations, no formula evaluated) and writing both;
- :mod:`ccare.sheets.export`: the map's ABox as sheets;
- :mod:`ccare.sheets.build`: sheets as evidenced RDF, every fault named by sheet, row and
  column, with near matches for unknown names.

Nothing here imports click or prints: :mod:`ccare.commands.mapsheet` renders the results.
"""
