"""AppealSerializer and the intake's receipts read their fields directly for speed: the JSON is what DRF's
field-by-field walk gives."""

import json
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import RequestFactory
from django.utils import timezone, translation
from rest_framework import serializers

from appeals.api.intake_serializers import AppealBatchCreatedSerializer, AppealIntakeCreatedSerializer
from appeals.api.serializers import AppealSerializer
from appeals.api.views import appeals_for_api
from appeals.models import Appeal, Attachment
from appeals.models.choices import AppealStatus, ApplicantType

from ..factories import AppealFactory, CategoryFactory, valid_bin


@pytest.fixture
def varied(agency, sibling, executor, supervisor):
    now = timezone.now()
    first = AppealFactory(agency=agency, assignee=executor, status=AppealStatus.IN_PROGRESS, received_at=now)
    Attachment.objects.create(
        appeal=first, file="a/b.pdf", original_name="скан <1>.pdf", content_type="application/pdf", size=1234
    )
    Attachment.objects.create(appeal=first, file="a/c.png", original_name="c.png", content_type="image/png", size=5)
    AppealFactory(agency=sibling, redirected_from=first, status=AppealStatus.REGISTERED)
    AppealFactory(
        agency=agency,
        category=None,
        applicant_type=ApplicantType.LEGAL,
        applicant_iin="",
        applicant_bin=valid_bin(7),
        applicant_phone="+7 (701) 123-45-67",
        applicant_address="Астана, ул. Абая 1",
        status=AppealStatus.CLOSED,
        outcome="explained",
        resolved_at=now,
        extension_count=2,
    )
    AppealFactory(agency=agency, category=CategoryFactory(), registered_at=now - timedelta(days=60), language="kk")
    return supervisor


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_fast_representation_is_drf_s_own(varied, language):
    request = RequestFactory().get("/api/v1/appeals/")
    request.user = varied
    appeals = list(appeals_for_api(Appeal.objects.all()).order_by("pk"))
    assert any(a.attachments.all() for a in appeals) and any(a.redirected_to.all() for a in appeals)
    with translation.override(language):
        fast = AppealSerializer(appeals, many=True, context={"request": request}).data
        child = AppealSerializer(context={"request": request})
        walked = [serializers.Serializer.to_representation(child, appeal) for appeal in appeals]
    assert [dict(item) for item in fast] == [_plain(item) for item in walked]
    assert [list(item) for item in fast] == [list(item) for item in walked]  # the same order of keys


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_list_shows_each_appeal_as_drf_s_walk_does(client, varied, language):
    client.force_login(varied)
    body = client.get("/api/v1/appeals/", HTTP_ACCEPT_LANGUAGE=language).json()
    request = RequestFactory().get("/api/v1/appeals/")
    request.user = varied
    ids = [item["id"] for item in body["results"]]
    appeals = {a.pk: a for a in appeals_for_api(Appeal.objects.filter(pk__in=ids))}
    with translation.override(language):
        child = AppealSerializer(context={"request": request})
        walked = [_plain(serializers.Serializer.to_representation(child, appeals[pk])) for pk in ids]
    assert body["results"] == json.loads(json.dumps(walked, cls=DjangoJSONEncoder))
    assert any(item["redirected_to"] for item in body["results"])
    assert any(item["attachments"] for item in body["results"])


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
@pytest.mark.parametrize("suggested", [None, (None, [])])
def test_the_receipts_are_drf_s_own(varied, language, suggested):
    request = RequestFactory().post("/api/v1/appeals/")
    appeals = list(Appeal.objects.select_related("agency").order_by("pk"))
    context = {"request": request, "route_suggestions": suggested, "created": {appeals[0].pk}}
    with translation.override(language):
        for serializer_class in (AppealIntakeCreatedSerializer, AppealBatchCreatedSerializer):
            for appeal in appeals:
                fast = serializer_class(appeal, context=context).data
                walked = serializers.Serializer.to_representation(serializer_class(context=context), appeal)
                assert dict(fast) == _plain(walked)
                assert list(fast) == list(walked)  # the same order of keys
