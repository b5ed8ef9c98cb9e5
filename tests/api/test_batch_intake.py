"""Batch intake (POST /api/v1/appeals/batch/): many appeals in one request, all or none, safe to retry."""

import pytest
from django.core import mail

from agencies.choices import Region
from appeals.access.integrations import webhook_endpoint_create
from appeals.models import Appeal, AppealEvent, Notice, RegistrationCounter, WebhookDelivery
from appeals.models.choices import EventKind, NoticeKind

from ..factories import AgencyFactory, CategoryFactory, CategoryRouteFactory, valid_iin
from .conftest import assert_error, intake_body, make_integration, token_client

URL = "/api/v1/appeals/batch/"


def batch(*items):
    return {"appeals": list(items)}


@pytest.fixture
def routes(category, agency, sibling):
    """Roads: Astana → the department, Almaty → the sibling department."""
    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    CategoryRouteFactory(category=category, region=Region.ALMATY_CITY, agency=sibling)


def test_a_batch_registers_every_appeal_and_answers_each_receipt_in_order(portal, portal_client, routes):
    items = [intake_body(n, region="almaty_city" if n % 2 else "astana") for n in range(1, 7)]

    response = portal_client.post(URL, batch(*items), format="json")

    assert response.status_code == 201, response.content
    receipts = response.json()["appeals"]
    assert [r["external_id"] for r in receipts] == [f"portal-{n}" for n in range(1, 7)]
    assert all(r["created"] for r in receipts)
    assert [r["agency"]["code"] for r in receipts] == ["sib", "dep", "sib", "dep", "sib", "dep"]
    assert set(receipts[0]) == {
        "id", "number", "external_id", "status", "agency", "registered_at", "due_date", "url", "created",
    }  # fmt: skip
    # Numbers are consecutive per agency and never shared.
    assert [r["number"] for r in receipts if r["agency"]["code"] == "dep"] == [
        f"DEP-{receipts[0]['registered_at'][:4]}-00000{n}" for n in (1, 2, 3)
    ]
    assert len({r["number"] for r in receipts}) == 6
    assert RegistrationCounter.objects.get(agency__code="sib").last_number == 3
    for receipt, item in zip(receipts, items, strict=True):
        appeal = Appeal.objects.get(pk=receipt["id"])
        assert appeal.number == receipt["number"] and appeal.integration == portal[0]
        assert appeal.applicant_iin == item["applicant"]["iin"] and appeal.subject == item["subject"]
        assert appeal.due_date.isoformat() == receipt["due_date"]
        assert receipt["url"].endswith(f"/api/v1/appeals/{appeal.pk}/")
    # One audit event per appeal, as a single intake writes it.
    events = AppealEvent.objects.filter(kind=EventKind.REGISTERED)
    assert events.count() == 6
    event = events.get(appeal_id=receipts[0]["id"])
    assert event.actor is None and event.to_status == "registered"
    assert event.payload["integration"] == "Citizens' portal" and event.payload["number"] == receipts[0]["number"]


def test_every_applicant_with_an_address_gets_the_receipt(portal_client, routes, django_capture_on_commit_callbacks):
    items = [intake_body(1), intake_body(2, applicant={"email": ""}), intake_body(3, applicant={"email": "c@mail.kz"})]
    with django_capture_on_commit_callbacks(execute=True):
        assert portal_client.post(URL, batch(*items), format="json").status_code == 201
    receipts = Notice.objects.filter(kind=NoticeKind.RECEIPT)
    assert sorted(receipts.values_list("email", flat=True)) == ["c@mail.kz", "ivanov@mail.kz"]
    assert sorted(message.to[0] for message in mail.outbox) == ["c@mail.kz", "ivanov@mail.kz"]


def test_a_retried_batch_registers_nothing_twice(portal_client, routes):
    first = portal_client.post(URL, batch(intake_body(1), intake_body(2)), format="json").json()["appeals"]

    again = portal_client.post(URL, batch(intake_body(1), intake_body(2)), format="json")
    assert again.status_code == 200
    assert [(r["id"], r["created"]) for r in again.json()["appeals"]] == [(r["id"], False) for r in first]

    mixed = portal_client.post(URL, batch(intake_body(2), intake_body(3)), format="json")
    assert mixed.status_code == 201
    assert [(r["external_id"], r["created"]) for r in mixed.json()["appeals"]] == [
        ("portal-2", False),
        ("portal-3", True),
    ]
    assert Appeal.objects.count() == 3
    assert AppealEvent.objects.filter(kind=EventKind.REGISTERED).count() == 3


def test_an_appeal_sent_alone_before_is_answered_in_the_batch(portal_client, routes):
    single = portal_client.post("/api/v1/appeals/", intake_body(1), format="json").json()
    receipts = portal_client.post(URL, batch(intake_body(1), intake_body(2)), format="json").json()["appeals"]
    assert receipts[0]["id"] == single["id"] and receipts[0]["created"] is False
    assert receipts[1]["created"] is True


def test_one_bad_appeal_refuses_the_whole_batch_and_names_each_fault(portal_client, routes):
    items = [
        intake_body(1),
        intake_body(2, subject=""),
        intake_body(3, category="nope"),
        intake_body(4, applicant={"iin": "123456789012"}),
        intake_body(5, kind="wish"),
    ]
    error = assert_error(
        portal_client.post(URL, batch(*items), format="json"),
        400,
        "invalid",
        ["appeals.1.subject", "appeals.2.category", "appeals.3.applicant.iin", "appeals.4.kind"],
    )
    assert "nope" in error["fields"]["appeals.2.category"][0]
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not RegistrationCounter.objects.filter(last_number__gt=0).exists()


def test_an_appeal_refused_by_the_rules_refuses_the_batch(portal_client, routes, category):
    """Errors found after the shape is checked (routing, agency scope) also name the appeal by its index."""
    error = assert_error(
        portal_client.post(URL, batch(intake_body(1), intake_body(2, region="pavlodar")), format="json"),
        400,
        "invalid",
        ["appeals.1.agency"],
    )
    assert "give the agency" in error["fields"]["appeals.1.agency"][0]
    assert "none was registered" in error["message"]
    assert not Appeal.objects.exists()


def test_an_agency_outside_the_integration_is_refused_by_index(routes, agency, other_region):
    _integration, token = make_integration(agency)
    client = token_client(token)
    error = assert_error(
        client.post(URL, batch(intake_body(1), intake_body(2, agency="oth")), format="json"),
        400,
        "invalid",
        ["appeals.1.agency"],
    )
    assert "outside the agencies of this integration" in error["fields"]["appeals.1.agency"][0]
    assert not Appeal.objects.exists()


def test_an_inactive_agency_is_refused(portal_client, routes, district):
    district.is_active = False
    district.save()
    assert_error(
        portal_client.post(URL, batch(intake_body(1, agency="dist")), format="json"),
        400,
        "invalid",
        ["appeals.0.agency"],
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"appeals": []}, ["appeals"]),
        ({}, ["appeals"]),
        ({"appeals": "x"}, ["appeals"]),
        ({"appeals": [1]}, ["appeals.0"]),
        ({"appeals": [intake_body(1)], "extra": 1}, ["extra"]),
        ({"appeals": [intake_body(1), intake_body(2, external_id="portal-1")]}, ["appeals.1.external_id"]),
        ({"appeals": [intake_body(1, attachments=[])]}, ["appeals.0.attachments"]),
        ({"appeals": [intake_body(1, external_id="  ")]}, ["appeals.0.external_id"]),
    ],
)
def test_malformed_batches_are_clear_errors(portal_client, routes, body, fields):
    assert_error(portal_client.post(URL, body, format="json"), 400, "invalid", fields)
    assert not Appeal.objects.exists()


def test_a_batch_is_at_most_a_hundred_appeals(portal_client, routes):
    items = [intake_body(n) for n in range(1, 102)]
    error = assert_error(portal_client.post(URL, batch(*items), format="json"), 400, "invalid", ["appeals"])
    assert "100" in error["fields"]["appeals"][0]
    assert not Appeal.objects.exists()


def test_a_non_json_body_is_refused(portal_client, routes):
    response = portal_client.post(URL, "appeals=1", content_type="text/plain")
    assert response.status_code == 415


def test_errors_are_in_the_callers_language(portal, routes):
    client = token_client(portal[1], language="ru")
    error = assert_error(
        client.post(URL, batch(intake_body(1, subject="")), format="json"), 400, "invalid", ["appeals.0.subject"]
    )
    assert error["message"] == "Некоторые поля заполнены неверно."


def test_staff_register_one_appeal_at_a_time(staff_client, registrar, routes):
    error = assert_error(
        staff_client(registrar).post(URL, batch(intake_body(1)), format="json"), 403, "permission_denied"
    )
    assert "one at a time" in error["message"]
    assert not Appeal.objects.exists()


def test_a_read_only_token_may_not_submit_a_batch(ministry, routes):
    _integration, token = make_integration(ministry, scopes=("read",))
    assert token_client(token).post(URL, batch(intake_body(1)), format="json").status_code == 403
    assert not Appeal.objects.exists()


def test_anonymous_callers_are_refused(routes):
    from rest_framework.test import APIClient

    assert_error(APIClient().post(URL, batch(intake_body(1)), format="json"), 401, "not_authenticated")


def test_an_idempotency_key_is_refused_with_the_reason(portal_client, routes):
    error = assert_error(
        portal_client.post(URL, batch(intake_body(1)), format="json", HTTP_IDEMPOTENCY_KEY="k-1"),
        400,
        "invalid",
        ["Idempotency-Key"],
    )
    assert "external_id" in error["fields"]["Idempotency-Key"][0]
    assert not Appeal.objects.exists()


def test_subscribers_get_one_status_webhook_per_appeal(portal, portal_client, routes):
    endpoint, _secret = webhook_endpoint_create(integration=portal[0], url="http://127.0.0.1:9/hook")
    receipts = portal_client.post(URL, batch(intake_body(1), intake_body(2)), format="json").json()["appeals"]
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("appeal_id")
    assert [d.appeal_id for d in deliveries] == [r["id"] for r in receipts]
    assert {d.payload["appeal"]["number"] for d in deliveries} == {r["number"] for r in receipts}
    assert all(d.payload["event"] == "appeal.status_changed" for d in deliveries)


def test_the_number_of_queries_does_not_grow_with_the_batch(portal_client, ministry, django_assert_max_num_queries):
    """Ten categories routed to ten agencies: the batch's queries stay the same at 3 and at 60 appeals."""
    codes = []
    for n in range(10):
        category = CategoryFactory(code=f"cat{n}")
        CategoryRouteFactory(
            category=category, region=Region.ASTANA, agency=AgencyFactory(code=f"a{n}", parent=ministry)
        )
        codes.append(category.code)

    def items(start, count):
        return [intake_body(start + n, category=codes[n % 10]) for n in range(count)]

    with django_assert_max_num_queries(22):
        assert portal_client.post(URL, batch(*items(0, 3)), format="json").status_code == 201
    with django_assert_max_num_queries(22):
        assert portal_client.post(URL, batch(*items(100, 60)), format="json").status_code == 201
    assert Appeal.objects.count() == 63
    assert len(set(Appeal.objects.values_list("number", flat=True))) == 63


def test_the_first_appeal_of_an_agency_in_a_year_starts_its_counter(portal_client, routes):
    assert not RegistrationCounter.objects.exists()
    receipts = portal_client.post(URL, batch(intake_body(1), intake_body(2)), format="json").json()["appeals"]
    assert [r["number"][-6:] for r in receipts] == ["000001", "000002"]
    assert RegistrationCounter.objects.get().last_number == 2


def test_valid_iins_of_different_people_in_one_batch(portal_client, routes):
    items = [intake_body(n, applicant={"iin": valid_iin(n)}) for n in range(1, 4)]
    assert portal_client.post(URL, batch(*items), format="json").status_code == 201
    assert sorted(Appeal.objects.values_list("applicant_iin", flat=True)) == sorted(valid_iin(n) for n in range(1, 4))
