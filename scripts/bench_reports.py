"""Time and peak memory of the reports on a large synthetic authority.

    .venv/bin/python scripts/bench_reports.py [--children 20000] [--database-url postgres://...] [--no-seed]

Makes a fresh bench database (default postgres://app:app@127.0.0.1:5432/casework_bench_reports), seeds
it with `manage.py seed_demo --children N`, then measures, each in a process of its own so that its
peak memory is its own: the monthly dashboard (the figures and the page, as a MASH coordinator) for
the last complete month, and the board's quarterly PDF for the quarter whose episodes are nearest
5,000. Prints one line of JSON per measurement.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://app:app@127.0.0.1:5432/casework_bench_reports"
TARGET_EPISODES = 5000


def recreate_database(url):
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def manage(url, *args):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def child_measure(url, what):
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    out = subprocess.run([sys.executable, __file__, "--measure", what], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _setup():
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def _timed(run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracemalloc.start()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        extra = run()
        seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": round(seconds, 2), "python_peak_mb": round(peak / 2**20, 1),
            "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "queries": len(captured), **(extra or {})}


def measure_dashboard():
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from casework.models import User
    from missing.models import Child, MissingEpisode
    from reporting.dashboard import last_complete_month

    settings.ALLOWED_HOSTS = ["*"]
    month = last_complete_month(timezone.now())
    user = next(u for u in User.objects.all() if "mash_coordinator" in (u.roles or []))
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    def run():
        response = client.get("/reports/dashboard/", {"month": month})
        assert response.status_code == 200, response.status_code
        return {"status": response.status_code, "bytes": len(response.content)}

    return {"what": "dashboard page", "month": month, "children": Child.objects.count(),
            "episodes_total": MissingEpisode.objects.count(), **_timed(run)}


def measure_quarterly():
    from django.db.models import Count
    from django.db.models.functions import ExtractQuarter, ExtractYear
    from django.utils import timezone

    from missing.models import MissingEpisode
    from panels.models import Panel
    from reporting.quarterly import render_pdf, report_content

    per_quarter = (MissingEpisode.objects.annotate(y=ExtractYear("started_at"), q=ExtractQuarter("started_at"))
                   .values("y", "q").annotate(n=Count("pk")))
    best = min(per_quarter, key=lambda row: abs(row["n"] - TARGET_EPISODES))
    quarter = f"{best['y']}-Q{best['q']}"
    panel = Panel.objects.select_related("authority").first()
    if panel is None:  # a seed still running, or one without panels: a panel of the bench's own
        from casework.models import LocalAuthority

        panel, _ = Panel.objects.get_or_create(authority=LocalAuthority.objects.first(), name="Bench reports panel")

    def run():
        pdf = render_pdf(report_content(panel, quarter, now=timezone.now(), gaps="Bench run."))
        return {"pdf_bytes": len(pdf)}

    return {"what": "quarterly PDF", "quarter": quarter, "episodes_in_quarter": best["n"], **_timed(run)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--no-seed", action="store_true", help="measure the database as it is")
    parser.add_argument("--measure", choices=["dashboard", "quarterly"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _setup()
        result = measure_dashboard() if args.measure == "dashboard" else measure_quarterly()
        print(json.dumps(result))
        return
    if not args.no_seed:
        recreate_database(args.database_url)
        started = time.perf_counter()
        manage(args.database_url, "migrate", "-v0")
        manage(args.database_url, "seed_demo", "--children", str(args.children))
        print(json.dumps({"what": "seed", "children": args.children,
                          "seconds": round(time.perf_counter() - started, 1)}), flush=True)
    for what in ("dashboard", "quarterly"):
        print(json.dumps(child_measure(args.database_url, what)), flush=True)


if __name__ == "__main__":
    main()
