"""Links between appeals: related, or a duplicate merged into another appeal of the same applicant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import LinkKind


class AppealLink(models.Model):
    """Two appeals linked: related to each other, or `from_appeal` a duplicate merged into `to_appeal`."""

    from_appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="links_out"
    )
    to_appeal = models.ForeignKey(
        "appeals.Appeal", verbose_name=_("linked appeal"), on_delete=models.PROTECT, related_name="links_in"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("appeal link")
        verbose_name_plural = _("appeal links")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["from_appeal", "to_appeal"], name="appeal_link_unique"),
            models.CheckConstraint(condition=~Q(from_appeal=F("to_appeal")), name="appeal_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.from_appeal_id} → {self.to_appeal_id} ({self.kind})"
