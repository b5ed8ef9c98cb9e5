"""The appeal workspace: what it shows, to whom, the IIN reveal log, attachments, and its query count."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals import lifecycle
from appeals.models import AppealEvent, AppealResponse, Attachment
from appeals.models.choices import AppealStatus, EventKind

from ..factories import AppealFactory, valid_iin
from .conftest import make, text_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_workspace_shows_every_field(client, agency, executor, category):
    appeal = make(
        AppealStatus.IN_PROGRESS,
        agency=agency,
        assignee=executor,
        category=category,
        subject="Нет горячей воды",
        text="В доме №5 нет горячей воды третью неделю.",
        applicant_phone="+7 701 111 2233",
        applicant_address="Астана, ул. Абая 5",
    )
    client.force_login(executor)
    response = client.get(appeal.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    for expected in (
        appeal.number,
        "Нет горячей воды",
        "третью неделю",
        appeal.applicant_name,
        appeal.applicant_email,
        "+7 701 111 2233",
        "Астана, ул. Абая 5",
        "Дороги",
        agency.name_ru,
        appeal.due_date.strftime("%d.%m.%Y"),
        "Timeline",
        "Attachments",
        "Linked appeals",
    ):
        assert expected in page, expected


@pytest.mark.parametrize("persona", ["outsider", "foreigner", "district_executor"])
def test_another_agencys_appeal_is_a_404(client, request, agency, persona):
    appeal = make(agency=agency)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(appeal.get_absolute_url()).status_code == 404
    assert client.get(reverse("appeals:receipt", kwargs={"pk": appeal.pk})).status_code == 404


def test_a_supervisor_up_the_tree_sees_it(client, district, ministry_supervisor, supervisor):
    appeal = make(agency=district)
    for user in (ministry_supervisor, supervisor):
        client.force_login(user)
        response = client.get(appeal.get_absolute_url())
        assert response.status_code == 200 and appeal.number in response.content.decode()


def test_an_unknown_number_is_a_404_too(client, executor):
    client.force_login(executor)
    assert client.get(reverse("appeals:detail", kwargs={"pk": 987654})).status_code == 404


@pytest.mark.parametrize("n", [10, 100])
def test_workspace_query_count_is_constant(client, agency, executor, supervisor, django_assert_max_num_queries, n):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    for i in range(n):
        lifecycle.appeal_add_note(appeal=appeal, actor=executor, text=f"Заметка {i}")
        appeal.refresh_from_db()
    for i in range(n // 10):
        lifecycle.appeal_add_attachment(
            appeal=appeal, actor=executor, upload=SimpleUploadedFile(f"scan{i}.pdf", PDF, "application/pdf")
        )
    for i in range(n):
        other = AppealFactory(agency=agency, applicant_iin=appeal.applicant_iin, subject=f"Другое {i}")
        lifecycle.appeal_link(appeal=appeal, other=other, actor=executor)
        appeal.refresh_from_db()
    for i in range(n // 10):
        AppealResponse.objects.create(
            appeal=appeal, kind="interim", status="sent", text=f"Промежуточный {i}", language="ru"
        )
    client.force_login(supervisor)
    client.get(appeal.get_absolute_url())
    with django_assert_max_num_queries(18):
        response = client.get(appeal.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["timeline"]) >= n


def test_the_iin_is_masked_for_a_supervisor_and_full_for_the_assignee_and_registrar(
    client, agency, executor, supervisor, registrar
):
    iin = valid_iin(31)
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    client.force_login(supervisor)
    page = text_of(client.get(appeal.get_absolute_url()))
    assert iin not in page and iin[-4:] in page
    assert reverse("appeals:reveal", kwargs={"pk": appeal.pk}) in page
    for user in (executor, registrar):
        client.force_login(user)
        assert iin in text_of(client.get(appeal.get_absolute_url()))


def test_revealing_the_iin_is_a_logged_post(client, agency, executor, supervisor):
    iin = valid_iin(32)
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    client.force_login(supervisor)
    assert client.get(reverse("appeals:reveal", kwargs={"pk": appeal.pk})).status_code == 405
    response = client.post(reverse("appeals:reveal", kwargs={"pk": appeal.pk}))
    assert response.status_code == 302
    assert iin not in response.url
    event = AppealEvent.objects.get(appeal=appeal, kind=EventKind.PERSONAL_DATA_REVEALED)
    assert event.actor == supervisor
    assert event.payload == {"field": "iin"}
    assert iin not in str(event.payload)
    page = text_of(client.get(response.url))
    assert iin in page
    assert "Personal data revealed" in page  # reviewable on the timeline


def test_an_outsider_cannot_reveal(client, agency, outsider):
    appeal = make(agency=agency)
    client.force_login(outsider)
    assert client.post(reverse("appeals:reveal", kwargs={"pk": appeal.pk})).status_code == 404
    assert not AppealEvent.objects.filter(kind=EventKind.PERSONAL_DATA_REVEALED).exists()


def test_upload_and_download_an_attachment(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(executor)
    response = client.post(
        reverse("appeals:attachment_upload", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "file": SimpleUploadedFile("акт.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(appeal=appeal)
    assert AppealEvent.objects.filter(appeal=appeal, kind=EventKind.ATTACHMENT_ADDED).count() == 1
    download = client.get(
        reverse("appeals:attachment_download", kwargs={"pk": appeal.pk, "attachment_pk": attachment.pk})
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]


def test_a_file_that_is_not_what_it_says_is_refused(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(executor)
    response = client.post(
        reverse("appeals:attachment_upload", kwargs={"pk": appeal.pk}),
        {"file": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert response.status_code == 422
    assert "whose content matches the name" in text_of(response)
    assert not Attachment.objects.exists()


def test_attachments_are_only_downloaded_by_those_who_see_the_appeal(client, agency, executor, outsider, settings):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    attachment = lifecycle.appeal_add_attachment(
        appeal=appeal, actor=executor, upload=SimpleUploadedFile("a.pdf", PDF, "application/pdf")
    )
    url = reverse("appeals:attachment_download", kwargs={"pk": appeal.pk, "attachment_pk": attachment.pk})
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    other = make(agency=agency)
    client.force_login(executor)
    wrong_pair = reverse("appeals:attachment_download", kwargs={"pk": other.pk, "attachment_pk": attachment.pk})
    assert client.get(wrong_pair).status_code == 404
    # The files are not served from MEDIA_URL.
    assert client.get(settings.MEDIA_URL + attachment.file.name).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_receipt_is_in_the_language_of_the_appeal(client, agency, registrar):
    appeal = make(agency=agency, language="kk")
    client.force_login(registrar)
    page = text_of(client.get(reverse("appeals:receipt", kwargs={"pk": appeal.pk})))
    assert appeal.number in page
    assert 'lang="kk"' in page


def test_a_returned_answer_shows_what_to_rework(client, agency, executor, supervisor):
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    lifecycle.appeal_return(appeal=appeal, actor=supervisor, comment="Добавьте ссылку на статью 91 АППК")
    client.force_login(executor)
    page = text_of(client.get(appeal.get_absolute_url()))
    assert "Добавьте ссылку на статью 91 АППК" in page
    assert "Returned for rework" in page


def test_the_answer_in_another_language_is_warned_about(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, language="kk")
    client.force_login(executor)
    response = client.post(
        reverse("appeals:draft", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "text": "Ответ на русском языке", "language": "ru", "outcome": ""},
        follow=True,
    )
    page = text_of(response)
    assert "The appeal is in Kazakh, the answer in Russian" in page
    text_ru = "Уважаемый заявитель, по вашему обращению проведена проверка и приняты меры."
    appeal.refresh_from_db()
    response = client.post(
        reverse("appeals:draft", kwargs={"pk": appeal.pk}),
        {"version": appeal.version, "text": text_ru, "language": "kk", "outcome": ""},
        follow=True,
    )
    assert "The text looks written in Russian, but the appeal is in Kazakh" in text_of(response)


def test_the_editor_drafts_in_the_appeals_language_and_shows_the_challenge_block(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, language="kk")
    AppealResponse.objects.filter(appeal=appeal).delete()
    client.force_login(executor)
    response = client.get(appeal.get_absolute_url())
    form = response.context["forms"]["draft"]
    assert form.initial["language"] == "kk"
    assert "үш ай ішінде" in response.context["challenge_block"]  # in the answer's language, not the interface's
    assert "үш ай ішінде" in text_of(response)


def test_the_workspace_lists_the_notices_sent_for_the_appeal(client, agency, executor, supervisor):
    from appeals.reminders.scan import reminders_scan

    appeal = AppealFactory(agency=agency, overdue=True, assignee=executor, status=AppealStatus.IN_PROGRESS)
    reminders_scan()
    client.force_login(supervisor)
    page = text_of(client.get(reverse("appeals:detail", args=[appeal.pk])))
    assert "Notices" in page
    assert "Escalated" in page
    assert supervisor.display_name in page
