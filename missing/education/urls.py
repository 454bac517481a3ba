"""Pages (included under /education/ with namespace "education") and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_open, name="open"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
]

api_urlpatterns = [
    path("education-cases/", api.CaseListCreateApi.as_view(), name="api-education-cases"),
    path("education-cases/<str:case_id>/", api.CaseDetailApi.as_view(), name="api-education-case"),
    path("education-cases/<str:case_id>/enquiries/", api.CaseEnquiryApi.as_view(), name="api-education-enquiries"),
    path(
        "education-cases/<str:case_id>/remove-from-roll/",
        api.CaseRemoveFromRollApi.as_view(),
        name="api-education-remove-from-roll",
    ),
    path("education-cases/<str:case_id>/close/", api.CaseCloseApi.as_view(), name="api-education-close"),
]
