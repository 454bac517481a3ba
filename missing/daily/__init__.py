"""The MASH's daily risk management meeting (seed 002 §8.4)."""
