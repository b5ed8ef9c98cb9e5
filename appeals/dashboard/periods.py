"""The dashboard's period: a week, month, quarter or year (to date when current), or custom dates,
and the previous period of the same length it is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..calendar.policy import add_months

WEEK, MONTH, QUARTER, YEAR, CUSTOM = "week", "month", "quarter", "year", "custom"
PERIOD_CHOICES = (
    (WEEK, _("Week")),
    (MONTH, _("Month")),
    (QUARTER, _("Quarter")),
    (YEAR, _("Year")),
    (CUSTOM, _("Custom")),
)
EARLIEST = date(2000, 1, 1)
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    previous_start: date
    previous_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _calendar_period(kind: str, anchor: date) -> tuple[date, date]:
    if kind == WEEK:
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if kind == MONTH:
        start = anchor.replace(day=1)
    elif kind == QUARTER:
        start = anchor.replace(month=(anchor.month - 1) // 3 * 3 + 1, day=1)
    else:
        start = anchor.replace(month=1, day=1)
    months = {MONTH: 1, QUARTER: 3, YEAR: 12}[kind]
    return start, add_months(start, months) - timedelta(days=1)


def period_for(
    kind: str, *, today: date, anchor: date | None = None, start: date | None = None, end: date | None = None
) -> Period:
    """The period of `kind` holding `anchor` (default today), cut at today, and the one before it.

    A calendar period's predecessor is the previous week/month/quarter/year, cut to the same number of
    days when the current one is still running; a custom period's is the same number of days before it.
    """
    if kind == CUSTOM:
        assert start is not None and end is not None
        length = (end - start).days + 1
        return Period(kind, start, end, start - timedelta(days=length), start - timedelta(days=1))
    anchor = min(anchor or today, today)
    start, end = _calendar_period(kind, anchor)
    end = min(end, today)
    length = (end - start).days + 1
    prev_start, prev_end = _calendar_period(kind, start - timedelta(days=1))
    prev_end = min(prev_end, prev_start + timedelta(days=length - 1))
    return Period(kind, start, end, prev_start, prev_end)


class PeriodForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False, initial=MONTH)
    date = forms.DateField(label=_("Period containing"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, agencies, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]

    def clean_date(self):
        value = self.cleaned_data.get("date")
        if value and not EARLIEST <= value <= self.today:
            raise forms.ValidationError(_("Choose a date between 2000 and today."), code="range")
        return value

    def clean(self):
        data = super().clean()
        if data.get("period") != CUSTOM:
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if not start or not end:
            raise forms.ValidationError(_("A custom period needs both dates."), code="required")
        if start > end:
            raise forms.ValidationError(_("The period cannot end before it starts."), code="order")
        if start < EARLIEST or end > self.today:
            raise forms.ValidationError(_("Choose dates between 2000 and today."), code="range")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise forms.ValidationError(_("A custom period can be at most three years long."), code="length")
        return data

    def chosen_period(self) -> Period:
        """The chosen period (the current month when the form is invalid or empty)."""
        data = self.cleaned_data if self.is_valid() else {}
        kind = data.get("period") or MONTH
        if kind == CUSTOM:
            return period_for(CUSTOM, today=self.today, start=data["start"], end=data["end"])
        return period_for(kind, today=self.today, anchor=data.get("date"))
