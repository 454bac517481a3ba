from datetime import time

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyListSchedule(models.Model):
    """When and to whom an authority's list of children missing right now (R1, "the Wednesday list")
    is emailed. Its key is the authority, which is the subject of the R1 clock (reporting/weekly.py):
    each sending is a deadline row fired once. Recipients are users, not bare addresses: the list
    names children, so only people who may read it (reporting/permissions.py) receive it."""

    authority = models.OneToOneField(
        "casework.LocalAuthority", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.WEDNESDAY)
    send_at = models.TimeField("time", default=time(9, 0), help_text="Europe/London.")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"Missing children list of {self.authority}"
