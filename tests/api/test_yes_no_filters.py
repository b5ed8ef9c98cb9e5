"""A yes/no filter takes yes, no or nothing; any other value is refused, never read as "either"."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["event_late=5", "repeated=2", "overdue=maybe", "open=1e3"])
def test_the_api_refuses_a_yes_no_filter_with_another_value(client, supervisor, query):
    client.force_login(supervisor)
    response = client.get(f"/api/v1/appeals/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    name = query.split("=")[0]
    assert "not one of the available choices" in response.json()["error"]["fields"][name][0]


@pytest.mark.parametrize("query", ["overdue=true", "overdue=false", "overdue=1", "overdue=0"])
def test_yes_and_no_are_taken(client, supervisor, query):
    client.force_login(supervisor)
    assert client.get(f"/api/v1/appeals/?{query}").status_code == 200


def test_the_queue_page_says_what_is_wrong_with_such_a_value(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/appeals/?overdue=5", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (200, 400)
    assert "not one of the available choices" in response.content.decode()
