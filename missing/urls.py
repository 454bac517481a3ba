from django.urls import path

from . import duplicate_views, views
from .updates import views as update_views

urlpatterns = [
    path("triage/", views.triage_queue_view, name="triage_queue"),
    path("triage/queue/", views.triage_queue_fragment, name="triage_queue_fragment"),
    path("notifications/upload/", views.notification_upload, name="notification_upload"),
    path("notifications/upload/template.csv", views.notification_upload_template, name="notification_upload_template"),
    path("notifications/uploads/<uuid:upload_id>/", views.notification_upload_report, name="notification_upload_report"),
    path(
        "notifications/uploads/<uuid:upload_id>/progress/",
        views.notification_upload_progress,
        name="notification_upload_progress",
    ),
    path("children/", views.child_list, name="child_list"),
    path("children/new/", views.child_create, name="child_create"),
    path("children/duplicates/", duplicate_views.possible_duplicates, name="possible_duplicates"),
    path("children/<uuid:child_id>/merge/<uuid:other_id>/", duplicate_views.child_merge, name="child_merge"),
    path(
        "children/<uuid:child_id>/duplicates/<uuid:other_id>/dismiss/",
        duplicate_views.duplicate_dismiss_view,
        name="duplicate_dismiss",
    ),
    path("children/<uuid:child_id>/", views.child_detail, name="child_detail"),
    path("children/<uuid:child_id>/edit/", views.child_edit, name="child_edit"),
    path("children/<uuid:child_id>/updates/", update_views.child_updates, name="child_updates"),
    path("children/<uuid:child_id>/episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<uuid:episode_id>/edit/", views.episode_edit, name="episode_edit"),
    path("children/<uuid:child_id>/subject-access/", views.subject_access, name="subject_access"),
    path(
        "subject-access/<uuid:export_id>/<str:what>/", views.subject_access_download, name="subject_access_download"
    ),
]
