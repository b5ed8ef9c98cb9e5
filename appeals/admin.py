"""The admin: read-only over the lifecycle; actions go through the services, one appeal at a time."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.choices import Role
from agencies.models import Agency, User

from . import lifecycle
from .access.integrations import (
    integration_create,
    integration_rotate_token,
    validate_rate_limit,
    validate_scopes,
    webhook_endpoint_create,
)
from .access.selectors import appeals_search
from .calendar import overrides
from .desk.canned import canned_response_save, unknown_placeholders
from .desk.pagination import CappedCountPaginator
from .infra.admin_dates import FastDateHierarchyAdmin
from .models import (
    Appeal,
    AppealEvent,
    AppealLink,
    AppealResponse,
    Attachment,
    CalendarOverride,
    CannedResponse,
    Integration,
    IntegrationScope,
    Notice,
    SavedView,
    WebhookDelivery,
    WebhookEndpoint,
)
from .notices import outbox
from .notices.webhooks import webhook_deliveries_retry_now


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppealEventInline(ReadOnlyInline):
    model = AppealEvent
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "payload"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AppealResponseInline(ReadOnlyInline):
    model = AppealResponse
    fields = ["kind", "status", "language", "outcome", "author", "approved_by", "sent_at", "text"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "approved_by")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields


class AssignForm(forms.Form):
    executor = forms.ModelChoiceField(
        label=_("Executor"),
        queryset=User.objects.filter(is_active=True, memberships__role=Role.EXECUTOR).distinct(),
    )


class RedirectForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.filter(is_active=True))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


def _bulk(modeladmin, request, queryset, *, form_class, title, apply):
    """An action with a form on an intermediate page; `apply(appeal, cleaned_data)` calls one service."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, failed = 0, []
        for appeal in queryset.select_related("agency"):
            try:
                apply(appeal, form.cleaned_data)
                done += 1
            except ValidationError as exc:
                failed.append(f"{appeal.number}: {' '.join(exc.messages)}")
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d appeal updated.", "%(count)d appeals updated.", done) % {"count": done},
                messages.SUCCESS,
            )
        for line in failed[:20]:
            modeladmin.message_user(request, line, messages.ERROR)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "queryset": queryset.select_related("agency")[:200],
        "count": queryset.count(),
        "action": request.POST.get("action"),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/appeals/bulk_action.html", context)


@admin.register(Appeal)
class AppealAdmin(FastDateHierarchyAdmin):
    list_display = [
        "number",
        "registered_at",
        "agency",
        "kind",
        "channel",
        "status",
        "assignee",
        "due_date",
        "region",
    ]
    list_filter = ["status", "kind", "channel", "language", "region", "is_repeated", "applicant_type"]
    search_fields = ["number"]
    search_help_text = _("Registration number, applicant's name, subject, or a 12-digit IIN/BIN.")
    date_hierarchy = "registered_at"
    list_select_related = ["agency", "assignee"]
    autocomplete_fields = ["agency", "assignee", "category", "registered_by"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    inlines = [AppealResponseInline, AttachmentInline, AppealEventInline]
    actions = ["bulk_assign", "bulk_redirect"]
    raw_id_fields = ["redirected_from", "repeat_of", "escalated_from"]

    def get_readonly_fields(self, request, obj=None):
        # The lifecycle is changed only by services: every field is read-only here.
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False  # appeals are registered in the workspace or through the API

    def has_delete_permission(self, request, obj=None):
        return False  # an appeal is never deleted: its audit trail must stay

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return appeals_search(queryset, search_term), False

    @admin.action(description=_("Assign the selected appeals to an executor"))
    def bulk_assign(self, request, queryset):
        return _bulk(
            self,
            request,
            queryset,
            form_class=AssignForm,
            title=_("Assign appeals"),
            apply=lambda appeal, data: lifecycle.appeal_assign(
                appeal=appeal, executor=data["executor"], actor=request.user
            ),
        )

    @admin.action(description=_("Redirect the selected appeals to another agency"))
    def bulk_redirect(self, request, queryset):
        return _bulk(
            self,
            request,
            queryset,
            form_class=RedirectForm,
            title=_("Redirect appeals"),
            apply=lambda appeal, data: lifecycle.appeal_redirect(
                appeal=appeal, to_agency=data["to_agency"], reason=data["reason"], actor=request.user
            ),
        )


@admin.register(AppealEvent)
class AppealEventAdmin(FastDateHierarchyAdmin):
    """The audit trail: nothing here can be added, changed or deleted."""

    list_display = ["created_at", "appeal", "kind", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    search_fields = ["=appeal__number"]
    list_select_related = ["appeal", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    paginator = CappedCountPaginator
    raw_id_fields = ["appeal", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppealResponse)
class AppealResponseAdmin(admin.ModelAdmin):
    list_display = ["appeal", "kind", "status", "language", "outcome", "author", "sent_at"]
    list_filter = ["kind", "status", "language", "outcome"]
    search_fields = ["=appeal__number"]
    list_select_related = ["appeal", "author"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    raw_id_fields = ["appeal", "author", "approved_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note", "decree_reference"]
    list_filter = ["is_working_day"]
    search_fields = ["note", "decree_reference"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        overrides.calendar_override_save(override=obj)

    def delete_model(self, request, obj):
        overrides.calendar_override_delete(override=obj)

    def delete_queryset(self, request, queryset):
        for override in queryset:
            overrides.calendar_override_delete(override=override)

    def changelist_view(self, request, extra_context=None):
        year = overrides.calendar_missing_next_year()
        if year is not None:
            self.message_user(
                request,
                _("No overrides for %(year)s yet: enter the decree on moved days off once it is published.")
                % {"year": year},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


# --- Integrations (the API): tokens shown once, webhook endpoints, the delivery log -------------------------
class IntegrationForm(forms.ModelForm):
    scope_choices = forms.MultipleChoiceField(
        label=_("Scopes"), choices=IntegrationScope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Integration
        fields = ["name", "agency", "rate_limit", "is_active", "auto_route_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["scope_choices"].initial = self.instance.scopes

    def clean_rate_limit(self):
        try:
            return validate_rate_limit(self.cleaned_data.get("rate_limit", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


class WebhookEndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    extra = 0
    fields = ["url", "description", "is_active", "created_at"]
    readonly_fields = ["url", "created_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # added on their own page, which shows the secret once


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = [
        "name",
        "agency",
        "scopes",
        "token_prefix",
        "rate_limit",
        "auto_route_threshold",
        "is_active",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "token_prefix"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["token_prefix", "created_at"]
    inlines = [WebhookEndpointInline]
    actions = ["rotate_token"]

    def save_model(self, request, obj, form, change):
        scopes = form.cleaned_data["scope_choices"]
        if change:
            obj.scopes = validate_scopes(scopes)
            obj.save()
            return
        created, token = integration_create(name=obj.name, agency=obj.agency, scopes=scopes, rate_limit=obj.rate_limit)
        obj.pk, obj.token_hash, obj.token_prefix = created.pk, created.token_hash, created.token_prefix
        obj.scopes, obj.is_active = created.scopes, created.is_active
        if not form.cleaned_data.get("is_active", True):
            Integration.objects.filter(pk=obj.pk).update(is_active=False)
        if obj.auto_route_threshold is not None:
            Integration.objects.filter(pk=obj.pk).update(auto_route_threshold=obj.auto_route_threshold)
        self.message_user(
            request,
            _("The token of “%(name)s” — copy it now, it is not shown again: %(token)s")
            % {"name": obj.name, "token": token},
            messages.WARNING,
        )

    @admin.action(description=_("Issue a new token (the old one stops working)"))
    def rotate_token(self, request, queryset):
        for integration in queryset:
            token = integration_rotate_token(integration=integration)
            self.message_user(
                request,
                _("The new token of “%(name)s” — copy it now, it is not shown again: %(token)s")
                % {"name": integration.name, "token": token},
                messages.WARNING,
            )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["url", "integration", "is_active", "created_at"]
    list_filter = ["is_active", "integration"]
    list_select_related = ["integration"]
    search_fields = ["url"]
    fields = ["integration", "url", "description", "is_active", "created_at"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["integration", "url", "created_at"] if obj else ["created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        try:
            created, secret = webhook_endpoint_create(
                integration=obj.integration, url=obj.url, description=obj.description
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.pk, obj.secret = created.pk, created.secret
        self.message_user(
            request,
            _("The signing secret of %(url)s — copy it now, it is not shown again: %(secret)s")
            % {"url": obj.url, "secret": secret},
            messages.WARNING,
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what was sent where, the answer, the attempts and the next one."""

    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "appeal",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "endpoint__integration"]
    list_select_related = ["endpoint", "appeal"]
    search_fields = ["=appeal__number", "=uuid"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    paginator = CappedCountPaginator
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again now"))
    def retry_now(self, request, queryset):
        count = webhook_deliveries_retry_now(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", count) % {"count": count},
            messages.SUCCESS,
        )


class CannedResponseAdminForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["title", "agency", "category", "language", "outcome", "text", "is_active"]

    def clean_text(self):
        text = self.cleaned_data["text"]
        unknown = unknown_placeholders(text)
        if unknown:
            raise ValidationError(
                _("Unknown placeholders: %(names)s.") % {"names": ", ".join("{" + name + "}" for name in unknown)}
            )
        return text


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    """Answer templates; administrators keep those offered to every agency, supervisors theirs in the desk."""

    list_display = ["title", "language", "agency", "category", "outcome", "is_active", "updated_at"]
    list_filter = ["language", "is_active", "outcome"]
    search_fields = ["title", "text"]
    list_select_related = ["agency", "category"]
    autocomplete_fields = ["agency", "category"]
    form = CannedResponseAdminForm

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            canned_response_save(
                actor=request.user,
                canned=obj if change else None,
                agency=data.get("agency"),
                category=data.get("category"),
                language=data["language"],
                title=data["title"],
                text=data["text"],
                outcome=data.get("outcome", ""),
                is_active=data.get("is_active", True),
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "agency", "created_at"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "agency"]
    raw_id_fields = ["owner", "agency"]


@admin.register(AppealLink)
class AppealLinkAdmin(admin.ModelAdmin):
    """Links are made in the workspace (they write audit events); here they are only read."""

    list_display = ["from_appeal", "kind", "to_appeal", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=from_appeal__number", "=to_appeal__number"]
    list_select_related = ["from_appeal", "to_appeal", "created_by"]
    raw_id_fields = ["from_appeal", "to_appeal", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """The outbox: every email the product owes someone, with its state and last error.

    Nothing here is edited by hand; "Retry now" goes through appeals.notices.outbox.notice_retry.
    """

    list_display = [
        "created_at",
        "appeal",
        "kind",
        "recipient",
        "due_date",
        "days_left",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["=appeal__number"]
    search_help_text = _("Registration number of the appeal.")
    list_select_related = ["appeal", "user"]
    raw_id_fields = ["appeal", "user"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    ordering = ["-id"]
    actions = ["retry_now"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what was sent

    @admin.display(description=_("last error or reason"))
    def error(self, obj):
        return truncatechars(obj.last_error, 120)

    @admin.action(description=_("Retry the selected notices now"), permissions=["change"])
    def retry_now(self, request, queryset):
        done = skipped = 0
        for notice in queryset.select_related(None).only("pk"):
            if outbox.notice_retry(notice=notice):
                done += 1
            else:
                skipped += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notice queued to be sent again.", "%(count)d notices queued to be sent again.", done
                )
                % {"count": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notice was left alone: it is sent, dropped or being sent right now.",
                    "%(count)d notices were left alone: they are sent, dropped or being sent right now.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
