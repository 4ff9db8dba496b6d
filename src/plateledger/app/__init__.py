"""Composition root: wires store, policy, search log, plate dictionary and ingest together."""
