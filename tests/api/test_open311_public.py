"""Open311 reads without an api_key (GeoReport v2 reads are public): the public requests, the public fields.

Without a key: only requests submitted through Open311, never one that reports a crime, and nothing about the
applicant or the place. With a valid key: the full record, as before; a key that is not valid is a 403.
Also: the description reads back exactly as it was sent, and status_notes never says the same thing twice.
"""

import json

import pytest
from rest_framework.test import APIClient

from appeals import lifecycle
from appeals.models import Appeal
from appeals.models.choices import LeaveReason

from ..factories import AppealFactory, valid_iin
from .conftest import make_integration

BASE = "/open311/v2"
PUBLIC_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
}
PERSONAL_FIELDS = {"description", "address", "address_id", "zipcode", "lat", "long", "media_url"}
IIN = valid_iin(7)
DESCRIPTION = "  Яма на дороге у дома 1.\r\nГлубина 20 см; Location: рядом со школой.  \n"
FORM = {
    "service_code": "roads",
    "attribute[region]": "astana",
    "attribute[iin]": IIN,
    "address_string": "Астана, ул. Абая 1",
    "lat": "51.128300",
    "long": "71.430500",
    "first_name": "Иван",
    "last_name": "Сидоров",
    "email": "sidorov@mail.kz",
    "phone": "+7 701 555 44 33",
    "description": DESCRIPTION,
    "media_url": "https://photos.example.kz/pothole-77.jpg",
    "device_id": "phone-secret-1",
    "account_id": "acc-secret-7",
}
# Every value that says something about the applicant or the place: none may appear in a keyless answer.
PERSONAL_VALUES = [
    "Сидоров",
    "Иван",
    "sidorov@mail.kz",
    "701 555",
    IIN,
    "Яма на дороге",
    "Абая",
    "51.128",
    "71.430",
    "pothole-77",
    "phone-secret-1",
    "acc-secret-7",
]


@pytest.fixture
def anyone():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def submitted(portal, route, anyone):
    response = anyone.post(f"{BASE}/requests.json", {**FORM, "api_key": portal[1]})
    assert response.status_code == 201, response.content
    return Appeal.objects.get(number=response.json()[0]["service_request_id"])


def test_anyone_follows_a_request_without_a_key_and_sees_the_public_fields_only(submitted, anyone):
    response = anyone.get(f"{BASE}/requests/{submitted.number}.json")

    assert response.status_code == 200, response.content
    [request] = response.json()
    assert set(request) == PUBLIC_FIELDS
    assert request["service_request_id"] == submitted.number
    assert (request["status"], request["status_notes"]) == ("open", "Registered")
    assert (request["service_code"], request["service_name"]) == ("roads", "Дороги")
    assert request["agency_responsible"] == submitted.agency.name_ru
    assert request["expected_datetime"] == f"{submitted.due_date.isoformat()}T23:59:59+05:00"
    body = response.content.decode()
    assert [value for value in PERSONAL_VALUES if value in body] == []


def test_the_keyless_list_shows_open311_requests_only_and_nothing_personal(submitted, anyone, agency, category):
    by_post = AppealFactory(agency=agency, category=category, channel="post")

    response = anyone.get(f"{BASE}/requests.json")

    assert response.status_code == 200, response.content
    assert [r["service_request_id"] for r in response.json()] == [submitted.number]
    assert all(set(r) == PUBLIC_FIELDS for r in response.json())
    body = response.content.decode()
    assert [value for value in PERSONAL_VALUES if value in body] == []
    assert by_post.applicant_name not in body
    # An appeal that did not come through Open311 is not there for a keyless caller, even by its number.
    assert anyone.get(f"{BASE}/requests/{by_post.number}.json").status_code == 404
    assert anyone.get(f"{BASE}/requests.json", {"service_request_id": by_post.number}).json() == []


def test_a_crime_report_is_never_shown_without_a_key(portal, route, anyone):
    response = anyone.post(f"{BASE}/requests.json", {**FORM, "api_key": portal[1]})
    appeal = Appeal.objects.get(number=response.json()[0]["service_request_id"])
    Appeal.objects.filter(pk=appeal.pk).update(reports_crime=True)
    assert anyone.get(f"{BASE}/requests/{appeal.number}.json").status_code == 404
    assert anyone.get(f"{BASE}/requests.json").json() == []


def test_with_a_valid_key_the_full_record_and_the_description_exactly_as_sent(submitted, portal, anyone):
    response = anyone.get(f"{BASE}/requests/{submitted.number}.json", {"api_key": portal[1]})

    assert response.status_code == 200
    [request] = response.json()
    assert set(request) == PUBLIC_FIELDS | PERSONAL_FIELDS
    assert request["description"] == DESCRIPTION  # unchanged: spaces, line breaks and all
    assert request["address"] == "Астана, ул. Абая 1"
    assert (request["lat"], request["long"]) == (51.1283, 71.4305)
    assert request["media_url"] == "https://photos.example.kz/pothole-77.jpg"
    submitted.refresh_from_db()
    assert submitted.text == DESCRIPTION


def test_a_key_that_is_not_valid_is_a_403_not_a_public_answer(submitted, anyone):
    for url in (f"{BASE}/requests.json", f"{BASE}/requests/{submitted.number}.json"):
        response = anyone.get(url, {"api_key": "otn_not_a_token"})
        assert response.status_code == 403
        assert response.json()[0]["code"] == 403


def test_a_key_of_another_agency_sees_only_its_own_appeals(submitted, other_region, anyone):
    _integration, token = make_integration(other_region, scopes=("read",))
    assert anyone.get(f"{BASE}/requests/{submitted.number}.json", {"api_key": token}).status_code == 404


def test_submitting_still_needs_a_key(route, anyone, db):
    assert anyone.post(f"{BASE}/requests.json", FORM).status_code == 403
    assert not Appeal.objects.exists()


def test_staff_read_where_the_problem_is_beside_the_text(submitted, client, supervisor):
    client.force_login(supervisor)
    page = client.get(submitted.get_absolute_url()).content.decode()
    assert "Астана, ул. Абая 1" in page and "51.128300, 71.430500" in page
    assert "https://photos.example.kz/pothole-77.jpg" in page


def status_notes(anyone, appeal, language="en"):
    anyone.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return anyone.get(f"{BASE}/requests/{appeal.number}.json").json()[0]["status_notes"]


def test_status_notes_name_the_outcome_only_when_it_adds_something(submitted, anyone, supervisor, executor):
    lifecycle.appeal_leave_without_consideration(appeal=submitted, actor=supervisor, reason=LeaveReason.NO_SUBSTANCE)
    assert status_notes(anyone, submitted) == "Left without consideration"
    assert status_notes(anyone, submitted, "ru") == "Оставлено без рассмотрения"


def test_status_notes_of_a_redirected_request_say_it_once(submitted, anyone, registrar, sibling):
    lifecycle.appeal_redirect(appeal=submitted, to_agency=sibling, actor=registrar, reason="Not ours")
    assert status_notes(anyone, submitted) == "Redirected"
    assert status_notes(anyone, submitted, "ru") == "Перенаправлено"


def test_status_notes_of_an_answer_give_the_outcome(submitted, anyone, supervisor, executor):
    lifecycle.appeal_assign(appeal=submitted, executor=executor, actor=supervisor)
    lifecycle.appeal_save_response(appeal=submitted, actor=executor, text="Отремонтируем.", outcome="satisfied")
    lifecycle.appeal_submit(appeal=submitted, actor=executor)
    lifecycle.appeal_approve(appeal=submitted, actor=supervisor)
    assert status_notes(anyone, submitted) == "Answered: Satisfied"


@pytest.mark.parametrize("n", [1, 30])
def test_the_keyless_list_query_count_is_constant(portal, route, anyone, django_assert_max_num_queries, n):
    for i in range(n):
        anyone.post(f"{BASE}/requests.json", {**FORM, "description": f"Яма {i}", "api_key": portal[1]})
    with django_assert_max_num_queries(2):
        response = anyone.get(f"{BASE}/requests.json")
    assert len(json.loads(response.content)) == n
