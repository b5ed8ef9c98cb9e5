"""Canned responses: who keeps them, saving one, and the placeholders (`{number}`, `{applicant}`…) filled from
the appeal being answered."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.choices import Role
from agencies.models import Agency, Category, User
from agencies.selectors import user_roles_for

from ..calendar.workdays import local_today
from ..lifecycle.rules import AppealError, AppealPermissionError
from ..models import CannedResponse
from ..models.choices import ANSWER_OUTCOMES, Language

PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")

# name -> what it stands for (shown next to the template editor)
PLACEHOLDERS = {
    "number": _("registration number of the appeal"),
    "registered": _("date of registration"),
    "applicant": _("applicant's name"),
    "subject": _("subject of the appeal"),
    "agency": _("agency handling the appeal"),
    "executor": _("executor"),
    "due_date": _("due date"),
    "today": _("today's date"),
}


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders in `text` that the desk cannot fill."""
    return sorted({name for name in PLACEHOLDER_RE.findall(text) if name not in PLACEHOLDERS})


def placeholder_values(appeal, *, language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "number": appeal.number,
            "registered": timezone.localtime(appeal.registered_at).strftime("%d.%m.%Y"),
            "applicant": appeal.applicant_name,
            "subject": appeal.subject,
            "agency": appeal.agency.name,
            "executor": appeal.assignee.display_name if appeal.assignee_id else "",
            "due_date": appeal.due_date.strftime("%d.%m.%Y"),
            "today": local_today().strftime("%d.%m.%Y"),
        }


def render_canned(text: str, appeal, *, language: str) -> str:
    """The template with every known placeholder filled; unknown ones are left as written."""
    values = placeholder_values(appeal, language=language)
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def guess_language(text: str) -> str | None:
    """'kk' when the text has the letters only Kazakh uses, 'ru' for other Cyrillic text, None otherwise."""
    letters = [ch for ch in text if ch.isalpha()]
    cyrillic = [ch for ch in letters if "\u0400" <= ch <= "\u04ff"]
    if len(cyrillic) < 20:
        return None
    kazakh = sum(1 for ch in cyrillic if ch in _KAZAKH_LETTERS)
    return "kk" if kazakh / len(cyrillic) >= 0.02 else "ru"


def canned_response_can_edit(*, user: User, agency: Agency | None) -> bool:
    """Supervisors keep their agency's templates; templates for every agency are the administrators'."""
    if user.is_superuser and user.is_active:
        return True
    if agency is None:
        return False
    return Role.SUPERVISOR in user_roles_for(user, agency)


@transaction.atomic
def canned_response_save(
    *,
    actor: User,
    canned: CannedResponse | None = None,
    agency: Agency | None,
    category: Category | None,
    language: str,
    title: str,
    text: str,
    outcome: str = "",
    is_active: bool = True,
) -> CannedResponse:
    """Create or edit a canned response; its placeholders must be ones the desk can fill."""
    if canned is not None and not canned_response_can_edit(user=actor, agency=canned.agency):
        raise AppealPermissionError(gettext("You may not edit this canned response."), code="permission")
    if not canned_response_can_edit(user=actor, agency=agency):
        raise AppealPermissionError(
            gettext("Only a supervisor of the agency may keep its canned responses."), code="permission"
        )
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [gettext("Give the template a title.")]
    if not text.strip():
        errors["text"] = [gettext("Write the text of the template.")]
    elif unknown := unknown_placeholders(text):
        errors["text"] = [
            gettext("Unknown placeholders: %(names)s.") % {"names": ", ".join("{" + name + "}" for name in unknown)}
        ]
    if language not in Language.values:
        errors["language"] = [gettext("An answer is in Kazakh or Russian.")]
    if outcome and outcome not in ANSWER_OUTCOMES:
        errors["outcome"] = [gettext("Choose the outcome of an answer on the merits.")]
    if errors:
        raise AppealError(errors)
    canned = canned or CannedResponse(created_by=actor)
    canned.agency = agency
    canned.category = category
    canned.language = language
    canned.title = title.strip()
    canned.text = text.strip()
    canned.outcome = outcome
    canned.is_active = is_active
    canned.updated_at = timezone.now()
    canned.save()
    return canned
