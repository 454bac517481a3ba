from django.urls import path

from . import views as clocks_views

urlpatterns = [
    path("due/", clocks_views.due_list, name="due_list"),
    path("deadlines/<uuid:deadline_id>/complete/", clocks_views.deadline_complete_page, name="deadline_complete"),
    path("inbox/", clocks_views.inbox, name="inbox"),
    path("inbox/<uuid:item_id>/read/", clocks_views.inbox_read, name="inbox_read"),
    path("inbox/<uuid:item_id>/acknowledge/", clocks_views.inbox_acknowledge, name="inbox_acknowledge"),
]
