"""gunicorn's settings for the web app (read from the working folder; the Dockerfile and the
benchmark start gunicorn there). Each can be changed through the environment.

Threads, not only processes: a page spends part of its time waiting for PostgreSQL, and a thread
lets the same process serve another request meanwhile, so a burst of users queues less than on
sync workers (issue 13: 50 users at once). Every thread holds one persistent database connection
(CONN_MAX_AGE), so WEB_CONCURRENCY x GUNICORN_THREADS, plus Celery's, must stay under PostgreSQL's
max_connections (100 by default).
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A request gets this long before its worker is replaced (the largest PDFs take tens of seconds on
# a loaded machine); a worker finishing its requests gets graceful_timeout on a restart.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, at different times, so a slow leak cannot grow for good.
max_requests = 2000
max_requests_jitter = 200
# gunicorn 27 otherwise writes a control socket under the home folder.
control_socket_disable = True


def post_worker_init(worker):
    """Once the worker has loaded the app: the collector no longer walks what start-up made
    (config.gc_tuning)."""
    from config.gc_tuning import settle_after_start

    settle_after_start()
