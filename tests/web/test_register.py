"""Registering an appeal in the browser: IIN checks, the competent agency, the duplicate warning."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.models import Appeal, AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AgencyFactory, CategoryRouteFactory, valid_bin, valid_iin
from .conftest import make, text_of

pytestmark = pytest.mark.django_db

URL = reverse("appeals:register")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def form_data(agency, **overrides):
    data = {
        "agency": agency.pk,
        "channel": "post",
        "kind": "application",
        "language": "kk",
        "applicant_type": "individual",
        "applicant_name": "Сейтқали Айгерім",
        "applicant_iin": valid_iin(5),
        "applicant_email": "aigerim@mail.kz",
        "region": "astana",
        "subject": "Аулада су құбыры жарылды",
        "text": "Аулада су құбыры жарылды, жөндеуді сұраймын.",
    }
    data.update(overrides)
    return data


def test_a_registrar_registers_a_paper_appeal(client, agency, registrar, django_capture_on_commit_callbacks):
    client.force_login(registrar)
    assert client.get(URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {**form_data(agency), "files": SimpleUploadedFile("скан.pdf", b"%PDF-1.4 scan", "application/pdf")}
        )
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response.url == appeal.get_absolute_url()
    assert (appeal.agency, appeal.channel, appeal.registered_by, appeal.status) == (
        agency,
        "post",
        registrar,
        AppealStatus.REGISTERED,
    )
    assert appeal.attachments.count() == 1
    assert mail.outbox[0].to == ["aigerim@mail.kz"]  # the receipt
    page = text_of(client.get(response.url))
    assert f"Registered under number {appeal.number}" in page


@pytest.mark.parametrize(
    ("iin", "message"),
    [
        ("12345", "must be exactly 12 digits"),
        ("900101700001", "The 7th digit of an IIN must be from 1 to 6."),
        ("901301300001", "must be a birth date"),
    ],
)
def test_a_wrong_iin_is_shown_next_to_the_field(client, agency, registrar, iin, message):
    client.force_login(registrar)
    response = client.post(URL, form_data(agency, applicant_iin=iin))
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert 'id="id_applicant_iin_error"' in page and 'aria-invalid="true"' in page
    assert not Appeal.objects.exists()


def test_a_wrong_check_digit_is_caught(client, agency, registrar):
    good = valid_iin(6)
    bad = good[:11] + str((int(good[11]) + 1) % 10)
    client.force_login(registrar)
    response = client.post(URL, form_data(agency, applicant_iin=bad))
    assert response.status_code == 422
    assert "wrong check digit" in text_of(response)


def test_a_legal_entity_has_a_bin(client, agency, registrar):
    client.force_login(registrar)
    response = client.post(
        URL,
        form_data(
            agency, applicant_type="legal", applicant_iin="", applicant_bin=valid_bin(3), applicant_name="ТОО «Су»"
        ),
    )
    assert response.status_code == 302
    assert Appeal.objects.get().applicant_bin == valid_bin(3)


def test_the_same_applicant_on_the_same_subject_is_warned_about(client, agency, registrar):
    earlier = make(agency=agency, applicant_iin=valid_iin(5), subject="Аулада су құбыры жарылды тағы")
    client.force_login(registrar)
    response = client.post(URL, form_data(agency))
    assert response.status_code == 422
    page = text_of(response)
    assert "already has an open appeal on this subject" in page
    assert earlier.number in page
    assert Appeal.objects.count() == 1
    confirmed = client.post(URL, {**form_data(agency), "confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Appeal.objects.count() == 2


def test_the_check_fragment_validates_suggests_and_warns(client, agency, sibling, registrar, category):
    CategoryRouteFactory(category=category, region="astana", agency=sibling)
    make(agency=agency, applicant_iin=valid_iin(5), subject="Аулада су құбыры жарылды")
    client.force_login(registrar)
    page = text_of(
        client.post(
            reverse("appeals:register_check"),
            {
                "agency": agency.pk,
                "applicant_type": "individual",
                "applicant_iin": valid_iin(5),
                "subject": "Аулада су құбыры жарылды",
                "category": category.pk,
                "region": "astana",
            },
        )
    )
    assert "The IIN/BIN is valid." in page
    assert sibling.name_ru in page
    assert "It is not the registering agency" in page
    assert "open appeal on this subject" in page
    bad = text_of(client.post(reverse("appeals:register_check"), {"applicant_iin": "123456789012"}))
    assert "✗" in bad


def test_register_and_send_to_the_competent_agency(client, agency, sibling, registrar, category):
    CategoryRouteFactory(category=category, region="astana", agency=sibling)
    client.force_login(registrar)
    response = client.post(URL, {**form_data(agency, category=category.pk), "route_to_competent": "on"}, follow=True)
    here = Appeal.objects.get(agency=agency)
    there = Appeal.objects.get(agency=sibling)
    assert here.status == AppealStatus.REDIRECTED
    assert there.redirected_from == here
    assert AppealEvent.objects.filter(appeal=here, kind=EventKind.REDIRECTED, actor=registrar).exists()
    assert there.number in text_of(response)


def test_the_check_button_works_without_javascript(client, agency, registrar):
    client.force_login(registrar)
    response = client.post(URL, {**form_data(agency, applicant_iin="123"), "check": "1"})
    assert response.status_code == 200
    assert not Appeal.objects.exists()


def test_only_a_registrar_may_register(client, agency, executor):
    client.force_login(executor)
    response = client.get(URL, follow=True)
    assert "Only a registrar may register appeals." in text_of(response)
    assert client.post(URL, form_data(agency)).status_code == 302
    assert not Appeal.objects.exists()


def test_a_registrar_cannot_register_for_another_agency(client, agency, registrar):
    other = AgencyFactory()
    client.force_login(registrar)
    response = client.post(URL, form_data(other))
    assert response.status_code == 422
    assert not Appeal.objects.exists()


def test_repeat_of_links_the_earlier_appeal(client, agency, registrar):
    earlier = make(AppealStatus.ANSWERED, agency=agency, applicant_iin=valid_iin(5))
    client.force_login(registrar)
    response = client.post(URL, form_data(agency, repeat_of=earlier.number.lower(), subject="Жауап қанағаттандырмады"))
    assert response.status_code == 302
    appeal = Appeal.objects.exclude(pk=earlier.pk).get()
    assert appeal.repeat_of == earlier and appeal.is_repeated
    unknown = client.post(URL, form_data(agency, repeat_of="NOPE-1", subject="Басқа"))
    assert "No appeal with this number that you can see." in text_of(unknown)
