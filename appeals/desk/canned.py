"""Placeholders of canned responses: `{number}`, `{applicant}`… filled from the appeal being answered."""

from __future__ import annotations

import re

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..calendar.workdays import local_today

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
