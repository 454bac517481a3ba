"""Pages (under /interviews/, namespace "interviews"), the timeliness report (under
/interview-timeliness/, namespace "interview_reports") and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.interviews_due, name="due"),
    path("episodes/<uuid:episode_id>/safe-and-well-check/", views.check_record, name="check_record"),
    path("<uuid:interview_id>/", views.interview_detail, name="detail"),
    path("<uuid:interview_id>/accept/", views.interview_accept, name="accept"),
    path("<uuid:interview_id>/record/", views.interview_record, name="record"),
    path("<uuid:interview_id>/decline/", views.interview_decline, name="decline"),
    path("<uuid:interview_id>/not-possible/", views.interview_not_possible, name="not_possible"),
    path("<uuid:interview_id>/share-intelligence/", views.interview_share_intelligence, name="share_intelligence"),
    path("<uuid:interview_id>/reoffer/", views.interview_reoffer, name="reoffer"),
    path("<uuid:interview_id>/letter.pdf", views.interview_letter, name="letter"),
]

# The timeliness report sits outside /interviews/ so that the navigation marks one page current.
report_urlpatterns = [path("", views.timeliness, name="timeliness")]

api_urlpatterns = [
    path("safe-and-well-checks/", api.CheckListCreateApi.as_view(), name="api-checks"),
    path("safe-and-well-checks/<str:check_id>/", api.CheckDetailApi.as_view(), name="api-check"),
    path("return-interviews/", api.InterviewListApi.as_view(), name="api-interviews"),
    path("return-interviews/timeliness/", api.TimelinessApi.as_view(), name="api-interview-timeliness"),
    path("return-interviews/<str:interview_id>/", api.InterviewDetailApi.as_view(), name="api-interview"),
    path("return-interviews/<str:interview_id>/accept/", api.InterviewAcceptApi.as_view(), name="api-interview-accept"),
    path(
        "return-interviews/<str:interview_id>/decline/", api.InterviewDeclineApi.as_view(), name="api-interview-decline"
    ),
    path(
        "return-interviews/<str:interview_id>/complete/",
        api.InterviewCompleteApi.as_view(),
        name="api-interview-complete",
    ),
    path(
        "return-interviews/<str:interview_id>/not-possible/",
        api.InterviewNotPossibleApi.as_view(),
        name="api-interview-not-possible",
    ),
    path(
        "return-interviews/<str:interview_id>/reoffer/", api.InterviewReofferApi.as_view(), name="api-interview-reoffer"
    ),
    path(
        "return-interviews/<str:interview_id>/share-intelligence/",
        api.InterviewShareIntelligenceApi.as_view(),
        name="api-interview-share-intelligence",
    ),
    path(
        "return-interviews/<str:interview_id>/letter.pdf",
        api.InterviewLetterApi.as_view(),
        name="api-interview-letter",
    ),
]
