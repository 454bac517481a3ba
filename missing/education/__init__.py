"""Children missing education (seed 002 §12, RULES.md §8)."""
