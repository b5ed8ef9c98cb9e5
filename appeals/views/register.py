"""Registering an appeal received on paper, by phone or at a reception, by a registrar.

The form checks the IIN/BIN, suggests the competent agency for the category and region, and
warns when the same applicant already has an open appeal on the subject; the registrar confirms
and the appeal is registered (and, if chosen, sent straight to the competent agency).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency, Category
from agencies.selectors import category_route

from .. import lifecycle
from ..access.selectors import appeals_open_duplicates, appeals_visible_to
from ..desk.forms import RegisterForm, add_service_errors
from ..models import Appeal
from ..models.choices import ApplicantType
from ..models.validators import validate_bin, validate_iin
from ..routing.selectors import routing_suggest
from ..routing.services import appeal_text
from .common import request_desk, sidebar_context


def _check(request: HttpRequest, data) -> dict:
    """What the registrar should know before registering: identifier check, competent agency, duplicates."""
    applicant_type = data.get("applicant_type", ApplicantType.INDIVIDUAL)
    iin = (data.get("applicant_iin") or "").strip()
    bin_ = (data.get("applicant_bin") or "").strip()
    identifier_error = ""
    identifier_ok = False
    if applicant_type == ApplicantType.INDIVIDUAL and iin:
        try:
            validate_iin(iin)
            identifier_ok = True
        except ValidationError as exc:
            identifier_error = " ".join(exc.messages)
    elif applicant_type == ApplicantType.LEGAL and bin_:
        try:
            validate_bin(bin_)
            identifier_ok = True
        except ValidationError as exc:
            identifier_error = " ".join(exc.messages)

    route = None
    category_id = data.get("category")
    region = data.get("region") or ""
    if category_id and str(category_id).isdigit() and region:
        category = Category.objects.filter(pk=category_id, is_active=True).first()
        if category is not None:
            route = category_route(category=category, region=region)
    agency_id = data.get("agency")
    registering = int(agency_id) if agency_id and str(agency_id).isdigit() else None

    duplicates = []
    if identifier_ok and (data.get("subject") or "").strip():
        duplicates = list(
            appeals_open_duplicates(
                visible=appeals_visible_to(request.user),
                iin=iin if applicant_type == ApplicantType.INDIVIDUAL else "",
                bin=bin_ if applicant_type == ApplicantType.LEGAL else "",
                subject=data.get("subject", ""),
            )[:5]
        )
    return {
        "identifier_ok": identifier_ok,
        "identifier_error": identifier_error,
        "route": route,
        "route_elsewhere": route is not None and registering is not None and route.pk != registering,
        "duplicates": duplicates,
    }


def _suggestion_payload(post, category) -> dict | None:
    """What the registered event records about the text's suggestions, when some were shown: the model
    version and whether the registrar chose the first one (the dashboard's acceptance rate)."""
    version, first = post.get("router_version", ""), post.get("suggested_first", "")
    if not (version.isdigit() and first.isdigit()):
        return None
    accepted = category is not None and category.pk == int(first)
    return {"suggestion": {"model": int(version), "first": int(first), "accepted_first": accepted}}


def _page(request: HttpRequest, form: RegisterForm, check: dict | None, status: int = 200) -> HttpResponse:
    desk = request_desk(request)
    context = {"form": form, "check": check or {}}
    context.update(sidebar_context(request, desk))
    return render(request, "appeals/appeal_form.html", context, status=status)


@login_required
def appeal_register(request: HttpRequest) -> HttpResponse:
    desk = request_desk(request)
    agencies = desk.registrar_agencies
    if not agencies:
        messages.error(request, _("Only a registrar may register appeals."))
        return redirect("appeals:home")
    default_agency = desk.agency if desk.agency in agencies else agencies[0]
    if request.method != "POST":
        form = RegisterForm(
            agencies=agencies,
            initial={
                "agency": default_agency.pk,
                "region": default_agency.region or "",
                "language": "kk" if request.LANGUAGE_CODE == "kk" else "ru",
            },
        )
        return _page(request, form, None)

    form = RegisterForm(request.POST, request.FILES, agencies=agencies)
    check = _check(request, request.POST)
    if "check" in request.POST:  # "Check" without JavaScript: show the checks, register nothing
        form.is_valid()
        return _page(request, form, check)
    if not form.is_valid():
        return _page(request, form, check, status=422)
    data = form.cleaned_data
    if check["duplicates"] and not data["confirm_duplicate"]:
        form.add_error(
            "confirm_duplicate",
            _("The applicant already has an open appeal on this subject. Check it, then confirm or link instead."),
        )
        return _page(request, form, check, status=422)

    repeat_of = None
    if data["repeat_of"]:
        repeat_of = appeals_visible_to(request.user).filter(number=data["repeat_of"].strip().upper()).first()
        if repeat_of is None:
            form.add_error("repeat_of", _("No appeal with this number that you can see."))
            return _page(request, form, check, status=422)
    try:
        for upload in data["files"]:
            lifecycle.validate_upload(upload)
    except lifecycle.AppealError as exc:
        add_service_errors(form, exc, {"file": "files"})
        return _page(request, form, check, status=422)

    try:
        appeal, sent_to = _register(request, data, route=check["route"], repeat_of=repeat_of)
    except lifecycle.AppealError as exc:
        add_service_errors(
            form, exc, {"applicant_type": "applicant_type", "file": "files", "to_agency": "route_to_competent"}
        )
        return _page(request, form, check, status=422)

    if sent_to is not None:
        messages.success(
            request,
            _("Registered under number %(number)s and sent to %(agency)s (number there: %(new)s).")
            % {"number": appeal.number, "agency": sent_to.agency.name, "new": sent_to.number},
        )
    else:
        messages.success(request, _("Registered under number %(number)s.") % {"number": appeal.number})
    return redirect(appeal.get_absolute_url())


def _register(request: HttpRequest, data: dict, *, route, repeat_of: Appeal | None) -> tuple[Appeal, Appeal | None]:
    """Register the checked form's appeal with its files, and send it on to the competent agency if asked; returns
    the appeal and the one opened there (or None). Raises AppealError, nothing written."""
    applicant_type = data["applicant_type"]
    anonymous = applicant_type == ApplicantType.ANONYMOUS
    applicant = lifecycle.ApplicantData(
        type=applicant_type,
        name="" if anonymous else data["applicant_name"],
        iin="" if anonymous else data["applicant_iin"],
        bin="" if anonymous else data["applicant_bin"],
        email=data["applicant_email"],
        phone=data["applicant_phone"],
        address=data["applicant_address"],
    )
    with transaction.atomic():
        appeal = lifecycle.appeal_register(
            actor=request.user,
            agency=data["agency"],
            kind=data["kind"],
            channel=data["channel"],
            language=data["language"],
            region=data["region"],
            subject=data["subject"],
            text=data["text"],
            applicant=applicant,
            category=data["category"],
            received_at=data["received_at"] or timezone.now(),
            is_collective=data["is_collective"],
            signatories=data["signatories"] if data["is_collective"] else None,
            reports_crime=data["reports_crime"],
            repeat_of=repeat_of,
            event_payload=_suggestion_payload(request.POST, data["category"]),
        )
        for upload in data["files"]:
            lifecycle.appeal_add_attachment(appeal=appeal, actor=request.user, upload=upload)
        sent_to = None
        if data["route_to_competent"] and isinstance(route, Agency) and route.pk != appeal.agency_id:
            sent_to = lifecycle.appeal_redirect(
                appeal=appeal,
                to_agency=route,
                actor=request.user,
                reason=_("The category “%(category)s” in this region is handled by %(agency)s.")
                % {"category": data["category"].name, "agency": route.name},
            )
    return appeal, sent_to


@login_required
@require_POST
def register_check(request: HttpRequest) -> HttpResponse:
    """The checks of the registration form as a fragment, refreshed by htmx while the registrar types.

    A POST, so that the IIN/BIN being checked never travels in a URL.
    """
    context = {
        "check": _check(request, request.POST),
        "route_checked": bool(request.POST.get("route_to_competent")),
        "confirm_checked": bool(request.POST.get("confirm_duplicate")),
    }
    return render(request, "appeals/includes/register_check.html", context)


@login_required
@require_POST
def register_suggest(request: HttpRequest) -> HttpResponse:
    """The categories suggested from the text (appeals.routing) and the body each routes to, as a fragment
    refreshed by htmx while the registrar types. Empty without a trained model."""
    if not request_desk(request).registrar_agencies:
        return HttpResponse(status=403)
    text = appeal_text(request.POST.get("subject", ""), request.POST.get("text", ""))
    version, suggestions = routing_suggest(text=text, region=request.POST.get("region", ""))
    context = {"suggestions": suggestions, "router_version": version, "text_given": bool(text)}
    return render(request, "appeals/includes/register_suggest.html", context)
