"""The source documents RULES.md cites, as the screens and notices name them."""

SEED_TITLES = {
    "000": "Missing high risk operational group terms of reference",
    "001": "Lancashire missing from home panel protocol",
    "002": "Waltham Forest practice guidance",
    "003": "Peterborough missing and CSE operational group terms of reference",
    "004": "Missing and exploitation operational group (MEOG) terms of reference",
}


def source_display(source):
    """'002 §9' -> 'Waltham Forest practice guidance §9'; several seeds are joined with '; '."""
    parts = []
    seed = ""
    for piece in (p.strip() for p in source.split(",")):
        head, _, section = piece.partition(" ")
        if head in SEED_TITLES:
            seed = head
            parts.append(f"{SEED_TITLES[head]} {section}".strip())
        elif seed and piece.startswith("§"):
            parts[-1] = f"{parts[-1]}, {piece}"
        else:
            parts.append(piece)
    return "; ".join(parts)
