"""Pages (under /reports/, namespace "reporting") and API routes (under /api/v1/reports/)."""

from django.urls import path

from . import api, dashboard, quarterly_views, views
from .quarterly_views import QuarterlyPdfApi

app_name = "reporting"

urlpatterns = [
    path("currently-missing/", views.currently_missing, name="currently_missing"),
    path("returns/", views.returns, name="returns"),
    path("returns/ssda903-missing.csv", views.ssda903_download, name="ssda903_download"),
    path("returns/inspection.csv", views.inspection_download, name="inspection_download"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<slug:key>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("quarterly/", quarterly_views.quarterly_index, name="quarterly"),
    path("quarterly/<uuid:report_id>/", quarterly_views.quarterly_detail, name="quarterly_detail"),
    path("quarterly/<uuid:report_id>/progress/", quarterly_views.quarterly_progress, name="quarterly_progress"),
    path("quarterly/<uuid:report_id>/download/", quarterly_views.quarterly_download, name="quarterly_download"),
]

api_urlpatterns = [
    path("reports/currently-missing/", api.CurrentlyMissingApi.as_view(), name="api-report-currently-missing"),
    path("reports/ssda903-missing.csv", api.Ssda903MissingApi.as_view(), name="api-report-ssda903-missing"),
    path("reports/quarterly.pdf", QuarterlyPdfApi.as_view(), name="api-reports-quarterly"),
]
