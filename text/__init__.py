"""What ccare prints: tables that line up with Chinese, a terminal guard, safe CSV cells.

- :mod:`ccare.text.render`: plain-text tables and JSON;
- :mod:`ccare.text.terminal`: nothing printed from data can drive the terminal;
- :mod:`ccare.text.csvcells`: CSV cells a spreadsheet cannot run as formulas.
"""
