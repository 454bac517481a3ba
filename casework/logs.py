"""Structured logs: one JSON object a line, each carrying the id of the request (or job) it served.

`RequestIdMiddleware` takes the caller's `X-Request-ID` (a load balancer's or another service's)
when it is a plain token, or makes one, answers it in the same header, and logs one line per
request: method, path (never the query string: a search may name a child), status and time taken.
A background job runs under the id of the request that asked for it (casework.jobs).
"""

import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

request_id_var = ContextVar("request_id", default="")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

# The attributes every LogRecord has; anything else was passed as `extra` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

request_logger = logging.getLogger("casework.request")


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def request_id_from(value):
    """The caller's request id when it is a plain token of at most 100 characters, else a new one."""
    if value and _VALID_ID.match(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(request_id):
    token = request_id_var.set(request_id or "")
    try:
        yield
    finally:
        request_id_var.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        started = time.monotonic()
        with request_id_bound(request.request_id):
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            request_logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        return response
