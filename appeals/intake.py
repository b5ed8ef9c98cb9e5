"""Intake from integrations (the JSON API and Open311): idempotent registration in one transaction.

`appeal_intake` wraps `services.appeal_register`: the appeal, its attachments, the Open311
details and the Idempotency-Key row commit together or not at all. A retry of the same intake
(the same `external_id` from the same integration, or the same Idempotency-Key) returns the
first appeal instead of a second one, also when the two requests race: the unique constraints
decide, and the loser reads the winner's appeal after it commits.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, Category, User
from agencies.selectors import category_route

from .integrations import integration_may_submit_to
from .models import Appeal, IdempotencyKey, Integration, Open311Details
from .services import AppealError, ApplicantData, appeal_add_attachment, appeal_register

logger = logging.getLogger(__name__)


class IdempotencyKeyReusedError(AppealError):
    """The Idempotency-Key was used before for a different request."""


@dataclass
class IntakeData:
    kind: str
    channel: str
    language: str
    region: str
    subject: str
    text: str
    applicant: ApplicantData
    category: Category | None = None
    agency: Agency | None = None
    received_at: datetime | None = None
    external_id: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)
    open311: dict[str, Any] | None = None


def request_fingerprint(data: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request with the same key."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replay(
    *, integration: Integration | None, user: User | None, key: str, fingerprint: str, external_id: str
) -> Appeal | None:
    """The appeal an earlier identical intake created, if any."""
    if key:
        owner = {"integration": integration} if integration is not None else {"user": user}
        previous = IdempotencyKey.objects.filter(key=key, **owner).select_related("appeal").first()
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise IdempotencyKeyReusedError(
                    _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
                )
            return previous.appeal
    if integration is not None and external_id:
        return Appeal.objects.filter(integration=integration, external_id=external_id).first()
    return None


def _route(*, integration: Integration | None, data: IntakeData) -> Agency:
    """The agency the appeal goes to: the one asked for, else the route of its category and region."""
    agency = data.agency
    if agency is None:
        agency = category_route(category=data.category, region=data.region) if data.category else None
        if agency is None:
            raise AppealError(
                {"agency": [_("No agency handles this category in this region; give the agency explicitly.")]}
            )
    if integration is not None and not integration_may_submit_to(integration, agency):
        raise AppealError(
            {
                "agency": [
                    _("The appeal would go to “%(agency)s”, which is outside the agencies of this integration.")
                    % {"agency": agency.name}
                ]
            }
        )
    return agency


def appeal_intake(
    *,
    integration: Integration | None,
    user: User | None,
    data: IntakeData,
    idempotency_key: str = "",
    fingerprint: str = "",
) -> tuple[Appeal, bool]:
    """Register an appeal from an integration (or a registrar over the API); returns (appeal, created).

    `created` is False when this is a retry of an earlier intake: the first appeal is returned
    and nothing is written.
    """
    owner_kwargs = {"integration": integration, "user": None if integration is not None else user}
    existing = _replay(**owner_kwargs, key=idempotency_key, fingerprint=fingerprint, external_id=data.external_id)
    if existing is not None:
        return existing, False
    agency = _route(integration=integration, data=data)
    actor = user if integration is None else None
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            appeal = appeal_register(
                actor=actor,
                agency=agency,
                kind=data.kind,
                channel=data.channel,
                language=data.language,
                region=data.region,
                subject=data.subject,
                text=data.text,
                applicant=data.applicant,
                category=data.category,
                received_at=data.received_at,
                external_id=data.external_id,
                extra_fields={"integration": integration},
                event_payload={"integration": integration.name} if integration is not None else None,
            )
            for upload in data.attachments:
                attachment = appeal_add_attachment(appeal=appeal, actor=actor, upload=upload)
                saved_files.append(attachment.file.name)
            if data.open311 is not None:
                Open311Details.objects.create(appeal=appeal, **data.open311)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    key=idempotency_key, fingerprint=fingerprint, appeal=appeal, **owner_kwargs
                )
    except IntegrityError:
        _delete_files(saved_files)
        # A concurrent retry committed first (same external id or key): answer with its appeal.
        existing = _replay(**owner_kwargs, key=idempotency_key, fingerprint=fingerprint, external_id=data.external_id)
        if existing is None:
            raise
        logger.info(
            "intake of %s lost a race with a concurrent retry; answering with appeal %s", data.external_id, existing.pk
        )
        return existing, False
    except BaseException:
        _delete_files(saved_files)
        raise
    return appeal, True


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete the orphan attachment %s", name, exc_info=True)
