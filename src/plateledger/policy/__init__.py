"""Purpose-bound access: decisions per owner network."""
