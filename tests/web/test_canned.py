"""Canned responses: kept by supervisors per agency, category and language; inserted into the answer editor."""

import pytest
from django.urls import reverse

from appeals.models import CannedResponse
from appeals.models.choices import AppealStatus

from ..factories import CategoryFactory
from .conftest import make, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def canned_data(agency, **overrides):
    data = {
        "title": "Ремонт запланирован",
        "agency": agency.pk,
        "language": "ru",
        "outcome": "satisfied",
        "text": "Уважаемый(ая) {applicant}! По обращению {number} от {registered} ремонт включён в план.",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_a_supervisor_keeps_canned_responses_of_the_agency(client, agency, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("appeals:canned_create")).status_code == 200
    response = client.post(reverse("appeals:canned_create"), canned_data(agency))
    assert response.status_code == 302
    canned = CannedResponse.objects.get()
    assert (canned.agency, canned.language, canned.outcome, canned.created_by) == (
        agency,
        "ru",
        "satisfied",
        supervisor,
    )
    edit = client.post(reverse("appeals:canned_edit", kwargs={"pk": canned.pk}), canned_data(agency, title="Новое"))
    assert edit.status_code == 302
    canned.refresh_from_db()
    assert canned.title == "Новое"
    assert "Новое" in text_of(client.get(reverse("appeals:canned_list")))


def test_unknown_placeholders_are_refused(client, agency, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("appeals:canned_create"), canned_data(agency, text="Здравствуйте, {name}!"))
    assert response.status_code == 422
    assert "Unknown placeholders: {name}." in text_of(response)
    assert not CannedResponse.objects.exists()


def test_an_executor_cannot_keep_canned_responses(client, agency, executor):
    client.force_login(executor)
    response = client.post(reverse("appeals:canned_create"), canned_data(agency), follow=True)
    assert "Only a supervisor may keep canned responses." in text_of(response)
    assert not CannedResponse.objects.exists()


def test_a_supervisor_cannot_edit_another_agencys_template(client, agency, sibling, supervisor):
    theirs = CannedResponse.objects.create(agency=sibling, language="ru", title="Их", text="Текст")
    client.force_login(supervisor)
    assert client.get(reverse("appeals:canned_edit", kwargs={"pk": theirs.pk})).status_code == 404


def test_the_executor_inserts_a_template_with_its_placeholders_filled(client, agency, executor, category):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, category=category)
    canned = CannedResponse.objects.create(
        agency=agency.parent,  # a template of the ministry is offered to its departments
        category=category,
        language="ru",
        title="Ремонт",
        text="Уважаемый(ая) {applicant}! По обращению {number} ремонт выполнят до {due_date}.",
        outcome="satisfied",
    )
    CannedResponse.objects.create(
        agency=agency, category=CategoryFactory(), language="ru", title="Чужая тема", text="x"
    )
    CannedResponse.objects.create(agency=agency, language="ru", title="Выключен", text="x", is_active=False)
    client.force_login(executor)
    response = client.get(appeal.get_absolute_url(), {"canned": canned.pk})
    titles = [c.title for c in response.context["canned_options"]]
    assert titles == ["Ремонт"]
    form = response.context["forms"]["draft"]
    assert form.initial["text"] == (
        f"Уважаемый(ая) {appeal.applicant_name}! По обращению {appeal.number} ремонт выполнят до "
        f"{appeal.due_date:%d.%m.%Y}."
    )
    assert form.initial["outcome"] == "satisfied"
    assert 'id="action-draft"' not in text_of(response)  # the editor is in the answer panel


def test_a_template_in_another_language_warns(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, language="kk")
    canned = CannedResponse.objects.create(agency=agency, language="ru", title="Рус", text="Ответ на русском языке")
    client.force_login(executor)
    response = client.get(appeal.get_absolute_url(), {"canned": canned.pk})
    assert "The appeal is in Kazakh, the answer in Russian" in text_of(response)


def test_an_administrator_keeps_templates_for_every_agency_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:appeals_cannedresponse_add")
    bad = client.post(url, {"title": "Общий", "language": "ru", "text": "Здравствуйте, {имя}", "is_active": "on"})
    assert bad.status_code == 200 and not CannedResponse.objects.exists()
    response = client.post(
        url,
        {"title": "Общий", "language": "ru", "outcome": "explained", "text": "Ответ на {number}", "is_active": "on"},
    )
    assert response.status_code == 302
    canned = CannedResponse.objects.get()
    assert canned.agency is None and canned.created_by == admin_user and canned.outcome == "explained"
