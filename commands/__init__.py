"""The click commands of ``ccare``, one module per area, imported lazily by :mod:`ccare.cli`."""
