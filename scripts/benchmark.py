"""Measure every screen and API read, the clock sweep, notification ingest and 50 concurrent users.

Run with scripts/benchmark.sh (it makes the data set: one authority of 20,000 children, or the
national set of seed_national). Each page is timed with Django's test client (median and 95th
percentile of BENCH_REPEATS runs) with its query count, and reported as a ratio to a bare
authenticated page timed in turn with it; each API read as a ratio to GET /api/v1/users/me/.

To add a screen, add one line to PAGES or APIS in config/screens.py: (label, user, url builder).
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.clocks.services import deadlines_sweep  # noqa: E402
from casework.models import ClockHeartbeat, Deadline, User  # noqa: E402
from casework.services import api_token_issue, api_tokens_revoke_all  # noqa: E402
from config.gc_tuning import settle_after_start  # noqa: E402
from config.screens import APIS, PAGES, Fixtures, sign_in  # noqa: E402
from missing.models import Child, MissingEpisode, PoliceNotification  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "15"))
LIMIT = 3.0  # the issue's bound: every page and API read within 3x its baseline


def _timed_get(client, path, headers):
    """The GET's time, its statements, its status, and the time spent in the database driver's
    execute (the statements' round trips and PostgreSQL's work): the rest is Python's."""
    in_sql = []

    def timed_execute(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql.append(time.perf_counter() - started)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed_execute):
        started = time.perf_counter()
        response = client.get(path, **headers)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, len(captured), response.status_code, sum(in_sql) * 1000


def timed_in_turn(client, path, headers, baseline=None, repeats=REPEATS):
    """`repeats` timed GETs of `path`, and as many of the baseline (client, path, headers) when given,
    taken in turn with them: a row and its baseline see the same moment of the machine."""
    timings, in_sql, base, queries, status = [], [], [], 0, None
    client.get(path, **headers)  # warm: templates, caches, connection
    for _ in range(repeats):
        if baseline is not None:
            base.append(_timed_get(*baseline)[0])
        elapsed, queries, status, sql_ms = _timed_get(client, path, headers)
        timings.append(elapsed)
        in_sql.append(sql_ms)
    return status, timings, queries, base, statistics.median(in_sql)


def _median_and_p95(timings):
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def _table(title, rows, clients, fixtures, headers_for):
    """Each row's median, p95 and query count, and its ratio to the first row (the baseline). The
    baseline is timed in turn with each row (baseline, row, baseline, row, ...) and the ratio is the
    row's median over the median of those baseline runs: on this shared 2-core machine the bare
    page's median moved between 20 and 46 ms within one run, and a ratio to one early measurement
    of it moved every row with it."""
    print(f"\n{title}")
    print(f"{'':<44} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'ratio':>6} {'in SQL ms':>10}")
    results, over, baseline = [], [], None
    for label, who, build in rows:
        try:
            path = build(fixtures)
        except AttributeError:
            path = None
        if path is None:
            print(f"{label:<44} {'skipped: no such object in this data set':>40}")
            continue
        # In service the clock sweeps each minute: a data set seeded a while ago would otherwise show
        # (and time) the "clock has stopped" banner and send its email on coordinators' pages.
        ClockHeartbeat.objects.filter(pk=1).update(last_finished_at=timezone.now())
        status, timings, queries, base, sql_ms = timed_in_turn(clients[who], path, headers_for(who), baseline)
        median, p95 = _median_and_p95(timings)
        base_median = statistics.median(base) if base else median  # the baseline row is its own
        ratio = median / base_median
        baseline = baseline or (clients[who], path, headers_for(who))
        flag = " !" if ratio > LIMIT or status != 200 else ""
        if flag:
            over.append(label)
        print(f"{label:<44} {status:>6} {median:>10.1f} {p95:>8.1f} {queries:>8} {ratio:>5.1f}x{flag:<2} {sql_ms:>8.1f}")
        results.append({"label": label, "path": path, "status": status, "median_ms": round(median, 2),
                        "p95_ms": round(p95, 2), "queries": queries, "ratio": round(ratio, 2),
                        "baseline_ms": round(base_median, 2), "sql_ms": round(sql_ms, 2)})
    return results, over


def sweep_when_nothing_is_due():
    deadlines_sweep()  # fire anything due now, so the timed runs find nothing
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        deadlines_sweep()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# Over HTTP, against gunicorn ----------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(workers=None, threads=None):
    """gunicorn as deployed (gunicorn.conf.py in the project folder: gthread workers, persistent
    database connections), with the worker and thread counts overridable."""
    port = _free_port()
    command = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning"]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/schema/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    return process, f"http://127.0.0.1:{port}"


def _run_threads(count, work):
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _notification(run, n, i):
    return {
        "source_ref": f"BENCH-{run}-{n}-{i}", "kind": "missing",
        "received_at": "2026-01-05T10:00:00Z", "occurred_at": "2026-01-05T09:00:00Z",
        "child": {"given_name": "Bench", "family_name": f"Ingest{n}x{i}", "date_of_birth": "2012-03-04"},
        "risk_level": "medium", "location_type": "home",
    }


def _post(base, token, body):
    request = urllib.request.Request(f"{base}/api/v1/notifications/", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def ingest(base, token, clients=8, per_client=60, batch=1):
    """Notifications per second through POST /api/v1/notifications/, `clients` at once: one
    notification per request, or (batch > 1) JSON arrays of `batch` notifications."""
    run = time.time_ns()
    failures = []

    def work(n):
        for start in range(0, per_client, batch):
            items = [_notification(run, n, i) for i in range(start, min(start + batch, per_client))]
            try:
                if batch == 1:
                    status, _ = _post(base, token, items[0])
                    if status != 201:
                        failures.append(status)
                else:
                    status, body = _post(base, token, items)
                    failures.extend(r["status_code"] for r in body["results"] if r["status_code"] != 201)
            except OSError as error:
                failures.extend([str(error)] * len(items))

    started = time.perf_counter()
    _run_threads(clients, work)
    elapsed = time.perf_counter() - started
    return clients * per_client / elapsed, failures


def concurrent_users(base, sessions, users=50, each=6):
    """`users` people at once, each opening `each` of their pages in turn: the p95 of every response.

    `sessions` is a list of (cookie, paths): each user takes one in turn and opens only the pages
    that person may open (a chair opening the MASH triage queue is answered 404, not a failure).
    """
    timings, failures = [], []
    lock = threading.Lock()

    def work(n):
        cookie, paths = sessions[n % len(sessions)]
        for i in range(each):
            path = paths[(n + i) % len(paths)]
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    failure = None if response.status == 200 else f"{path}: {response.status}"
            except OSError as error:
                failure = f"{path}: {error}"
            with lock:
                timings.append((time.perf_counter() - started) * 1000)
                if failure:
                    failures.append(failure)

    _run_threads(users, work)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], failures


def user_sessions(clients, fixtures):
    """The 50 users' sessions: MASH coordinators, chairs and return interview workers, each with the
    pages of the load run that person may open (checked once, before the run)."""
    paths = ["/", "/missing/triage/", "/missing/children/", f"/missing/children/{fixtures.child.pk}/",
             "/clocks/due/", "/missing/children/?q=Ash"]
    sessions = []
    for name in ("mash", "chair", "rhi"):
        theirs = [path for path in paths if clients[name].get(path).status_code == 200]
        sessions.append((f"sessionid={clients[name].cookies['sessionid'].value}", theirs))
    return sessions


def main():
    fixtures = Fixtures()
    users = {name: User.objects.get(username=name) for name in ("mash", "rhi", "chair", "health", "education", "admin",
                                                                "police")}
    clients = {}
    for name, user in users.items():
        clients[name] = sign_in(Client(), user)
    # One token per user, as a client holds: knox reads every live token of the user on each request,
    # so tokens left by earlier runs (they live API_TOKEN_HOURS) would slow every API row and its
    # baseline alike, and the ratios would move from run to run.
    for user in users.values():
        api_tokens_revoke_all(user=user)
    tokens = {name: api_token_issue(user=user) for name, user in users.items()}
    api = Client()
    # The collector as a gunicorn worker runs it once the app is loaded (gunicorn.conf.py).
    settle_after_start()
    print(f"Benchmark {timezone.now():%Y-%m-%d %H:%M} UTC, PostgreSQL {connection.pg_version // 10000}, "
          f"{REPEATS} runs per row")
    print(f"Data: {Child.objects.count()} children, {MissingEpisode.objects.count()} episodes, "
          f"{Deadline.objects.count()} deadlines, {PoliceNotification.objects.filter(status='pending').count()} "
          f"pending notifications; authority of the benchmark users: "
          f"{Child.objects.filter(authority_id=users['mash'].agency.authority_id).count()} children")
    pages, pages_over = _table("Pages (ratio to the bare page)", PAGES, clients, fixtures, lambda who: {})
    apis, apis_over = _table("API reads (ratio to GET users/me)", APIS, {k: api for k in clients}, fixtures,
                             lambda who: {"HTTP_AUTHORIZATION": f"Token {tokens[who]}"})
    sweep = sweep_when_nothing_is_due()
    print(f"\nClock sweep with nothing due, over {Deadline.objects.count()} deadlines: {sweep:.1f} ms (median of 7)")
    process, base = gunicorn(workers=os.environ.get("BENCH_WORKERS"), threads=os.environ.get("BENCH_THREADS"))
    try:
        rate, failures = ingest(base, tokens["police"])
        print(f"Ingest through gunicorn, 8 clients at once, one per request: {rate:.0f} notifications/s "
              f"({len(failures)} failed)")
        rate, failures = ingest(base, tokens["police"], per_client=500, batch=100)
        print(f"Ingest through gunicorn, 8 clients at once, batches of 100: {rate:.0f} notifications/s "
              f"({len(failures)} failed)")
        # The 4,480 notifications just taken in wait in the triage queue: removed, so that the users
        # below and the next run (BENCH_REUSE) measure the data set as it was seeded.
        PoliceNotification.objects.filter(source_ref__startswith="BENCH-").delete()
        median, p95, failed = concurrent_users(base, user_sessions(clients, fixtures))
        print(f"50 concurrent users on gunicorn: median {median:.0f} ms, p95 {p95:.0f} ms ({len(failed)} failed"
              f"{': ' + ', '.join(sorted(set(failed))[:5]) if failed else ''})")
    finally:
        process.terminate()
        process.wait(timeout=30)
    over = pages_over + apis_over
    print(f"\nOver {LIMIT:.0f}x or not 200: {', '.join(over) if over else 'none'}")
    out = os.environ.get("BENCH_JSON")
    if out:
        Path(out).write_text(json.dumps({"pages": pages, "apis": apis, "sweep_ms": sweep}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
