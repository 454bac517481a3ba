"""Where an action can say it was agreed, besides a child meeting of this app: a panel meeting.

The panels app registers `resolve(user, meeting_id, child)`, answering the panel meeting's id when
`meeting_id` names a meeting of a panel the user may see that discussed the child, else None. The
action API's `meeting` field then accepts a panel meeting's id as it accepts a child meeting's.
"""

_sources = []


def register_meeting_source(resolve):
    _sources.append(resolve)
    return resolve


def panel_meeting_resolve(user, meeting_id, child):
    for resolve in _sources:
        found = resolve(user, meeting_id, child)
        if found is not None:
            return found
    return None
