"""The dashboard's kept monthly figures (missing.report_months): a month's sections read from them
equal the same sections counted from the episodes, and the services that change episodes and
children mark the months they touch inside their transaction, and the recount job (a background
job, run here as the clock's pass runs it) brings them back equal to a full recount."""

from datetime import timedelta

import pytest

from casework.jobs import jobs_run_due
from casework.models import BackgroundJob, JobStatus
from missing import report_months
from missing.models import EpisodeMonthFigure, MonthRecount
from missing.services import child_update, episode_create, episode_update
from reporting.figures import (
    _kept_episode_sections,
    _live_episode_sections,
    currently_missing,
    dashboard_figures,
    month_period,
)

from .conftest import NOW, at

pytestmark = pytest.mark.django_db

MONTHS = ("2025-08", "2026-05", "2026-07", "2026-08", "2026-09", "2026-10")


def _flat(sections):
    first, repeated, static, values, interviews, _at_month_end = sections
    return [(s.key, s.months, s.rows) for s in (first, repeated, *static, *values, *interviews)]


def assert_kept_equals_live(authority):
    for month in MONTHS:
        period = month_period(month)
        assert _flat(_kept_episode_sections(authority, period)) == _flat(_live_episode_sections(authority, period)), month


def kept_rows():
    return sorted(EpisodeMonthFigure.objects.values_list(
        "authority_id", "month", "dimension", "value", "episodes", "children", "shown"))


def recount():
    """The waiting recount jobs, run as the clock's pass runs the jobs no worker took."""
    jobs_run_due()
    assert not MonthRecount.objects.exists()


def assert_same_as_full_recount():
    recount()
    kept = kept_rows()
    report_months.refresh()
    assert kept == kept_rows()


def test_a_month_read_from_the_kept_figures_equals_counting_the_episodes(seeded, authority):
    assert EpisodeMonthFigure.objects.filter(authority=authority).exists()
    assert_kept_equals_live(authority)
    september = {(r.dimension, r.value): r for r in EpisodeMonthFigure.objects.filter(month="2026-09-01")}
    assert (september[("all", "all")].episodes, september[("all", "all")].children) == (7, 2)
    assert september[("found", "bus station")].episodes == 7
    assert september[("repeats", "6_10")].children == 1


def test_the_services_keep_the_figures_right(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    # A new episode in August, through the service.
    made = episode_create(actor=mash, child=pere, category="missing", risk_level="high", location_type="home",
                          started_at=at("2026-08-20"), reported_at=at("2026-08-20", 11),
                          returned_at=at("2026-08-21"), found_location="Canal towpath")
    assert_same_as_full_recount()
    # Its start corrected into September: both months change.
    episode_update(actor=mash, episode=made, started_at=at("2026-09-25"), reported_at=at("2026-09-25", 11),
                   returned_at=at("2026-09-27"))
    assert_same_as_full_recount()
    august = dashboard_figures(authority, month_period("2026-08"), now=NOW)
    assert next(r for r in august[0].rows if r["key"] == "all")["episodes"] == 1
    # A child's facts: gender and date of birth move their episodes between bands.
    child_update(actor=mash, child=zeb, gender="female", date_of_birth=zeb.date_of_birth - timedelta(days=365 * 3))
    assert_same_as_full_recount()
    assert_kept_equals_live(authority)
    september = dashboard_figures(authority, month_period("2026-09"), now=NOW)
    headline = next(s for s in september if s.key == "headline")
    assert next(r for r in headline.rows if r["key"] == "all")["episodes"] == 8


def test_an_authority_and_months_refresh_leaves_the_rest_alone(seeded, authority):
    before = kept_rows()
    report_months.refresh(authority.pk, [at("2026-09-01").date()])
    assert kept_rows() == before
    EpisodeMonthFigure.objects.filter(month="2026-05-01").delete()
    report_months.refresh(authority.pk, [at("2026-05-14").date()])
    assert kept_rows() == before


def _missing_at_month_end(authority, month, kept):
    period = month_period(month)
    at_month_end = _kept_episode_sections(authority, period)[5] if kept else None
    return currently_missing(authority, period, NOW, at_month_end).rows[-1]["trend"]


def test_children_missing_at_each_months_end_from_the_kept_figures(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    for month in ("2026-07", "2026-09", "2026-10"):
        assert _missing_at_month_end(authority, month, True) == _missing_at_month_end(authority, month, False)
    assert _missing_at_month_end(authority, "2026-09", True)[-3:] == [1, 1, 1]  # Pere, away since July
    # Pere's return recorded on 2 October: July, August and September's ends still count him.
    open_episode = pere.episodes.get(returned_at__isnull=True)
    episode_update(actor=mash, episode=open_episode, returned_at=at("2026-10-02"))
    assert_same_as_full_recount()
    assert _missing_at_month_end(authority, "2026-09", True)[-3:] == [1, 1, 1]
    # Corrected: he was back on 25 August.
    episode_update(actor=mash, episode=open_episode, returned_at=at("2026-08-25"))
    assert_same_as_full_recount()
    assert _missing_at_month_end(authority, "2026-09", True)[-3:] == [1, 0, 0]
    assert _missing_at_month_end(authority, "2026-09", True) == _missing_at_month_end(authority, "2026-09", False)


def test_a_month_never_counted_is_counted_live(seeded, authority):
    live = _missing_at_month_end(authority, "2026-09", False)
    EpisodeMonthFigure.objects.filter(month="2026-08-01").delete()  # as if no change touched August
    assert _missing_at_month_end(authority, "2026-09", True) == live


def test_an_interview_offered_through_the_service_is_counted(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    episode_create(actor=mash, child=zeb, category="missing", risk_level="low", location_type="home",
                   started_at=at("2026-10-10"), reported_at=at("2026-10-10", 11), returned_at=at("2026-10-11"))
    assert_same_as_full_recount()
    october = dashboard_figures(authority, month_period("2026-10"), now=NOW)
    offered = next(s for s in october if s.key == "interviews").rows[0]
    assert offered["key"] == "offered" and offered["children"] == 1
    assert_kept_equals_live(authority)


def test_a_month_left_with_nothing_is_counted_as_nothing(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    lone = episode_create(actor=mash, child=pere, category="missing", risk_level="low", location_type="home",
                          started_at=at("2026-03-10"), reported_at=at("2026-03-10", 11),
                          returned_at=at("2026-03-10", 15))
    recount()
    assert EpisodeMonthFigure.objects.filter(month="2026-03-01", dimension="all").get().episodes == 1
    # Its start corrected into April: March has no episode left, and is counted as such.
    episode_update(actor=mash, episode=lone, started_at=at("2026-04-10"), reported_at=at("2026-04-10", 11),
                   returned_at=at("2026-04-10", 15))
    recount()
    assert not EpisodeMonthFigure.objects.filter(month="2026-03-01", dimension="all").exists()
    assert_same_as_full_recount()


def _waiting_jobs():
    return BackgroundJob.objects.filter(kind=report_months.RECOUNT_JOB, status=JobStatus.PENDING)


def test_a_change_marks_its_months_and_the_job_recounts_them(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    before = kept_rows()
    episode_create(actor=mash, child=pere, category="missing", risk_level="high", location_type="home",
                   started_at=at("2026-08-20"), reported_at=at("2026-08-20", 11), returned_at=at("2026-08-21"))
    episode_create(actor=mash, child=mari, category="absent", risk_level="low", location_type="home",
                   started_at=at("2026-09-02"), reported_at=at("2026-09-02", 11), returned_at=at("2026-09-02", 15))
    # Nothing was recounted in the request: the months are marked (the episodes' months, and October,
    # when their return interviews were offered), and one job of the authority waits.
    assert kept_rows() == before
    assert sorted(MonthRecount.objects.values_list("month", flat=True)) == [
        at("2026-08-01").date(), at("2026-09-01").date(), at("2026-10-01").date()]
    assert [job.params for job in _waiting_jobs()] == [{"authority": str(authority.pk)}]
    assert report_months.months_marked(authority.pk, [at("2026-09-01").date()])[0] == [at("2026-09-01").date()]
    assert jobs_run_due() == 1
    assert not MonthRecount.objects.exists() and not _waiting_jobs().exists()
    august = dashboard_figures(authority, month_period("2026-08"), now=NOW)
    assert next(r for r in august[0].rows if r["key"] == "all")["episodes"] == 2  # one seeded, one new
    assert_same_as_full_recount()
    assert_kept_equals_live(authority)


def test_a_mark_renewed_during_a_recount_is_kept_for_the_next(seeded, authority, mash, monkeypatch):
    zeb, mari, pere = seeded["children"]
    episode_create(actor=mash, child=pere, category="missing", risk_level="high", location_type="home",
                   started_at=at("2026-08-20"), reported_at=at("2026-08-20", 11), returned_at=at("2026-08-21"))
    counting = report_months.refresh
    late = {}

    def refresh_while_a_change_lands(authority_id=None, months=None):
        counting(authority_id, months)
        if not late:  # a change to August, committed after the recount read the episodes
            late["episode"] = episode_create(
                actor=mash, child=mari, category="missing", risk_level="low", location_type="home",
                started_at=at("2026-08-25"), reported_at=at("2026-08-25", 11), returned_at=at("2026-08-26"))

    monkeypatch.setattr(report_months, "refresh", refresh_while_a_change_lands)
    report_months.recount_marked(_waiting_jobs().get())
    monkeypatch.setattr(report_months, "refresh", counting)
    # The marks the late change renewed (August, and October for its interview) stay for the next
    # recount, which counts the late episode too.
    assert sorted(MonthRecount.objects.values_list("month", flat=True)) == [at("2026-08-01").date(),
                                                                           at("2026-10-01").date()]
    assert report_months.recount_all_marked() == 2
    august = dashboard_figures(authority, month_period("2026-08"), now=NOW)
    assert next(r for r in august[0].rows if r["key"] == "all")["episodes"] == 3  # one seeded, two new
    assert_same_as_full_recount()


def test_a_change_to_a_field_no_figure_reads_marks_nothing(seeded, authority, mash):
    zeb, mari, pere = seeded["children"]
    child_update(actor=mash, child=zeb, school="Another Academy")
    assert not MonthRecount.objects.exists() and not _waiting_jobs().exists()
    child_update(actor=mash, child=zeb, home_area="ZZ9")
    assert MonthRecount.objects.exists() and _waiting_jobs().count() == 1
    assert_same_as_full_recount()
