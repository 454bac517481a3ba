"""The clock engine's own screens in the service navigation: due and overdue, and the inbox."""

from casework.navigation import Section, register_section
from casework.permissions import works_on_cases


def _inbox_label(user):
    from .selectors import inbox_unread_count

    unread = inbox_unread_count(user)
    return f"Inbox ({unread} unread)" if unread else "Inbox"


def register_clock_sections():
    register_section(
        Section("due", "Due and overdue", "clocks:due_list", order=600, shows=works_on_cases,
                pages=("clocks:deadline_complete",))
    )
    register_section(Section("inbox", _inbox_label, "clocks:inbox", order=610))
