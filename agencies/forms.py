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
