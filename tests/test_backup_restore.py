"""Backup and restore (issue 14, item 4): scripts/backup.sh of a seeded database and its files,
scripts/restore.sh into an empty database, and every row, every file and the append-only audit
log found intact. Runs in CI with the rest of the suite."""

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework.audit import audit_event_record
from casework.clocks.services import deadlines_sweep
from casework.models import AuditEvent, RecordAccess, User
from missing.models import Child

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
PROTECTED = ["casework_auditevent", "casework_recordaccess"]


def _url(name):
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@contextmanager
def _cursor(name):
    s = connection.settings_dict
    conn = psycopg2.connect(dbname=name, user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or "127.0.0.1",
                            port=s["PORT"] or 5432)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


def _fingerprint(name):
    """{table: (rows, md5 of every row's text in order)} for every table of the database."""
    with _cursor(name) as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        found = {}
        for table in tables:
            cursor.execute(
                f'SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), \'\')) FROM "{table}" t'
            )
            found[table] = cursor.fetchone()
    return found


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def _run(script, *args, database, files_dir):
    env = {**os.environ, "DATABASE_URL": _url(database), "CASEWORK_FILES_DIR": str(files_dir)}
    return subprocess.run([str(ROOT / "scripts" / script), *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    with _cursor("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with _cursor("postgres") as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def seeded(tmp_path):
    call_command("seed_demo", children=12, notifications=6, seed=14, stdout=open(os.devnull, "w"))
    deadlines_sweep()
    admin = User.objects.get(username="admin")
    children = list(Child.objects.all()[:3])
    RecordAccess.objects.bulk_create(
        RecordAccess(user=admin, child_id=c.pk, channel="page", path=f"/missing/children/{c.pk}/") for c in children
    )
    audit_event_record(actor=admin, verb="backup.test", obj=children[0], child_id=children[0].pk,
                       data={"at": timezone.now().isoformat(), "note": "naïve café – “quoted”"})
    files = tmp_path / "files"
    (files / "exports" / "2026").mkdir(parents=True)
    (files / "exports" / "2026" / "export.zip").write_bytes(os.urandom(50_000))
    (files / "uploads").mkdir()
    (files / "uploads" / "notifications.csv").write_text("source_ref,kind\nMPS-1,missing\n")
    return files


def test_a_backup_restores_into_an_empty_database_with_every_row_file_and_audit_entry(seeded, empty_database, tmp_path):
    source = connection.settings_dict["NAME"]
    assert AuditEvent.objects.count() > 10 and RecordAccess.objects.count() == 3

    made = _run("backup.sh", tmp_path / "backups", database=source, files_dir=seeded)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup.iterdir()} == {"database.dump", "files.tar.gz", "SHA256SUMS"}
    assert oct(backup.stat().st_mode & 0o777) == "0o700"

    restored_files = tmp_path / "restored-files"
    restored = _run("restore.sh", backup, database=empty_database, files_dir=restored_files)
    assert restored.returncode == 0, restored.stderr

    before, after = _fingerprint(source), _fingerprint(empty_database)
    assert before == after
    for table in ["missing_child", "missing_missingepisode", "missing_historicalmissingepisode", "casework_deadline",
                  "casework_escalation", "casework_clockheartbeat", *PROTECTED]:
        assert after[table][0] > 0, table
    assert _files(restored_files) == _files(seeded)

    with _cursor(empty_database) as cursor:  # still append-only after the restore
        for table in PROTECTED:
            for statement in (f"UPDATE {table} SET at = now()", f"DELETE FROM {table}"):
                with pytest.raises(psycopg2.errors.RaiseException, match="append-only"):
                    cursor.execute(statement)

    again = _run("restore.sh", backup, database=empty_database, files_dir=tmp_path / "other-files")
    assert again.returncode == 1 and "restore only into a new, empty database" in again.stderr


def test_a_damaged_backup_is_refused(seeded, empty_database, tmp_path):
    backup = Path(_run("backup.sh", tmp_path / "backups", database=connection.settings_dict["NAME"],
                       files_dir=seeded).stdout.strip())
    with open(backup / "database.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"\x00\x00\x00")
    refused = _run("restore.sh", backup, database=empty_database, files_dir=tmp_path / "restored-files")
    assert refused.returncode == 1 and "checksums do not match" in refused.stderr
    assert _fingerprint(empty_database) == {}
