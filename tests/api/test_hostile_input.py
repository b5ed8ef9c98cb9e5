"""What a hostile or careless client sends, at the real limits: never a 500, always a clear 4xx.

Body size (issue 14, point 2): the limits are the shipped settings (15 MB body, 10 MB attachment), not
lowered ones. NUL characters (point 3), nesting (point 4), and the schema's promises (point 9)."""

import base64
import json
from urllib.parse import quote

import pytest
from django.conf import settings

from appeals.models import Appeal, Attachment, WebhookEndpoint

from .conftest import assert_error, intake_body, make_integration, token_client

MIB = 1024 * 1024
pytestmark = pytest.mark.django_db


def pdf_of(size: int) -> bytes:
    """A PDF file of exactly `size` bytes (a valid header and trailer around a comment)."""
    head, tail = b"%PDF-1.4\n%", b"\n%%EOF\n"
    return head + b"x" * (size - len(head) - len(tail)) + tail


def raw_post(client, url, raw: bytes):
    return client.generic("POST", url, raw, content_type="application/json")


# --- Sizes ----------------------------------------------------------------------------------------
def test_the_shipped_limits_let_the_largest_attachment_through_as_base64():
    assert settings.API_MAX_BODY_BYTES == settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 15 * MIB
    assert settings.APPEAL_POLICY["ATTACHMENT_MAX_BYTES"] == 10 * MIB
    # 10 MB as base64 is 13.4 MB: with the rest of the body it stays under 15 MB.
    assert len(base64.b64encode(b"x" * 10 * MIB)) + 64 * 1024 < settings.API_MAX_BODY_BYTES


def test_an_8_mb_pdf_as_base64_is_registered(portal, route):
    content = pdf_of(8 * 1000 * 1000)
    body = intake_body(attachments=[{"name": "scan.pdf", "content": base64.b64encode(content).decode()}])
    raw = json.dumps(body).encode()
    assert 10 * MIB < len(raw) < 11 * MIB  # over Django's former 10 MiB limit

    response = raw_post(token_client(portal[1]), "/api/v1/appeals/", raw)

    assert response.status_code == 201, response.content[:500]
    attachment = Attachment.objects.get(appeal_id=response.json()["id"])
    assert attachment.size == 8_000_000


def test_a_pdf_of_exactly_10_mb_is_registered_and_one_byte_more_is_refused(portal, route):
    client = token_client(portal[1])
    exact = intake_body(1, attachments=[{"name": "a.pdf", "content": base64.b64encode(pdf_of(10 * MIB)).decode()}])
    over = intake_body(2, attachments=[{"name": "b.pdf", "content": base64.b64encode(pdf_of(10 * MIB + 1)).decode()}])

    assert raw_post(client, "/api/v1/appeals/", json.dumps(exact).encode()).status_code == 201
    response = raw_post(client, "/api/v1/appeals/", json.dumps(over).encode())
    error = assert_error(response, 400, "invalid", ["attachments.0.content"])
    assert error["fields"]["attachments.0.content"] == ["A file may be at most 10 MB."]


def test_a_10_mib_json_body_is_read_not_refused_with_500(portal, route):
    body = intake_body(text="x" * (10 * MIB))
    response = raw_post(token_client(portal[1]), "/api/v1/appeals/", json.dumps(body).encode())
    # Read and checked: the text is over its own limit (a 400 naming it), not a server error.
    assert_error(response, 400, "invalid", ["text"])


@pytest.mark.parametrize("url", ["/api/v1/appeals/", "/api/v1/appeals/batch/", "/api/v1/webhooks/"])
def test_a_16_mib_body_answers_413_in_the_error_shape(portal, route, url):
    raw = json.dumps({"text": "x" * (16 * MIB)}).encode()
    error = assert_error(raw_post(token_client(portal[1]), url, raw), 413, "request_too_large")
    assert error["message"] == "The request body is larger than 15 MB."
    assert Appeal.objects.count() == 0


def test_a_16_mib_open311_body_answers_413_in_open311s_shape(portal, route):
    response = token_client(portal[1]).post(
        "/open311/v2/requests.json", {"description": "x" * (16 * MIB)}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json() == [{"code": 413, "description": "The request body is larger than 15 MB."}]


def test_a_16_mib_form_on_a_staff_page_answers_a_413_page(client, registrar):
    client.force_login(registrar)
    response = client.post("/appeals/new/", {"subject": "x" * (16 * MIB)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    page = response.content.decode()
    assert "The request is too large" in page and "The request body is larger than 15 MB." in page


# --- NUL ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"category": "roads\x00"}, "category"),
        ({"agency": "\x00"}, "agency"),
        ({"applicant": {"full_name": "Ива\x00нов"}}, "applicant.full_name"),
        ({"attachments": [{"name": "a\x00.pdf", "content": "JVBERi0="}]}, "attachments.0.name"),
    ],
)
def test_a_nul_in_an_intake_field_answers_400_naming_it(portal, route, override, field):
    response = token_client(portal[1]).post("/api/v1/appeals/", intake_body(**override), format="json")
    error = assert_error(response, 400, "invalid", [field])
    assert error["fields"][field] == ["The NUL character (\\0) is not allowed in text."]
    assert Appeal.objects.count() == 0


def test_a_nul_in_a_batch_items_category_answers_400_naming_it(portal, route):
    body = {"appeals": [intake_body(1), intake_body(2, category="\x00")]}
    response = token_client(portal[1]).post("/api/v1/appeals/batch/", body, format="json")
    assert_error(response, 400, "invalid", ["appeals.1.category"])
    assert Appeal.objects.count() == 0


def test_a_nul_in_a_json_key_names_the_key(portal, route):
    response = token_client(portal[1]).post("/api/v1/appeals/", {**intake_body(), "x\x00": 1}, format="json")
    assert_error(response, 400, "invalid", ["x\\0"])


@pytest.mark.parametrize("query", ["service_code=%00", "service_request_id=A%00"])
def test_a_nul_in_an_open311_query_answers_400_in_open311s_shape(portal, route, query):
    response = token_client(portal[1]).get(f"/open311/v2/requests.json?{query}&api_key={portal[1]}")
    name = query.split("=")[0]
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": f"{name}: “{name}” contains a NUL character (\\0), which is not allowed."}
    ]


def test_a_nul_in_an_open311_form_post_answers_400(portal, route):
    response = token_client(portal[1]).post(
        f"/open311/v2/requests.json?api_key={portal[1]}", {"service_code": "roads", "description": "a\x00"}
    )
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("description: ")


def test_a_nul_in_an_api_query_parameter_answers_400_naming_it(portal):
    response = token_client(portal[1]).get("/api/v1/appeals/?q=%00")
    error = assert_error(response, 400, "invalid", ["q"])
    assert error["message"] == "“q” contains a NUL character (\\0), which is not allowed."


def test_a_nul_in_the_staff_agency_search_answers_400(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/agencies/search/?agency_q=%00", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "“agency_q” contains a NUL character" in response.content.decode()


# --- Nesting --------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 33 + b"]" * 33])
def test_deeply_nested_json_answers_400(portal, raw):
    response = raw_post(token_client(portal[1]), "/api/v1/appeals/", raw)
    error = assert_error(response, 400, "parse_error")
    assert error["message"] == "The body is nested too deeply (more than 32 levels)."


def test_json_nested_within_the_limit_is_parsed_and_judged_on_its_fields(portal):
    raw = b"[" * 32 + b"]" * 32
    response = raw_post(token_client(portal[1]), "/api/v1/appeals/", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] != "parse_error"


# --- The schema's promises ------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["abc", "-5", "null", "0", "201", "1.5", ""])
def test_a_page_size_that_is_not_1_to_200_answers_400(portal, value):
    response = token_client(portal[1]).get(f"/api/v1/appeals/?page_size={value}")
    error = assert_error(response, 400, "invalid", ["page_size"])
    assert error["fields"]["page_size"] == ["page_size is a whole number from 1 to 200."]


def test_a_page_size_within_bounds_sets_the_page(portal, agency):
    from ..factories import AppealFactory

    AppealFactory.create_batch(3, agency=agency)
    body = token_client(portal[1]).get("/api/v1/appeals/?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2


@pytest.mark.parametrize(
    ("url", "name"), [("/api/v1/agencies/?parent=", "parent"), ("/api/v1/responses/?appeal=", "appeal")]
)
@pytest.mark.parametrize("value", ["0", "-1", "1.5", "9223372036854775808"])
def test_ids_below_1_or_not_whole_answer_400(portal, url, name, value):
    assert_error(token_client(portal[1]).get(f"{url}{value}"), 400, "invalid", [name])


def test_the_schema_types_ids_page_size_and_open311_dates_as_the_server_checks_them(client):
    schema = client.get("/api/schema/?format=json").json()

    def parameter(path, name):
        operation = schema["paths"][path]["get"]
        return next(p["schema"] for p in operation["parameters"] if p["name"] == name)

    assert parameter("/api/v1/agencies/", "parent") == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert parameter("/api/v1/responses/", "appeal") == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    assert parameter("/api/v1/appeals/", "page_size") == {"type": "integer", "minimum": 1, "maximum": 200}
    assert parameter("/open311/v2/requests.json", "end_date") == {"type": "string", "format": "date-time"}
    assert parameter("/open311/v2/requests.json", "start_date") == {"type": "string", "format": "date-time"}


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (0, "Must be text (a JSON string)."),
        (12.5, "Must be text (a JSON string)."),
        (True, "Not a valid string."),
        (["a"], "Not a valid string."),
        ({"a": 1}, "Not a valid string."),
    ],
)
def test_a_webhook_description_that_is_not_text_is_refused(ministry, description, message):
    _integration, token = make_integration(ministry, scopes=("read",))
    response = token_client(token).post(
        "/api/v1/webhooks/", {"url": "https://example.kz/hook", "description": description}, format="json"
    )
    error = assert_error(response, 400, "invalid", ["description"])
    assert error["fields"]["description"] == [message]
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    "value", ["2026-02-30T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-01-01T00:00:00+25:00"]
)
def test_an_open311_end_date_that_is_no_date_answers_400(portal, value):
    response = token_client(portal[1]).get(f"/open311/v2/requests.json?api_key={portal[1]}&end_date={quote(value)}")
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("end_date: ")


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "1.5"])
def test_a_page_that_is_not_a_whole_number_from_1_answers_400(portal, value):
    error = assert_error(token_client(portal[1]).get(f"/api/v1/appeals/?page={value}"), 400, "invalid", ["page"])
    assert error["fields"]["page"] == ["page is a whole number from 1."]


def test_a_page_past_the_last_one_is_still_a_404(portal):
    assert_error(token_client(portal[1]).get("/api/v1/appeals/?page=2"), 404, "not_found")


@pytest.mark.parametrize("query", ["registered_after=", "status=", "agency=", "parent=", "ordering="])
def test_an_empty_typed_filter_answers_400_but_an_empty_search_is_no_filter(portal, query):
    url = "/api/v1/agencies/" if query.startswith("parent") else "/api/v1/appeals/"
    name = query.rstrip("=")
    error = assert_error(token_client(portal[1]).get(f"{url}?{query}"), 400, "invalid", [name])
    assert error["fields"][name] == ["Give a value, or leave the parameter out."]
    assert token_client(portal[1]).get("/api/v1/appeals/?q=").status_code == 200
