"""The child's page links to the profile and to every missing-child update."""

from ..child_page import ChildLink, register_child_link


def child_links_register():
    register_child_link(ChildLink("Missing person profile", "profiles:detail", order=10))
    register_child_link(ChildLink("All missing-child updates", "missing:child_updates", order=11))
