"""The applicant's rating of the answer: recorded by staff with an audit event, shown on the workspace."""

from __future__ import annotations

import pytest
from django.urls import reverse

from appeals.lifecycle import AppealError, appeal_record_rating
from appeals.models import AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AppealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(agency):
    return AppealFactory(agency=agency, status=AppealStatus.ANSWERED, outcome="explained")


def test_it_records_the_rating_with_one_event(answered, executor):
    appeal_record_rating(appeal=answered, rating=4, actor=executor)
    answered.refresh_from_db()
    assert answered.applicant_rating == 4 and answered.applicant_rated_at is not None
    event = AppealEvent.objects.get(appeal=answered, kind=EventKind.RATED)
    assert event.payload == {"rating": 4} and event.actor == executor


@pytest.mark.parametrize("rating", [0, 6, -1, True])
def test_it_refuses_a_rating_outside_1_to_5(answered, executor, rating):
    with pytest.raises(AppealError):
        appeal_record_rating(appeal=answered, rating=rating, actor=executor)
    assert not AppealEvent.objects.filter(kind=EventKind.RATED).exists()


def test_it_refuses_an_appeal_not_yet_answered(agency, executor):
    with pytest.raises(AppealError):
        appeal_record_rating(appeal=AppealFactory(agency=agency), rating=5, actor=executor)


def test_it_refuses_staff_of_another_agency(answered, outsider):
    with pytest.raises(AppealError):
        appeal_record_rating(appeal=answered, rating=5, actor=outsider)


def test_the_workspace_shows_and_records_it(client, answered, executor):
    client.force_login(executor)
    page = client.get(reverse("appeals:detail", args=[answered.pk])).content.decode()
    assert reverse("appeals:rate", args=[answered.pk]) in page
    response = client.post(reverse("appeals:rate", args=[answered.pk]), {"rating": "5"})
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.applicant_rating == 5
    assert "5 / 5" in client.get(reverse("appeals:detail", args=[answered.pk])).content.decode()
    client.post(reverse("appeals:rate", args=[answered.pk]), {"rating": "nine"})
    answered.refresh_from_db()
    assert answered.applicant_rating == 5


def test_another_agencys_appeal_is_not_found(client, answered, outsider):
    client.force_login(outsider)
    assert client.post(reverse("appeals:rate", args=[answered.pk]), {"rating": "5"}).status_code == 404
