from django.urls import path

from . import views

urlpatterns = [
    path("triage/", views.triage_queue, name="triage_queue"),
    path("notifications/upload/", views.notification_upload, name="notification_upload"),
    path("children/", views.child_list, name="child_list"),
    path("children/<uuid:child_id>/", views.child_detail, name="child_detail"),
]
