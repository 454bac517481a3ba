"""Where a local authority's protocol numbers come from: its stored LocalProtocol row (edited by
administrators, each change kept in its history), else RULES.md's defaults."""

from .models import LocalAuthority, LocalProtocol
from .protocol import DEFAULT_PROTOCOL


def protocol_for(authority):
    """The Protocol of `authority` (an object or its id); RULES.md's defaults when none is stored."""
    authority_id = authority.pk if isinstance(authority, LocalAuthority) else authority
    if authority_id is None:
        return DEFAULT_PROTOCOL
    stored = LocalProtocol.objects.filter(authority_id=authority_id).first()
    return stored.as_protocol() if stored is not None else DEFAULT_PROTOCOL


def protocol_lookup():
    """`protocol_for` with a memo, for a list that asks for the same authorities many times."""
    memo = {}

    def lookup(authority):
        authority_id = authority.pk if isinstance(authority, LocalAuthority) else authority
        if authority_id not in memo:
            memo[authority_id] = protocol_for(authority_id)
        return memo[authority_id]

    return lookup
