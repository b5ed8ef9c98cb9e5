"""Intake from integrations (the JSON API and Open311): idempotent registration in one transaction.

`appeal_intake` wraps `lifecycle.appeals_register_many`: the appeal, its attachments, the Open311
details and the Idempotency-Key row commit together or not at all. A retry of the same intake
(the same `external_id` from the same integration, or the same Idempotency-Key) returns the
first appeal instead of a second one, also when the two requests race: the unique constraints
decide, and the loser reads the winner's appeal after it commits. A first intake (nearly all of
them) does not look for an earlier one: it writes, and only a refusal, by a unique constraint
or by a check, sends it looking for the appeal an earlier identical intake registered.
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
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, Category, User
from agencies.selectors import category_routes

from ..access.integrations import integration_may_submit_to
from ..access.routes import category_routes_kept
from ..lifecycle import (
    AppealError,
    ApplicantData,
    Registration,
    RegistrationBatchError,
    appeal_add_attachment,
    appeals_register_many,
)
from ..models import Appeal, IdempotencyKey, Integration, Open311Details
from ..routing.services import intake_auto_route

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
    """The appeal an earlier identical intake created (with its agency, for the receipt), if any."""
    if key:
        owner = {"integration": integration} if integration is not None else {"user": user}
        previous = IdempotencyKey.objects.filter(key=key, **owner).select_related("appeal__agency").first()
        if previous is not None:
            if previous.fingerprint != fingerprint:
                raise IdempotencyKeyReusedError(
                    _("This Idempotency-Key was already used for a different request."), code="idempotency_key_reused"
                )
            return previous.appeal
    if integration is not None and external_id:
        return Appeal.objects.filter(integration=integration, external_id=external_id).select_related("agency").first()
    return None


def _route(
    *, integration: Integration | None, data: IntakeData, routes: dict[tuple[int, str], Agency | None] | None = None
) -> Agency:
    """The agency the appeal goes to: the one asked for, else the route of its category and region.

    `routes` holds the routes a batch read at once (`category_routes`); without it they come from memory
    (appeals.access.routes: read again when an administrator changes the rosters).
    """
    agency = data.agency
    if agency is None and data.category is None:
        raise AppealError({"category": [_("Give the category's code.")]})
    if agency is None and data.category is not None:
        key = (data.category.pk, data.region)
        agency = (routes if routes is not None else category_routes_kept([(data.category, data.region)])).get(key)
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


def _registration(
    *, integration: Integration | None, data: IntakeData, agency: Agency, auto_route: dict | None = None
) -> Registration:
    payload = {"integration": integration.name} if integration is not None else None
    if payload is not None and auto_route is not None:
        payload["auto_route"] = auto_route  # the model's decision, audited in the registered event
    return Registration(
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
        event_payload=payload,
    )


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
    and nothing is written. A retry is recognised when the intake is refused (its external id or key is
    taken, or a check fails: an earlier identical intake is answered as it was, even if, say, its route
    has changed since); an intake that is not refused is a first one.
    """
    owner_kwargs = {"integration": integration, "user": None if integration is not None else user}

    def replayed() -> Appeal | None:
        return _replay(**owner_kwargs, key=idempotency_key, fingerprint=fingerprint, external_id=data.external_id)

    try:
        return _intake_register(data=data, idempotency_key=idempotency_key, fingerprint=fingerprint, **owner_kwargs)
    except IntegrityError:
        # An earlier intake (or a concurrent retry that committed first) holds this external id or key.
        existing = replayed()
        if existing is None:
            raise
        logger.info("intake of %s was sent before; answering with appeal %s", data.external_id, existing.pk)
        return existing, False
    except AppealError:
        existing = replayed()
        if existing is None:
            raise
        return existing, False


def _intake_register(
    *, integration: Integration | None, user: User | None, data: IntakeData, idempotency_key: str, fingerprint: str
) -> tuple[Appeal, bool]:
    """Route and register one intake, with its attachments, Open311 details and key, in one transaction."""
    auto = None
    if data.category is None and data.agency is None:
        auto = intake_auto_route(integration=integration, subject=data.subject, text=data.text, region=data.region)
        if auto is not None:
            data.category = auto.category
    agency = _route(integration=integration, data=data)
    actor = user if integration is None else None
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            registration = _registration(
                integration=integration, data=data, agency=agency, auto_route=auto.payload() if auto else None
            )
            appeal = appeals_register_many(actor=actor, registrations=[registration])[0]
            for upload in data.attachments:
                attachment = appeal_add_attachment(appeal=appeal, actor=actor, upload=upload)
                saved_files.append(attachment.file.name)
            if data.open311 is not None:
                Open311Details.objects.create(appeal=appeal, **data.open311)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    key=idempotency_key, fingerprint=fingerprint, appeal=appeal, integration=integration, user=user
                )
    except BaseException:
        _delete_files(saved_files)
        raise
    return appeal, True


def _lock_external_ids(integration: Integration, external_ids: list[str]) -> None:
    """Hold, until the transaction ends, one lock per external id of this integration (PostgreSQL
    advisory locks; SQLite's IMMEDIATE transactions have one writer anyway).

    Batches that share external ids then take turns over those ids, and each reads the appeals the
    others committed before it looks for its new items: however batches overlap, no two of them try to
    insert the same external id. The locks are taken in key order, in one statement, so two batches
    cannot deadlock; batches with no id in common do not wait for each other.
    """
    if connection.vendor != "postgresql" or not external_ids:
        return
    keys = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"intake:{integration.pk}:{external_id}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for external_id in external_ids
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS keys",
            [keys],
        )


def appeals_intake_batch(*, integration: Integration, items: list[IntakeData]) -> list[tuple[Appeal, bool]]:
    """Register a batch of appeals from an integration, all or none; (appeal, created) for each item, in order.

    Each item needs its `external_id` (unique within the batch): an item this integration sent
    before is answered with the first appeal and not registered again, so a retried batch is safe,
    also while it overlaps other batches (see `_lock_external_ids`).
    If any new item is refused, `RegistrationBatchError` names every refused item by its index and
    nothing is written. The number of queries does not grow with the batch (only with the number
    of agencies it reaches: their registration counters).
    """
    for attempt in (1, 2):
        ids = [item.external_id for item in items]
        try:
            with transaction.atomic():
                _lock_external_ids(integration, ids)
                sent_before = {
                    appeal.external_id: appeal
                    for appeal in Appeal.objects.filter(integration=integration, external_id__in=ids).select_related(
                        "agency"
                    )
                }
                fresh = [(index, item) for index, item in enumerate(items) if item.external_id not in sent_before]
                routes = category_routes(
                    (item.category, item.region)
                    for _index, item in fresh
                    if item.agency is None and item.category is not None
                )
                errors: dict[int, AppealError] = {}
                registrations: list[tuple[int, Registration]] = []
                for index, item in fresh:
                    try:
                        agency = _route(integration=integration, data=item, routes=routes)
                    except AppealError as exc:
                        errors[index] = exc
                        continue
                    registrations.append((index, _registration(integration=integration, data=item, agency=agency)))
                if errors:
                    raise RegistrationBatchError(errors)
                try:
                    created = appeals_register_many(actor=None, registrations=[r for _index, r in registrations])
                except RegistrationBatchError as exc:
                    raise RegistrationBatchError(
                        {registrations[i][0]: error for i, error in exc.errors.items()}
                    ) from None
                except AppealError as exc:  # the batch held one new appeal
                    raise RegistrationBatchError({registrations[0][0]: exc}) from None
        except IntegrityError:
            if attempt == 2:
                raise
            # A single intake (which does not take the locks) of one of these items committed first: read again.
            logger.info("a batch intake lost a race with a concurrent intake; reading the batch again")
            continue
        by_index = {index: appeal for (index, _registration_), appeal in zip(registrations, created, strict=True)}
        return [
            (by_index[index], True) if index in by_index else (sent_before[item.external_id], False)
            for index, item in enumerate(items)
        ]
    raise AssertionError("unreachable")


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete the orphan attachment %s", name, exc_info=True)
