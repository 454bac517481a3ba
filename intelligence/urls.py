"""Pages (under /intelligence/, namespace "intelligence") and API routes (under /api/v1/intelligence/)."""

from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.index, name="index"),
    path("panels/<uuid:panel_id>/", views.panel_overview, name="panel"),
    path("panels/<uuid:panel_id>/places/new/", views.place_create, name="place_create"),
    path("panels/<uuid:panel_id>/adults/new/", views.person_create, name="person_create"),
    path("panels/<uuid:panel_id>/associations/new/", views.association_create, name="association_create"),
    path("panels/<uuid:panel_id>/disruption/new/", views.disruption_create, name="disruption_create"),
    path("panels/<uuid:panel_id>/children/<uuid:child_id>/", views.child_network_page, name="child_network"),
    path("places/<uuid:place_id>/", views.place_detail, name="place"),
    path("places/<uuid:place_id>/change/", views.place_edit, name="place_edit"),
    path("places/<uuid:place_id>/episodes/", views.place_link_episode, name="place_link_episode"),
    path("adults/<uuid:person_id>/", views.person_detail, name="person"),
    path("adults/<uuid:person_id>/change/", views.person_edit, name="person_edit"),
    path("associations/<uuid:association_id>/change/", views.association_edit, name="association_edit"),
    path("associations/<uuid:association_id>/withdraw/", views.association_delete, name="association_delete"),
    path("disruption/<uuid:disruption_id>/change/", views.disruption_edit, name="disruption_edit"),
]

api_urlpatterns = [
    path("intelligence/places/", api.PlaceListCreateApi.as_view(), name="api-intel-places"),
    path("intelligence/places/<str:place_id>/", api.PlaceDetailApi.as_view(), name="api-intel-place"),
    path("intelligence/places/<str:place_id>/network/", api.PlaceNetworkApi.as_view(), name="api-intel-place-network"),
    path("intelligence/places/<str:place_id>/episodes/", api.PlaceEpisodesApi.as_view(),
         name="api-intel-place-episodes"),
    path("intelligence/persons/", api.PersonListCreateApi.as_view(), name="api-intel-persons"),
    path("intelligence/persons/<str:person_id>/", api.PersonDetailApi.as_view(), name="api-intel-person"),
    path("intelligence/persons/<str:person_id>/network/", api.PersonNetworkApi.as_view(),
         name="api-intel-person-network"),
    path("intelligence/associations/", api.AssociationListCreateApi.as_view(), name="api-intel-associations"),
    path("intelligence/associations/<str:association_id>/", api.AssociationDetailApi.as_view(),
         name="api-intel-association"),
    path("intelligence/disruptions/", api.DisruptionListCreateApi.as_view(), name="api-intel-disruptions"),
    path("intelligence/disruptions/<str:disruption_id>/", api.DisruptionDetailApi.as_view(),
         name="api-intel-disruption"),
]
