"""Trained routing models (appeals.routing): a versioned artefact every web and worker process can load."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RouterModel(models.Model):
    """One trained text classifier: the pickled pipeline and how well it did on held-out appeals."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    source = models.CharField(_("trained on"), max_length=32, default="history")
    history_size = models.PositiveIntegerField(_("appeals in the history"))
    held_out_size = models.PositiveIntegerField(_("held-out appeals"))
    top1 = models.FloatField(_("held-out top-1 accuracy"))
    top3 = models.FloatField(_("held-out top-3 accuracy"))
    training_seconds = models.FloatField(_("training time, seconds"), default=0)
    labels = models.JSONField(_("category codes"), default=list)
    data = models.BinaryField(_("model"))

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} · {self.top1:.0%} / {self.top3:.0%}"
