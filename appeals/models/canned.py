"""Canned responses: answer templates with placeholders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Language, Outcome


class CannedResponse(models.Model):
    """A template of an answer, with placeholders, for an agency (or all), a category (or all) and a language."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        help_text=_("Empty: offered to every agency. Otherwise to this agency and its subordinate bodies."),
    )
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_responses",
        help_text=_("Empty: offered for every category."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    outcome = models.CharField(
        _("outcome"),
        max_length=32,
        choices=Outcome.choices,
        blank=True,
        help_text=_("When set, choosing the template also sets the outcome of the answer."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["agency", "language"], name="canned_agency_language")]

    def __str__(self) -> str:
        return self.title
