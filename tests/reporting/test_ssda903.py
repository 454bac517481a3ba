"""R6: the SSDA903 missing table. The export is checked by the open-source validator itself
(csc-validator-be-903), run in its own virtual environment (scripts/venv903.sh) on seeded data."""

import csv
import io
import json
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from casework.calendar import LONDON
from casework.models import RecordAccess
from missing.models import LegalStatus
from reporting.ssda903 import child_code, missing_table_periods
from tests.factories import ChildFactory, EpisodeFactory

ROOT = Path(__file__).resolve().parents[2]
VALIDATOR = ROOT / ".venv-903" / "bin" / "python"
URL = "/api/v1/reports/ssda903-missing.csv"
NOW = datetime(2027, 5, 10, 12, 0, tzinfo=LONDON)


def at(day, hour=12):
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=hour)


def validate(csv_text, year, tmp_path):
    path = tmp_path / "missing.csv"
    path.write_text(csv_text)
    done = subprocess.run([str(VALIDATOR), str(ROOT / "scripts" / "validate903.py"), str(path), str(year)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def seeded(time_machine, authority):
    """Looked-after children with the awkward cases: a period begun before the year, one still open at
    its end, overlapping periods, one on the date of birth, an absence, and a child not looked after."""
    time_machine.move_to(NOW, tick=False)
    born = date(2012, 6, 1)
    across = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=born)
    EpisodeFactory(child=across, started_at=at(date(2026, 3, 28)), returned_at=at(date(2026, 4, 3)))
    EpisodeFactory(child=across, category="away_without_authorisation", started_at=at(date(2026, 4, 3), 18),
                   returned_at=at(date(2026, 4, 4)))
    EpisodeFactory(child=across, started_at=at(date(2026, 5, 1)), returned_at=at(date(2026, 5, 6)))
    EpisodeFactory(child=across, category="away_without_authorisation", started_at=at(date(2026, 5, 2)),
                   returned_at=at(date(2026, 5, 9)))  # overlaps the one before: joined
    EpisodeFactory(child=across, category="absent", started_at=at(date(2026, 6, 1)),
                   returned_at=at(date(2026, 6, 1), 15))
    EpisodeFactory(child=across, started_at=at(date(2027, 3, 30)), returned_at=at(date(2027, 4, 2)))
    open_now = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2011, 1, 9))
    EpisodeFactory(child=open_now, category="away_without_authorisation", started_at=at(date(2027, 2, 1)))
    baby = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2026, 7, 1))
    EpisodeFactory(child=baby, started_at=at(date(2026, 7, 1)), returned_at=at(date(2026, 7, 1), 14))
    at_home = ChildFactory(authority=authority, legal_status=LegalStatus.CHILD_IN_NEED)
    EpisodeFactory(child=at_home, started_at=at(date(2026, 9, 1)), returned_at=at(date(2026, 9, 2)))
    return {"across": across, "open_now": open_now, "baby": baby, "at_home": at_home}


@pytest.mark.django_db
def test_the_missing_table_of_a_collection_year(seeded, mash, api):
    response = api(mash).get(URL, {"year": 2026})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="ssda903-missing-2026-27.csv"'
    assert response["X-Excluded-Before-Birth"] == "1"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    across, open_now = child_code(seeded["across"].pk), child_code(seeded["open_now"].pk)
    assert rows[0] == ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
    assert sorted(rows[1:]) == sorted([
        [across, "01/06/2012", "M", "28/03/2026", "03/04/2026"],
        [across, "01/06/2012", "A", "03/04/2026", "04/04/2026"],
        [across, "01/06/2012", "M", "01/05/2026", "09/05/2026"],
        [across, "01/06/2012", "M", "30/03/2027", ""],
        [open_now, "09/01/2011", "A", "01/02/2027", ""],
    ])
    assert set(RecordAccess.objects.filter(user=mash).values_list("child_id", flat=True)) == {
        seeded["across"].pk, seeded["open_now"].pk}


@pytest.mark.django_db
def test_the_export_passes_the_validators_missing_table_rules(seeded, mash, api, tmp_path):
    for year in (2025, 2026):
        text = api(mash).get(URL, {"year": year}).content.decode()
        code, report = validate(text, year, tmp_path)
        assert code == 0, report
        assert report["ran"] == sorted(["1004", "1005", "1006", "564", "565", "566", "567", "570", "571", "574", "586"])
    assert report["rows"] == 5


@pytest.mark.django_db
def test_the_validator_in_the_test_does_catch_a_bad_table(tmp_path, db):
    bad = "CHILD,DOB,MISSING,MIS_START,MIS_END\r\nC1,01/02/2012,M,03/03/2026,05/04/2027\r\nC1,01/02/2012,M,05/04/2026,\r\n"
    code, report = validate(bad, 2026, tmp_path)
    assert code == 1
    assert report["rules"]["571"] == [0] and report["rules"]["574"]


def test_periods_open_at_the_end_of_the_year_have_no_end_and_overlaps_are_joined():
    child = ChildFactory.build().pk
    born = date(2010, 1, 1)
    episodes = [
        (child, born, "missing", at(date(2027, 3, 20)), at(date(2027, 4, 5))),
        (child, born, "away_without_authorisation", at(date(2026, 8, 1)), at(date(2026, 8, 3))),
        (child, born, "away_without_authorisation", at(date(2026, 8, 2)), at(date(2026, 8, 2), 20)),
        (child, born, "missing", at(date(2025, 8, 2)), at(date(2025, 8, 3))),
        (child, born, "missing", at(date(2027, 4, 2)), None),
    ]
    periods, excluded = missing_table_periods(episodes, 2026)
    assert [(p.code, p.start, p.end) for p in periods] == [
        ("A", date(2026, 8, 1), date(2026, 8, 3)),
        ("M", date(2027, 3, 20), None),
    ]
    assert excluded == 0


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["", "abc", "26", "1999", "2031", "2026-27"])
def test_a_bad_year_is_a_400(mash, api, year, time_machine):
    time_machine.move_to(NOW, tick=False)
    response = api(mash).get(URL, {"year": year} if year else {})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


@pytest.mark.django_db
def test_only_the_mash_and_administrators_compile_the_return(strategic, chair, health_worker, admin_user, api):
    for user in (strategic, chair, health_worker):
        assert api(user).get(URL, {"year": 2025}).status_code == 403
    assert api(admin_user).get(URL, {"year": 2025}).status_code == 200
