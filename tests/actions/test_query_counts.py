"""The lists of actions make the same number of queries for 2 actions as for 8."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.services import action_update

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/actions/mine/", "/actions/tracker/", "/api/v1/actions/?mine=true"])
def test_action_lists_do_not_grow_with_the_data(signed_in, at_monday, make_action, people, url):
    client = signed_in(people["chair"] if "tracker" in url else people["worker"])
    for _ in range(2):
        action_update(actor=people["worker"], action=make_action(), text="Progress")
    small = queries(client, url)
    for day in range(6):
        action_update(actor=people["worker"], action=make_action(due_date=date(2026, 3, 5 + day)), text="More")
    assert queries(client, url) == small
