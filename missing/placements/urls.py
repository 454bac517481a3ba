"""Pages (included under /placements/ with namespace "placements") and API routes (under /api/v1/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.placed, name="placed"),
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<uuid:provider_id>/edit/", views.provider_edit, name="provider_edit"),
    path("children/<uuid:child_id>/new/", views.placement_add, name="placement_add"),
    path("<uuid:placement_id>/end/", views.placement_end, name="placement_end"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/<uuid:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("letter-of-concern/", views.letter, name="letter"),
]

api_urlpatterns = [
    path("providers/", api.ProviderListCreateApi.as_view(), name="api-providers"),
    path("providers/<str:provider_id>/", api.ProviderDetailApi.as_view(), name="api-provider"),
    path("children/<str:child_id>/placements/", api.ChildPlacementsApi.as_view(), name="api-child-placements"),
    path("placements/<str:placement_id>/end/", api.PlacementEndApi.as_view(), name="api-placement-end"),
    path("authority-contacts/", api.ContactListCreateApi.as_view(), name="api-authority-contacts"),
    path("letters-of-concern/", api.LetterOfConcernApi.as_view(), name="api-letter-of-concern"),
]
