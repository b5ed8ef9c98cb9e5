from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.choices import Region

from .choices import (
    OPEN_STATUSES,
    AppealKind,
    AppealStatus,
    ApplicantType,
    Channel,
    EventKind,
    Language,
    Outcome,
    ResponseKind,
    ResponseStatus,
)

_OPEN = Q(status__in=sorted(OPEN_STATUSES))


class Appeal(models.Model):
    """A citizen's appeal as one agency handles it.

    `status`, `due_date`, `assignee` and `agency` change only through appeals.lifecycle, which
    compare-and-set on `version` and write an AppealEvent in the same transaction.
    """

    number = models.CharField(_("registration number"), max_length=64, unique=True)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="appeals"
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AppealKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)

    # The applicant.
    applicant_type = models.CharField(
        _("applicant"), max_length=16, choices=ApplicantType.choices, default=ApplicantType.INDIVIDUAL
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=255, blank=True)
    applicant_iin = models.CharField(_("IIN"), max_length=12, blank=True)
    applicant_bin = models.CharField(_("BIN"), max_length=12, blank=True)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=32, blank=True)
    applicant_address = models.CharField(_("postal address"), max_length=500, blank=True)
    # Who the applicant is for matter matching (appeals.listening.matching.applicant_key): "iin:…",
    # "bin:…", "tel:…" or "email:…"; empty for an anonymous appeal.
    applicant_key = models.CharField(_("applicant key"), max_length=160, blank=True, editable=False)
    is_collective = models.BooleanField(_("collective"), default=False)
    signatories = models.PositiveIntegerField(_("number of applicants"), null=True, blank=True)
    is_repeated = models.BooleanField(_("repeated"), default=False)
    reports_crime = models.BooleanField(
        _("reports a crime or a threat to security"),
        default=False,
        help_text=_("Such an appeal is never left without consideration, even when anonymous."),
    )

    # The matter.
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        db_index=False,  # appeal_pair_registered leads with it
    )
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"), blank=True)

    # Handling.
    status = models.CharField(_("status"), max_length=32, choices=AppealStatus.choices, default=AppealStatus.REGISTERED)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_appeals",
    )
    due_date = models.DateField(_("due date"))
    original_due_date = models.DateField(_("statutory due date"))
    forward_due_date = models.DateField(
        _("to the higher body by"),
        null=True,
        blank=True,
        help_text=_(
            "A complaint against an act goes to the higher body with the case file by this day "
            "(empty for other appeals)."
        ),
    )
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    extension_requested_until = models.DateField(_("extension requested until"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    first_action_at = models.DateTimeField(_("first action by the executor"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The applicant's own rating of the answer (1-5), when they give one (staff or the API record it).
    applicant_rating = models.PositiveSmallIntegerField(
        _("applicant's rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    applicant_rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    # Links.
    redirected_from = models.ForeignKey(
        "self",
        verbose_name=_("redirected from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redirected_to",
    )
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    escalated_from = models.ForeignKey(
        "self",
        verbose_name=_("escalated from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        help_text=_("The lower body's appeal this one complains was not answered in time or well."),
    )
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    integration = models.ForeignKey(
        "appeals.Integration",
        verbose_name=_("integration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        help_text=_("The system that submitted the appeal (its status webhooks follow it, redirects included)."),
    )

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-registered_at"]
        indexes = [
            # Queues of open appeals: by agency, by executor, both ordered by the deadline. The registration
            # time at the end serves the dashboard's open appeals by agency and age (measures.open_state) from the
            # index alone: the whole country's 80 000 open appeals were read from some 19 000 table pages.
            models.Index(
                fields=["agency", "due_date", "id", "registered_at"], condition=_OPEN, name="appeal_open_agency_due"
            ),
            # An executor's open appeals in the agency of the desk (their queue, its counts, the overdue ones).
            models.Index(
                fields=["assignee", "agency", "due_date", "id"], condition=_OPEN, name="appeal_open_assignee_agency"
            ),
            models.Index(fields=["due_date", "id"], condition=_OPEN, name="appeal_open_due"),
            # The registrars' reminder: unassigned appeals still within the first days after registration
            # (the redirect limit); only the few not yet taken into work are in this index.
            models.Index(
                fields=["registered_at"],
                condition=Q(status="registered", assignee__isnull=True),
                name="appeal_unassigned_registered",
            ),
            # The reminder of complaints still to go up to the higher body: only the open ones with that clock.
            models.Index(
                fields=["forward_due_date", "id"],
                condition=_OPEN & Q(kind="complaint", forward_due_date__isnull=False),
                name="appeal_complaint_forward",
            ),
            # History: lists and dashboards by registration date.
            models.Index(fields=["agency", "registered_at"], name="appeal_agency_registered"),
            models.Index(fields=["registered_at"], name="appeal_registered"),
            # The dashboard's live "today" and the roll-up builder read what was resolved or first acted on.
            models.Index(fields=["resolved_at"], name="appeal_resolved", condition=Q(resolved_at__isnull=False)),
            models.Index(
                fields=["first_action_at"], name="appeal_first_action", condition=Q(first_action_at__isnull=False)
            ),
            models.Index(
                fields=["applicant_rated_at"], name="appeal_rated", condition=Q(applicant_rated_at__isnull=False)
            ),
            # The same applicant's other appeals.
            models.Index(fields=["applicant_iin"], name="appeal_iin", condition=~Q(applicant_iin="")),
            models.Index(fields=["applicant_bin"], name="appeal_bin", condition=~Q(applicant_bin="")),
            # The listening desk: a (category, region) pair's appeals since a day (long-standing problems).
            models.Index(fields=["category", "region", "registered_at"], name="appeal_pair_registered"),
            # Matter matching: one applicant's appeals in a window of registration dates.
            models.Index(
                fields=["applicant_key", "registered_at"], name="appeal_applicant_key", condition=~Q(applicant_key="")
            ),
            # The history import: rows imported before, by external id (no integration).
            models.Index(
                fields=["external_id"],
                name="appeal_import_external_id",
                condition=Q(integration__isnull=True) & ~Q(external_id=""),
            ),
        ]
        constraints = [
            # Intake is idempotent: one appeal per external id of an integration.
            models.UniqueConstraint(
                fields=["integration", "external_id"],
                condition=Q(integration__isnull=False) & ~Q(external_id=""),
                name="appeal_integration_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_anonymous(self) -> bool:
        return self.applicant_type == ApplicantType.ANONYMOUS

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date < timezone.localdate()

    @property
    def is_extended(self) -> bool:
        return self.extension_count > 0


class AppealEvent(models.Model):
    """One row of the append-only audit trail: who did what to an appeal, when."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (scheduled tasks, integrations)."),
    )
    kind = models.CharField(_("action"), max_length=32, choices=EventKind.choices)
    from_status = models.CharField(_("from status"), max_length=32, choices=AppealStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=32, choices=AppealStatus.choices, blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["appeal", "created_at"], name="event_appeal_created"),
            models.Index(fields=["kind", "created_at"], name="event_kind_created"),
            # The admin's audit trail in its order, and its date hierarchy (appeals/infra/admin_dates.py).
            models.Index(fields=["created_at", "id"], name="event_created_id"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class AppealResponse(models.Model):
    """What the body tells the applicant: the answer, or a notice (interim, extension, redirect, refusal)."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(_("kind"), max_length=32, choices=ResponseKind.choices, default=ResponseKind.ANSWER)
    status = models.CharField(_("status"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.DRAFT)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    return_count = models.PositiveSmallIntegerField(_("returned for rework"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created_at", "id"]
        constraints = [
            # At most one answer in the works per appeal.
            models.UniqueConstraint(
                fields=["appeal"],
                condition=Q(kind="answer") & ~Q(status="sent"),
                name="response_one_working_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} · {self.get_kind_display()} · {self.get_status_display()}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"appeals/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """A file that came with the appeal or was added while handling it; never served without a check."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size, bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RegistrationCounter(models.Model):
    """The last registration number given by an agency in a year (the sequence behind Appeal.number)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("registration counter")
        verbose_name_plural = _("registration counters")
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="counter_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_number}"
