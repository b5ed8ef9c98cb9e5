"""A queue with its filters and sort saved under a name."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A queue with its filters and sort, saved under a name; shared with an agency when `agency` is set."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("shared with"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
        help_text=_("Empty: only the owner sees the view."),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name")]
        indexes = [models.Index(fields=["agency"], name="saved_view_agency", condition=Q(agency__isnull=False))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.agency_id is not None
