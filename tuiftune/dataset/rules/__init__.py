"""Per-record lint rules, one module per record format."""
