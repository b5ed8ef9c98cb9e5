"""Daily roll-ups behind the supervisors' dashboard (appeals.dashboard.rollups builds them).

One row per agency x day x category x region x channel with the counts the indicators need, and
a histogram of working days to answer per agency x day; the same per agency x executor x day for the
staff table. Every count is attributed to the day the
thing happened (registered, resolved, first action, redirect, extension, return, rating), so the
row of a past day stays right until an appeal is reopened; the nightly task rebuilds a window of
recent days and `manage.py rebuild_rollups --since` rebuilds any range.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The counters of a roll-up row, in one place: the builder, the live path and the readers use it.
ROLLUP_COUNTERS: tuple[str, ...] = (
    "received",
    "received_repeated",
    "redirected_in",
    "escalated_in",
    "closed",
    "closed_on_time",
    "closed_on_time_target",
    "left_without_consideration",
    "redirected_out",
    "redirected_out_late",
    "extensions",
    "returns",
    "escalated",
    "first_response_count",
    "first_response_hours",
    "rating_count",
    "rating_sum",
)


class RollupCounters(models.Model):
    """The counters of ROLLUP_COUNTERS, shared by the roll-up tables."""

    received = models.PositiveIntegerField(default=0)
    received_repeated = models.PositiveIntegerField(default=0)
    redirected_in = models.PositiveIntegerField(default=0)
    escalated_in = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    closed_on_time_target = models.PositiveIntegerField(default=0)
    left_without_consideration = models.PositiveIntegerField(default=0)
    redirected_out = models.PositiveIntegerField(default=0)
    redirected_out_late = models.PositiveIntegerField(default=0)
    extensions = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    first_response_count = models.PositiveIntegerField(default=0)
    first_response_hours = models.FloatField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class AppealDailyRollup(RollupCounters):
    day = models.DateField(_("day"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("agencies.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    region = models.CharField(_("region"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("daily roll-up")
        verbose_name_plural = _("daily roll-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "category", "region", "channel"], name="rollup_day_agency_dims"
            ),
        ]
        # Also rollup_agency_day (agency, day), created by migration 0009 in SQL.
        indexes = [models.Index(fields=["day", "agency"], name="rollup_day_agency")]

    def __str__(self) -> str:
        return f"{self.day} · {self.agency_id} · {self.category_id}"


class AppealDurationRollup(models.Model):
    """How many appeals an agency closed on a day after `working_days` working days (for percentiles)."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    working_days = models.PositiveSmallIntegerField(_("working days to answer"))
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("duration roll-up")
        verbose_name_plural = _("duration roll-ups")
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "working_days"], name="duration_day_agency_days"),
        ]
        indexes = [
            models.Index(fields=["day", "agency"], name="duration_day_agency"),
            # A subtree's period, agency by agency (the day-first index walks the whole period per agency).
            models.Index(fields=["agency", "day"], name="duration_agency_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.agency_id} · {self.working_days}: {self.count}"


class AppealMonthlyRollup(RollupCounters):
    """The daily roll-ups of a calendar month summed (`month` is its first day): a period of whole months reads
    one row where the daily table has thirty. Always the exact sum of the month's daily rows: the rebuild of
    any day of a month recomputes its month in the same transaction (appeals.dashboard.rollups)."""

    month = models.DateField(_("month"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("agencies.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    region = models.CharField(_("region"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("monthly roll-up")
        verbose_name_plural = _("monthly roll-ups")
        indexes = [models.Index(fields=["agency", "month"], name="rollup_agency_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.agency_id} · {self.category_id}"


class AppealMonthlyDurationRollup(models.Model):
    """The daily duration histograms of a calendar month summed, kept as AppealMonthlyRollup is."""

    month = models.DateField(_("month"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False)
    working_days = models.PositiveSmallIntegerField(_("working days to answer"))
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("monthly duration roll-up")
        verbose_name_plural = _("monthly duration roll-ups")
        indexes = [models.Index(fields=["agency", "month"], name="duration_agency_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.agency_id} · {self.working_days}: {self.count}"


class AppealAssigneeRollup(RollupCounters):
    """The counters of one agency's own appeals per executor and day: the dashboard's staff table.

    An appeal's counts go to its current executor (as the live reading and the queue's executor filter
    do), so a (re)assignment moves the appeal's counts of rolled-up days from the previous executor to the
    new one (appeals.dashboard.rollups.rollups_reassign); a rebuild writes them afresh. No unique key: a
    row may exist twice for one (day, agency, executor) after concurrent moves, and readers only sum.
    """

    day = models.DateField(_("day"))
    # Only the (agency, day) index: these tables are read by agency and day, and rebuilt in bulk.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("executor roll-up")
        verbose_name_plural = _("executor roll-ups")
        indexes = [models.Index(fields=["agency", "day"], name="assignee_rollup_agency_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.agency_id} · {self.assignee_id}"


class AppealAssigneeDurationRollup(models.Model):
    """How many appeals of an agency an executor closed on a day after `working_days` working days."""

    day = models.DateField(_("day"))
    # Only the (agency, day) index: these tables are read by agency and day, and rebuilt in bulk.
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    working_days = models.PositiveSmallIntegerField(_("working days to answer"))
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("executor duration roll-up")
        verbose_name_plural = _("executor duration roll-ups")
        indexes = [models.Index(fields=["agency", "day"], name="assignee_duration_agency_day")]

    def __str__(self) -> str:
        return f"{self.day} · {self.agency_id} · {self.assignee_id} · {self.working_days}: {self.count}"


class RollupDay(models.Model):
    """A day whose roll-up rows are built; days without one are read live from the appeals."""

    day = models.DateField(_("day"), unique=True)
    built_at = models.DateTimeField(_("built"))

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


# Every roll-up table (what a full rebuild or a wipe of the appeals empties).
ROLLUP_MODELS = (
    RollupDay,
    AppealDailyRollup,
    AppealDurationRollup,
    AppealMonthlyRollup,
    AppealMonthlyDurationRollup,
    AppealAssigneeRollup,
    AppealAssigneeDurationRollup,
)
