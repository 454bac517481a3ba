"""Pages under /missing/children/<id>/profile/ (namespace "profiles")."""

from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:child_id>/profile/", views.profile_detail, name="detail"),
    path("<uuid:child_id>/profile/edit/", views.profile_edit, name="edit"),
    path("<uuid:child_id>/profile/review/", views.profile_review, name="review"),
    path("<uuid:child_id>/profile/photo/", views.profile_photo, name="photo"),
    path("<uuid:child_id>/profile/profile.pdf", views.profile_pdf_view, name="pdf"),
]
