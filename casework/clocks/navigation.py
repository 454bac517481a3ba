"""The clock engine's own screens in the service navigation: due and overdue, the inbox, and the
account's two-factor page (registered here with the core's other screens)."""

from casework.navigation import Section, register_section


def _inbox_label(user):
    from .selectors import inbox_unread_count

    unread = inbox_unread_count(user)
    return f"Inbox ({unread} unread)" if unread else "Inbox"


def register_clock_sections():
    register_section(Section("due", "Due and overdue", "clocks:due_list", order=600))
    register_section(Section("inbox", _inbox_label, "clocks:inbox", order=610))
    register_section(Section("two_factor", "Two-factor", "two_factor_setup", order=900))
