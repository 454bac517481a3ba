"""Links other apps add to a child's page (meetings and actions, later a panel's ratings), registered
from their ready() as apps register navigation, so the missing app names none of them."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class ChildLink:
    text: str
    url_name: str  # reversed with the child's id
    order: int = 100


_links: list[ChildLink] = []


def register_child_link(link):
    _links.append(link)
    _links.sort(key=lambda item: item.order)
    return link


def child_links(child):
    return [{"text": link.text, "href": reverse(link.url_name, args=[child.pk])} for link in _links]
