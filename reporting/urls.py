from django.urls import path

from . import dashboard, quarterly_views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("quarterly/", quarterly_views.quarterly_index, name="quarterly"),
    path("quarterly/<uuid:report_id>/", quarterly_views.quarterly_detail, name="quarterly_detail"),
    path("quarterly/<uuid:report_id>/progress/", quarterly_views.quarterly_progress, name="quarterly_progress"),
    path("quarterly/<uuid:report_id>/download/", quarterly_views.quarterly_download, name="quarterly_download"),
]
