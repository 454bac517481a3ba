"""Cells for CSV files people open in a spreadsheet: every export of the product writes through here."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell a spreadsheet will not run: one beginning =, +, -, @ (or a tab or carriage return,
    which some spreadsheets skip before looking) is given a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
