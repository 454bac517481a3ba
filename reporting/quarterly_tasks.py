"""The quarterly report's Celery task: takes the report's id, calls one service, safe to run twice."""

from celery import shared_task

from .quarterly import GENERATE_TASK, RESUME_TASK, quarterly_report_generate, quarterly_reports_resume


@shared_task(name=GENERATE_TASK, ignore_result=True)
def generate_quarterly_report(report_id):
    quarterly_report_generate(report_id=report_id)


@shared_task(name=RESUME_TASK, ignore_result=False)
def resume_quarterly_reports():
    """Celery beat, every minute: send again the reports no worker took. Answers their ids."""
    return [str(report_id) for report_id in quarterly_reports_resume()]
