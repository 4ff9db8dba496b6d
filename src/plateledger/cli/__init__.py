"""Command line interface (Typer): `plateledger --help`."""
