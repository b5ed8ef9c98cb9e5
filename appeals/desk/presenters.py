"""How the desk words things: the deadline of an appeal, the lines of its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.models import Agency, User

from ..calendar.policy import policy
from ..calendar.workdays import get_calendar, local_today
from ..models import Appeal, AppealEvent
from ..models.choices import EventKind, LeaveReason, Outcome, TerminateReason


@dataclass(frozen=True)
class Deadline:
    state: str  # ok | soon | overdue | done
    days: int  # working days left (negative: overdue)
    text: str


def appeal_deadline(appeal: Appeal, *, today: date | None = None) -> Deadline:
    """'N working days left' / 'due today' / 'overdue by N working days'; finished appeals have no deadline."""
    if not appeal.is_open:
        return Deadline("done", 0, "")
    today = today or local_today()
    days = get_calendar().working_days_left(appeal.due_date, today)
    if days < 0:
        overdue = -days
        text = ngettext("overdue by %(n)s working day", "overdue by %(n)s working days", overdue) % {"n": overdue}
        return Deadline("overdue", days, text)
    if days == 0:
        return Deadline("soon", 0, _("due today"))
    text = ngettext("%(n)s working day left", "%(n)s working days left", days) % {"n": days}
    return Deadline("soon" if days <= int(policy("DUE_SOON_WORKING_DAYS")) else "ok", days, text)


def complaint_forward_clock(appeal: Appeal, *, today: date | None = None) -> Deadline | None:
    """How long a complaint has left to go up to the higher body with its case file; None without that clock."""
    if not appeal.is_open or appeal.forward_due_date is None:
        return None
    today = today or local_today()
    days = get_calendar().working_days_left(appeal.forward_due_date, today)
    if days < 0:
        text = _("late for the higher body since %(day)s") % {"day": appeal.forward_due_date.strftime("%d.%m.%Y")}
        return Deadline("overdue", days, text)
    if days == 0:
        return Deadline("soon", 0, _("to the higher body today"))
    text = ngettext(
        "to the higher body within %(n)s working day", "to the higher body within %(n)s working days", days
    ) % {"n": days}
    return Deadline("soon", days, text)


def _day(value: str | None) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return str(value)


def _label(choices, value: str | None) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


@dataclass
class TimelineEntry:
    event: AppealEvent
    lines: list[tuple[str, str]] = field(default_factory=list)
    warning: str = ""


def revealed_field_label(field: str | None) -> str:
    """What a "Show in full" revealed, from the event's `field` (events before BINs were told apart: the IIN)."""
    return {"bin": _("BIN"), "contacts": _("Phone and postal address")}.get(field or "", _("IIN"))


def _names_in(events: list[AppealEvent]) -> tuple[dict[int, str], dict[int, str]]:
    """The names of the people and agencies the events' payloads refer to by id (two queries at most)."""
    user_ids: set[int] = set()
    agency_ids: set[int] = set()
    for event in events:
        payload = event.payload or {}
        for key in ("assignee", "previous_assignee"):
            if isinstance(payload.get(key), int):
                user_ids.add(payload[key])
        if isinstance(payload.get("to_agency"), int):
            agency_ids.add(payload["to_agency"])
    users = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    agencies = {a.pk: a.name for a in Agency.objects.filter(pk__in=agency_ids)} if agency_ids else {}
    return users, agencies


def _describe_redirect(entry: TimelineEntry, payload: dict, agencies: dict[int, str]) -> None:
    lines = entry.lines
    lines.append((_("To"), agencies.get(payload.get("to_agency"), "—")))
    lines.append((_("Number there"), payload.get("to_number", "")))
    lines.append((_("Reason"), payload.get("reason", "")))
    if payload.get("part"):
        lines.append((_("Part redirected"), payload["part"]))
    if payload.get("forwarded"):
        lines.append(("", _("The complaint went to the higher body with the case file.")))
    if payload.get("late"):
        limit = _day(payload.get("limit"))
        if payload.get("forwarded"):
            entry.warning = _("Later than the limit for sending a complaint to the higher body (%(day)s).") % {
                "day": limit
            }
        else:
            entry.warning = _("Later than the limit for a redirect (%(day)s).") % {"day": limit}


def timeline_entries(events: list[AppealEvent]) -> list[TimelineEntry]:
    """The events with their details in words; people and agencies named in payloads are read in two queries."""
    users, agencies = _names_in(events)
    entries = []
    for event in events:
        payload = event.payload or {}
        entry = TimelineEntry(event)
        lines = entry.lines
        kind = event.kind
        if kind == EventKind.REGISTERED:
            if payload.get("redirected_from"):
                lines.append((_("Redirected from"), payload["redirected_from"]))
            if payload.get("due_date"):
                lines.append((_("Due date"), _day(payload["due_date"])))
            if payload.get("forward_by"):
                lines.append((_("To the higher body by"), _day(payload["forward_by"])))
            if payload.get("forwarded_complaint"):
                lines.append(("", _("A complaint sent up with its case file: the review by the higher body.")))
        elif kind == EventKind.ASSIGNED:
            lines.append((_("Executor"), users.get(payload.get("assignee"), "—")))
            if payload.get("previous_assignee"):
                lines.append((_("Before"), users.get(payload["previous_assignee"], "—")))
        elif kind in (EventKind.REDIRECTED, EventKind.PART_REDIRECTED):
            _describe_redirect(entry, payload, agencies)
        elif kind == EventKind.EXTENSION_REQUESTED:
            lines.append((_("Until"), _day(payload.get("until"))))
            lines.append((_("Reason"), payload.get("reason", "")))
        elif kind == EventKind.EXTENSION_GRANTED:
            lines.append((_("Due date"), f"{_day(payload.get('from_due_date'))} → {_day(payload.get('to_due_date'))}"))
            lines.append((_("Reason"), payload.get("reason", "")))
        elif kind == EventKind.NOTE_ADDED:
            lines.append(("", payload.get("text", "")))
        elif kind == EventKind.RETURNED:
            lines.append((_("What to rework"), payload.get("comment", "")))
        elif kind == EventKind.APPROVED:
            lines.append((_("Outcome"), _label(Outcome, payload.get("outcome"))))
            if payload.get("on_time") is False:
                entry.warning = _("Answered after the due date.")
        elif kind == EventKind.LEFT_WITHOUT_CONSIDERATION:
            lines.append((_("Reason"), _label(LeaveReason, payload.get("reason"))))
            if payload.get("comment"):
                lines.append((_("Comment"), payload["comment"]))
        elif kind == EventKind.TERMINATED:
            lines.append((_("Reason"), _label(TerminateReason, payload.get("reason"))))
            if payload.get("comment"):
                lines.append((_("Comment"), payload["comment"]))
        elif kind == EventKind.REOPENED:
            lines.append((_("Reason"), payload.get("reason", "")))
            lines.append((_("New due date"), _day(payload.get("to_due_date"))))
        elif kind == EventKind.ESCALATED:
            days = payload.get("overdue_working_days")
            if isinstance(days, int):
                lines.append(
                    (
                        _("Overdue"),
                        ngettext("%(n)s working day", "%(n)s working days", days) % {"n": days},
                    )
                )
        elif kind == EventKind.LINKED:
            lines.append((_("With appeal"), payload.get("other", "")))
        elif kind == EventKind.MERGED:
            if payload.get("into"):
                lines.append((_("Merged into"), payload["into"]))
            if payload.get("merged_from"):
                lines.append((_("Duplicate merged into this appeal"), payload["merged_from"]))
            if payload.get("comment"):
                lines.append((_("Comment"), payload["comment"]))
        elif kind == EventKind.ATTACHMENT_ADDED:
            lines.append((_("File"), payload.get("name", "")))
        elif kind == EventKind.RATED:
            lines.append((_("Applicant's rating"), f"{payload.get('rating', '')} / 5"))
        elif kind == EventKind.PERSONAL_DATA_REVEALED:
            lines.append((_("Shown in full"), revealed_field_label(payload.get("field"))))
        entries.append(entry)
    return entries
