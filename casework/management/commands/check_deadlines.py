from django.core.management.base import BaseCommand

from casework.clocks.services import deadlines_sweep


class Command(BaseCommand):
    help = "Run one pass of the deadline clock (the same service Celery beat runs every minute)."

    def handle(self, *args, **options):
        result = deadlines_sweep()
        if not result.ran:
            self.stdout.write("Another sweep is running; nothing done.")
            return
        self.stdout.write(
            f"Re-evaluated {result.reconciled} open episode(s); sent {result.notices} notices, "
            f"{result.warnings} warnings and {result.overdue} overdue escalations."
        )
