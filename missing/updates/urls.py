from django.urls import path

from . import api

api_urlpatterns = [
    path("children/<str:child_id>/updates/", api.ChildUpdatesApi.as_view(), name="api-child-updates"),
]
