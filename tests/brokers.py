"""A Redis of the test's own, on a free port, that a test may stop (never the shared one on 6379),
and the Celery app pointed at a broker for the length of a test."""

import socket
import subprocess
import time
from contextlib import contextmanager

import redis
from celery import current_app


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        """Kill it, as a crash would: whatever it held is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self, queue="celery"):
        return redis.Redis.from_url(self.url).llen(queue)


def _forget_connections(app):
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url):
    """Point the Celery app of this process at `url` (and its results there too)."""
    app = current_app
    saved = app.conf.broker_url, app.conf.result_backend
    _forget_connections(app)
    app.conf.broker_url, app.conf.result_backend = url, url
    try:
        yield app
    finally:
        _forget_connections(app)
        app.conf.broker_url, app.conf.result_backend = saved
