from django.core.management.base import BaseCommand

from casework.clocks.services import deadlines_sweep
from casework.jobs import jobs_run_due
from casework.outbox import outbox_send_due


class Command(BaseCommand):
    help = "Run one pass of the deadline clock (the same service Celery beat runs every minute)."

    def handle(self, *args, **options):
        result = deadlines_sweep()
        if not result.ran:
            self.stdout.write("Another sweep is running; nothing done.")
        else:
            self.stdout.write(
                f"Re-evaluated {result.reconciled} open episode(s); sent {result.notices} notices, "
                f"{result.warnings} warnings and {result.overdue} overdue escalations."
            )
        self.stdout.write(f"Ran {jobs_run_due()} background job(s) that no worker had taken.")
        sent, failed = outbox_send_due()
        self.stdout.write(f"Emailed {sent} message(s); {failed} could not be sent and will be retried.")
