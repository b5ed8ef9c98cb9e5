"""The workspace's matter links: undo a wrong repeat/escalation link or add a missed one (POST, then back)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access.selectors import appeal_get_visible
from ..lifecycle import AppealError
from ..listening.links import appeal_matter_link, appeal_matter_unlink


@login_required
@require_POST
def matter_link(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = appeal_get_visible(request.user, pk)
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("undo"):
            appeal_matter_unlink(appeal=appeal, kind=kind, actor=request.user)
            messages.success(request, _("The link is undone; matching will not make it again."))
        else:
            appeal_matter_link(appeal=appeal, number=request.POST.get("number", ""), kind=kind, actor=request.user)
            messages.success(request, _("The appeals are linked."))
    except AppealError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(f"{appeal.get_absolute_url()}#matter")
