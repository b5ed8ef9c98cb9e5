"""Saved views: the filters and sort of a queue kept under a name, for their owner or shared with an agency."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, User
from agencies.selectors import user_memberships

from ..lifecycle.rules import AppealError, AppealPermissionError
from ..models import (
    SavedView,
)

SAVED_VIEW_MAX_PER_USER = 50


@transaction.atomic
def saved_view_create(*, owner: User, name: str, query: str, share_with: Agency | None = None) -> SavedView:
    """Save the current filters and sort (`query`, a query string) under `name`, for the owner or an agency."""
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the view.")]
    elif len(name) > 80:
        errors["name"] = [_("A name is at most 80 characters.")]
    elif SavedView.objects.filter(owner=owner, name=name).exists():
        errors["name"] = [_("You already have a view with this name.")]
    if len(query) > 2000:
        errors["query"] = [_("Too many filters to save.")]
    if share_with is not None and share_with.pk not in {m.agency_id for m in user_memberships(owner)}:
        errors["share_with"] = [_("A view can be shared only with an agency you belong to.")]
    if SavedView.objects.filter(owner=owner).count() >= SAVED_VIEW_MAX_PER_USER:
        errors["name"] = [_("You have %(n)s saved views already; delete one first.") % {"n": SAVED_VIEW_MAX_PER_USER}]
    if errors:
        raise AppealError(errors)
    return SavedView.objects.create(owner=owner, name=name, query=query, agency=share_with)


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, actor: User) -> None:
    if saved_view.owner_id != actor.pk:
        raise AppealPermissionError(_("Only the owner may delete a saved view."), code="permission")
    saved_view.delete()
