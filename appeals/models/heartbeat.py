from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When a periodic job last finished (one row per job), for /healthz and whoever watches the workers."""

    name = models.CharField(_("job"), max_length=64, unique=True)
    at = models.DateTimeField(_("last finished"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
