"""Writes to the agency tree. The materialized path is maintained here and nowhere else."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Agency, User


def _path_for(agency: Agency, parent: Agency | None) -> str:
    return f"{parent.path if parent else '/'}{agency.pk}/"


@transaction.atomic
def agency_save(*, agency: Agency) -> Agency:
    """Create or update an agency, keeping the path of it and of its whole subtree right.

    Moving an agency under one of its own descendants is refused.
    """
    parent = agency.parent
    if agency.pk and parent is not None and parent.path.startswith(agency.path or "\0"):
        raise ValidationError({"parent": _("An agency cannot be placed under itself or its own subordinate.")})
    if parent is not None and parent.pk:
        parent.refresh_from_db(fields=["path", "depth"])
    old_path = agency.path
    if not agency.pk:
        agency.save()
    agency.path = _path_for(agency, parent)
    agency.depth = (parent.depth + 1) if parent else 0
    agency.save()
    if old_path and old_path != agency.path:
        # Re-root the subtree: replace the old prefix in every descendant's path.
        descendants = Agency.objects.filter(path__startswith=old_path).exclude(pk=agency.pk)
        depth_shift = agency.depth - (old_path.count("/") - 2)
        for child in descendants.only("pk", "path", "depth"):
            child.path = agency.path + child.path[len(old_path) :]
            child.depth = child.depth + depth_shift
            Agency.objects.filter(pk=child.pk).update(path=child.path, depth=child.depth)
    return agency


def agency_paths_rebuild() -> int:
    """Recompute every path from the parent links (after a bulk load). Returns the number of agencies."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    updates: list[Agency] = []
    stack: list[tuple[int | None, str, int]] = [(None, "/", -1)]
    while stack:
        parent_id, parent_path, parent_depth = stack.pop()
        for pk in children.get(parent_id, []):
            path = f"{parent_path}{pk}/"
            updates.append(Agency(pk=pk, path=path, depth=parent_depth + 1))
            stack.append((pk, path, parent_depth + 1))
    with transaction.atomic():
        Agency.objects.bulk_update(updates, ["path", "depth"], batch_size=1000)
    return len(updates)


def user_set_receive_digest(*, user: User, receive_digest: bool) -> User:
    """Switch the user's daily digest on or off. Overdue notices cannot be switched off."""
    User.objects.filter(pk=user.pk).update(receive_digest=receive_digest)
    user.receive_digest = receive_digest
    return user


def user_set_receive_signals(*, user: User, receive_signals: bool) -> User:
    """Switch the supervisor's weekly signals email on or off."""
    User.objects.filter(pk=user.pk).update(receive_signals=receive_signals)
    user.receive_signals = receive_signals
    return user


def user_set_language(*, user: User, language: str) -> None:
    """Remember the interface language a member of staff chose (used at their next sign-in)."""
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the interface languages.")})
    if user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


# --- The second factor (TOTP, django-otp) ---------------------------------------------------------
TOTP_DEVICE_NAME = "authenticator"


def second_factor_pending_device(*, user: User) -> TOTPDevice:
    """The user's authenticator waiting for its first code (created on first use): its QR code is shown."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def second_factor_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm `device` with a code from the app; it replaces any earlier device. False: a wrong code."""
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def second_factor_remove(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def second_factor_check(*, user: User, token: str) -> tuple[TOTPDevice | None, bool]:
    """(the confirmed device the code belongs to or None, whether wrong codes have throttled the user)."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            return None, True
        if device.verify_token(token):
            return device, False
    return None, False
