"""plateledger: an ALPR network with purpose-bound access and a tamper-evident audit trail."""

__version__ = "0.1.0"
