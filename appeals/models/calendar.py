from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """A day moved by government decree: a Saturday made a working day, or a weekday made a day off."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked: a working day (e.g. a Saturday worked). Empty: a day off.")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    decree_reference = models.CharField(_("decree"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date"]

    def __str__(self) -> str:
        state = _("working day") if self.is_working_day else _("day off")
        return f"{self.date:%Y-%m-%d} · {state}"
