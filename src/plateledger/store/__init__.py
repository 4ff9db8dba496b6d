"""Read store: the ReadStore contract and its DuckDB backend."""
