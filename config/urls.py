from django.contrib import admin
from django.urls import include, path

from missing.interviews import urls as interview_urls

from casework import views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/live/", views.home_live, name="home_live"),
    path("accounts/", include("casework.account_urls")),
    path("audit/", include(("missing.audit_urls", "audit"))),
    path("missing/", include(("missing.urls", "missing"))),
    path("missing/children/", include(("missing.profiles.urls", "profiles"))),
    path("mash/daily-risk-meeting/", include(("missing.daily.urls", "daily"))),
    path("interviews/", include(("missing.interviews.urls", "interviews"))),
    path("interview-timeliness/", include((interview_urls.report_urlpatterns, "interview_reports"))),
    path("education/", include(("missing.education.urls", "education"))),
    path("placements/", include(("missing.placements.urls", "placements"))),
    path("panels/", include(("panels.urls", "panels"))),
    path("clocks/", include(("casework.clocks.urls", "clocks"))),
    path("retention/", views.retention_page, name="retention"),
    path("actions/", include(("actions.urls", "actions"))),
    path("reports/", include("reporting.urls")),
    path("intelligence/", include(("intelligence.urls", "intelligence"))),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "casework.views.bad_request"
handler404 = "casework.views.not_found"
handler500 = "casework.views.server_error"
