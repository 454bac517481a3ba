from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from actions.urls import api_urlpatterns as actions_api
from intelligence.urls import api_urlpatterns as intelligence_api
from missing import api as missing_api
from panels import api as panels_api
from referrals import api as referrals_api
from reporting.urls import api_urlpatterns as reporting_api
from missing.education.urls import api_urlpatterns as education_api
from missing.interviews.urls import api_urlpatterns as interview_api
from missing.placements.urls import api_urlpatterns as placements_api
from missing.profiles import api as profiles_api
from missing.updates.urls import api_urlpatterns as updates_api

from casework import api
from casework.clocks import api as clocks_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("agencies/", api.AgencyListCreateApi.as_view(), name="api-agencies"),
    path("users/", api.UserCreateApi.as_view(), name="api-users"),
    path("users/me/", api.MeApi.as_view(), name="api-me"),
    path("users/<str:user_id>/", api.UserDetailApi.as_view(), name="api-user"),
    path("children/", missing_api.ChildListCreateApi.as_view(), name="api-children"),
    path("children/duplicates/", missing_api.PossibleDuplicatesApi.as_view(), name="api-possible-duplicates"),
    path("children/<str:child_id>/", missing_api.ChildDetailApi.as_view(), name="api-child"),
    path("children/<str:child_id>/duplicates/", missing_api.ChildDuplicatesApi.as_view(), name="api-child-duplicates"),
    path(
        "children/<str:child_id>/duplicates/dismiss/",
        missing_api.ChildDuplicateDismissApi.as_view(),
        name="api-child-duplicate-dismiss",
    ),
    path("children/<str:child_id>/merge/", missing_api.ChildMergeApi.as_view(), name="api-child-merge"),
    path("children/<str:child_id>/profile/", profiles_api.ProfileApi.as_view(), name="api-child-profile"),
    path(
        "children/<str:child_id>/profile/photo/", profiles_api.ProfilePhotoApi.as_view(), name="api-child-profile-photo"
    ),
    path("children/<str:child_id>/episodes/", missing_api.ChildEpisodesApi.as_view(), name="api-child-episodes"),
    path("episodes/<str:episode_id>/", missing_api.EpisodeDetailApi.as_view(), name="api-episode"),
    path("notifications/", missing_api.NotificationListCreateApi.as_view(), name="api-notifications"),
    path("notifications/<str:notification_id>/", missing_api.NotificationDetailApi.as_view(), name="api-notification"),
    path(
        "notifications/<str:notification_id>/triage/",
        missing_api.NotificationTriageApi.as_view(),
        name="api-notification-triage",
    ),
    path("deadlines/", clocks_api.DeadlineListApi.as_view(), name="api-deadlines"),
    path("deadlines/<str:deadline_id>/complete/", clocks_api.DeadlineCompleteApi.as_view(), name="api-deadline-complete"),
    path("escalations/", clocks_api.EscalationListApi.as_view(), name="api-escalations"),
    path("panels/", panels_api.PanelListCreateApi.as_view(), name="api-panels"),
    path("panels/<str:panel_id>/", panels_api.PanelDetailApi.as_view(), name="api-panel"),
    path("panels/<str:panel_id>/meetings/", panels_api.PanelMeetingsApi.as_view(), name="api-panel-meetings"),
    path("meetings/<str:meeting_id>/", panels_api.MeetingDetailApi.as_view(), name="api-meeting"),
    path("meetings/<str:meeting_id>/attendance/", panels_api.AttendanceApi.as_view(), name="api-meeting-attendance"),
    path("meetings/<str:meeting_id>/agenda/", panels_api.AgendaApi.as_view(), name="api-meeting-agenda"),
    path("meetings/<str:meeting_id>/ratings/", panels_api.RatingsApi.as_view(), name="api-meeting-ratings"),
    path("meetings/<str:meeting_id>/children/", panels_api.MeetingChildrenApi.as_view(), name="api-meeting-children"),
    path("meetings/<str:meeting_id>/end/", panels_api.MeetingEndApi.as_view(), name="api-meeting-end"),
    path("meetings/<str:meeting_id>/minutes.pdf", panels_api.MinutesPdfApi.as_view(), name="api-meeting-minutes"),
    path("children/<str:child_id>/ratings/", panels_api.ChildRatingsApi.as_view(), name="api-child-ratings"),
    path("referrals/", referrals_api.ReferralListCreateApi.as_view(), name="api-referrals"),
    path("referrals/<str:referral_id>/decision/", referrals_api.ReferralDecisionApi.as_view(), name="api-referral-decision"),
    path("", include(interview_api)),
    path("", include(updates_api)),
    path("", include(education_api)),
    path("", include(placements_api)),
    path("", include(actions_api)),
    path("", include(reporting_api)),
    path("", include(intelligence_api)),
]
