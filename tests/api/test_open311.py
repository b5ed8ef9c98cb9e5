"""Open311 GeoReport v2 at /open311/v2/: a 311 client submits with a form POST and follows the status."""

import pytest
from rest_framework.test import APIClient

from appeals import lifecycle
from appeals.models import Appeal, IdempotencyKey, Open311Details

from ..factories import AppealFactory, CategoryFactory, valid_iin
from .conftest import make_integration

BASE = "/open311/v2"


def form(**overrides):
    data = {
        "service_code": "roads",
        "attribute[region]": "astana",
        "address_string": "Астана, ул. Абая 1",
        "lat": "51.128300",
        "long": "71.430500",
        "first_name": "Иван",
        "last_name": "Иванов",
        "email": "ivanov@mail.kz",
        "phone": "+7 701 123 45 67",
        "description": "Яма на дороге у дома 1",
        "media_url": "https://photos.example.kz/pothole.jpg",
        "device_id": "phone-1",
        "account_id": "acc-7",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def client311():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def assert_open311_error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and body
    assert all(set(e) == {"code", "description"} and e["code"] == status and e["description"] for e in body)
    return [e["description"] for e in body]


def test_a_311_client_submits_and_follows_the_status(portal, route, client311, supervisor, executor):
    _integration, token = portal
    created = client311.post(f"{BASE}/requests.json", {**form(), "api_key": token})

    assert created.status_code == 201, created.content
    [receipt] = created.json()
    assert set(receipt) == {"service_request_id", "service_notice", "account_id"}
    appeal = Appeal.objects.select_related("agency").get()
    assert receipt["service_request_id"] == appeal.number
    assert appeal.number in receipt["service_notice"] and receipt["account_id"] == "acc-7"
    assert (appeal.kind, appeal.channel, appeal.language, appeal.region) == ("report", "portal", "ru", "astana")
    assert appeal.applicant_name == "Иванов Иван" and appeal.applicant_type == "individual"
    assert appeal.text == "Яма на дороге у дома 1"  # the location has its own fields (below)
    assert appeal.subject == "Дороги — Астана, ул. Абая 1"
    details = Open311Details.objects.get(appeal=appeal)
    assert (details.address, float(details.lat), float(details.long)) == ("Астана, ул. Абая 1", 51.1283, 71.4305)

    def follow():
        response = client311.get(f"{BASE}/requests/{appeal.number}.json", {"api_key": token})
        assert response.status_code == 200
        [request] = response.json()
        return request

    request = follow()
    assert set(request) == {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }
    assert request["service_request_id"] == appeal.number
    assert (request["status"], request["status_notes"]) == ("open", "Registered")
    assert (request["service_code"], request["service_name"]) == ("roads", "Дороги")
    assert request["agency_responsible"] == appeal.agency.name_ru
    assert request["address"] == "Астана, ул. Абая 1" and (request["lat"], request["long"]) == (51.1283, 71.4305)
    assert request["media_url"] == "https://photos.example.kz/pothole.jpg"
    assert request["expected_datetime"] == f"{appeal.due_date.isoformat()}T23:59:59+05:00"
    assert request["requested_datetime"].endswith("+05:00")

    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    lifecycle.appeal_save_response(appeal=appeal, actor=executor, text="Отремонтируем.", outcome="satisfied")
    lifecycle.appeal_submit(appeal=appeal, actor=executor)
    assert follow()["status"] == "open"
    lifecycle.appeal_approve(appeal=appeal, actor=supervisor)
    request = follow()
    assert (request["status"], request["status_notes"]) == ("closed", "Answered: Satisfied")
    assert request["expected_datetime"] is None

    listed = client311.get(f"{BASE}/requests.json", {"api_key": token, "status": "closed"}).json()
    assert [r["service_request_id"] for r in listed] == [appeal.number]
    assert client311.get(f"{BASE}/requests.json", {"api_key": token, "status": "open"}).json() == []


def test_the_api_key_may_travel_as_a_bearer_token(portal, route, client311):
    client311.credentials(HTTP_AUTHORIZATION=f"Bearer {portal[1]}")
    assert client311.post(f"{BASE}/requests.json", form()).status_code == 201
    assert len(client311.get(f"{BASE}/requests.json").json()) == 1


def test_without_a_name_the_appeal_is_anonymous_and_kazakh_text_is_recognised(portal, route, client311):
    response = client311.post(
        f"{BASE}/requests.json",
        {**form(first_name=None, last_name=None, description="Жолда шұңқыр бар"), "api_key": portal[1]},
    )
    assert response.status_code == 201
    appeal = Appeal.objects.get()
    assert appeal.applicant_type == "anonymous" and appeal.language == "kk"


def test_attributes_set_the_iin_language_kind_and_subject(portal, route, client311):
    data = form(
        **{
            "attribute[iin]": valid_iin(5),
            "attribute[language]": "kk",
            "attribute[kind]": "complaint",
            "attribute[subject]": "Жол жөндеу",
        }
    )
    assert client311.post(f"{BASE}/requests.json", {**data, "api_key": portal[1]}).status_code == 201
    appeal = Appeal.objects.get()
    assert (appeal.applicant_iin, appeal.language, appeal.kind, appeal.subject) == (
        valid_iin(5),
        "kk",
        "complaint",
        "Жол жөндеу",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_code": "mars"}, "service_code"),
        ({"service_code": None}, "service_code"),
        ({"attribute[region]": None}, "attribute[region]"),
        ({"attribute[region]": "mars"}, "attribute[region]"),
        ({"lat": None, "long": None, "address_string": None}, "address_string"),
        ({"long": None}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"attribute[iin]": "123456789012"}, "attribute[iin]"),
        ({"attribute[language]": "en"}, "attribute[language]"),
        ({"email": "nope"}, "email"),
        ({"media_url": "not a url"}, "media_url"),
        ({"description": "я" * 20001}, "description"),
        ({"jurisdiction_id": "elsewhere.kz"}, "jurisdiction_id"),
    ],
)
def test_each_wrong_field_is_an_open311_400(portal, route, client311, overrides, field):
    response = client311.post(f"{BASE}/requests.json", {**form(**overrides), "api_key": portal[1]})
    descriptions = assert_open311_error(response, 400)
    assert any(d.startswith(f"{field}:") for d in descriptions), descriptions
    assert not Appeal.objects.exists()


def test_a_missing_or_wrong_api_key_is_a_403(db, route, client311, portal):
    assert assert_open311_error(client311.post(f"{BASE}/requests.json", form()), 403) == [
        "api_key was not provided or is not valid."
    ]
    assert_open311_error(client311.post(f"{BASE}/requests.json", {**form(), "api_key": "otn_wrong"}), 403)
    assert_open311_error(client311.get(f"{BASE}/requests.json", {"api_key": "otn_wrong"}), 403)
    assert not Appeal.objects.exists()


def test_a_key_without_the_intake_scope_cannot_submit(ministry, route, client311):
    _integration, token = make_integration(ministry, scopes=("read",))
    assert_open311_error(client311.post(f"{BASE}/requests.json", {**form(), "api_key": token}), 403)


def test_the_same_idempotency_key_returns_the_first_request(portal, route, client311):
    data = {**form(), "api_key": portal[1]}
    first = client311.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="311-1")
    again = client311.post(f"{BASE}/requests.json", data, HTTP_IDEMPOTENCY_KEY="311-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Appeal.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_services_list_the_categories_without_a_key(client311, category):
    group = CategoryFactory(code="infra", name_ru="Инфраструктура", name_kk="Инфрақұрылым")
    CategoryFactory(code="lights", name_ru="Освещение", name_kk="Жарық", parent=group)
    body = client311.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in body] == ["infra", "lights", "roads"]
    assert body[1] == {
        "service_code": "lights",
        "service_name": "Освещение",
        "description": "Освещение",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "Инфраструктура",
    }
    kazakh = APIClient(HTTP_ACCEPT_LANGUAGE="kk").get(f"{BASE}/services.json").json()
    assert kazakh[1]["service_name"] == "Жарық"


def test_a_service_definition_lists_its_attributes(client311, category):
    body = client311.get(f"{BASE}/services/roads.json").json()
    assert body["service_code"] == "roads"
    assert [a["code"] for a in body["attributes"]] == ["region", "iin", "language", "kind", "subject"]
    region = body["attributes"][0]
    assert region["required"] is True and region["datatype"] == "singlevaluelist"
    assert {"key": "astana", "name": "Astana"} in region["values"]
    assert_open311_error(client311.get(f"{BASE}/services/mars.json"), 404)


def test_a_foreign_jurisdiction_is_a_404_on_reads(client311, category, settings):
    assert (
        client311.get(f"{BASE}/services.json", {"jurisdiction_id": settings.OPEN311_JURISDICTION_ID}).status_code == 200
    )
    assert_open311_error(client311.get(f"{BASE}/services.json", {"jurisdiction_id": "elsewhere"}), 404)


def test_xml_is_answered_with_a_clear_error(client311, db):
    for path in ("services.xml", "requests.xml", "requests/ABC-1.xml", "services/roads.xml"):
        [description] = assert_open311_error(client311.get(f"{BASE}/{path}"), 400)
        assert "JSON only" in description
    assert_open311_error(client311.post(f"{BASE}/requests.xml", form()), 400)


def test_an_unknown_resource_is_an_open311_404(client311, db):
    assert_open311_error(client311.get(f"{BASE}/tokens/abc.json"), 404)


def test_the_list_is_limited_to_the_token_s_agencies_and_the_last_90_days(agency, other_region, category, client311):
    from datetime import timedelta

    from django.utils import timezone

    recent = AppealFactory(agency=agency, category=category)
    AppealFactory(agency=agency, registered_at=timezone.now() - timedelta(days=120))
    AppealFactory(agency=other_region)
    _integration, token = make_integration(agency, scopes=("read",))
    body = client311.get(f"{BASE}/requests.json", {"api_key": token}).json()
    assert [r["service_request_id"] for r in body] == [recent.number]
    both = client311.get(
        f"{BASE}/requests.json", {"api_key": token, "start_date": "2000-01-01T00:00:00Z", "service_code": "roads"}
    ).json()
    assert [r["service_request_id"] for r in both] == [recent.number]
    assert_open311_error(client311.get(f"{BASE}/requests.json", {"api_key": token, "start_date": "yesterday"}), 400)
    assert_open311_error(client311.get(f"{BASE}/requests.json", {"api_key": token, "status": "pending"}), 400)
    foreign = AppealFactory(agency=other_region)
    assert_open311_error(client311.get(f"{BASE}/requests/{foreign.number}.json", {"api_key": token}), 404)


@pytest.mark.parametrize("n", [1, 30])
def test_the_request_list_query_count_is_constant(
    portal, agency, category, client311, django_assert_max_num_queries, n
):
    AppealFactory.create_batch(n, agency=agency, category=category)
    with django_assert_max_num_queries(3):
        response = client311.get(f"{BASE}/requests.json", {"api_key": portal[1]})
    assert len(response.json()) == n


@pytest.mark.parametrize("n", [1, 30])
def test_the_service_list_query_count_is_constant(client311, django_assert_max_num_queries, n, db):
    for _i in range(n):
        CategoryFactory(parent=CategoryFactory())
    with django_assert_max_num_queries(1):
        assert client311.get(f"{BASE}/services.json").status_code == 200
