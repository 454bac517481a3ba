"""Measure the main screens and API reads on a large synthetic authority.

Run with scripts/benchmark.sh: it makes a PostgreSQL database with `seed_demo --children N`, then
this script times each request (median and 95th percentile of repeated runs) and counts its
queries, so that "constant queries as data grows" and response times are figures, not guesses.
"""

import os
import statistics
import sys
import time

from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from casework.models import User  # noqa: E402
from casework.services import api_token_issue  # noqa: E402
from missing.models import Child, MissingEpisode, PoliceNotification  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))


def measure(client, path, **headers):
    timings, queries, status = [], 0, None
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, **headers)
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    timings.sort()
    return status, statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main():
    mash = User.objects.get(username="mash")
    child = Child.objects.filter(episodes__isnull=False).first()
    pages = Client()
    pages.force_login(mash)
    interviewer = Client()
    interviewer.force_login(User.objects.get(username="rhi"))
    token = api_token_issue(user=mash)
    api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    print(
        f"Data: {Child.objects.count()} children, {MissingEpisode.objects.count()} episodes, "
        f"{PoliceNotification.objects.filter(status='pending').count()} pending notifications"
    )
    print(f"{'request':<48} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    rows = [
        ("page: home (MASH coordinator)", pages, "/", {}),
        ("page: home, live panels polled (MASH)", pages, "/home/live/", {"HTTP_X_CASEWORK_POLL": "1"}),
        ("page: home (return interview worker)", interviewer, "/", {}),
        ("page: triage queue", pages, "/missing/triage/", {}),
        ("page: children list", pages, "/missing/children/", {}),
        ("page: children search", pages, "/missing/children/?q=Ash", {}),
        ("page: child record", pages, f"/missing/children/{child.pk}/", {}),
        ("api: GET notifications?status=pending", api, "/api/v1/notifications/?status=pending", auth),
        ("api: GET children?q=", api, "/api/v1/children/?q=Oak", auth),
        ("api: GET child", api, f"/api/v1/children/{child.pk}/", auth),
    ]
    for label, client, path, headers in rows:
        status, median, p95, queries = measure(client, path, **headers)
        print(f"{label:<48} {status:>6} {median:>10.1f} {p95:>8.1f} {queries:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
