"""Reading: appeals (list with the queues' filters, retrieve, timeline), responses, agencies,
categories, /me/ — every field of the contract, and constant query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals import lifecycle
from appeals.models import AppealResponse
from appeals.models.choices import AppealStatus, EventKind, ResponseStatus

from ..factories import AgencyFactory, AppealFactory, CategoryFactory, UserFactory
from .conftest import assert_error, intake_body, make_integration, token_client

APPEAL_FIELDS = {
    "id",
    "number",
    "external_id",
    "status",
    "status_label",
    "outcome",
    "kind",
    "channel",
    "language",
    "region",
    "category",
    "agency",
    "subject",
    "text",
    "applicant",
    "registered_at",
    "received_at",
    "due_date",
    "original_due_date",
    "extension_count",
    "is_overdue",
    "resolved_at",
    "assignee",
    "redirected_from",
    "redirected_to",
    "attachments",
    "available_actions",
}


def test_an_appeal_shows_every_field_of_the_contract(staff_client, supervisor, executor, appeal, agency, category):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    response = staff_client(supervisor).get(f"/api/v1/appeals/{appeal.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == APPEAL_FIELDS
    appeal.refresh_from_db()
    assert body["id"] == appeal.pk and body["number"] == appeal.number
    assert body["status"] == "in_progress" and body["status_label"] == "In progress"
    assert body["outcome"] == ""
    assert (body["kind"], body["channel"], body["language"], body["region"]) == (
        "application",
        "portal",
        "ru",
        "astana",
    )
    assert body["category"] == {"code": "roads", "name": category.name_ru}
    assert body["agency"] == {"id": agency.pk, "code": "dep", "name": agency.name_ru}
    assert body["subject"] == appeal.subject and body["text"] == appeal.text
    assert body["applicant"] == {
        "type": "individual",
        "full_name": appeal.applicant_name,
        "iin": "••••••••" + appeal.applicant_iin[-4:],
        "bin": "",
        "email": appeal.applicant_email,
        "phone": "",
        "address": "",
    }
    assert body["due_date"] == appeal.due_date.isoformat()
    assert body["original_due_date"] == appeal.original_due_date.isoformat()
    assert body["extension_count"] == 0 and body["is_overdue"] is False and body["resolved_at"] is None
    assert body["assignee"] == {"id": executor.pk, "name": executor.display_name}
    assert body["redirected_from"] is None and body["redirected_to"] == [] and body["attachments"] == []
    assert "grant_extension" in body["available_actions"] and "take" not in body["available_actions"]


def test_a_redirected_appeal_names_where_it_went(staff_client, supervisor, appeal, sibling):
    new = lifecycle.appeal_redirect(appeal=appeal, to_agency=sibling, actor=supervisor, reason="Не наша компетенция")
    body = staff_client(supervisor).get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert body["status"] == "redirected" and body["outcome"] == "redirected"
    assert body["redirected_to"] == [
        {"id": new.pk, "number": new.number, "agency": {"id": sibling.pk, "code": "sib", "name": sibling.name_ru}}
    ]


def test_agency_names_follow_accept_language(staff_client, supervisor, appeal, agency):
    body = staff_client(supervisor, language="kk").get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert body["agency"]["name"] == agency.name_kk
    assert body["status_label"] == "Тіркелді"  # "Registered" in Kazakh


def test_the_list_uses_the_queues_filterset(staff_client, supervisor, agency):
    late = AppealFactory(agency=agency, overdue=True, subject="Свет не горит")
    AppealFactory(agency=agency, subject="Дорога")
    AppealFactory(agency=agency, status=AppealStatus.ANSWERED)
    client = staff_client(supervisor)
    assert [a["id"] for a in client.get("/api/v1/appeals/?overdue=true").json()["results"]] == [late.pk]
    assert client.get("/api/v1/appeals/?status=answered").json()["count"] == 1
    assert client.get("/api/v1/appeals/?status=registered&status=answered").json()["count"] == 3
    assert client.get("/api/v1/appeals/?q=Свет").json()["count"] == 1
    ordered = client.get("/api/v1/appeals/?ordering=due_date").json()["results"]
    assert ordered[0]["id"] == late.pk


def test_a_wrong_filter_value_is_a_field_level_400(staff_client, supervisor):
    response = staff_client(supervisor).get("/api/v1/appeals/?status=nonsense&due_within=-1")
    assert_error(response, 400, "invalid", ["status", "due_within"])


def test_the_list_is_paginated(staff_client, supervisor, agency):
    AppealFactory.create_batch(3, agency=agency)
    body = staff_client(supervisor).get("/api/v1/appeals/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]


@pytest.mark.parametrize("ordering", ["due_date", "-due_date", "status", "-registered_at"])
def test_pages_sorted_on_a_shared_value_never_repeat_or_skip_an_appeal(staff_client, supervisor, agency, ordering):
    """Seven appeals with the same due date and status: paging through them by twos lists each once."""
    due = timezone.localdate() + timedelta(days=10)
    now = timezone.now()
    made = [AppealFactory(agency=agency, due_date=due, registered_at=now) for _ in range(7)]
    client = staff_client(supervisor)
    seen = []
    for page in range(1, 5):
        body = client.get(f"/api/v1/appeals/?ordering={ordering}&page_size=2&page={page}").json()
        seen += [row["id"] for row in body["results"]]
    assert sorted(seen) == sorted(a.pk for a in made)
    descending = ordering.startswith("-")
    assert seen == sorted(seen, reverse=descending)  # ties broken by the id, in the sort's direction


def test_an_integration_lists_the_appeals_of_its_agency_scope_only(agency, sibling, district, other_region):
    inside = [AppealFactory(agency=agency), AppealFactory(agency=district)]
    AppealFactory(agency=sibling)
    AppealFactory(agency=other_region)
    _integration, token = make_integration(agency, scopes=("read",))
    body = token_client(token).get("/api/v1/appeals/").json()
    assert sorted(a["id"] for a in body["results"]) == sorted(a.pk for a in inside)
    assert all(a["available_actions"] == [] for a in body["results"])


def test_an_integration_filters_by_the_agencies_of_its_scope(agency, district):
    AppealFactory(agency=agency)
    in_district = AppealFactory(agency=district)
    _integration, token = make_integration(agency, scopes=("read",))
    body = token_client(token).get(f"/api/v1/appeals/?agency={district.pk}").json()
    assert [a["id"] for a in body["results"]] == [in_district.pk]


def test_an_intake_only_token_cannot_read(agency, appeal):
    _integration, token = make_integration(agency, scopes=("intake",))
    assert_error(token_client(token).get("/api/v1/appeals/"), 403, "scope_missing")
    assert_error(token_client(token).get(f"/api/v1/appeals/{appeal.pk}/"), 403, "scope_missing")


def test_an_appeal_outside_the_scope_is_a_404(agency, other_region):
    foreign = AppealFactory(agency=other_region)
    _integration, token = make_integration(agency, scopes=("read",))
    assert_error(token_client(token).get(f"/api/v1/appeals/{foreign.pk}/"), 404, "not_found")


# --- Timeline ------------------------------------------------------------------------------------------
def test_staff_see_the_whole_timeline(staff_client, supervisor, executor, appeal):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    lifecycle.appeal_add_note(appeal=appeal, actor=executor, text="Позвонить заявителю")
    body = staff_client(supervisor).get(f"/api/v1/appeals/{appeal.pk}/timeline/").json()
    assert [e["kind"] for e in body] == ["assigned", "note_added"]
    assigned = body[0]
    assert set(assigned) == {"id", "kind", "kind_label", "from_status", "to_status", "created_at", "actor", "payload"}
    assert (assigned["from_status"], assigned["to_status"]) == ("registered", "in_progress")
    assert assigned["actor"] == {"id": supervisor.pk, "name": supervisor.display_name}
    assert assigned["payload"]["assignee"] == executor.pk
    assert body[1]["payload"] == {"text": "Позвонить заявителю"}


def test_an_integration_sees_the_steps_without_notes_actors_or_details(
    portal, portal_client, route, supervisor, executor
):
    appeal_id = portal_client.post("/api/v1/appeals/", intake_body(), format="json").json()["id"]
    from appeals.models import Appeal

    appeal = Appeal.objects.select_related("agency").get(pk=appeal_id)
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    lifecycle.appeal_add_note(appeal=appeal, actor=executor, text="Внутреннее")
    body = portal_client.get(f"/api/v1/appeals/{appeal_id}/timeline/").json()
    assert [e["kind"] for e in body] == [EventKind.REGISTERED, EventKind.ASSIGNED]
    assert all(e["actor"] is None and e["payload"] == {} for e in body)


# --- Responses ------------------------------------------------------------------------------------------
def _answered(appeal, executor, supervisor):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    lifecycle.appeal_save_response(
        appeal=appeal, actor=executor, text="Дорогу отремонтируют в мае.", outcome="satisfied"
    )
    return appeal


def test_responses_list_answers_and_notices_with_every_field(staff_client, supervisor, executor, appeal):
    _answered(appeal, executor, supervisor)
    body = staff_client(supervisor).get(f"/api/v1/responses/?appeal={appeal.pk}").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert set(item) == {
        "id",
        "appeal",
        "appeal_number",
        "kind",
        "status",
        "language",
        "outcome",
        "text",
        "author",
        "created_at",
        "submitted_at",
        "approved_at",
        "sent_at",
    }
    assert (item["appeal"], item["appeal_number"]) == (appeal.pk, appeal.number)
    assert (item["kind"], item["status"], item["language"], item["outcome"]) == ("answer", "draft", "ru", "satisfied")
    assert item["author"] == {"id": executor.pk, "name": executor.display_name}
    detail = staff_client(supervisor).get(f"/api/v1/responses/{item['id']}/").json()
    assert detail == item


def test_integrations_see_only_what_was_sent_to_the_applicant(portal, portal_client, route, supervisor, executor):
    from appeals.models import Appeal

    appeal_id = portal_client.post("/api/v1/appeals/", intake_body(), format="json").json()["id"]
    appeal = Appeal.objects.select_related("agency").get(pk=appeal_id)
    _answered(appeal, executor, supervisor)
    assert portal_client.get(f"/api/v1/responses/?appeal={appeal_id}").json()["count"] == 0
    lifecycle.appeal_submit(appeal=appeal, actor=executor)
    lifecycle.appeal_approve(appeal=appeal, actor=supervisor)
    body = portal_client.get(f"/api/v1/responses/?appeal={appeal_id}").json()
    assert body["count"] == 1
    sent = body["results"][0]
    assert sent["status"] == ResponseStatus.SENT and sent["author"] is None
    assert "Вы вправе обжаловать данное решение" in sent["text"]  # the appeal is in Russian


def test_responses_of_other_agencies_are_not_listed(staff_client, outsider, executor, supervisor, appeal):
    _answered(appeal, executor, supervisor)
    assert staff_client(outsider).get("/api/v1/responses/").json()["count"] == 0
    response_id = AppealResponse.objects.get().pk
    assert_error(staff_client(outsider).get(f"/api/v1/responses/{response_id}/"), 404, "not_found")


# --- Directory and /me/ ------------------------------------------------------------------------------------
def test_agencies_list_every_field_and_filter_by_region(portal_client, ministry, agency, sibling):
    AgencyFactory(code="gone", parent=ministry, is_active=False)
    body = portal_client.get("/api/v1/agencies/").json()
    assert [a["code"] for a in body["results"]] == ["min", "dep", "sib"]
    assert body["results"][1] == {
        "id": agency.pk,
        "code": "dep",
        "name": agency.name_ru,
        "name_kk": agency.name_kk,
        "name_ru": agency.name_ru,
        "kind": "department",
        "region": "astana",
        "parent": ministry.pk,
        "depth": 1,
    }
    assert [a["code"] for a in portal_client.get("/api/v1/agencies/?region=almaty_city").json()["results"]] == ["sib"]
    assert portal_client.get(f"/api/v1/agencies/{sibling.pk}/").json()["code"] == "sib"


def test_categories_list_their_codes_and_groups(portal_client, category):
    group = CategoryFactory(code="infra", name_ru="Инфраструктура", name_kk="Инфрақұрылым")
    CategoryFactory(code="lights", name_ru="Освещение", name_kk="Жарық", parent=group)
    CategoryFactory(code="retired", is_active=False)
    body = portal_client.get("/api/v1/categories/").json()
    assert [c["code"] for c in body["results"]] == ["infra", "lights", "roads"]
    assert body["results"][1] == {
        "code": "lights",
        "name": "Освещение",
        "name_kk": "Жарық",
        "name_ru": "Освещение",
        "group": "infra",
    }
    assert portal_client.get("/api/v1/categories/lights/").json()["group"] == "infra"
    assert_error(portal_client.get("/api/v1/categories/retired/"), 404, "not_found")


def test_me_tells_a_token_who_it_is(portal, portal_client, ministry):
    assert portal_client.get("/api/v1/me/").json() == {
        "kind": "integration",
        "name": "Citizens' portal",
        "scopes": ["intake", "read"],
        "agency": {"id": ministry.pk, "code": "min", "name": ministry.name_ru},
    }


def test_me_tells_staff_who_they_are(staff_client, executor):
    assert staff_client(executor).get("/api/v1/me/").json() == {
        "kind": "staff",
        "name": executor.display_name,
        "scopes": [],
        "agency": None,
    }


# --- Constant query counts -----------------------------------------------------------------------------------
def _populate(n, agency, category, executor, supervisor):
    for appeal in AppealFactory.create_batch(n, agency=agency, category=category):
        lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
        lifecycle.appeal_save_response(appeal=appeal, actor=executor, text="Ответ")


@pytest.mark.parametrize("n", [1, 30])
def test_the_appeal_list_query_count_is_constant(
    staff_client, supervisor, executor, agency, category, sibling, django_assert_max_num_queries, n
):
    _populate(n, agency, category, executor, supervisor)
    for appeal in AppealFactory.create_batch(min(n, 3), agency=agency, category=category):
        lifecycle.appeal_redirect(appeal=appeal, to_agency=sibling, actor=supervisor, reason="Не наша компетенция")
    client = staff_client(supervisor)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/appeals/?page_size=100")
    assert response.status_code == 200 and response.json()["count"] >= n


@pytest.mark.parametrize("n", [1, 30])
def test_the_appeal_list_query_count_is_constant_for_a_token(
    portal, portal_client, agency, category, django_assert_max_num_queries, n
):
    AppealFactory.create_batch(n, agency=agency, category=category)
    with django_assert_max_num_queries(6):
        response = portal_client.get("/api/v1/appeals/?page_size=100")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 30])
def test_the_responses_list_query_count_is_constant(
    staff_client, supervisor, executor, agency, category, django_assert_max_num_queries, n
):
    _populate(n, agency, category, executor, supervisor)
    client = staff_client(supervisor)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/responses/?page_size=100")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 30])
def test_the_timeline_query_count_is_constant(staff_client, supervisor, appeal, django_assert_max_num_queries, n):
    for i in range(n):
        lifecycle.appeal_add_note(appeal=appeal, actor=supervisor, text=f"note {i}")
    client = staff_client(supervisor)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/appeals/{appeal.pk}/timeline/")
    assert len(response.json()) == n


@pytest.mark.parametrize("n", [1, 30])
def test_the_directory_query_counts_are_constant(portal_client, ministry, django_assert_max_num_queries, n):
    for _i in range(n):
        AgencyFactory(parent=ministry)
        CategoryFactory(parent=CategoryFactory())
    with django_assert_max_num_queries(3):
        assert portal_client.get("/api/v1/agencies/?page_size=100").status_code == 200
    with django_assert_max_num_queries(3):
        assert portal_client.get("/api/v1/categories/?page_size=100").status_code == 200


def test_a_stale_due_date_shows_as_overdue(staff_client, supervisor, agency):
    appeal = AppealFactory(agency=agency, registered_at=timezone.now() - timedelta(days=60))
    assert staff_client(supervisor).get(f"/api/v1/appeals/{appeal.pk}/").json()["is_overdue"] is True


def test_a_member_without_agencies_sees_nothing(staff_client, appeal):
    loner = UserFactory(username="loner")
    assert staff_client(loner).get("/api/v1/appeals/").json()["count"] == 0


@pytest.mark.parametrize("param", ["category", "agency", "executor"])
def test_an_id_no_database_can_hold_is_an_invalid_choice_not_a_crash(staff_client, supervisor, param):
    response = staff_client(supervisor).get(f"/api/v1/appeals/?{param}=99999999999999999999999")
    assert_error(response, 400, "invalid", [param])
