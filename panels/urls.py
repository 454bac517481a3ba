from django.urls import path

from . import views

urlpatterns = [
    path("", views.panel_list, name="panel_list"),
    path("new/", views.panel_create, name="panel_create"),
    path("<uuid:panel_id>/", views.panel_detail, name="panel_detail"),
    path("<uuid:panel_id>/children/<uuid:child_id>/remove/", views.list_remove, name="list_remove"),
    path("<uuid:panel_id>/suggested/", views.panel_suggested, name="suggested"),
    path("<uuid:panel_id>/suggested/<uuid:child_id>/list/", views.suggested_list, name="suggested_list"),
    path("meetings/<uuid:meeting_id>/", views.agenda_page, name="agenda"),
    path("meetings/<uuid:meeting_id>/part2/", views.agenda_part2, name="agenda_part2"),
    path("meetings/<uuid:meeting_id>/attendance/", views.attendance, name="attendance"),
    path("meetings/<uuid:meeting_id>/agree/", views.agree, name="agree"),
    path("meetings/<uuid:meeting_id>/children/<uuid:child_id>/rate/", views.rate, name="rate"),
    path("meetings/<uuid:meeting_id>/children/<uuid:child_id>/decisions/", views.decide, name="decide"),
    path("meetings/<uuid:meeting_id>/children/<uuid:child_id>/actions/", views.add_action, name="add_action"),
    path("meetings/<uuid:meeting_id>/children/<uuid:child_id>/update/", views.agency_update, name="agency_update"),
    path("meetings/<uuid:meeting_id>/publish/", views.publish, name="publish"),
    path("meetings/<uuid:meeting_id>/end/", views.end, name="end"),
    path("meetings/<uuid:meeting_id>/minutes/", views.minutes_page, name="minutes"),
    path("meetings/<uuid:meeting_id>/minutes.pdf", views.minutes_pdf_page, name="minutes_pdf"),
    path("meetings/<uuid:meeting_id>/minutes/approve/", views.approve, name="approve"),
    path("meetings/<uuid:meeting_id>/children/<uuid:child_id>/sent/", views.plan_sent, name="plan_sent"),
    path("meetings/<uuid:meeting_id>/papers.pdf", views.papers_pdf_page, name="papers_pdf"),
    path("meetings/<uuid:meeting_id>/papers/sent/", views.papers_sent, name="papers_sent"),
    path("referrals/", views.referral_queue, name="referral_queue"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<uuid:referral_id>/decide/", views.referral_decide, name="referral_decide"),
]
