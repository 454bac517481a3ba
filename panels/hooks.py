"""What the panel's screens show of other apps, by registration: the actions app says which
actions each child has outstanding (P11, F3) without the panels app importing it."""

_action_providers = []


def register_child_actions(provider):
    """`provider(child_ids, panel)` answers {child_id: [action, ...]} of actions still open, each an
    object or dict with at least `description`, `owner_agency`, `due_date` and `overdue`."""
    _action_providers.append(provider)


def outstanding_actions(child_ids, panel):
    found = {child_id: [] for child_id in child_ids}
    for provider in _action_providers:
        for child_id, actions in provider(child_ids, panel).items():
            found.setdefault(child_id, []).extend(actions)
    return found
