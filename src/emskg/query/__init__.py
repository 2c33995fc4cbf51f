"""Asking the graph: SPARQL (``sparql``), named queries and their catalog (``named``, ``catalog``),
result formats (``formats``), quality checks (``qc``), browsing entities (``browse``) and the
rebuilt Table 2 (``table2``)."""
