"""Credits (学分, issue 14): the ledger, school-based credits, views, certificates."""
