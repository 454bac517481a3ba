"""`GET /healthz` and `GET /readyz` for load balancers, docker-compose and monitoring.

Answered by a middleware ahead of everything else: no sign-in, no session read or written, no
HTTPS redirect and no host check, since a load balancer calls them over plain HTTP by address.

- /healthz: the process answers (200), touching nothing else.
- /readyz: 200 `ok` when the database answers, every migration is applied, the clock swept within
  CLOCK_LATE_AFTER and the broker answers; 200 `degraded` when only the broker is down (requests
  never need it: queued work waits in the database); 503 `fail` otherwise.
"""

import logging

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from .clocks.heartbeat import clock_watch
from .jobs import broker_reachable

logger = logging.getLogger(__name__)

OK, DEGRADED, FAIL = "ok", "degraded", "fail"
_migrations_applied = False  # once true in a process it stays true: nothing unapplies a migration


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": OK}


def _check_migrations():
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return {"status": FAIL, "pending": len(pending)}
        _migrations_applied = True
    return {"status": OK}


def _check_clock():
    status = clock_watch(start_watching=True)
    return {**status.as_dict(), "status": FAIL if status.late else OK}


def _check_broker():
    return {"status": OK} if broker_reachable() else {"status": DEGRADED, "detail": "The broker does not answer."}


def readiness():
    """(HTTP status, body). A check that raises fails with the exception's type, not its text."""
    checks = {}
    for name, check in (("database", _check_database), ("migrations", _check_migrations),
                        ("clock", _check_clock), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as error:  # a readiness probe answers; it never raises
            logger.error("readyz.check_failed", extra={"check": name, "error": type(error).__name__})
            checks[name] = {"status": FAIL, "error": type(error).__name__}
            if name == "database":
                break
    statuses = {check["status"] for check in checks.values()}
    overall = FAIL if FAIL in statuses else DEGRADED if DEGRADED in statuses else OK
    return (503 if overall == FAIL else 200), {"status": overall, "checks": checks}


def _answer(status, body):
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    # A load balancer asks every few seconds: the clock's outage is logged once (heartbeat.py),
    # not once per probe by Django's request logger.
    response._has_been_logged = True
    return response


class HealthCheckMiddleware:
    PATHS = {"/healthz": "live", "/readyz": "ready"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = self.PATHS.get(request.path.rstrip("/"))
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _answer(405, {"detail": "Use GET."})
        if probe == "live":
            return _answer(200, {"status": OK})
        return _answer(*readiness())
