"""Where a child was found, for the apps that keep something derived from it.

An episode's found location and a held return interview's account of where the child was say
where a child was found. An app that keeps rows derived from them (panel intelligence counts the
episodes found at each of its places) registers a listener here; the missing services call
`episodes_found_changed` inside their own transaction whenever that changes, so the derived rows
change with the facts, never after them. Nothing here knows who listens.
"""

_listeners = []


def register_found_listener(listener):
    """`listener(episode_ids)` brings what it derives up to date for these episodes."""
    _listeners.append(listener)


def episodes_found_changed(episode_ids):
    ids = list(episode_ids)
    if ids:
        for listener in _listeners:
            listener(ids)
