"""seed_national's episodes are made in chunks, by worker processes at national size: a chunk's rows
depend only on the plan and the chunk, so the workers' text is the text made here, ids never repeat
across chunks, and the same seed makes the same rows."""

import random
from datetime import datetime, timedelta, timezone

from casework.bulkcopy import CopyTable, SeqIds
from missing.management.commands.seed_national import (
    EPISODE_TABLES, ID_TABLES, EpisodePlan, chunk_texts, episode_chunk,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
AUTHORITY = "0000000a-0000-0000-0000-000000000001"
TASKS = [(0, 0, 40), (1, 40, 40), (2, 80, 7)]


def _plan(seed):
    rng = random.Random(seed)
    kids = [(f"0000000c-0000-0000-0000-{n:012x}", AUTHORITY, "Robin", f"Testfamily{n}", "2012-03-04")
            for n in range(25)]
    return EpisodePlan(
        kids=kids, now=NOW, seed=rng.getrandbits(64),
        heads={name: SeqIds(rng).head for name in ID_TABLES},
        police={AUTHORITY: "0000000d-0000-0000-0000-000000000001"},
        rhi={AUTHORITY: "0000000d-0000-0000-0000-000000000002"},
        t1_hours={AUTHORITY: 60},
    )


def _tables():
    return {name: CopyTable(model, columns, now=NOW) for name, (model, columns) in EPISODE_TABLES.items()}


def _here(plan, tables):
    return [{name: tables[name].text(rows) for name, rows in episode_chunk(plan, *task).items()} for task in TASKS]


def test_worker_processes_make_the_chunks_this_process_would():
    plan, tables = _plan(11), _tables()
    assert list(chunk_texts(plan, tables, TASKS, ahead=2)) == _here(plan, tables)


def test_ids_are_unique_across_chunks_and_the_seed_decides_the_rows():
    plan, tables = _plan(11), _tables()
    chunks = [episode_chunk(plan, *task) for task in TASKS]
    for name in ID_TABLES:
        ids = [row[0] for chunk in chunks for row in chunk[name]]
        assert len(ids) == len(set(ids)), name
    episodes = [row for chunk in chunks for row in chunk["episode"]]
    assert len(episodes) == 87
    assert [row[10] for row in episodes] == [f"NAT-{n:08d}" for n in range(1, 88)]  # police refs run on
    for row in (row for chunk in chunks for row in chunk["deadline"]):  # T1: the authority's hours from the return
        assert datetime.fromisoformat(row[9]) - datetime.fromisoformat(row[8]) == timedelta(hours=60)
    assert _here(_plan(11), tables) == _here(plan, tables)
    assert _here(_plan(12), tables) != _here(plan, tables)
