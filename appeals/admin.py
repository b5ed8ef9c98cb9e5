"""The admin: read-only over the lifecycle; actions go through the services, one appeal at a time."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import truncatechars
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.choices import Role
from agencies.models import Agency, User

from . import outbox, services
from .models import Appeal, AppealEvent, AppealResponse, Attachment, CalendarOverride, Notice
from .pagination import CappedCountPaginator
from .selectors import appeals_search


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
class AppealAdmin(admin.ModelAdmin):
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
            apply=lambda appeal, data: services.appeal_assign(
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
            apply=lambda appeal, data: services.appeal_redirect(
                appeal=appeal, to_agency=data["to_agency"], reason=data["reason"], actor=request.user
            ),
        )


@admin.register(AppealEvent)
class AppealEventAdmin(admin.ModelAdmin):
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
        services.calendar_override_save(override=obj)

    def delete_model(self, request, obj):
        services.calendar_override_delete(override=obj)

    def delete_queryset(self, request, queryset):
        for override in queryset:
            services.calendar_override_delete(override=override)

    def changelist_view(self, request, extra_context=None):
        year = services.calendar_missing_next_year()
        if year is not None:
            self.message_user(
                request,
                _("No overrides for %(year)s yet: enter the decree on moved days off once it is published.")
                % {"year": year},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """The outbox: every email the product owes someone, with its state and last error.

    Nothing here is edited by hand; "Retry now" goes through appeals.outbox.notice_retry.
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
