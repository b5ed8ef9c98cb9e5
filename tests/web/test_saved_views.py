"""Saved views: the current filters and sort under a name, personal or shared, in the side menu with counts."""

import pytest
from django.urls import reverse

from agencies.choices import Role
from appeals.models import SavedView
from appeals.models.choices import AppealStatus

from ..conftest import member
from ..factories import valid_iin
from .conftest import make, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("appeals:list")
CREATE = reverse("appeals:saved_view_create")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_save_a_view_and_find_it_in_the_menu_with_its_count(client, agency, supervisor, executor):
    complaint = make(agency=agency, kind="complaint")
    make(agency=agency)
    client.force_login(supervisor)
    response = client.post(CREATE, {"name": "Жалобы", "query": "queue=tree&kind=complaint&ordering=-due_date"})
    view = SavedView.objects.get()
    assert (view.owner, view.agency, view.name) == (supervisor, None, "Жалобы")
    assert response.url == f"{LIST}?view={view.pk}"
    page = client.get(response.url)
    assert [a.number for a in page.context["page"].rows] == [complaint.number]
    assert page.context["ordering"] == "-due_date"
    item = next(i for i in page.context["menu_views"] if i["view"].pk == view.pk)
    assert item["count"] == 1 and item["active"]
    assert "Жалобы" in text_of(page)


def test_url_parameters_override_the_saved_ones(client, agency, supervisor, executor):
    make(agency=agency, kind="complaint")
    working = make(AppealStatus.IN_PROGRESS, agency=agency, kind="complaint", assignee=executor)
    view = SavedView.objects.create(owner=supervisor, name="v", query="queue=tree&kind=complaint")
    client.force_login(supervisor)
    page = client.get(LIST, {"view": view.pk, "status": "in_progress"})
    assert [a.number for a in page.context["page"].rows] == [working.number]


def test_a_shared_view_is_seen_by_the_agency_but_not_by_others(client, agency, sibling, supervisor, executor, outsider):
    client.force_login(supervisor)
    client.post(CREATE, {"name": "Просроченные", "query": "queue=overdue", "share": "on"})
    view = SavedView.objects.get()
    assert view.agency == agency
    client.force_login(executor)
    assert any(i["view"].pk == view.pk for i in client.get(LIST).context["menu_views"])
    client.force_login(outsider)
    assert not client.get(LIST).context["menu_views"]
    assert client.get(LIST, {"view": view.pk}).context["saved_view"] is None


def test_only_the_owner_deletes_a_view(client, agency, supervisor, executor):
    view = SavedView.objects.create(owner=supervisor, agency=agency, name="Общий", query="queue=tree")
    client.force_login(executor)
    client.post(reverse("appeals:saved_view_delete", kwargs={"pk": view.pk}))
    assert SavedView.objects.filter(pk=view.pk).exists()
    client.force_login(supervisor)
    response = client.post(reverse("appeals:saved_view_delete", kwargs={"pk": view.pk}), follow=True)
    assert not SavedView.objects.exists()
    assert "is deleted" in text_of(response)


def test_names_are_required_and_unique(client, supervisor):
    client.force_login(supervisor)
    assert "Name the view" in text_of(client.post(CREATE, {"name": "", "query": ""}, follow=True))
    client.post(CREATE, {"name": "Мой", "query": "queue=tree"})
    again = client.post(CREATE, {"name": "Мой", "query": "queue=overdue"}, follow=True)
    assert "You already have a view with this name." in text_of(again)
    assert SavedView.objects.count() == 1


def test_an_iin_search_is_not_saved(client, supervisor):
    client.force_login(supervisor)
    client.post(CREATE, {"name": "Поиск", "query": f"q={valid_iin(3)}&qref=abc&kind=complaint"})
    assert SavedView.objects.get().query == "kind=complaint"


def test_the_save_form_carries_the_current_filters(client, agency, supervisor):
    client.force_login(supervisor)
    response = client.get(LIST, {"queue": "tree", "kind": "complaint", "page": 2})
    query = response.context["save_view_form"].initial["query"]
    assert "kind=complaint" in query and "queue=tree" in query and "page" not in query


def test_a_colleague_in_another_role_sees_a_shared_view(client, agency, supervisor):
    colleague = member(agency, Role.REGISTRAR, username="reg2")
    SavedView.objects.create(owner=supervisor, agency=agency, name="Все", query="queue=all")
    client.force_login(colleague)
    assert [i["view"].name for i in client.get(LIST).context["menu_views"]] == ["Все"]
