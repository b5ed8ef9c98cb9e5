"""Helpers for the desk's view tests: appeals in a given state, and reading pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import AppealResponse
from appeals.models.choices import AppealStatus, ResponseStatus

from ..factories import AppealFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make(status=AppealStatus.REGISTERED, *, agency, assignee=None, overdue=False, **kwargs):
    """An appeal in `status` with what that status implies (an answer in the works...)."""
    if overdue:
        kwargs.setdefault("registered_at", timezone.now() - timedelta(days=45))
    appeal = AppealFactory(agency=agency, status=status, assignee=assignee, **kwargs)
    if status == AppealStatus.IN_PROGRESS and assignee is not None:
        AppealResponse.objects.create(appeal=appeal, text="Черновик ответа", language="ru", author=assignee)
    if status == AppealStatus.AWAITING_APPROVAL:
        AppealResponse.objects.create(
            appeal=appeal,
            text="Ответ по существу",
            language="ru",
            outcome="explained",
            author=assignee,
            status=ResponseStatus.SUBMITTED,
        )
    return appeal


def text_of(response) -> str:
    return response.content.decode()
