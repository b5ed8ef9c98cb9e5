"""Suggestions where the decision is made: the registrar's form, the API, and the nightly training."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agencies.choices import Region
from appeals.models import Appeal, AppealEvent, RouterModel
from appeals.models.choices import AppealStatus, EventKind
from appeals.routing.services import router_train
from appeals.tasks import router_train_task

from ..api.conftest import make_integration, token_client
from ..factories import AppealFactory, CategoryFactory, CategoryRouteFactory
from ..web.test_register import form_data

pytestmark = pytest.mark.django_db

SUGGEST = reverse("appeals:register_suggest")
API = "/api/v1/appeals/suggest/"

# A small history of finished appeals: roofs go to housing, potholes to roads, hot water to utilities.
HISTORY = {
    "housing": [
        "Течёт крыша над квартирой",
        "Крыша протекает после дождя",
        "С потолка капает, крыша дырявая",
        "Шатыр ағып тұр",
        "Шатырдан су ағады, төбе су",
        "Кровля течёт, верхний этаж заливает",
    ],
    "roads": [
        "Ямы на дороге по улице",
        "Разбитый асфальт, колёса пробиваем",
        "Жолда шұңқырлар көп",
        "Дорогу не ремонтируют, ямы",
        "Көшедегі асфальт бұзылған",
        "Яма посреди проезжей части",
    ],
    "utilities": [
        "Нет горячей воды",
        "Ыстық су жоқ",
        "Батареи холодные, отопления нет",
        "Горячую воду отключили неделю назад",
        "Пәтерде жылу жоқ, батарея суық",
        "Из крана только холодная вода",
    ],
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def categories(agency, other_region):
    found = {code: CategoryFactory(code=code, name_ru=f"{code} ru", name_kk=f"{code} kk") for code in HISTORY}
    CategoryRouteFactory(category=found["housing"], region=Region.ASTANA, agency=agency)
    CategoryRouteFactory(category=found["roads"], region=Region.ASTANA, agency=other_region)
    return found


@pytest.fixture
def history(categories, agency):
    for code, texts in HISTORY.items():
        for n, text in enumerate(texts * 3):
            AppealFactory(
                agency=agency, category=categories[code], subject=text, text=f"{text} {n}", status=AppealStatus.CLOSED
            )
    # an appeal still open, and one redirected away: neither is history
    AppealFactory(agency=agency, category=categories["roads"], subject="Течёт крыша", status=AppealStatus.IN_PROGRESS)
    AppealFactory(agency=agency, category=categories["roads"], subject="Шатыр ағып тұр", status=AppealStatus.REDIRECTED)
    return categories


@pytest.fixture
def model(history):
    return router_train()


def test_without_a_model_the_form_shows_no_suggestion_and_no_error(client, registrar, categories):
    client.force_login(registrar)
    response = client.post(SUGGEST, {"subject": "Течёт крыша", "text": "", "region": "astana"})
    assert response.status_code == 200
    assert b"data-suggest-category" not in response.content
    assert "No suggestion from the text." in response.content.decode()


def test_the_form_suggests_the_category_and_the_body_it_routes_to(client, registrar, agency, model):
    client.force_login(registrar)
    response = client.post(SUGGEST, {"subject": "", "text": "течёт крыша, потолок мокрый", "region": "astana"})
    page = response.content.decode()
    first = page.index("data-suggest-category")
    assert "housing ru" in page[first : first + 400] or "housing kk" in page[first : first + 400]
    assert "Routes to" in page and agency.name in page
    assert page.count("data-suggest-category=") == 3
    assert 'name="router_version" value="1"' in page


def test_only_registrars_get_suggestions(client, executor, model):
    client.force_login(executor)
    assert client.post(SUGGEST, {"text": "течёт крыша", "region": "astana"}).status_code == 403


def test_registration_records_whether_the_first_suggestion_was_taken(client, registrar, agency, history, model):
    client.force_login(registrar)
    housing, roads = history["housing"], history["roads"]
    data = form_data(agency, category=housing.pk, router_version="1", suggested_first=str(housing.pk))
    assert client.post(reverse("appeals:register"), data).status_code == 302
    data = form_data(agency, category=roads.pk, router_version="1", suggested_first=str(housing.pk), applicant_iin="")
    assert client.post(reverse("appeals:register"), data).status_code == 302
    payloads = [e.payload["suggestion"] for e in AppealEvent.objects.filter(kind=EventKind.REGISTERED).order_by("pk")]
    assert payloads == [
        {"model": 1, "first": housing.pk, "accepted_first": True},
        {"model": 1, "first": housing.pk, "accepted_first": False},
    ]


def test_the_api_suggests_with_probabilities_and_bodies(agency, other_region, model):
    _integration, token = make_integration(agency)
    response = token_client(token).post(API, {"text": "Жолда үлкен шұңқыр бар", "region": "astana"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model_version"] == 1
    assert [s["category"] for s in body["suggestions"]][0] == "roads"
    assert body["suggestions"][0]["agency"]["code"] == other_region.code
    assert 0 < body["suggestions"][0]["probability"] <= 1
    assert sum(s["probability"] for s in body["suggestions"]) == pytest.approx(1, abs=0.01)


def test_the_api_needs_a_token_and_some_text(agency, model):
    assert token_client("wrong").post(API, {"text": "яма"}, format="json").status_code == 401
    _integration, token = make_integration(agency)
    response = token_client(token).post(API, {"text": " ", "region": "astana"}, format="json")
    assert response.status_code == 400
    _integration, token = make_integration(agency, scopes=("read",))
    assert token_client(token).post(API, {"text": "яма"}, format="json").status_code == 403


def test_the_api_answers_no_model_yet(agency, categories):
    _integration, token = make_integration(agency)
    response = token_client(token).post(API, {"text": "течёт крыша"}, format="json")
    assert response.json() == {"model_version": None, "suggestions": []}


def test_train_router_learns_from_finished_appeals_only_and_prints_its_accuracy(history, capsys):
    call_command("train_router")
    out = capsys.readouterr().out
    model = RouterModel.objects.get()
    assert model.version == 1 and model.history_size == 54  # 3 categories × 18 closed appeals
    assert "held-out top-1" in out and "Routing model v1" in out
    assert sorted(model.labels) == ["housing", "roads", "utilities"]


def test_train_router_says_when_the_history_is_too_short(categories):
    with pytest.raises(CommandError, match="Not enough history"):
        call_command("train_router")
    assert router_train_task() is None


def test_the_nightly_task_adds_a_version(history):
    assert router_train_task() == 1
    assert router_train_task() == 2
    assert RouterModel.objects.count() == 2


def _opted_in(agency, threshold, name="portal"):
    integration, token = make_integration(agency, name=name)
    integration.auto_route_threshold = threshold
    integration.save(update_fields=["auto_route_threshold"])
    return integration, token


def _intake(token, url="/api/v1/appeals/", **overrides):
    from ..api.conftest import intake_body

    body = intake_body()
    body.pop("category", None)
    body.pop("agency", None)
    body.update(overrides)
    return token_client(token).post(url, body, format="json")


def test_an_integration_that_opted_in_has_a_sure_appeal_routed_by_the_model(ministry, agency, model):
    _integration, token = _opted_in(ministry, 0.5)
    response = _intake(
        token,
        url="/api/v1/appeals/?route_suggestions=true",
        subject="Крыша течёт",
        text="Течёт крыша над квартирой, с потолка капает",
        region="astana",
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=response.json()["id"])
    assert (appeal.category.code, appeal.agency) == ("housing", agency)
    event = AppealEvent.objects.get(appeal=appeal, kind=EventKind.REGISTERED)
    decision = event.payload["auto_route"]
    assert (decision["model"], decision["category"], decision["agency"]) == (1, "housing", agency.pk)
    assert 0.5 <= decision["score"] <= 1
    # the receipt carries the suggestions too, when asked for
    assert response.json()["route_suggestions"]["suggestions"][0]["category"] == "housing"


def test_the_receipt_reads_the_text_only_when_asked(ministry, agency, categories, model):
    """Reading the text costs as much as the rest of the intake: the receipt's `route_suggestions` is null unless
    the integration asks for it (?route_suggestions=true), and then it is what /suggest/ answers for the text."""
    _integration, token = make_integration(ministry)
    text = {"subject": "Крыша течёт", "text": "Течёт крыша над квартирой, с потолка капает", "region": "astana"}
    plain = _intake(token, external_id="plain", category="housing", **text)
    assert plain.status_code == 201, plain.content
    assert plain.json()["route_suggestions"] is None
    asked = _intake(
        token, url="/api/v1/appeals/?route_suggestions=true", external_id="asked", category="housing", **text
    )
    assert asked.status_code == 201, asked.content
    suggest = token_client(token).post(API, text, format="json").json()
    assert asked.json()["route_suggestions"] == suggest
    assert suggest["model_version"] == 1 and suggest["suggestions"][0]["category"] == "housing"
    not_asked = _intake(
        token, url="/api/v1/appeals/?route_suggestions=false", external_id="not-asked", category="housing", **text
    )
    assert not_asked.json()["route_suggestions"] is None


def test_asking_for_suggestions_without_a_model_gives_an_empty_list(ministry, agency, categories):
    _integration, token = make_integration(ministry)
    response = _intake(token, url="/api/v1/appeals/?route_suggestions=true", category="housing", region="astana")
    assert response.status_code == 201, response.content
    assert response.json()["route_suggestions"] == {"model_version": None, "suggestions": []}


def test_a_wrong_route_suggestions_value_is_a_400_and_registers_nothing(ministry, agency, categories):
    _integration, token = make_integration(ministry)
    before = Appeal.objects.count()
    response = _intake(token, url="/api/v1/appeals/?route_suggestions=maybe", category="housing", region="astana")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"route_suggestions"}
    assert Appeal.objects.count() == before


def test_without_opting_in_or_below_the_threshold_the_model_decides_nothing(ministry, agency, model):
    before = Appeal.objects.count()
    _integration, token = make_integration(ministry, name="off")
    response = _intake(token, subject="Крыша течёт", text="Течёт крыша", region="astana")
    assert response.status_code == 400  # as before: no category, no agency
    _integration, token = _opted_in(ministry, 1.0, name="too sure")
    assert _intake(token, subject="Крыша течёт", text="Течёт крыша", region="astana").status_code == 400
    assert Appeal.objects.count() == before


def test_training_reads_at_most_the_newest_router_train_limit_appeals(history, settings):
    settings.ROUTER_TRAIN_LIMIT = 30
    assert router_train().history_size == 30
    settings.ROUTER_TRAIN_LIMIT = 0  # 0: all of them
    assert router_train().history_size == 54
