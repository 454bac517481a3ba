"""The garbage collector as a web worker runs it (gunicorn.conf.py's post_worker_init).

A request allocates tens of thousands of short-lived objects (querysets, expressions, rows). With
Python's defaults the collector runs every 700 allocations and, now and then, walks every object
the process holds, the whole of Django and the app (about 190,000 once the pages have been served):
120 ms, measured, that falls on whichever request is running. Here the objects made while the
worker started are moved out of the collector's sight (gc.freeze: they live as long as the worker),
so a full collection walks only what was made since (the caches the first requests fill, and the
requests' own objects), and the youngest generation is collected every 50,000 allocations. The
medians of the API reads do not move beyond this machine's noise; the pauses go (issue 13).
"""

import gc

YOUNGEST, MIDDLE, OLDEST = 50_000, 20, 10


def settle_after_start():
    """Load what a worker otherwise loads on its first request (the URLconf and with it every
    view module), then freeze it. The oldest generation keeps Python's default, so garbage that
    reached it (a cycle of objects that outlived a collection while a request was under way) is
    still collected within a worker's life."""
    from django.urls import get_resolver

    get_resolver().url_patterns
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, MIDDLE, OLDEST)
