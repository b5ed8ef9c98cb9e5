"""The audit trail is append-only: not through the admin (test_admin.py), and not even in SQL."""

import pytest
from django.db import DatabaseError, transaction

from appeals import lifecycle
from appeals.models import AppealEvent


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_to_change_or_delete_an_event(appeal, supervisor, executor):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    event = AppealEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).update(kind="closed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.kind == "assigned"
