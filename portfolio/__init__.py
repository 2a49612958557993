"""Merchant portfolios: from a plain CSV to RDF, and the map's questions asked of every merchant.

- :mod:`ccare.portfolio.csvin`: read and check a portfolio CSV, row by row;
- :mod:`ccare.portfolio.names`: what the cells name (products, scales, stages, industries);
- :mod:`ccare.portfolio.rdfout`: the checked rows as RDF (``cc:Merchant`` and friends);
- :mod:`ccare.portfolio.index`: the merchants of a loaded map, as light records;
- :mod:`ccare.portfolio.batch`: gaps and prescriptions for every merchant, each distinct
  question answered once.

Nothing here imports click or prints: :mod:`ccare.commands.portfolio` renders the results.
"""
