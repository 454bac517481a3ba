"""casework.memo: what one read request works out once (issue 13), and nowhere else."""

from django.http import HttpResponse
from django.test import RequestFactory

from casework.memo import RequestMemoMiddleware, request_memo


def _counting():
    built = []

    def build():
        built.append(1)
        return len(built)

    return built, build


def _through_middleware(method, view):
    return RequestMemoMiddleware(view)(getattr(RequestFactory(), method)("/anywhere/"))


def test_a_read_request_builds_each_key_once():
    built, build = _counting()
    seen = []

    def view(request):
        seen.extend([request_memo("a", build), request_memo("a", build), request_memo("b", lambda: "other")])
        return HttpResponse()

    _through_middleware("get", view)
    assert seen == [1, 1, "other"] and len(built) == 1
    _through_middleware("head", view)  # the next request builds again
    assert len(built) == 2 and seen[3:] == [2, 2, "other"]


def test_outside_a_read_request_each_ask_is_answered_anew():
    built, build = _counting()
    assert [request_memo("a", build), request_memo("a", build)] == [1, 2]

    def view(request):
        request_memo("a", build)
        request_memo("a", build)
        return HttpResponse()

    _through_middleware("post", view)  # a write may change what was read before it
    assert len(built) == 4
