from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationSettingsForm(forms.Form):
    receive_digest = forms.BooleanField(
        label=_("Send me the daily digest"),
        required=False,
        help_text=_(
            "On working-day mornings: the appeals of the agencies you supervise that are due within a "
            "working day or overdue, by agency and executor."
        ),
    )
    receive_signals = forms.BooleanField(
        label=_("Send me the weekly signals"),
        required=False,
        help_text=_(
            "On Monday mornings, for supervisors: hotspots, long-standing problems, spikes carried by one channel, "
            "repeat appeals and appeals taken over a body's head in the agencies you supervise last week."
        ),
    )
