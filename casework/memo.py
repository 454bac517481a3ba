"""What a read request works out once and asks for more than once: a memo that lives for one GET or
HEAD request (RequestMemoMiddleware) and nowhere else. Outside such a request (a form's POST, a
task, a shell, a test calling a selector) each ask is answered anew, so nothing read before a write
is served after it."""

from contextvars import ContextVar

_memo = ContextVar("casework_request_memo", default=None)


def request_memo(key, build):
    """build(), kept under `key` for the rest of this read request; build() each time elsewhere."""
    memo = _memo.get()
    if memo is None:
        return build()
    if key not in memo:
        memo[key] = build()
    return memo[key]


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
