from django.urls import path

from . import views

urlpatterns = [
    path("record-access/", views.record_access_page, name="record_access_log"),
]
