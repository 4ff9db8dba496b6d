"""Oversight: import Flock exports, portal CSVs and plateledger's own audit log into one DuckDB
table, run documented checks over it, and write a self-contained report (docs/oversight.md)."""
