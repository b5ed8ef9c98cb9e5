"""Canned responses kept by supervisors for their agencies (administrators also keep them in the admin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.selectors import user_agencies

from .. import lifecycle
from ..desk.canned import PLACEHOLDERS, canned_response_can_edit, canned_response_save
from ..desk.forms import CannedResponseForm, add_service_errors
from ..models import CannedResponse
from .common import request_desk, sidebar_context


def _editable_agencies(user):
    return user_agencies(user, roles=[Role.SUPERVISOR])


def _visible_canned(user):
    if user.is_superuser:
        return CannedResponse.objects.all()
    agencies = user_agencies(user)
    ids = {a.pk for a in agencies} | {pk for a in agencies for pk in a.ancestor_ids}
    return CannedResponse.objects.filter(Q(agency__isnull=True) | Q(agency_id__in=ids))


@login_required
def canned_list(request: HttpRequest) -> HttpResponse:
    desk = request_desk(request)
    items = list(_visible_canned(request.user).select_related("agency", "category").order_by("title", "id"))
    for item in items:
        item.editable = canned_response_can_edit(user=request.user, agency=item.agency)
    context = {
        "items": items,
        "can_create": bool(_editable_agencies(request.user)) or request.user.is_superuser,
    }
    context.update(sidebar_context(request, desk))
    return render(request, "appeals/canned_list.html", context)


@login_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    desk = request_desk(request)
    canned = None
    if pk is not None:
        canned = _visible_canned(request.user).filter(pk=pk).first()
        if canned is None:
            raise Http404
        if not canned_response_can_edit(user=request.user, agency=canned.agency):
            messages.error(request, _("You may not edit this canned response."))
            return redirect("appeals:canned_list")
    agencies = _editable_agencies(request.user)
    if not agencies and not request.user.is_superuser:
        messages.error(request, _("Only a supervisor may keep canned responses."))
        return redirect("appeals:canned_list")
    form_kwargs = {"agencies": agencies, "allow_every_agency": request.user.is_superuser}
    if request.method == "POST":
        form = CannedResponseForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                canned_response_save(
                    actor=request.user,
                    canned=canned,
                    agency=data["agency"],
                    category=data["category"],
                    language=data["language"],
                    title=data["title"],
                    text=data["text"],
                    outcome=data["outcome"],
                    is_active=data["is_active"],
                )
            except lifecycle.AppealError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The canned response is saved."))
                return redirect("appeals:canned_list")
        status = 422
    else:
        initial = {"agency": desk.agency.pk if desk.agency in agencies else None, "is_active": True}
        if canned is not None:
            initial = {
                "title": canned.title,
                "agency": canned.agency_id,
                "category": canned.category_id,
                "language": canned.language,
                "outcome": canned.outcome,
                "text": canned.text,
                "is_active": canned.is_active,
            }
        form = CannedResponseForm(initial=initial, **form_kwargs)
        status = 200
    context = {"form": form, "canned": canned, "placeholders": PLACEHOLDERS}
    context.update(sidebar_context(request, desk))
    return render(request, "appeals/canned_form.html", context, status=status)
