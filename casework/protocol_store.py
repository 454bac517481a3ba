"""Where a local authority's protocol numbers come from.

Today every authority runs on RULES.md's defaults; the clocks issue stores per-authority and
per-panel numbers and answers them from here, so callers never change.
"""

from .protocol import DEFAULT_PROTOCOL


def protocol_for(authority):
    return DEFAULT_PROTOCOL
