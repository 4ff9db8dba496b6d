"""Domain values: frozen dataclasses, no I/O."""
