"""Pages for MASH coordinators and agency staff. They call the same selectors and services as the API."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from casework.audit import record_access_log
from casework.permissions import is_mash_coordinator
from casework.protocol_store import protocol_for

from .permissions import children_visible_to
from .selectors import child_flags, child_with_episodes, children_search


@login_required
def child_list(request):
    query = request.GET.get("q", "")[:200]
    page = Paginator(children_search(request.user, query), 50).get_page(request.GET.get("page"))
    return render(request, "missing/child_list.html", {"page": page, "q": query})


@login_required
def child_detail(request, child_id):
    child = child_with_episodes(children_visible_to(request.user)).filter(pk=child_id).first()
    if child is None:
        raise Http404
    record_access_log(user=request.user, child=child, channel="page", path=request.path)
    flags = child_flags(child, protocol=protocol_for(child.authority))
    return render(request, "missing/child_detail.html", {"child": child, "flags": flags})


@login_required
def triage_queue(request):
    if not is_mash_coordinator(request.user):
        raise Http404
    raise Http404


@login_required
def notification_upload(request):
    if not is_mash_coordinator(request.user):
        raise Http404
    raise Http404
