"""Who sees an applicant's full IIN/BIN, and the reveals kept in the session.

Lists and exports mask the identifier; the workspace shows it in full to those whose work needs
it (the appeal's executor, the registrars of its agency). Anyone else who may see the appeal can
reveal it with a POST, which writes a `personal_data_revealed` event, and sees it for a while.
"""

from __future__ import annotations

import re
import time

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import user_memberships

from ..models import Appeal

REVEAL_SESSION_KEY = "desk_revealed"
REVEAL_SECONDS = 15 * 60


def registrar_agency_ids(user: User) -> set[int]:
    return {m.agency_id for m in user_memberships(user) if m.role == Role.REGISTRAR}


def identifier_needed(user: User, appeal: Appeal, *, registrar_agencies: set[int] | None = None) -> bool:
    """Whether the user's work on this appeal needs the full IIN/BIN (no query: memberships are cached)."""
    if appeal.assignee_id is not None and appeal.assignee_id == user.pk:
        return True
    if registrar_agencies is None:
        registrar_agencies = registrar_agency_ids(user)
    return appeal.agency_id in registrar_agencies


def reveal_remember(session, appeal_pk: int) -> None:
    revealed = {k: v for k, v in (session.get(REVEAL_SESSION_KEY) or {}).items() if v > time.time()}
    revealed[str(appeal_pk)] = time.time() + REVEAL_SECONDS
    session[REVEAL_SESSION_KEY] = revealed


def reveal_active(session, appeal_pk: int) -> bool:
    until = (session.get(REVEAL_SESSION_KEY) or {}).get(str(appeal_pk))
    return bool(until and until > time.time())


# --- Masks of the applicant's contacts (phone and postal address) -------------------------------------
def mask_phone(value: str) -> str:
    """Keep the shape and the last two digits: +7 ••• ••• •• 67."""
    if not value:
        return ""
    digits = sum(ch.isdigit() for ch in value)
    seen = 0
    out = []
    for ch in value:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 2 else "•")
        else:
            out.append(ch)
    return "".join(out)


def mask_address(value: str) -> str:
    """Keep the settlement (what comes before the first comma), hide the street and the house: Астана, •••."""
    if not value:
        return ""
    head = re.split(r"[,;\n]", value, maxsplit=1)[0].strip()
    if head == value.strip() or any(ch.isdigit() for ch in head):
        return "•••"
    return f"{head}, •••"
