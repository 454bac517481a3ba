from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from missing import api as missing_api

from . import api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("agencies/", api.AgencyListCreateApi.as_view(), name="api-agencies"),
    path("users/", api.UserCreateApi.as_view(), name="api-users"),
    path("users/me/", api.MeApi.as_view(), name="api-me"),
    path("children/", missing_api.ChildListCreateApi.as_view(), name="api-children"),
    path("children/<str:child_id>/", missing_api.ChildDetailApi.as_view(), name="api-child"),
    path("children/<str:child_id>/episodes/", missing_api.ChildEpisodesApi.as_view(), name="api-child-episodes"),
    path("episodes/<str:episode_id>/", missing_api.EpisodeDetailApi.as_view(), name="api-episode"),
    path("notifications/", missing_api.NotificationListCreateApi.as_view(), name="api-notifications"),
    path("notifications/<str:notification_id>/", missing_api.NotificationDetailApi.as_view(), name="api-notification"),
    path(
        "notifications/<str:notification_id>/triage/",
        missing_api.NotificationTriageApi.as_view(),
        name="api-notification-triage",
    ),
]
