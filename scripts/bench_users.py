"""Time the API's long lists as each benchmark user, not only as the one user a benchmark row names.

Run against a data set made by scripts/benchmark.sh with BENCH_KEEP=1, e.g.:
  DATABASE_URL=postgres://app:app@127.0.0.1:5432/casework_bench_national SECRET_KEY=x \
  ALLOWED_HOSTS=testserver SECURE_SSL_REDIRECT=false .venv/bin/python scripts/bench_users.py

Prints a Markdown table: for each list and user, the median of BENCH_REPEATS GETs and the count
that user gets (issue 13: a return interview worker's deadlines took 1.8 s at national size while
the MASH coordinator's row of the benchmark took 17 ms).

BENCH_PAGES=1 instead opens every page of the benchmark (config/screens.py) as each user who may
open it, with the MASH coordinator among them, and prints each page's median per user and its ratio
to the bare page (the MASH coordinator's upload form: no one else may open it) timed in turn with it,
marking those over 3x (an education officer's view of
a place took 1.8 s at national size while the chair's row of the benchmark took 60 ms).
"""

import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.test import Client  # noqa: E402

from casework.models import ClockHeartbeat, User  # noqa: E402
from casework.services import api_token_issue, api_tokens_revoke_all  # noqa: E402
from config.screens import PAGES, Fixtures, sign_in  # noqa: E402
from benchmark import LIMIT, timed_in_turn  # noqa: E402  (scripts/benchmark.py: the bound; a page and its baseline in turn)

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
USERS = {
    "rhi": "return interview worker",
    "education": "education officer",
    "health": "health (lead agency)",
    "chair": "panel chair (social care)",
    "police": "police",
}
LISTS = ["/children/", "/children/?q=Oak", "/notifications/", "/notifications/?status=pending", "/deadlines/",
         "/return-interviews/"]
# Every other list of the API that can hold rows of the whole authority: BENCH_ALL=1 times these too.
MORE_LISTS = ["/deadlines/?status=overdue", "/escalations/", "/safe-and-well-checks/", "/education-cases/",
              "/referrals/", "/actions/", "/children/duplicates/", "/reports/currently-missing/", "/providers/",
              "/intelligence/places/", "/intelligence/persons/", "/intelligence/associations/",
              "/intelligence/disruptions/"]


PAGE_USERS = {"mash": "MASH coordinator", **USERS}


def pages_by_user():
    """Every page as each user who may open it: median ms and ratio to the bare page (the first row
    of PAGES, a MASH coordinator's), timed in turn with it. The pages' objects are the benchmark's
    (config.screens.Fixtures), so a user who may not see that child, interview or case gets "–"
    for its page; a page opened once already (the home page of three rows) is not timed again."""
    from django.utils import timezone

    fixtures = Fixtures()
    clients = {name: sign_in(Client(raise_request_exception=False), User.objects.get(username=name))
               for name in PAGE_USERS}
    bare = PAGES[0][2](fixtures)
    print("| page | " + " | ".join(PAGE_USERS.values()) + " |")
    print("|---|" + "---|" * len(PAGE_USERS))
    over, seen = [], {bare}
    for label, _who, build in PAGES[1:]:
        try:
            path = build(fixtures)
        except AttributeError:
            path = None
        if path is None or path in seen:
            continue
        seen.add(path)
        ClockHeartbeat.objects.filter(pk=1).update(last_finished_at=timezone.now())
        cells = []
        for name, client in clients.items():
            status = client.get(path).status_code  # warm; a page this user may not open is "–"
            if status != 200:
                cells.append("–" if status in (403, 404) else f"{status} !")
                if status not in (403, 404):
                    over.append(f"{label} ({PAGE_USERS[name]}, {status})")
                continue
            _status, timings, _queries, base, _sql = timed_in_turn(client, path, {}, (clients["mash"], bare, {}),
                                                                   repeats=REPEATS)
            ms, base = statistics.median(timings), statistics.median(base)
            ratio = ms / base
            if ratio > LIMIT:
                over.append(f"{label} ({PAGE_USERS[name]}, {ratio:.1f}x)")
            cells.append(f"{ms:.0f} ms ({ratio:.1f}×){' !' if ratio > LIMIT else ''}")
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nOver {LIMIT:.0f}x (or not answered) for some user: {', '.join(over) if over else 'none'}")
    return 0


def main():
    if os.environ.get("BENCH_PAGES"):
        return pages_by_user()
    client, tokens = Client(), {}
    for name in USERS:
        user = User.objects.get(username=name)
        api_tokens_revoke_all(user=user)  # knox reads every live token of the user on each request
        tokens[name] = api_token_issue(user=user)
    print("| request | " + " | ".join(USERS.values()) + " |")
    print("|---|" + "---|" * len(USERS))
    for path in LISTS + (MORE_LISTS if os.environ.get("BENCH_ALL") else []):
        cells = []
        for name in USERS:
            headers = {"HTTP_AUTHORIZATION": f"Token {tokens[name]}"}
            first = client.get(f"/api/v1{path}", **headers)  # warm, and the count this user gets
            if first.status_code != 200:
                cells.append(str(first.status_code))
                continue
            timings = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                client.get(f"/api/v1{path}", **headers)
                timings.append((time.perf_counter() - started) * 1000)
            body = first.json()
            count = f" ({body['count']:,})" if isinstance(body, dict) and "count" in body else ""
            cells.append(f"{statistics.median(timings):.0f} ms{count}")
        print(f"| `GET {path}` | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
