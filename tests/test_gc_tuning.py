"""The web worker's garbage collector settings (config.gc_tuning), applied by gunicorn's hook."""

import gc
import runpy
from pathlib import Path

import pytest

from config.gc_tuning import MIDDLE, OLDEST, YOUNGEST, settle_after_start


@pytest.fixture
def restored_collector():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_moves_start_up_objects_out_of_the_collectors_sight(restored_collector):
    kept = [object() for _ in range(10)]  # made "at start-up"
    settle_after_start()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold() == (YOUNGEST, MIDDLE, OLDEST)


def test_gunicorns_worker_hook_settles_the_collector(restored_collector):
    config = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    gc.set_threshold(700, 10, 10)
    config["post_worker_init"](worker=None)
    assert gc.get_threshold() == (YOUNGEST, MIDDLE, OLDEST)
    assert gc.get_freeze_count() > 0
    assert config["worker_class"] == "gthread"
