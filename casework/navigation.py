"""The service navigation and the landing page, assembled from what each app registers.

The core knows no app's screens: an app calls `register_section` from its `ready()` for each
screen its users reach from the navigation, and `register_landing` for where a user whose role it
serves lands. Sections show in a fixed order (`order`), each only to the users `shows(user)` admits.
"""

from dataclasses import dataclass
from typing import Callable

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Callable  # text, or label(user) -> text (e.g. the inbox's unread count)
    url_name: str
    order: int
    shows: Callable = lambda user: True


@dataclass(frozen=True)
class Landing:
    url_name: str
    priority: int
    applies: Callable


_sections: dict[str, Section] = {}
_landings: list[Landing] = []


def register_section(section):
    _sections[section.key] = section
    return section


def register_landing(landing):
    _landings.append(landing)
    _landings.sort(key=lambda item: item.priority)
    return landing


def navigation_for(user, path):
    """The navigation a user sees: only the screens their roles open, in the registered order."""
    items = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        if not section.shows(user):
            continue
        href = reverse(section.url_name)
        text = section.label(user) if callable(section.label) else section.label
        items.append({"key": section.key, "text": text, "href": href, "active": path.startswith(href)})
    return items


def landing_for(user):
    """The URL name a signed-in user lands on: the first registered landing that applies."""
    for landing in _landings:
        if landing.applies(user):
            return landing.url_name
    return "clocks:due_list"
