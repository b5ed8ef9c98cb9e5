"""The appeal workspace: everything about one appeal, and a form for each action the user may take now.

Every action is a plain POST form (POST-redirect-GET without JavaScript); htmx posts the same
forms and swaps the workspace in place. The services re-check role, status and version; a
refused action re-renders the workspace with the reason next to the fields or at the top.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import user_roles_for

from .. import lifecycle
from ..access.personal_data import identifier_needed, mask_address, mask_phone, reveal_active, reveal_remember
from ..access.selectors import (
    appeal_connections,
    appeal_get_visible,
    appeal_notices,
    appeal_responses,
    appeal_timeline,
    appeals_of_same_applicant,
)
from ..access.selectors import appeals_visible_to as _visible
from ..desk.canned import guess_language, render_canned
from ..desk.forms import (
    ActionForm,
    AgencySearchForm,
    AttachmentForm,
    add_service_errors,
)
from ..desk.presenters import appeal_deadline, timeline_entries
from ..desk.queues import APPROVAL, QUEUES, queue_keys, queue_queryset
from ..lifecycle.audit import challenge_block
from ..listening.links import appeal_matter_context
from ..models import Appeal, Attachment, CannedResponse
from ..models.choices import AppealAction, EventKind, Language, LinkKind, ResponseKind, ResponseStatus
from ..models.validators import mask_identifier
from .common import htmx_target, request_desk, sidebar_context
from .pickers import agency_choices
from .workspace_actions import ACTIONS, BUTTON_ACTIONS, DANGER_ACTIONS, RESPONSE_PANEL_ACTIONS


def _form_for(slug: str, appeal: Appeal, user, data=None, files=None, initial=None) -> ActionForm:
    spec = ACTIONS[slug]
    return spec.form(data, files, appeal=appeal, user=user, slug=slug, initial=initial)


def _offered(actions: frozenset[str], appeal: Appeal) -> list[str]:
    """The action slugs to show: what the services allow now, minus what makes no sense now."""
    offered = []
    for slug, spec in ACTIONS.items():
        if spec.action not in actions:
            continue
        if slug == "escalate" and (not appeal.is_overdue or appeal.escalated_at is not None):
            continue
        if slug == "request_extension" and appeal.extension_requested_until is not None:
            continue  # one request at a time: it awaits the supervisor's decision (shown in Details)
        offered.append(slug)
    return offered


def _links(appeal: Appeal, user) -> dict[str, list]:
    """Every appeal connected to this one, each direction, with whether the user may open it (3 queries)."""
    links, related = appeal_connections(appeal)
    ids = {a.pk for a in related} | {link.from_appeal_id for link in links} | {link.to_appeal_id for link in links}
    visible = set(_visible(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    groups: dict[str, list] = {
        "redirected_from": [],
        "redirected_to": [],
        "repeat_of": [],
        "repeats": [],
        "escalated_from": [],
        "escalations": [],
        "duplicate_of": [],
        "duplicates": [],
        "related": [],
    }
    for other in related:
        item = {"appeal": other, "visible": other.pk in visible}
        if other.pk == appeal.redirected_from_id:
            groups["redirected_from"].append(item)
        if other.pk == appeal.repeat_of_id:
            groups["repeat_of"].append(item)
        if other.pk == appeal.escalated_from_id:
            groups["escalated_from"].append(item)
        if other.redirected_from_id == appeal.pk:
            groups["redirected_to"].append(item)
        if other.repeat_of_id == appeal.pk:
            groups["repeats"].append(item)
        if other.escalated_from_id == appeal.pk:
            groups["escalations"].append(item)
    for link in links:
        outgoing = link.from_appeal_id == appeal.pk
        other = link.to_appeal if outgoing else link.from_appeal
        item = {"appeal": other, "visible": other.pk in visible, "link": link}
        if link.kind == LinkKind.DUPLICATE:
            groups["duplicate_of" if outgoing else "duplicates"].append(item)
        else:
            groups["related"].append(item)
    return groups


def _canned_for(appeal: Appeal) -> list[CannedResponse]:
    """Canned responses offered for this appeal: its agency or one above it (or all), its category (or all)."""
    agencies = [*appeal.agency.ancestor_ids, appeal.agency_id]
    options = CannedResponse.objects.filter(
        Q(agency__isnull=True) | Q(agency_id__in=agencies),
        Q(category__isnull=True) | Q(category_id=appeal.category_id),
        is_active=True,
    ).order_by("title", "id")
    # Those in the appeal's language first; the rest are there for a deliberate choice (and warn).
    return sorted(options, key=lambda canned: canned.language != appeal.language)


def _action_forms(appeal: Appeal, user, offered: list[str], *, working, bound: ActionForm | None) -> dict:
    """The form of each offered action, filled from the answer being worked on; `bound` (a form sent back with
    errors) replaces its own."""
    forms: dict[str, ActionForm] = {}
    for slug in offered:
        initial = None
        if slug == "grant_extension" and appeal.extension_requested_until:
            initial = {"until": appeal.extension_requested_until}
        if slug == "draft":
            initial = {
                "text": working.text if working else "",
                "language": working.language if working else appeal.language,
                "outcome": working.outcome if working else "",
            }
        if slug == "approve" and working is not None and working.outcome:
            initial = {"outcome": working.outcome}
        forms[slug] = _form_for(slug, appeal, user, initial=initial)
    if bound is not None:
        forms[bound.slug] = bound
    return forms


def _redirect_picker(request: HttpRequest, appeal: Appeal, bound: ActionForm | None) -> tuple[list, str]:
    """The agency picker of the redirect form: the agencies found for ?agency_q=, and the query."""
    redirect_options = []
    agency_q = ""
    search = AgencySearchForm(request.GET or None)
    if search.is_valid():
        agency_q = search.cleaned_data.get("agency_q", "")
        redirect_options = agency_choices(agency_q, exclude_ids={appeal.agency_id}) if agency_q else []
    if bound is not None and bound.slug == "redirect" and bound.is_bound:
        # Keep the agency the user had chosen when another field needs fixing.
        chosen = bound.data.get("to_agency", "")
        extra = Agency.objects.filter(pk=int(chosen), is_active=True).first() if chosen.isdigit() else None
        if extra is not None and all(a.pk != extra.pk for a in redirect_options):
            redirect_options = [extra, *redirect_options]
    return redirect_options, agency_q


def _personal_data(request: HttpRequest, appeal: Appeal) -> dict[str, Any]:
    """The applicant's IIN/BIN, phone and address, in full or masked (in full with the IIN, under the same rule)."""
    identifier = appeal.applicant_iin or appeal.applicant_bin
    revealed = identifier_needed(request.user, appeal) or reveal_active(request.session, appeal.pk)
    return {
        "identifier": identifier if revealed else mask_identifier(identifier),
        "identifier_masked": bool(identifier) and not revealed,
        "applicant_phone": appeal.applicant_phone if revealed else mask_phone(appeal.applicant_phone),
        "applicant_address": appeal.applicant_address if revealed else mask_address(appeal.applicant_address),
        "personal_data_masked": not revealed and bool(identifier or appeal.applicant_phone or appeal.applicant_address),
        "identifier_field": "iin" if appeal.applicant_iin else "bin",
    }


def _draft_language(appeal: Appeal, draft_form: ActionForm | None, working) -> tuple[str | None, str]:
    """The language of the answer being drafted, and the warning when it is not the appeal's."""
    if draft_form is not None:
        draft_language = (
            draft_form.data.get("language") if draft_form.is_bound else draft_form.initial.get("language")
        ) or appeal.language
        draft_text = (draft_form.data.get("text") if draft_form.is_bound else draft_form.initial.get("text")) or ""
        return draft_language, _language_warning(appeal, draft_language, draft_text)
    if working is not None:
        return None, _language_warning(appeal, working.language, working.text)
    return None, ""


def _canned_chosen(request: HttpRequest, appeal: Appeal, forms: dict, options: list, working) -> CannedResponse | None:
    """A canned response chosen with ?canned=<id> fills the editor (works without JavaScript)."""
    if "draft" not in forms or not request.GET.get("canned", "").isdigit():
        return None
    chosen = next((c for c in options if c.pk == int(request.GET["canned"])), None)
    if chosen is not None:
        forms["draft"] = _form_for(
            "draft",
            appeal,
            request.user,
            initial={
                "text": render_canned(chosen.text, appeal, language=chosen.language),
                "language": chosen.language,
                "outcome": chosen.outcome or (working.outcome if working else ""),
            },
        )
    return chosen


def workspace_context(
    request: HttpRequest,
    appeal: Appeal,
    *,
    bound: ActionForm | None = None,
    open_action: str = "",
) -> dict[str, Any]:
    user = request.user
    actions = lifecycle.appeal_available_actions(user=user, appeal=appeal)
    offered = _offered(actions, appeal)
    responses = list(appeal_responses(appeal))
    working = next((r for r in responses if r.kind == ResponseKind.ANSWER and r.status != ResponseStatus.SENT), None)

    forms = _action_forms(appeal, user, offered, working=working, bound=bound)

    canned_options = _canned_for(appeal) if "draft" in forms else []
    canned_chosen = _canned_chosen(request, appeal, forms, canned_options, working) if bound is None else None
    if canned_chosen is not None:
        open_action = "draft"

    # The agency picker of the redirect form.
    redirect_options, agency_q = _redirect_picker(request, appeal, bound) if "redirect" in forms else ([], "")
    if agency_q:
        open_action = open_action or "redirect"

    draft_form = forms.get("draft")
    draft_language, language_warning = _draft_language(appeal, draft_form, working)

    events = list(appeal_timeline(appeal))
    last_return = next((e for e in reversed(events) if e.kind == EventKind.RETURNED), None)
    roles = user_roles_for(user, appeal.agency) if not user.is_superuser else frozenset(Role.values)
    return {
        "appeal": appeal,
        "notices": list(appeal_notices(appeal)[:100]),
        "deadline": appeal_deadline(appeal),
        "offered": offered,
        "forms": forms,
        "bar_actions": [s for s in offered if s not in RESPONSE_PANEL_ACTIONS and s not in ("note", "link")],
        "button_actions": BUTTON_ACTIONS,
        "danger_actions": DANGER_ACTIONS,
        "open_action": open_action,
        "action_labels": {slug: AppealAction(spec.action).label for slug, spec in ACTIONS.items()},
        "working_answer": working,
        "return_comment": (last_return.payload or {}).get("comment", "")
        if working is not None and working.status == ResponseStatus.RETURNED and last_return is not None
        else "",
        "responses": [r for r in responses if r is not working],
        "timeline": timeline_entries(events),
        "links": _links(appeal, user),
        "matter": appeal_matter_context(appeal=appeal, user=user),
        "same_applicant": list(
            appeals_of_same_applicant(appeal, visible=_visible(user)).only(
                "number", "status", "subject", "registered_at", "agency__name_kk", "agency__name_ru"
            )[:10]
        ),
        "attachments": list(appeal.attachments.select_related("uploaded_by")),
        "attachment_form": AttachmentForm(appeal=appeal, user=user, slug="attachment")
        if AppealAction.NOTE in actions
        else None,
        **_personal_data(request, appeal),
        "canned_options": canned_options,
        "canned_chosen": canned_chosen,
        "draft_language": draft_language,
        "language_warning": language_warning,
        "challenge_block": challenge_block(appeal, draft_language or appeal.language)
        if draft_form is not None or working is not None
        else "",
        "redirect_options": redirect_options,
        "agency_q": agency_q,
        "is_supervisor": Role.SUPERVISOR in roles,
        "can_merge": AppealAction.MERGE in actions,
    }


def _language_warning(appeal: Appeal, language: str | None, text: str) -> str:
    appeal_language = Language(appeal.language).label
    if language and language != appeal.language:
        return _("The appeal is in %(appeal)s, the answer in %(answer)s. Answer in the language of the appeal.") % {
            "appeal": appeal_language,
            "answer": Language(language).label if language in Language.values else language,
        }
    guessed = guess_language(text)
    if guessed and guessed != appeal.language:
        return _("The text looks written in %(guessed)s, but the appeal is in %(appeal)s.") % {
            "guessed": Language(guessed).label,
            "appeal": appeal_language,
        }
    return ""


def _next_awaiting_approval(request: HttpRequest, appeal: Appeal) -> Appeal | None:
    """After an approval: the next appeal of the same queue (awaiting this supervisor's approval), if any."""
    desk = request_desk(request)
    if APPROVAL not in queue_keys(desk):
        return None
    ordering = [*QUEUES[APPROVAL].ordering, "pk"]
    queue = queue_queryset(desk, APPROVAL).exclude(pk=appeal.pk)
    return queue.order_by(*ordering).only("pk", "number", "subject").first()


def render_workspace(request: HttpRequest, appeal: Appeal, *, status: int = 200, **kwargs) -> HttpResponse:
    context = workspace_context(request, appeal, **kwargs)
    if request.GET.get("after") == "approve":
        context["next_appeal"] = _next_awaiting_approval(request, appeal)
        context["after_approve"] = True
    # The side menu comes too (an htmx out-of-band swap), so its counts follow the action just taken.
    context.update(sidebar_context(request, request_desk(request)))
    if htmx_target(request) == "workspace":
        return render(request, "appeals/includes/workspace_htmx.html", context, status=status)
    return render(request, "appeals/appeal_detail.html", context, status=status)


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = appeal_get_visible(request.user, pk)
    return render_workspace(request, appeal)


def _stale(appeal: Appeal, form: ActionForm) -> None:
    """Act on the version the user saw: if the appeal changed since, the service's compare-and-set refuses."""
    seen = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    if isinstance(seen, int) and seen != appeal.version:
        appeal.version = seen


@login_required
@require_POST
def appeal_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    appeal = appeal_get_visible(request.user, pk)
    spec = ACTIONS.get(slug)
    if spec is None:
        raise Http404
    form = _form_for(slug, appeal, request.user, data=request.POST, files=request.FILES)
    if not form.is_valid():
        return render_workspace(request, appeal, bound=form, open_action=slug, status=422)
    data = dict(form.cleaned_data)
    if slug == "link":
        other = _visible(request.user).filter(number=data["number"]).first()
        if other is None:
            form.add_error("number", _("No appeal with this number that you can see."))
            return render_workspace(request, appeal, bound=form, open_action=slug, status=422)
        data["other"] = other
    _stale(appeal, form)
    try:
        spec.run(appeal, request.user, data)
    except lifecycle.AppealPermissionError as exc:
        messages.error(request, " ".join(exc.messages))
        appeal = appeal_get_visible(request.user, pk)
        return render_workspace(request, appeal, status=403)
    except lifecycle.AppealTransitionError as exc:  # includes a conflict with someone else's change
        messages.error(request, " ".join(exc.messages))
        appeal = appeal_get_visible(request.user, pk)
        keep = form if isinstance(exc, lifecycle.AppealConflictError) and form.fields.keys() - {"version"} else None
        if keep is not None:
            keep = _form_for(slug, appeal, request.user, data=_with_version(request.POST, appeal.version))
            keep.is_valid()
        return render_workspace(request, appeal, bound=keep, open_action=slug if keep else "", status=409)
    except lifecycle.AppealError as exc:
        appeal = appeal_get_visible(request.user, pk)
        form = _form_for(slug, appeal, request.user, data=request.POST, files=request.FILES)
        form.is_valid()
        if not add_service_errors(form, exc, spec.aliases) and not form.fields.keys() - {"version"}:
            for message in exc.messages:
                messages.error(request, message)
        return render_workspace(request, appeal, bound=form, open_action=slug, status=422)
    messages.success(request, spec.success)
    if slug == "approve":
        return redirect(f"{appeal.get_absolute_url()}?after=approve")
    return redirect(appeal.get_absolute_url())


def _with_version(data, version: int):
    data = data.copy()
    data["version"] = str(version)
    return data


# --- Personal data, attachments, the receipt -----------------------------------------------------------------
@login_required
@require_POST
def reveal_identifier(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the applicant's full IIN/BIN: logged as an event of the appeal (who, when), then shown for a while."""
    appeal = appeal_get_visible(request.user, pk)
    if appeal.applicant_iin:
        field_name = "iin"
    elif appeal.applicant_bin:
        field_name = "bin"
    else:
        field_name = "contacts"
    try:
        lifecycle.appeal_reveal_personal_data(appeal=appeal, actor=request.user, field=field_name)
    except lifecycle.AppealError as exc:
        messages.error(request, " ".join(exc.messages))
        return render_workspace(request, appeal, status=403)
    reveal_remember(request.session, appeal.pk)
    return redirect(f"{appeal.get_absolute_url()}#applicant")


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = appeal_get_visible(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES, appeal=appeal, user=request.user, slug="attachment")
    if form.is_valid():
        try:
            lifecycle.appeal_add_attachment(appeal=appeal, actor=request.user, upload=form.cleaned_data["file"])
        except lifecycle.AppealPermissionError as exc:
            messages.error(request, " ".join(exc.messages))
            return render_workspace(request, appeal, status=403)
        except lifecycle.AppealError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The file is attached."))
            return redirect(f"{appeal.get_absolute_url()}#attachments")
    return _render_with_attachment_errors(request, appeal, form)


def _render_with_attachment_errors(request: HttpRequest, appeal: Appeal, form: AttachmentForm) -> HttpResponse:
    context = workspace_context(request, appeal, open_action="attachment")
    context["attachment_form"] = form
    if htmx_target(request) == "workspace":
        return render(request, "appeals/includes/workspace.html", context, status=422)
    context.update(sidebar_context(request, request_desk(request)))
    return render(request, "appeals/appeal_detail.html", context, status=422)


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A file of an appeal the user may see; files are never served from MEDIA_URL directly."""
    appeal = appeal_get_visible(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, appeal=appeal)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def appeal_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt (талон) for the applicant, printable, in the language of the appeal."""
    appeal = appeal_get_visible(request.user, pk)
    with translation.override(appeal.language):
        return render(request, "appeals/receipt.html", {"appeal": appeal, "receipt_language": appeal.language})


def action_url(appeal: Appeal, slug: str) -> str:
    return reverse(f"appeals:{slug}", kwargs={"pk": appeal.pk})
