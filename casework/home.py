"""The home page: what needs the signed-in person today, assembled from the panels apps register.

The core knows no app's work. Each app registers its panels from its `ready()`, e.g.
missing/home.py:

    register_home_panel(
        "triage", title="Notifications waiting for triage", order=100, shows=works_in_mash,
        build=triage_panel, template="missing/home/triage.html", live=True,
    )

- `shows(user)`: whether the panel is for this person: a test of the roles they hold and their
  agency (casework.permissions.holds_role), no query of its own.
- `build(user, now)`: the panel's template context, from a few aggregate queries whatever the
  amount of data: never one query per item. A panel that shows children's data names those
  children (ids or Child objects) under CHILDREN_SHOWN; the page logs every panel's in one insert.
- `template`: renders the panel's body with its context plus `user` and `now`, without the
  request (no context processors run, so a panel costs only its own queries). Give counts as a
  list of `Count` under "counts" and show them with `{% include "casework/home/_counts.html" %}`.
  The core renders the panel's heading (`title`) and the region around it.
- `live`: what it says can change while the page is open (a notification arrives, a notice is
  sent): the open page asks for the live panels again every POLL_SECONDS and swaps in their
  bodies when they changed. Say times as times and waits to the hour, so that a live panel
  changes when something happens, not every minute.

Panels show in `order`: 100s the MASH's front door, 200s duties and actions, 300s interviews,
400s panels and meetings, 500s notices, 700s reports, 800s administration.
"""

import hashlib
from dataclasses import dataclass
from typing import Callable

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

POLL_SECONDS = 20
CHILDREN_SHOWN = "children_shown"


@dataclass(frozen=True)
class Count:
    """One count of a panel, as casework/home/_counts.html shows it: "3 notifications waiting",
    linking to the screen that acts on them (no link when there are none)."""

    number: int
    one: str  # what one is: "duty overdue"
    many: str  # what several are: "duties overdue"
    href: str

    @property
    def text(self):
        return self.one if self.number == 1 else self.many


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    order: int
    shows: Callable
    build: Callable
    template: str
    live: bool = False


@dataclass(frozen=True)
class BuiltPanel:
    """One panel as built for one person: its body rendered, and the children it shows."""

    panel: HomePanel
    body: str
    children: tuple

    @property
    def key(self):
        return self.panel.key


_panels: dict[str, HomePanel] = {}


def register_home_panel(key, *, title, order, shows, build, template, live=False):
    panel = HomePanel(key, title, order, shows, build, template, live)
    if key in _panels and _panels[key] != panel:
        raise ValueError(f"Home panel {key} is registered twice.")
    _panels[key] = panel
    return panel


def unregister_home_panel(key):
    """For tests that register a toy panel."""
    _panels.pop(key, None)


def home_panels_for(user, now, *, live_only=False):
    """The panels this person sees, in order, each built and rendered."""
    built = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if (live_only and not panel.live) or not panel.shows(user):
            continue
        context = dict(panel.build(user, now))
        children = tuple(context.pop(CHILDREN_SHOWN, ()))
        body = render_to_string(panel.template, {**context, "user": user, "now": now})
        built.append(BuiltPanel(panel, mark_safe(body), children))
    return built


def children_shown(panels):
    return [child for panel in panels for child in panel.children]


def live_signature(panels):
    """A digest of what the live panels say: the page sends back the one it shows, and a poll that
    would show the same answers 204 (nothing to swap, nothing newly shown to log)."""
    bodies = "\x00".join(f"{p.key}\x00{p.body}" for p in panels if p.panel.live)
    return hashlib.sha256(bodies.encode()).hexdigest()[:20]
