"""Forms of the desk. They check the shape of the input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _

from agencies.choices import Region, Role
from agencies.models import Agency, Category
from agencies.selectors import agency_members

from ..calendar import policy
from ..models import Appeal
from ..models.choices import (
    ANSWER_OUTCOMES,
    AppealKind,
    ApplicantType,
    Channel,
    Language,
    LeaveReason,
    Outcome,
    TerminateReason,
)

ANSWER_OUTCOME_CHOICES = [(value, label) for value, label in Outcome.choices if value in ANSWER_OUTCOMES]


def add_service_errors(form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None) -> bool:
    """Put a service's errors next to the form's fields; returns True when every error found a field.

    Errors on names the form does not have (or without a field) go to the form's non-field errors.
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return False
    placed_all = True
    for name, messages in error.message_dict.items():
        field = aliases.get(name, name)
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)
                placed_all = False
    return placed_all


class ActionForm(forms.Form):
    """Every action form carries the version of the appeal the user saw (a stale page fails cleanly)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, appeal: Appeal, user, slug: str = "action", **kwargs):
        self.appeal = appeal
        self.user = user
        self.slug = slug
        # Several action forms share a page: their field ids carry the action (id_<action>_<field>).
        kwargs.setdefault("auto_id", f"id_{slug}_%s")
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = appeal.version


class EmptyActionForm(ActionForm):
    pass


class AssignForm(ActionForm):
    executor = forms.ModelChoiceField(label=_("Executor"), queryset=None, empty_label=_("Choose an executor"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        executors = agency_members(self.appeal.agency, role=Role.EXECUTOR)
        if self.appeal.assignee_id:
            executors = executors.exclude(pk=self.appeal.assignee_id)
        self.fields["executor"].queryset = executors
        self.fields["executor"].label_from_instance = lambda user: user.display_name

    @property
    def has_candidates(self) -> bool:
        """Whether the appeal's agency has an active executor to assign it to (other than the current one)."""
        return self.fields["executor"].queryset.exists()


class RedirectForm(ActionForm):
    to_agency = forms.ModelChoiceField(
        label=_("Competent agency"),
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        error_messages={"required": _("Find and choose the competent agency.")},
    )
    reason = forms.CharField(
        label=_("Why the matter is outside this agency's competence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    part_text = forms.CharField(
        label=_("Only this part of the appeal (leave empty to redirect the whole appeal)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
    )


class ExtensionForm(ActionForm):
    """The new due date is typed as dd.mm.yyyy like every date of the desk, and the allowed range is shown
    before submitting (the limit comes from appeals.calendar.policy.extension_limit)."""

    until = forms.DateField(
        label=_("New due date"),
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": _("Enter the date as dd.mm.yyyy, e.g. 25.12.2026.")},
    )
    reason = forms.CharField(
        label=_("Reason: which facts must be established"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        appeal = self.appeal
        limit = policy.extension_limit(appeal.registered_at)
        field = self.fields["until"]
        field.widget.attrs["placeholder"] = _("dd.mm.yyyy")
        values = {
            "due": date_format(appeal.due_date, "d.m.Y"),
            "limit": date_format(limit, "d.m.Y"),
            "months": policy.policy("EXTENSION_MAX_MONTHS"),
            "registered": date_format(timezone.localdate(appeal.registered_at), "d.m.Y"),
        }
        if limit > appeal.due_date:
            field.help_text = (
                _(
                    "A working day after %(due)s and no later than %(limit)s: the whole term may not exceed "
                    "%(months)s months from registration (%(registered)s)."
                )
                % values
            )
        else:
            field.help_text = (
                _(
                    "The term cannot be extended: the due date %(due)s already reaches the limit of %(months)s "
                    "months from registration (%(limit)s)."
                )
                % values
            )


class NoteForm(ActionForm):
    text = forms.CharField(
        label=_("Internal note (seen by staff only)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ResponseForm(ActionForm):
    text = forms.CharField(label=_("Text of the answer"), widget=forms.Textarea(attrs={"rows": 12}), max_length=20000)
    language = forms.ChoiceField(label=_("Language of the answer"), choices=Language.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Not chosen yet")), *ANSWER_OUTCOME_CHOICES], required=False
    )


class ReturnForm(ActionForm):
    comment = forms.CharField(
        label=_("What must be reworked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ApproveForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ANSWER_OUTCOME_CHOICES)


class LeaveForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason (told to the applicant)"), choices=LeaveReason.choices)
    comment = forms.CharField(
        label=_("Explanation for the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class TerminateForm(ActionForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(value, label) for value, label in TerminateReason.choices if value != TerminateReason.MERGED],
    )
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class ReopenForm(ActionForm):
    reason = forms.CharField(label=_("Why it is reopened"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


LINK_RELATED = "related"
LINK_DUPLICATE = "duplicate"


class LinkForm(ActionForm):
    number = forms.CharField(label=_("Registration number of the other appeal"), max_length=64)
    kind = forms.ChoiceField(
        label=_("How they are connected"),
        choices=[
            (LINK_RELATED, _("Related appeals")),
            (LINK_DUPLICATE, _("This appeal duplicates the other: merge it into the other")),
        ],
        widget=forms.RadioSelect,
        initial=LINK_RELATED,
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=500)

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()


class AttachmentForm(ActionForm):
    file = forms.FileField(label=_("File"))


class AgencySearchForm(forms.Form):
    agency_q = forms.CharField(label=_("Find the agency"), max_length=100, required=False)


# --- Registration ---------------------------------------------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


REGISTER_CHANNELS = [(value, label) for value, label in Channel.choices if value != Channel.PORTAL]


class RegisterForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Registering agency"), queryset=Agency.objects.none(), empty_label=None)
    channel = forms.ChoiceField(label=_("Channel"), choices=REGISTER_CHANNELS, initial=Channel.POST)
    kind = forms.ChoiceField(label=_("Kind"), choices=AppealKind.choices, initial=AppealKind.APPLICATION)
    language = forms.ChoiceField(label=_("Language of the appeal"), choices=Language.choices)
    received_at = forms.DateTimeField(
        label=_("Received"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty when received now."),
    )
    applicant_type = forms.ChoiceField(
        label=_("Applicant"), choices=ApplicantType.choices, initial=ApplicantType.INDIVIDUAL, widget=forms.RadioSelect
    )
    applicant_name = forms.CharField(label=_("Full name or organisation"), max_length=255, required=False)
    applicant_iin = forms.CharField(
        label=_("IIN"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{12}"}),
        help_text=_("12 digits; checked when you leave the field."),
    )
    applicant_bin = forms.CharField(
        label=_("BIN"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{12}"}),
    )
    applicant_email = forms.EmailField(label=_("Email"), required=False)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    applicant_address = forms.CharField(label=_("Postal address"), max_length=500, required=False)
    is_collective = forms.BooleanField(label=_("Collective appeal"), required=False)
    signatories = forms.IntegerField(label=_("Number of applicants"), required=False, min_value=2, max_value=100000)
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("Choose a category")
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text = forms.CharField(label=_("Substance of the appeal"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    reports_crime = forms.BooleanField(label=_("Reports a crime or a threat to security"), required=False)
    repeat_of = forms.CharField(
        label=_("Repeats the earlier appeal No."),
        max_length=64,
        required=False,
        help_text=_("For a repeated appeal on the same matter."),
    )
    files = MultipleFileField(label=_("Scans and attachments"), required=False)
    route_to_competent = forms.BooleanField(
        label=_("Send it to the competent agency at once"),
        required=False,
        help_text=_("When the category belongs to another agency in this region."),
    )
    confirm_duplicate = forms.BooleanField(label=_("I have checked: this is a new appeal, register it"), required=False)

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        self.fields["agency"].label_from_instance = lambda agency: agency.name
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("code")
        self.fields["category"].label_from_instance = lambda category: category.name
        # The checks beside the form are refreshed (htmx) when these change.
        for name in ("agency", "applicant_type", "applicant_iin", "applicant_bin", "region", "category"):
            self.fields[name].widget.attrs["class"] = "js-check"
        self.fields["subject"].widget.attrs["class"] = "js-check-text"


# --- Saved views and canned responses ----------------------------------------------------------------------------
class SavedViewForm(forms.Form):
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    share = forms.BooleanField(label=_("Share with my agency"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)


class CannedResponseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none(), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("Every category"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    outcome = forms.ChoiceField(
        label=_("Sets the outcome"), choices=[("", _("Does not set it")), *ANSWER_OUTCOME_CHOICES], required=False
    )
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))
    is_active = forms.BooleanField(label=_("Offered to executors"), required=False, initial=True)

    def __init__(self, *args, agencies: list[Agency], allow_every_agency: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(pk__in=[a.pk for a in agencies])
        self.fields["agency"].label_from_instance = lambda agency: agency.name
        self.fields["agency"].required = not allow_every_agency
        self.fields["agency"].empty_label = _("Every agency") if allow_every_agency else None
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("code")
        self.fields["category"].label_from_instance = lambda category: category.name
