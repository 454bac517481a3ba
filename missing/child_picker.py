"""Choosing the child on a form without listing every child of the authority.

A form page takes the child by id: from the child's page (`?child=<id>`), or from at most
SEARCH_LIMIT matches of a GOV.UK search box on the same page (`?q=`). On POST the id is checked
against the children the user may see in one query, so an invisible child is refused like a
child that does not exist.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404

from casework.audit import record_access_log

from .permissions import children_visible_to
from .selectors import children_search

SEARCH_LIMIT = 20
CHOOSE_CHILD = "Choose the child: search for them by name or police person ID and pick them from the results"


class VisibleChildField(forms.ModelChoiceField):
    """The child as a hidden id, checked against `children_visible_to(user)` with one query.

    The hidden input has its own id so that the error summary's `#id_child` lands on the search box.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Child")
        kwargs.setdefault("widget", forms.HiddenInput(attrs={"id": "id_child_value"}))
        kwargs.setdefault("error_messages", {"required": CHOOSE_CHILD, "invalid_choice": CHOOSE_CHILD})
        super().__init__(queryset=None, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            # A malformed id says no more than an unknown one: the same message either way.
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from error

    def limit_to(self, user):
        self.queryset = children_visible_to(user)


def _given_child(request):
    """The child named by `?child=`: 404 when the user may not see it (or it does not exist)."""
    child_id = request.GET.get("child", "").strip()
    if not child_id:
        return None
    try:
        child = children_visible_to(request.user).filter(pk=child_id).first()
    except (ValueError, ValidationError):
        child = None
    if child is None:
        raise Http404
    return child


def child_picker(request, form):
    """What the page shows about the child: the one chosen, or the search box and its results.

    A GET logs the children it shows (the chosen one and the search results) in one insert. A refused
    POST shows again only the child the user sent, whose showing was logged when they picked it, and
    saves nothing at all."""
    chosen = None
    if form.is_bound:
        if not form.errors.get("child"):
            chosen = getattr(form, "cleaned_data", {}).get("child")
    else:
        chosen = form.initial.get("child_object")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    results = []
    if chosen is None and query and not form.is_bound:
        results = list(children_search(request.user, query)[:SEARCH_LIMIT])
    if not form.is_bound:
        record_access_log(request, results + ([chosen] if chosen is not None else []), query=query)
    return {"chosen": chosen, "query": query, "results": results, "searched": bool(query),
            "limit": SEARCH_LIMIT}


def initial_child(request):
    """The form's initial data for a GET: the child of `?child=` (404 if not visible), if any."""
    child = _given_child(request)
    if child is None:
        return {}
    return {"child": child.pk, "child_object": child}
