"""Personal data: IIN/BIN, phone and address masked for those whose work does not need them, every reveal
recorded and reviewable by supervisors, nothing personal in URLs, exports, staff emails or the API."""

import pytest
from django.core import mail
from django.urls import reverse

from agencies.choices import Role
from appeals import lifecycle
from appeals.access.personal_data import mask_address, mask_phone
from appeals.models import AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from ..conftest import member
from ..factories import valid_iin
from ..web.conftest import make, text_of

pytestmark = pytest.mark.django_db

PHONE = "+7 701 555 4321"
ADDRESS = "Астана, ул. Кенесары 17, кв. 4"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def private(agency, executor):
    return make(
        AppealStatus.IN_PROGRESS,
        agency=agency,
        assignee=executor,
        applicant_iin=valid_iin(77),
        applicant_phone=PHONE,
        applicant_address=ADDRESS,
    )


def test_masks():
    assert mask_phone(PHONE) == "+• ••• ••• ••21"
    assert mask_address(ADDRESS) == "Астана, •••"
    assert mask_address("ул. Абая 5") == "•••"
    assert mask_phone("") == mask_address("") == ""


def test_a_supervisor_sees_the_contacts_masked_until_revealed_and_the_reveal_is_recorded(client, private, supervisor):
    client.force_login(supervisor)
    page = text_of(client.get(private.get_absolute_url()))
    for secret in (private.applicant_iin, PHONE, "Кенесары"):
        assert secret not in page
    assert "4321"[-2:] in page and "Астана, •••" in page

    response = client.post(reverse("appeals:reveal", kwargs={"pk": private.pk}))
    assert response.status_code == 302
    event = AppealEvent.objects.get(appeal=private, kind=EventKind.PERSONAL_DATA_REVEALED)
    assert event.actor == supervisor and event.payload == {"field": "iin"}

    page = text_of(client.get(private.get_absolute_url()))
    for secret in (private.applicant_iin, PHONE, ADDRESS):
        assert secret in page


def test_the_assignee_sees_everything_without_a_reveal(client, private, executor):
    client.force_login(executor)
    page = text_of(client.get(private.get_absolute_url()))
    for secret in (private.applicant_iin, PHONE, ADDRESS):
        assert secret in page
    assert not AppealEvent.objects.filter(kind=EventKind.PERSONAL_DATA_REVEALED).exists()


def test_a_reveal_of_contacts_without_an_identifier_is_recorded_too(client, agency, supervisor):
    appeal = make(agency=agency, applicant_iin="", applicant_phone=PHONE, applicant_address=ADDRESS)
    client.force_login(supervisor)
    assert PHONE not in text_of(client.get(appeal.get_absolute_url()))
    client.post(reverse("appeals:reveal", kwargs={"pk": appeal.pk}))
    assert AppealEvent.objects.get(kind=EventKind.PERSONAL_DATA_REVEALED).payload == {"field": "contacts"}
    assert PHONE in text_of(client.get(appeal.get_absolute_url()))


def test_a_reveal_needs_a_post(client, private, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("appeals:reveal", kwargs={"pk": private.pk})).status_code == 405
    assert not AppealEvent.objects.filter(kind=EventKind.PERSONAL_DATA_REVEALED).exists()


def test_supervisors_review_the_reveals_of_their_subtree(
    client, agency, district, sibling, supervisor, executor, outsider, django_assert_max_num_queries
):
    own = make(agency=agency)
    child = make(agency=district)
    foreign = make(agency=sibling)
    district_supervisor = member(district, Role.SUPERVISOR, username="district_head")
    lifecycle.appeal_reveal_personal_data(appeal=own, actor=executor)
    lifecycle.appeal_reveal_personal_data(appeal=child, actor=district_supervisor)
    lifecycle.appeal_reveal_personal_data(appeal=foreign, actor=outsider)

    client.force_login(supervisor)
    home = text_of(client.get(reverse("appeals:list")))
    assert reverse("appeals:reveal_log") in home  # in the menu
    response = client.get(reverse("appeals:reveal_log"))
    assert response.status_code == 200
    page = text_of(response)
    assert own.number in page and child.number in page and foreign.number not in page
    assert executor.username in page and district_supervisor.username in page
    assert foreign.applicant_iin not in page and own.applicant_iin not in page

    for _i in range(30):
        lifecycle.appeal_reveal_personal_data(appeal=make(agency=agency), actor=executor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("appeals:reveal_log")).status_code == 200


def test_the_reveal_log_is_for_supervisors_only(client, executor, registrar):
    for user in (executor, registrar):
        client.force_login(user)
        assert client.get(reverse("appeals:reveal_log")).status_code == 403
        assert reverse("appeals:reveal_log") not in text_of(client.get(reverse("appeals:list")))


def test_the_api_masks_identifiers_and_contacts(client, private, supervisor, executor):
    for user in (supervisor, executor):
        client.force_login(user)
        body = client.get(f"/api/v1/appeals/{private.pk}/").json()
        assert body["applicant"]["iin"].endswith(private.applicant_iin[-4:])
        assert private.applicant_iin not in str(body)
        assert body["applicant"]["phone"] == mask_phone(PHONE) and body["applicant"]["address"] == "Астана, •••"


def test_queue_and_exports_show_no_full_identifier_or_contacts_to_a_supervisor(client, private, supervisor):
    client.force_login(supervisor)
    pages = [
        text_of(client.get(reverse("appeals:list") + "?queue=all")),
        b"".join(client.get(reverse("appeals:export_csv") + "?queue=all").streaming_content).decode(),
    ]
    for page in pages:
        assert private.number in page
        for secret in (private.applicant_iin, PHONE, "Кенесары"):
            assert secret not in page


def test_staff_emails_carry_no_personal_data(
    agency, supervisor, executor, executor2, django_capture_on_commit_callbacks
):
    appeal = make(agency=agency, applicant_iin=valid_iin(78), applicant_phone=PHONE, applicant_address=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_assign(appeal=appeal, executor=executor2, actor=supervisor)
    staff_mail = [m for m in mail.outbox if executor2.email in m.to]
    assert staff_mail, "the assignee is told"
    for message in staff_mail:
        whole = message.subject + message.body + "".join(str(a[0]) for a in getattr(message, "alternatives", []))
        assert appeal.number in whole
        for secret in (appeal.applicant_iin, PHONE, "Кенесары", appeal.applicant_email):
            assert secret not in whole


def test_a_searched_iin_never_stays_in_a_url(client, private, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("appeals:find"), {"identifier": private.applicant_iin})
    assert response.status_code == 302 and private.applicant_iin not in response["Location"]
    page = text_of(client.get(response["Location"]))
    assert private.number in page and private.applicant_iin not in page
    # Typed into the search box (a GET form), it is moved out of the address at once.
    response = client.get(reverse("appeals:list"), {"q": private.applicant_iin})
    assert response.status_code == 302 and private.applicant_iin not in response["Location"]
