"""The service navigation, assembled from what each app registers.

The core knows no app's screens: an app calls `register_section` from its `ready()` for each
screen its users reach from the navigation. Sections show in a fixed order (`order`), each only to
the users `shows(user)` admits: the roles that use it, not every role that may open it. A section
is in one of two areas: the service navigation's sections ("section"), or the account links kept
apart from them ("account": two-factor sign-in; signing out is the base template's own form).
"""

from dataclasses import dataclass
from typing import Callable

from django.urls import reverse

SECTION = "section"
ACCOUNT = "account"


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Callable  # text, or label(user) -> text (e.g. the inbox's unread count)
    url_name: str
    order: int
    shows: Callable = lambda user: True
    area: str = SECTION
    # Other pages that belong to the section, by URL name ("interviews:detail"), or a whole
    # namespace ("interviews:*"): the section is marked current on them too.
    pages: tuple = ()


_sections: dict[str, Section] = {}


def register_section(section):
    if section.area not in (SECTION, ACCOUNT):
        raise ValueError(f"Section {section.key}: area must be {SECTION!r} or {ACCOUNT!r}.")
    _sections[section.key] = section
    return section


def _owns_page(section, view_name):
    if not view_name:
        return False
    namespace = view_name.rpartition(":")[0]
    return any(page == view_name or (page.endswith(":*") and page[:-2] == namespace) for page in section.pages)


def _owns_path(href, path):
    """A section owns its own address and, except the home page, the addresses under it."""
    return path == href or (href != "/" and path.startswith(href))


def navigation_for(user, path, *, area=SECTION, view_name=""):
    """The links a user sees in one area, in the registered order, each {key, text, href, current,
    active}. At most one is marked: the section whose address is the longest that `path` starts
    with, else the one that names the page's view (`view_name`, e.g. "interviews:detail").
    `current` means the page is the section's own address (aria-current="page"); `active`, a page
    within the section (aria-current="true")."""
    items = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        if section.area != area or not section.shows(user):
            continue
        text = section.label(user) if callable(section.label) else section.label
        items.append({"key": section.key, "text": text, "href": reverse(section.url_name), "section": section})
    owners = [item for item in items if _owns_path(item["href"], path)]
    marked = max(owners, key=lambda item: len(item["href"]), default=None)
    if marked is None:
        marked = next((item for item in items if _owns_page(item["section"], view_name)), None)
    for item in items:
        item.pop("section")
        item["active"] = item is marked
        item["current"] = item is marked and path == item["href"]
    return items
