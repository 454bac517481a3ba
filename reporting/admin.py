from django.contrib import admin

from .models import WeeklyListSchedule
from .weekly import weekly_list_schedule_changed


@admin.register(WeeklyListSchedule)
class WeeklyListScheduleAdmin(admin.ModelAdmin):
    """Administrators set when their authority's list of children missing now is sent, and to whom."""

    list_display = ("authority", "weekday", "send_at")
    filter_horizontal = ("recipients",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        weekly_list_schedule_changed(schedule=form.instance, actor=request.user)
