"""The audit trail cannot be edited or deleted: not in the admin, not through the API, not in SQL (PostgreSQL)."""

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from appeals import lifecycle
from appeals.models import Appeal, AppealEvent

from ..api.conftest import make_integration, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(appeal, supervisor, executor):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    return AppealEvent.objects.get(appeal=appeal)


def test_the_admin_shows_events_but_offers_no_edit_or_delete(admin_client, event):
    change = reverse("admin:appeals_appealevent_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert admin_client.post(change, {"kind": "closed", "payload": "{}"}).status_code == 403
    assert admin_client.get(reverse("admin:appeals_appealevent_delete", args=[event.pk])).status_code == 403
    assert (
        admin_client.post(reverse("admin:appeals_appealevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert admin_client.get(reverse("admin:appeals_appealevent_add")).status_code == 403
    changelist = admin_client.get(reverse("admin:appeals_appealevent_changelist"))
    assert changelist.status_code == 200 and "delete_selected" not in changelist.text
    bulk = admin_client.post(
        reverse("admin:appeals_appealevent_changelist"), {"action": "delete_selected", "_selected_action": [event.pk]}
    )
    assert bulk.status_code == 200  # the list again: the delete action is not offered
    event.refresh_from_db()
    assert event.kind == "assigned"


def test_an_appeal_with_a_history_cannot_be_deleted(admin_client, event):
    assert admin_client.get(reverse("admin:appeals_appeal_delete", args=[event.appeal_id])).status_code == 403
    with pytest.raises((ProtectedError, IntegrityError)), transaction.atomic():
        Appeal.objects.filter(pk=event.appeal_id).delete()
    assert AppealEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_the_api_offers_no_way_to_change_the_timeline(client, event, supervisor, ministry, method):
    client.force_login(supervisor)
    url = f"/api/v1/appeals/{event.appeal_id}/timeline/"
    response = getattr(client, method)(url, data={"kind": "closed"}, content_type="application/json")
    assert response.status_code == 405
    _integration, token = make_integration(ministry, scopes=["read", "intake"])
    api = token_client(token)
    assert getattr(api, method)(url, {"kind": "closed"}, format="json").status_code == 405
    # Nor a route to a single event.
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 404
    event.refresh_from_db()
    assert event.kind == "assigned"


@pytest.mark.postgres
def test_the_database_itself_refuses(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).update(payload={})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    from django.db import connection

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE appeals_appealevent SET actor_id = NULL WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.kind == "assigned" and event.payload
