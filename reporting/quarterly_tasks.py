"""The quarterly report's Celery task: takes the report's id, calls one service, safe to run twice."""

from celery import shared_task

from .quarterly import GENERATE_TASK, quarterly_report_generate


@shared_task(name=GENERATE_TASK, ignore_result=True)
def generate_quarterly_report(report_id):
    quarterly_report_generate(report_id=report_id)
