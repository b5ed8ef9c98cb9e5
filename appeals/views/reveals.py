"""The reveals of applicants' personal data, for supervisors to review (issue 8).

Every "Show in full" writes a `personal_data_revealed` event (who, when, which appeal, which field);
a supervisor sees those of the appeals in the agencies they supervise, newest first.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.choices import Role
from agencies.selectors import user_agencies

from ..access.selectors import reveals_visible_to
from ..desk.presenters import revealed_field_label
from .common import request_desk, sidebar_context
from .queue import page_slice

REVEALS_PER_PAGE = 100
MAX_PAGE = 1000


@login_required
def reveal_log(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_superuser and not user_agencies(user, roles=[Role.SUPERVISOR]):
        raise PermissionDenied
    raw = request.GET.get("page", "1")
    number = min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() else 1
    page = page_slice(reveals_visible_to(user), number=number, per_page=REVEALS_PER_PAGE)
    rows = [(event, revealed_field_label((event.payload or {}).get("field"))) for event in page.rows]
    context = {"page": page, "rows": rows}
    context.update(sidebar_context(request, request_desk(request)))
    return render(request, "appeals/reveal_log.html", context)
