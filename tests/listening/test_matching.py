"""Matter matching: repeats and escalations found on every intake path; unrelated matters left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.choices import AgencyKind, Region, Role
from appeals import lifecycle
from appeals.calendar.policy import add_months
from appeals.lifecycle import AppealError, ApplicantData
from appeals.listening.imports import import_rows
from appeals.listening.links import appeal_matter_link, appeal_matter_unlink
from appeals.listening.matching import (
    addresses,
    appeals_match,
    applicant_key,
    features,
    matter_similarity,
    normalise,
)
from appeals.models import Appeal, AppealEvent, AppealResponse
from appeals.models.choices import EventKind
from tests.api.conftest import intake_body, make_integration, token_client
from tests.conftest import member
from tests.factories import AgencyFactory, AppealFactory, CategoryFactory, CategoryRouteFactory, valid_iin

pytestmark = pytest.mark.django_db
IIN = valid_iin(4242)


def earlier(agency, *, days_ago=30, subject, text="", category=None, iin=IIN, **kwargs):
    return AppealFactory(
        agency=agency,
        category=category,
        applicant_iin=iin,
        registered_at=timezone.now() - timedelta(days=days_ago),
        subject=subject,
        text=text,
        **kwargs,
    )


def register(django_capture_on_commit_callbacks, agency, *, subject, text="", category=None, iin=IIN, **applicant):
    """Register through the lifecycle (what the form and the API call); matching runs on commit (eager Celery)."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = lifecycle.appeal_register(
            actor=None,
            agency=agency,
            kind="application",
            channel="portal",
            language="ru",
            region=Region.ASTANA,
            subject=subject,
            text=text,
            category=category,
            applicant=ApplicantData(name="Омарова Сауле", iin=iin, **applicant),
        )
    appeal.refresh_from_db()
    return appeal


@pytest.fixture
def administration(db):
    return AgencyFactory(code="pa", name_ru="Администрация Президента", kind=AgencyKind.ADMINISTRATION, region="")


@pytest.fixture
def housing(db):
    return CategoryFactory(code="housing", name_ru="ЖКХ", name_kk="ТКШ")


@pytest.fixture
def papers(db):
    return CategoryFactory(code="papers", name_ru="Справки", name_kk="Анықтамалар")


# --- The text rules -----------------------------------------------------------------------------------------
def test_normalisation_folds_kazakh_letters_and_yo():
    assert normalise("Үйде ЖЫЛУ жоқ, ёлка! Қала-2") == "уйде жылу жок елка кала"
    assert normalise("Мектепке жол") == normalise("Мектепке жол")
    assert normalise("iшкi") == "ишки"  # the Latin i typed for і


def test_the_applicant_is_known_by_iin_then_bin_then_phone_then_email():
    assert applicant_key(iin="900101300001", phone="+7 701 1") == "iin:900101300001"
    assert applicant_key(bin="900140000001") == "bin:900140000001"
    assert applicant_key(phone="+7 (701) 123-45-67") == applicant_key(phone="87011234567") == "tel:7011234567"
    assert applicant_key(email=" Aigerim@Mail.KZ ") == "email:aigerim@mail.kz"
    assert applicant_key() == ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Нет отопления в доме", "В квартире холодно, батареи ледяные, отопление не работает третью неделю"),
        ("Яма на дороге по улице Абая", "Прошу отремонтировать дорогу на ул. Абая, огромные ямы"),
        ("Үйде жылу жоқ", "Уйде жылу жок батареялар суык"),  # look-alikes typed for Kazakh letters
        ("Нет отопления в доме", "отопленя нет в доме!!"),  # a typo, no capitals
        ("Жол жөндеу керек, шұңқыр көп", "Көшедегі жолды жөндеңіздер"),
    ],
)
def test_rewordings_of_one_matter_are_similar_enough_within_a_category(first, second):
    assert matter_similarity(features(first, ""), features(second, "")) >= 0.18


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Нет отопления в доме", "Прошу выдать справку о составе семьи"),
        ("Яма на дороге по улице Абая", "Не вывозят мусор во дворе"),
        ("Нет горячей воды", "Нет отопления в доме"),
    ],
)
def test_different_matters_are_not(first, second):
    assert matter_similarity(features(first, ""), features(second, "")) < 0.18


# --- Repeats and escalations ----------------------------------------------------------------------------------
def test_a_reworded_russian_repeat_to_the_same_body_is_linked_with_one_event(
    agency, housing, django_capture_on_commit_callbacks
):
    first = earlier(agency, subject="Нет отопления в доме", text="Третий день холодно.", category=housing)
    again = register(
        django_capture_on_commit_callbacks,
        agency,
        subject="Снова холодно в квартире",
        text="Батареи ледяные, отопление так и не включили.",
        category=housing,
    )
    assert again.repeat_of == first and again.is_repeated and again.escalated_from is None
    [event] = AppealEvent.objects.filter(appeal=again, kind=EventKind.LINKED_REPEAT)
    assert event.actor is None and event.payload["earlier"] == first.number
    assert 0 < event.payload["score"] <= 1


def test_a_kazakh_repeat_typed_with_look_alikes_is_linked_without_a_category(
    agency, district, django_capture_on_commit_callbacks
):
    first = earlier(agency, subject="Үйде жылу жоқ", text="Батареялар суық, үш күн болды.")
    # Sent to the district under the department this time: still a repeat (the same subtree), not an escalation.
    again = register(
        django_capture_on_commit_callbacks, district, subject="Уйде жылу жок", text="батареялар суык ушинши кун"
    )
    assert again.repeat_of == first


def test_writing_to_the_ministry_above_is_an_escalation(agency, ministry, housing, django_capture_on_commit_callbacks):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=40)
    higher = register(
        django_capture_on_commit_callbacks,
        ministry,
        subject="Департамент не отвечает: нет отопления",
        text="Писал в департамент, ответа нет, в доме холодно.",
        category=housing,
    )
    assert (higher.escalated_from, higher.repeat_of) == (first, None)
    assert AppealEvent.objects.get(appeal=higher, kind=EventKind.LINKED_ESCALATION).payload["earlier"] == first.number


def test_writing_to_the_presidential_administration_is_an_escalation(
    other_region, administration, django_capture_on_commit_callbacks
):
    first = earlier(other_region, subject="Яма на дороге по улице Абая", days_ago=60)
    higher = register(
        django_capture_on_commit_callbacks,
        administration,
        subject="Акимат не ремонтирует дорогу по улице Абая",
        text="Огромные ямы на дороге, акимат не отвечает.",
    )
    assert higher.escalated_from == first


def test_the_same_person_on_an_unrelated_matter_is_not_linked(
    agency, ministry, housing, papers, django_capture_on_commit_callbacks
):
    earlier(agency, subject="Нет отопления в доме", category=housing)
    earlier(agency, subject="Нет горячей воды", text="Третий день нет горячей воды.", category=housing, days_ago=5)
    other = register(
        django_capture_on_commit_callbacks, agency, subject="Прошу выдать справку о составе семьи", category=papers
    )
    also_other = register(
        django_capture_on_commit_callbacks,
        ministry,
        subject="Не вывозят мусор во дворе",
        text="Мусор копится неделю.",
        category=papers,
    )
    assert (other.repeat_of, other.escalated_from, also_other.repeat_of, also_other.escalated_from) == (None,) * 4
    assert not AppealEvent.objects.filter(kind__in=[EventKind.LINKED_REPEAT, EventKind.LINKED_ESCALATION]).exists()


def test_another_person_on_the_same_matter_is_not_linked(agency, housing, django_capture_on_commit_callbacks):
    earlier(agency, subject="Нет отопления в доме", category=housing, iin=valid_iin(1))
    again = register(django_capture_on_commit_callbacks, agency, subject="Нет отопления в доме", category=housing)
    assert again.repeat_of is None


def test_a_body_in_another_branch_is_neither(agency, sibling, housing, django_capture_on_commit_callbacks):
    earlier(agency, subject="Нет отопления в доме", category=housing)
    again = register(django_capture_on_commit_callbacks, sibling, subject="Нет отопления в доме", category=housing)
    assert (again.repeat_of, again.escalated_from) == (None, None)


def test_the_window_is_twelve_months(agency, housing, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    inside_days = (today - add_months(today, -12)).days - 1
    old = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=inside_days + 2)
    assert (
        register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing).repeat_of
        is None
    )
    inside = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=inside_days)
    assert old.pk != inside.pk
    assert register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing).repeat_of


def test_the_window_is_configurable(agency, housing, settings, django_capture_on_commit_callbacks):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "MATCH_WINDOW_MONTHS": 1}
    earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=40)
    assert (
        register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing).repeat_of
        is None
    )


def test_the_most_recent_earlier_appeal_on_the_matter_is_the_one_linked(
    agency, housing, django_capture_on_commit_callbacks
):
    earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=90)
    latest = earlier(agency, subject="Всё ещё нет отопления", category=housing, days_ago=20)
    again = register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing)
    assert again.repeat_of == latest


def test_without_an_iin_the_phone_recognises_the_applicant(agency, housing, django_capture_on_commit_callbacks):
    first = earlier(
        agency, subject="Нет отопления в доме", category=housing, iin="", applicant_phone="8 (701) 555-12-34"
    )
    again = register(
        django_capture_on_commit_callbacks,
        agency,
        subject="Нет отопления",
        category=housing,
        iin="",
        phone="+77015551234",
    )
    assert again.repeat_of == first


def test_matching_twice_changes_nothing(agency, housing, django_capture_on_commit_callbacks):
    earlier(agency, subject="Нет отопления в доме", category=housing)
    again = register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing)
    assert appeals_match(appeal_ids=[again.pk]).linked == []
    assert AppealEvent.objects.filter(appeal=again, kind=EventKind.LINKED_REPEAT).count() == 1


def test_an_undone_link_is_not_made_again(agency, executor, housing, django_capture_on_commit_callbacks):
    earlier(agency, subject="Нет отопления в доме", category=housing)
    again = register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing)
    appeal_matter_unlink(appeal=again, kind="repeat", actor=executor)
    appeals_match(appeal_ids=[again.pk])
    again.refresh_from_db()
    assert again.repeat_of is None and not again.is_repeated
    assert AppealEvent.objects.get(appeal=again, kind=EventKind.UNLINKED_REPEAT).actor == executor


# --- Every intake path ------------------------------------------------------------------------------------
@pytest.fixture
def routed(agency, housing):
    CategoryRouteFactory(category=housing, region=Region.ASTANA, agency=agency)
    return agency


def test_the_api_single_intake_matches(routed, housing, ministry, django_capture_on_commit_callbacks):
    first = earlier(routed, subject="Нет отопления в доме", category=housing, iin=valid_iin(1))
    _integration, token = make_integration(ministry, name="Portal")
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(token).post(
            "/api/v1/appeals/", intake_body(1, category="housing", subject="Нет отопления"), format="json"
        )
    assert response.status_code == 201, response.content
    assert Appeal.objects.get(external_id="portal-1").repeat_of == first


def test_the_api_batch_intake_matches(routed, housing, ministry, django_capture_on_commit_callbacks):
    first = earlier(routed, subject="Нет отопления в доме", category=housing, iin=valid_iin(1))
    _integration, token = make_integration(ministry, name="Portal")
    body = {
        "appeals": [
            intake_body(1, category="housing", subject="Нет отопления"),
            intake_body(2, category="housing", subject="Нет отопления"),  # another person
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(token).post("/api/v1/appeals/batch/", body, format="json")
    assert response.status_code in (200, 201), response.content
    assert Appeal.objects.get(external_id="portal-1").repeat_of == first
    assert Appeal.objects.get(external_id="portal-2").repeat_of is None


def test_open311_matches_by_phone(routed, housing, ministry, django_capture_on_commit_callbacks):
    first = earlier(routed, subject="Нет отопления в доме", category=housing, iin="", applicant_phone="87011234567")
    _integration, token = make_integration(ministry, name="Portal")
    form = {
        "service_code": "housing",
        "attribute[region]": "astana",
        "first_name": "Иван",
        "last_name": "Иванов",
        "phone": "+7 701 123 45 67",
        "address_string": "Астана, ул. Абая 1",
        "description": "Нет отопления в доме, холодно",
        "api_key": token,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(token).post("/open311/v2/requests.json", form)
    assert response.status_code == 201, response.content
    assert Appeal.objects.exclude(pk=first.pk).get().repeat_of == first


def test_the_registrars_form_matches(client, agency, registrar, housing, django_capture_on_commit_callbacks):
    first = earlier(agency, subject="Үйде жылу жоқ", category=housing)
    client.force_login(registrar)
    data = {
        "agency": agency.pk,
        "channel": "post",
        "kind": "application",
        "language": "kk",
        "applicant_type": "individual",
        "applicant_name": "Сейтқали Айгерім",
        "applicant_iin": IIN,
        "region": "astana",
        "category": housing.pk,
        "subject": "Уйде жылу жок",
        "text": "Батареялар суык.",
        "confirm_duplicate": "on",  # the form's own check of an open appeal on the topic: confirmed
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appeals:register"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Appeal.objects.exclude(pk=first.pk).get().repeat_of == first


def test_the_import_matches(routed, housing):
    first = earlier(routed, subject="Нет отопления в доме", category=housing, days_ago=400)
    report = import_rows(
        [
            {
                "external_id": "h-1",
                "kind": "application",
                "channel": "portal",
                "language": "ru",
                "applicant": {"type": "individual", "full_name": "Омарова Сауле", "iin": IIN},
                "region": "astana",
                "category": "housing",
                "subject": "Снова нет отопления",
                "registered_at": (first.registered_at + timedelta(days=30)).isoformat(),
            }
        ]
    )
    assert (report.created, report.repeats) == (1, 1)
    assert Appeal.objects.get(external_id="h-1").repeat_of == first


# --- People correcting it on the workspace -------------------------------------------------------------------
def test_an_executor_undoes_and_adds_a_link_on_the_page(client, agency, executor, housing):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=50)
    wrong = earlier(agency, subject="Нет горячей воды", category=housing, days_ago=10)
    appeal = earlier(agency, subject="Нет отопления", category=housing, days_ago=1, repeat_of=wrong, is_repeated=True)
    client.force_login(executor)
    url = reverse("appeals:matter_link", args=[appeal.pk])
    page = client.get(appeal.get_absolute_url()).content.decode()
    assert f"Повторное к № {wrong.number}" in page  # "Repeat of №…" in Russian, the desk's language

    assert client.post(url, {"kind": "repeat", "undo": "1"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.repeat_of is None
    response = client.post(url, {"kind": "repeat", "number": first.number.lower()}, follow=True)
    appeal.refresh_from_db()
    assert appeal.repeat_of == first
    kinds = list(AppealEvent.objects.filter(appeal=appeal).values_list("kind", "actor"))
    assert kinds == [(EventKind.UNLINKED_REPEAT, executor.pk), (EventKind.LINKED_REPEAT, executor.pk)]
    assert response.status_code == 200


def test_a_wrong_number_is_refused_with_a_translated_reason(client, agency, executor, other_region, housing):
    appeal = earlier(agency, subject="Нет отопления", category=housing, days_ago=1)
    stranger = AppealFactory(agency=other_region)  # another applicant, an agency the executor cannot see
    client.force_login(executor)
    url = reverse("appeals:matter_link", args=[appeal.pk])
    for number in ("NOPE-1", stranger.number):
        page = client.post(url, {"kind": "repeat", "number": number}, follow=True).content.decode()
        assert "Среди доступных Вам обращений нет обращения с таким номером." in page
    client.post(url, {"kind": "repeat", "number": appeal.number}, follow=True)
    appeal.refresh_from_db()
    assert appeal.repeat_of is None
    assert not AppealEvent.objects.filter(appeal=appeal).exists()


def test_the_link_services_check_the_number_and_the_role(agency, executor, outsider, housing):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=5)
    appeal = earlier(agency, subject="Нет отопления", category=housing, days_ago=1)
    with pytest.raises(AppealError) as refused:
        appeal_matter_link(appeal=appeal, number="NOPE-1", kind="repeat", actor=executor)
    assert "number" in refused.value.message_dict
    with pytest.raises(AppealError):
        appeal_matter_link(appeal=first, number=appeal.number, kind="repeat", actor=executor)  # a later one
    with pytest.raises(AppealError):
        appeal_matter_link(appeal=appeal, number=first.number, kind="repeat", actor=outsider)
    with pytest.raises(AppealError):
        appeal_matter_unlink(appeal=appeal, kind="repeat", actor=executor)  # nothing to undo
    appeal_matter_link(appeal=appeal, number=first.number, kind="escalation", actor=executor)
    assert Appeal.objects.get(pk=appeal.pk).escalated_from == first


def test_an_outsider_cannot_post_to_another_agencys_appeal(client, agency, outsider, housing):
    appeal = earlier(agency, subject="Нет отопления", category=housing, days_ago=1)
    client.force_login(outsider)
    assert client.post(reverse("appeals:matter_link", args=[appeal.pk]), {"kind": "repeat"}).status_code == 404


def test_the_workspace_shows_the_lower_bodys_handling(client, agency, ministry, housing):
    lower = earlier(
        agency,
        subject="Нет отопления в доме",
        category=housing,
        days_ago=60,
        status="answered",
        outcome="explained",
        applicant_rating=1,
    )
    lower.resolved_at = lower.registered_at + timedelta(days=40)
    lower.save()
    AppealResponse.objects.create(
        appeal=lower,
        kind="answer",
        status="sent",
        text="Разъяснено: отопление по графику.",
        language="ru",
        sent_at=lower.resolved_at,
    )
    higher = earlier(
        ministry, subject="Нет отопления, департамент отписался", category=housing, days_ago=1, escalated_from=lower
    )
    boss = member(ministry, Role.SUPERVISOR, username="boss")
    client.force_login(boss)
    page = client.get(higher.get_absolute_url()).content.decode()
    assert lower.number in page
    assert "Разъяснено: отопление по графику." in page
    assert "<strong>с опозданием</strong>" in page  # "late"
    assert "оценён как формальная отписка" in page  # "rated as a formal reply"


def test_the_workspace_costs_the_same_queries_without_links_and_with_both(client, agency, housing, executor):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=60, status="answered")
    AppealResponse.objects.create(appeal=first, kind="answer", status="sent", text="Ответ.", language="ru")
    plain = earlier(agency, subject="Нет отопления", category=housing, days_ago=2)
    linked = earlier(
        agency, subject="Нет отопления", category=housing, days_ago=1, repeat_of=first, escalated_from=first
    )
    one_link = earlier(agency, subject="Нет отопления", category=housing, days_ago=1, repeat_of=first)
    client.force_login(executor)
    client.get(plain.get_absolute_url())  # warm the per-desk caches

    def queries(appeal) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(appeal.get_absolute_url()).status_code == 200
        return len(captured)

    # A linked appeal adds the same reads however many links it has: the earlier appeals and their answers (2),
    # and the check of which linked appeals the user may open (the links panel's, 1).
    assert queries(linked) == queries(one_link) <= queries(plain) + 3


def test_writing_again_to_a_body_that_redirected_down_is_a_repeat_not_an_escalation(
    agency, district, housing, django_capture_on_commit_callbacks
):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=40)
    earlier(district, subject="Нет отопления в доме", category=housing, days_ago=39, redirected_from=first)
    again = register(django_capture_on_commit_callbacks, agency, subject="Нет отопления", category=housing)
    assert (again.repeat_of, again.escalated_from) == (first, None)


def test_an_import_applies_the_window_between_its_own_rows(agency, housing):
    CategoryRouteFactory(category=housing, region=Region.ASTANA, agency=agency)
    applicant = {"type": "individual", "full_name": "Омарова Сауле", "iin": IIN}
    base = {"kind": "application", "channel": "portal", "language": "ru", "applicant": applicant}
    base |= {"region": "astana", "category": "housing"}
    report = import_rows(
        [
            {
                **base,
                "external_id": "w-1",
                "subject": "Нет отопления в доме",
                "registered_at": "2025-01-10T10:00:00+05:00",
            },
            # 13 months later: outside the window.
            {**base, "external_id": "w-2", "subject": "Нет отопления", "registered_at": "2026-02-10T10:00:00+05:00"},
            # 9 months after w-2: inside.
            {
                **base,
                "external_id": "w-3",
                "subject": "Опять нет отопления",
                "registered_at": "2026-11-05T10:00:00+05:00",
            },
        ]
    )
    assert report.created == 3
    repeats = dict(Appeal.objects.values_list("external_id", "repeat_of__external_id"))
    assert repeats == {"w-1": None, "w-2": None, "w-3": "w-2"}


def test_the_catch_up_command_links_what_was_never_matched(agency, housing):
    first = earlier(agency, subject="Нет отопления в доме", category=housing, days_ago=20)
    later = earlier(agency, subject="Нет отопления", category=housing, days_ago=2)  # made without the lifecycle
    call_command("match_appeals", "--since", (timezone.localdate() - timedelta(days=3)).isoformat())
    later.refresh_from_db()
    first.refresh_from_db()
    assert (later.repeat_of, first.repeat_of) == (first, None)
    call_command("match_appeals")  # twice: nothing more
    assert AppealEvent.objects.filter(kind=EventKind.LINKED_REPEAT).count() == 1


# --- The same category and address (DOMAIN.md), and formulaic texts -----------------------------------------
@pytest.fixture
def roads(db):
    return CategoryFactory(code="roads", name_ru="Дороги", name_kk="Жолдар")


@pytest.mark.parametrize(
    ("text", "streets", "houses"),
    [
        ("На улице Абая возле дома 12 глубокая яма", {"абая"}, {"12"}),
        ("В доме 7 по ул. Сатпаева нет воды, кв. 45", {"сатпаева"}, {"7"}),
        ("Кабанбай батыра көшесі 101 үйдің жанында шұңқыр", {"кабанбай"}, {"101"}),
        ("Жібек жолы 15 үйде су жоқ, Жібек жолы көшесі", {"жибек"}, {"15"}),
    ],
)
def test_the_street_and_house_are_read_from_russian_and_kazakh_texts(text, streets, houses):
    found = addresses(text)
    assert (set(found.streets), set(found.houses)) == (streets, houses)


def test_a_text_without_a_street_and_house_names_no_address():
    assert not addresses("Нет отопления третью неделю, 2 раза звонил")


def test_a_repeat_in_the_other_language_at_the_same_address_is_linked(
    agency, roads, django_capture_on_commit_callbacks
):
    first = earlier(
        agency,
        subject="Яма на дороге по улице Абая",
        text="На улице Абая возле дома 12 глубокая яма, машины ломаются.",
        category=roads,
    )
    # Kazakh, other words: only the category and the address (Абай көшесі 12) are shared.
    again = register(
        django_capture_on_commit_callbacks,
        agency,
        subject="Жол бұзылған",
        text="Абай көшесі 12 үйдің қасында асфальт жоқ, көлік өте алмайды.",
        category=roads,
    )
    assert again.repeat_of == first


def test_the_same_person_category_and_formula_at_another_address_is_not_linked(
    agency, roads, django_capture_on_commit_callbacks
):
    earlier(
        agency,
        subject="Яма на дороге по улице Абая",
        text="На улице Абая возле дома 12 глубокая яма. Прошу отремонтировать дорогу.",
        category=roads,
    )
    other = register(
        django_capture_on_commit_callbacks,
        agency,
        subject="Не убирают снег",
        text="На улице Гагарина у дома 40 тротуар не чистят от снега. Прошу принять меры.",
        category=roads,
    )
    assert (other.repeat_of, other.escalated_from) == (None, None)


def test_formulaic_kazakh_texts_on_different_matters_are_not_linked(
    agency, administration, roads, housing, django_capture_on_commit_callbacks
):
    earlier(
        agency,
        subject="Абая көшесіндегі жолда шұңқыр",
        text="Абая көшесі 12 үйдің жанында терең шұңқыр бар. Жолды жөндеуді сұраймын.",
        category=roads,
    )
    other = register(
        django_capture_on_commit_callbacks,
        administration,
        subject="Гагарина көшесінде шамдар жанбайды",
        text="Гагарина көшесі 40 үйдің жанында шамдар жанбайды, кешке қараңғы. Жарықты жөндеуді сұраймын.",
        category=housing,
    )
    assert (other.repeat_of, other.escalated_from) == (None, None)


def test_the_postal_address_stands_in_for_a_text_that_names_none(agency, roads, django_capture_on_commit_callbacks):
    first = earlier(
        agency,
        subject="Яма во дворе",
        text="Во дворе моего дома яма, машины ломаются.",
        category=roads,
        applicant_address="г. Павлодар, ул. Абая, д. 12, кв. 5",
    )
    again = register(
        django_capture_on_commit_callbacks,
        agency,
        subject="Жол жөндеу",
        text="Абай көшесі 12 үй, аулада асфальт жоқ.",
        category=roads,
    )
    assert again.repeat_of == first


def test_the_formula_of_a_repeat_does_not_make_two_kazakh_matters_alike():
    # The same "I wrote before, not solved, no answer" formula around two matters (a road, then street lights).
    road = features(
        "Қайта жазып отырмын: үйдің жанында жол бұзылған",
        "Бұл туралы бұрын жазғанмын, мәселе шешілмеді. Жолды жөндеуді сұраймын. Жауап әлі жоқ.",
    )
    lights = features(
        "Қайталап: үйдің жанында шамдар жанбайды",
        "Бұл туралы бұрын жазғанмын, мәселе шешілмеді. Жарықты жөндеуді сұраймын. Жауап әлі жоқ.",
    )
    assert matter_similarity(road, lights) < 0.3  # MATCH_MIN_SIMILARITY: with the formula counted, 0.76


@pytest.mark.postgres
def test_a_batch_reads_its_applicants_history_through_the_applicant_index_whatever_its_size(agency):
    """PostgreSQL uses a partial index only where it proves the index's condition, which it does from an IN list
    of at most 100 values: a batch of the import (2 000 applicants) read every appeal of every agency without
    the condition spelt out (2.5 s a batch at a million appeals, 0.4 s with it)."""
    from appeals.listening.matching import _placeholders, _sql

    model = AppealFactory(agency=agency)
    columns = [
        f.column
        for f in Appeal._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False) and f.column not in {"number", "applicant_key"}
    ]
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:  # 5 000 applicants, each with one appeal like the model's
        cursor.execute(
            f"INSERT INTO appeals_appeal (number, applicant_key, {listed}) "  # noqa: S608 - column names from the model
            f"SELECT 'T-' || n, 'iin:' || lpad(n::text, 12, '0'), {listed} FROM appeals_appeal, "
            "generate_series(1, 5000) n WHERE id = %s",
            [model.pk],
        )
        cursor.execute("ANALYZE appeals_appeal")
    _batch, history = _sql()
    keys = [f"iin:{n:012d}" for n in range(1, 151)]
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN " + history.format(keys=_placeholders(len(keys))),
            [*keys, model.registered_at - timedelta(days=365), model.registered_at],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "appeal_applicant_key" in plan, plan
