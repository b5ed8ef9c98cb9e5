"""Intake (POST /api/v1/appeals/): the contract, routing, idempotency, and every bad field."""

import pytest
from django.core.files.storage import default_storage

from agencies.choices import Region
from appeals.models import Appeal, AppealEvent, Attachment, IdempotencyKey, RegistrationCounter
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AgencyFactory, CategoryFactory, CategoryRouteFactory, valid_iin
from .conftest import PDF_BYTES, assert_error, b64, intake_body, legal_applicant, make_integration, token_client

URL = "/api/v1/appeals/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_portal_submits_an_appeal_and_gets_its_number_status_agency_and_due_date(portal, portal_client, route, agency):
    response = portal_client.post(URL, intake_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "number",
        "external_id",
        "status",
        "agency",
        "registered_at",
        "due_date",
        "url",
        "route_suggestions",  # appeals.routing: only when asked for (?route_suggestions=true)
    }
    assert body["route_suggestions"] is None
    appeal = Appeal.objects.get()
    assert body["id"] == appeal.pk
    assert body["number"] == appeal.number and appeal.number.startswith("DEP-")
    assert body["external_id"] == "portal-1"
    assert body["status"] == "registered"
    assert body["agency"] == {"id": agency.pk, "code": "dep", "name": agency.name_ru}
    assert body["due_date"] == appeal.due_date.isoformat()
    assert body["url"].endswith(f"/api/v1/appeals/{appeal.pk}/")
    assert response["Location"] == body["url"]
    # Every field of the contract landed where it belongs.
    assert appeal.integration == portal[0]
    assert (appeal.kind, appeal.channel, appeal.language, appeal.region) == ("complaint", "portal", "ru", "astana")
    assert appeal.category.code == "roads"
    assert appeal.applicant_type == "individual"
    assert appeal.applicant_name == "Иванов Иван Иванович"
    assert appeal.applicant_iin == valid_iin(1)
    assert appeal.applicant_email == "ivanov@mail.kz"
    assert appeal.applicant_phone == "+7 701 123 45 67"
    assert appeal.applicant_address == "Астана, ул. Абая 1"
    assert appeal.subject == "Яма на дороге"
    assert appeal.text == "Прошу отремонтировать дорогу у дома 1."
    assert appeal.received_at.isoformat() == "2026-02-02T04:30:00+00:00"
    event = AppealEvent.objects.get(appeal=appeal)
    assert event.kind == EventKind.REGISTERED and event.actor is None
    assert event.payload["integration"] == "Citizens' portal"


def test_a_legal_entity_submits_with_its_bin(portal_client, route):
    response = portal_client.post(URL, intake_body(applicant=legal_applicant()), format="json")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.applicant_type == "legal" and len(appeal.applicant_bin) == 12 and appeal.applicant_iin == ""


def test_without_an_agency_the_appeal_is_routed_by_category_and_region(portal_client, category, agency, sibling):
    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    CategoryRouteFactory(category=category, region=Region.ALMATY_CITY, agency=sibling)
    response = portal_client.post(URL, intake_body(region="almaty_city"), format="json")
    assert response.json()["agency"]["code"] == "sib"


def test_an_explicit_agency_wins_over_the_route(portal_client, route, district):
    response = portal_client.post(URL, intake_body(agency="dist"), format="json")
    assert response.status_code == 201
    assert response.json()["agency"]["code"] == "dist"


def test_no_route_and_no_agency_is_a_clear_error(portal_client, category):
    error = assert_error(portal_client.post(URL, intake_body(), format="json"), 400, "invalid", ["agency"])
    assert "give the agency" in error["fields"]["agency"][0]
    assert not Appeal.objects.exists()


def test_an_agency_outside_the_integrations_scope_is_refused(route, agency, other_region, category):
    _integration, token = make_integration(agency, name="Astana call-centre")
    client = token_client(token)
    error = assert_error(client.post(URL, intake_body(agency="oth"), format="json"), 400, "invalid", ["agency"])
    assert "outside the agencies of this integration" in error["fields"]["agency"][0]
    assert not Appeal.objects.exists()


def test_attachments_travel_base64_encoded_in_the_body(portal_client, route):
    body = intake_body(attachments=[{"name": "scan.pdf", "content": b64(PDF_BYTES)}])
    response = portal_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "scan.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert default_storage.open(attachment.file.name).read() == PDF_BYTES


def test_the_categories_and_routes_kept_in_memory_follow_an_administrators_change_at_once(
    portal_client, route, category, sibling
):
    """The intake reads categories and routes from this process's memory (appeals/access/routes.py); a change
    saved in this process is seen by the next intake (other processes: within ROSTER_CACHE_SECONDS)."""
    assert portal_client.post(URL, intake_body(1), format="json").json()["agency"]["code"] == "dep"
    route.agency = sibling
    route.save()
    assert portal_client.post(URL, intake_body(2), format="json").json()["agency"]["code"] == "sib"
    route.delete()
    assert_error(portal_client.post(URL, intake_body(3), format="json"), 400, "invalid", ["agency"])
    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=sibling)
    category.is_active = False
    category.save()
    error = assert_error(portal_client.post(URL, intake_body(4), format="json"), 400, "invalid", ["category"])
    assert "roads" in error["fields"]["category"][0]
    assert Appeal.objects.count() == 2


@pytest.mark.parametrize("key", ["", "key-2"])
def test_an_intake_takes_seven_queries_eight_with_a_key(portal_client, route, django_assert_max_num_queries, key):
    """The hot path (issue 19): the token, then one transaction of four writes (the number, the appeal, its
    `registered` event, the receipt) and the key's row if one was sent. The categories and routes are read once
    per process (the first intake below), the integration's webhooks with its token, and the receipt is drawn
    from the appeal as registered: the count does not depend on the data."""
    headers = {"HTTP_IDEMPOTENCY_KEY": "key-1"} if key else {}
    assert portal_client.post(URL, intake_body(1), format="json", **headers).status_code == 201
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    with django_assert_max_num_queries(8 if key else 7):
        response = portal_client.post(URL, intake_body(2), format="json", **headers)
    assert response.status_code == 201, response.content
    assert Appeal.objects.count() == 2


# --- Idempotency -------------------------------------------------------------------------------------------
def test_the_same_external_id_again_returns_the_first_appeal_with_200(portal_client, route):
    first = portal_client.post(URL, intake_body(), format="json")
    again = portal_client.post(URL, intake_body(), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1


def test_a_retry_is_answered_with_the_first_appeal_even_when_its_route_has_gone_since(portal_client, route):
    first = portal_client.post(URL, intake_body(), format="json")
    route.delete()
    again = portal_client.post(URL, intake_body(), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Appeal.objects.count() == 1


def test_another_integration_may_use_the_same_external_id(portal_client, route, ministry):
    _other, token = make_integration(ministry, name="Call-centre")
    assert portal_client.post(URL, intake_body(), format="json").status_code == 201
    assert token_client(token).post(URL, intake_body(), format="json").status_code == 201
    assert Appeal.objects.count() == 2


def test_the_same_idempotency_key_returns_the_first_appeal_with_200(portal_client, route):
    first = portal_client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = portal_client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Appeal.objects.count() == 1
    assert IdempotencyKey.objects.get().appeal_id == first.json()["id"]


def test_the_same_idempotency_key_with_another_body_is_a_422(portal_client, route):
    portal_client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = portal_client.post(URL, intake_body(2), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_error(response, 422, "idempotency_key_reused")
    assert Appeal.objects.count() == 1


def test_an_overlong_idempotency_key_is_refused(portal_client, route):
    response = portal_client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert_error(response, 400, "invalid", ["Idempotency-Key"])


# --- Bad input: a field-level 400 for each wrong field, and nothing saved --------------------------------------
BAD_FIELDS = [
    (
        "iin_check_digit",
        {"applicant": {"iin": valid_iin(1)[:11] + str((int(valid_iin(1)[11]) + 1) % 10)}},
        "applicant.iin",
    ),
    ("iin_not_twelve_digits", {"applicant": {"iin": "12345"}}, "applicant.iin"),
    ("iin_missing", {"applicant": {"iin": ""}}, "applicant.iin"),
    ("bin_for_an_individual", {"applicant": {"bin": "000000000000"}}, "applicant.bin"),
    ("legal_entity_with_bad_bin", {"applicant": {**legal_applicant(), "bin": "991340000000"}}, "applicant.bin"),
    ("legal_entity_with_an_iin", {"applicant": {**legal_applicant(), "iin": valid_iin(3)}}, "applicant.iin"),
    ("applicant_type", {"applicant": {"type": "anonymous"}}, "applicant.type"),
    ("applicant_name", {"applicant": {"full_name": ""}}, "applicant.full_name"),
    ("applicant_email", {"applicant": {"email": "not-an-email"}}, "applicant.email"),
    ("applicant_phone", {"applicant": {"phone": "call me"}}, "applicant.phone"),
    ("applicant_unknown_field", {"applicant": {"patronymic": "Иванович"}}, "applicant.patronymic"),
    ("unknown_category", {"category": "mars"}, "category"),
    ("unknown_region", {"region": "mars"}, "region"),
    ("language_not_kk_or_ru", {"language": "en"}, "language"),
    ("kind", {"kind": "petition"}, "kind"),
    ("channel", {"channel": "pigeon"}, "channel"),
    ("text_over_the_limit", {"text": "я" * 20001}, "text"),
    ("text_missing", {"text": ...}, "text"),
    ("subject_over_the_limit", {"subject": "я" * 301}, "subject"),
    ("external_id_missing", {"external_id": ...}, "external_id"),
    ("external_id_blank", {"external_id": "   "}, "external_id"),
    ("unknown_agency", {"agency": "nope"}, "agency"),
    ("received_in_the_future", {"received_at": "2999-01-01T00:00:00+05:00"}, "received_at"),
    ("received_at_not_a_date", {"received_at": "yesterday"}, "received_at"),
    ("unknown_field", {"body": "a typo of text"}, "body"),
    ("attachment_not_base64", {"attachments": [{"name": "a.pdf", "content": "%%%"}]}, "attachments.0.content"),
    (
        "attachment_type_by_content",
        {"attachments": [{"name": "virus.pdf", "content": b64(b"MZ\x90\x00 an executable")}]},
        "attachments.0.content",
    ),
    ("attachment_without_name", {"attachments": [{"content": b64(PDF_BYTES)}]}, "attachments.0.name"),
    (
        "too_many_attachments",
        {"attachments": [{"name": f"{i}.pdf", "content": b64(PDF_BYTES)} for i in range(11)]},
        "attachments",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "field"), [(m, f) for _n, m, f in BAD_FIELDS], ids=[n for n, _m, _f in BAD_FIELDS]
)
def test_each_wrong_field_gets_a_field_level_400_and_nothing_is_saved(portal_client, route, mutation, field):
    response = portal_client.post(URL, intake_body(**mutation), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    error = assert_error(response, 400, "invalid", [field])
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert not Appeal.objects.exists()
    assert not IdempotencyKey.objects.exists()
    assert not RegistrationCounter.objects.exists()


def test_an_attachment_over_the_size_limit_is_refused(portal_client, route, settings):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "ATTACHMENT_MAX_BYTES": 1024 * 1024}
    big = PDF_BYTES + b"0" * (1024 * 1024)
    response = portal_client.post(
        URL, intake_body(attachments=[{"name": "big.pdf", "content": b64(big)}]), format="json"
    )
    error = assert_error(response, 400, "invalid", ["attachments.0.content"])
    assert "at most 1 MB" in error["fields"]["attachments.0.content"][0]


def test_every_wrong_field_is_reported_at_once(portal_client, route):
    body = intake_body(region="mars", language="en", applicant={"iin": "12345", "email": "x"})
    error = assert_error(portal_client.post(URL, body, format="json"), 400, "invalid")
    assert set(error["fields"]) == {"region", "language", "applicant.iin", "applicant.email"}


def test_a_failure_inside_the_transaction_leaves_nothing_behind(portal_client, route, settings, tmp_path):
    """The second attachment is refused by the service after the appeal and the first file were written."""
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "ATTACHMENT_MAX_COUNT": 1}
    files = [{"name": f"{i}.pdf", "content": b64(PDF_BYTES)} for i in range(2)]
    response = portal_client.post(URL, intake_body(attachments=files), format="json")
    assert_error(response, 400, "invalid", ["file"])
    assert not Appeal.objects.exists()
    assert not Attachment.objects.exists()
    assert not RegistrationCounter.objects.exists()
    assert not AppealEvent.objects.exists()
    media = tmp_path / "media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_body_that_is_not_json_is_a_400(portal_client, route):
    response = portal_client.post(URL, data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_a_body_over_the_size_limit_is_a_413(portal_client, route, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = portal_client.post(URL, intake_body(text="я" * 2000), format="json")
    assert_error(response, 413, "request_too_large")


def test_a_form_body_is_a_415(portal_client, route):
    response = portal_client.post(URL, {"external_id": "x"})
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("language", "iin_message", "required_message"),
    [
        ("ru", "Неверная контрольная цифра ИИН.", "Обязательное поле."),
        ("en", "This IIN has a wrong check digit.", "This field is required."),
        ("kk", None, "Бұл мән міндетті."),
    ],
)
def test_messages_follow_accept_language(portal, route, language, iin_message, required_message):
    client = token_client(portal[1], language=language)
    wrong = valid_iin(1)[:11] + str((int(valid_iin(1)[11]) + 1) % 10)
    response = client.post(URL, intake_body(applicant={"iin": wrong}, subject=...), format="json")
    error = assert_error(response, 400, "invalid", ["applicant.iin", "subject"])
    if iin_message:
        assert error["fields"]["applicant.iin"] == [iin_message]
    assert error["fields"]["subject"] == [required_message]


def test_a_read_only_token_cannot_submit(ministry, route):
    _integration, token = make_integration(ministry, scopes=("read",))
    response = token_client(token).post(URL, intake_body(), format="json")
    assert_error(response, 403, "scope_missing")
    assert not Appeal.objects.exists()


def test_a_registrar_signed_in_may_submit_through_the_api(staff_client, registrar, route):
    client = staff_client(registrar)
    response = client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.registered_by == registrar and appeal.integration is None
    again = client.post(URL, intake_body(), format="json", HTTP_IDEMPOTENCY_KEY="reg-1")
    assert again.status_code == 200 and Appeal.objects.count() == 1


def test_an_executor_may_not_register(staff_client, executor, route):
    assert_error(staff_client(executor).post(URL, intake_body(), format="json"), 403, "permission_denied")
    assert not Appeal.objects.exists()


def test_an_inactive_category_is_unknown(portal_client, agency):
    CategoryFactory(code="old", is_active=False)
    error = assert_error(portal_client.post(URL, intake_body(category="old"), format="json"), 400, "invalid")
    assert "old" in error["fields"]["category"][0]


def test_the_receipt_email_goes_out_on_commit(portal_client, route, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        portal_client.post(URL, intake_body(), format="json")
    assert [m.to for m in mailoutbox] == [["ivanov@mail.kz"]]
    assert Appeal.objects.get().status == AppealStatus.REGISTERED


def test_an_agency_that_no_longer_accepts_appeals_is_unknown(portal_client, route, ministry):
    AgencyFactory(code="closed", parent=ministry, is_active=False)
    assert_error(portal_client.post(URL, intake_body(agency="closed"), format="json"), 400, "invalid", ["agency"])
