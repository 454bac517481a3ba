"""Pages (under /reports/, namespace "reporting") and API routes (under /api/v1/reports/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("currently-missing/", views.currently_missing, name="currently_missing"),
    path("returns/", views.returns, name="returns"),
    path("returns/ssda903-missing.csv", views.ssda903_download, name="ssda903_download"),
    path("returns/inspection.csv", views.inspection_download, name="inspection_download"),
]

api_urlpatterns = [
    path("reports/currently-missing/", api.CurrentlyMissingApi.as_view(), name="api-report-currently-missing"),
    path("reports/ssda903-missing.csv", api.Ssda903MissingApi.as_view(), name="api-report-ssda903-missing"),
]
