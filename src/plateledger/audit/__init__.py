"""Tamper-evident audit log: RFC 6962 Merkle tree, hash storage, signed checkpoints, verifier."""
