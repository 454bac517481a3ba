"""Safe-and-well checks and return home interviews (seed 002 §9, §13; rule T1)."""
