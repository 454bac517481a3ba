"""Pages (under /actions/, namespace "actions") and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("mine/", views.my_actions, name="mine"),
    path("tracker/", views.tracker, name="tracker"),
    path("<uuid:action_id>/", views.action_detail, name="detail"),
    path("<uuid:action_id>/update/", views.action_update, name="update"),
    path("<uuid:action_id>/evidence/<uuid:evidence_id>/", views.evidence_download, name="evidence"),
    path("children/<uuid:child_id>/", views.child_meetings, name="child_meetings"),
    path("children/<uuid:child_id>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("children/<uuid:child_id>/new/", views.action_create, name="action_create"),
    path("meetings/<uuid:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:meeting_id>/record.pdf", views.meeting_pdf, name="meeting_pdf"),
]

api_urlpatterns = [
    path("actions/", api.ActionListCreateApi.as_view(), name="api-actions"),
    path("actions/<str:action_id>/", api.ActionDetailApi.as_view(), name="api-action"),
    path("actions/<str:action_id>/evidence/", api.ActionEvidenceApi.as_view(), name="api-action-evidence"),
    path(
        "actions/<str:action_id>/evidence/<str:evidence_id>/",
        api.ActionEvidenceDownloadApi.as_view(),
        name="api-action-evidence-file",
    ),
    path("children/<str:child_id>/meetings/", api.ChildMeetingsApi.as_view(), name="api-child-meetings"),
    path("child-meetings/<str:meeting_id>/", api.MeetingDetailApi.as_view(), name="api-child-meeting"),
    path("child-meetings/<str:meeting_id>/record.pdf", api.MeetingRecordPdfApi.as_view(), name="api-child-meeting-pdf"),
]
