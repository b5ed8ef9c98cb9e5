from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DEADLINE_NOTICE_KINDS, NoticeKind, NoticeState


class Notice(models.Model):
    """One email in the transactional outbox: who is told what about which appeal, and whether it went.

    Rows are written in the transaction of the change (or of the deadline scan) that calls for
    them, so a notice exists exactly when its cause was committed; a worker then sends it and
    moves it from pending to sent with a conditional UPDATE. For the notices of the deadline
    scan, inserting the row is the claim: the unique constraint lets each (appeal, kind,
    recipient, due date, stage) exist once, so a second scan, a retried task or a second
    worker never sends it twice.
    """

    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        db_index=False,  # led by the composite index below
        help_text=_("Empty for a daily digest, which covers many appeals."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        help_text=_("The member of staff told; empty for the applicant."),
    )
    email = models.EmailField(
        _("address"), blank=True, help_text=_("The applicant's address, or the address a staff notice went to.")
    )
    due_date = models.DateField(
        _("due date"), help_text=_("The appeal's due date the notice is about (for a digest: its day).")
    )
    days_left = models.SmallIntegerField(
        _("stage, working days left"),
        default=0,
        help_text=_("For reminders: the stage they belong to (3, 1, 0 days left; -n for n days overdue)."),
    )
    context = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=NoticeState.choices, default=NoticeState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error or reason"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), default=timezone.now, help_text=_("A pending notice is sent again from this time on.")
    )
    claimed_until = models.DateTimeField(
        _("being sent until"), null=True, blank=True, help_text=_("A worker holds the notice while it sends it.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The claim of the deadline scan: each reminder once per appeal, recipient, due date and stage.
            models.UniqueConstraint(
                fields=["appeal", "kind", "user", "due_date", "days_left"],
                condition=Q(kind__in=DEADLINE_NOTICE_KINDS),
                name="notice_deadline_once",
            ),
            # One digest per supervisor and day.
            models.UniqueConstraint(
                fields=["user", "kind", "due_date"],
                condition=Q(kind=NoticeKind.DIGEST),
                name="notice_digest_once_a_day",
            ),
            # One weekly signals email per supervisor and week (due_date: the week's Monday).
            models.UniqueConstraint(
                fields=["user", "kind", "due_date"],
                condition=Q(kind=NoticeKind.SIGNALS),
                name="notice_signals_once_a_week",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="notice_has_recipient",
            ),
            # The keys above hold no NULL (a NULL would make every row distinct).
            models.CheckConstraint(
                condition=~Q(kind__in=[*DEADLINE_NOTICE_KINDS, NoticeKind.DIGEST, NoticeKind.SIGNALS])
                | Q(user__isnull=False),
                name="notice_scan_goes_to_a_user",
            ),
            models.CheckConstraint(
                condition=Q(appeal__isnull=False) | Q(kind__in=[NoticeKind.DIGEST, NoticeKind.SIGNALS]),
                name="notice_about_an_appeal",
            ),
        ]
        indexes = [
            # An appeal's notices (the workspace), and the scan's "has this assignee had this reminder?"
            # probe on every database (SQLite cannot use the partial unique index for it).
            models.Index(fields=["appeal", "user"], name="notice_appeal_user"),
            # The catch-up reads only pending notices whose time has come (a small part of the table).
            models.Index(fields=["next_attempt_at"], condition=Q(state=NoticeState.PENDING), name="notice_pending_due"),
        ]

    def __str__(self) -> str:
        about = self.appeal.number if self.appeal_id and self.appeal else "—"
        return f"{self.get_kind_display()} · {about} → {self.recipient}"

    @property
    def recipient(self) -> str:
        if self.user_id and self.user:
            return self.user.display_name
        return self.email

    @property
    def overdue_days(self) -> int:
        """For an overdue reminder: the working days overdue it was written for."""
        return max(0, -self.days_left)

    @property
    def to_applicant(self) -> bool:
        return self.user_id is None
