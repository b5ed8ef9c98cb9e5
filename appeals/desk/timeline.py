"""The workspace's timeline drawn in Python: the markup of its former template loop, without its per-event cost.

An appeal's timeline holds one entry per event (a closed appeal about ten, a long case fifty): the template's
loop resolved each event's date, three choice labels, the actor's name and every line through the template
engine, a third of the workspace's rendering. Here the same HTML (and the same escaping) is written with
format_html, and the words shared by many events are looked up once per page.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..models import AppealEvent
from .presenters import TimelineEntry
from .widgets import html_escape as escape

ENTRY = """
          <li class="event event-{kind}">
            <div class="when">{when}</div>
            <div class="what">
              <strong>{kind_label}</strong>
              {statuses}
              <div class="who muted small">{who}</div>
              {lines}
              {warning}
            </div>
          </li>
          """


def _labels(field_name: str) -> dict:
    return {value: escape(str(label)) for value, label in AppealEvent._meta.get_field(field_name).flatchoices}


def _linebreaksbr(value) -> str:
    """The `linebreaksbr` filter under autoescape: the text escaped, its line breaks as <br>."""
    text = escape(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "<br>")


def timeline_html(entries: list[TimelineEntry]) -> SafeString:
    """The <li> of every entry, as templates/appeals/includes/workspace.html's timeline showed them."""
    kinds = _labels("kind")
    from_statuses = _labels("from_status")
    to_statuses = _labels("to_status")
    tz = timezone.get_current_timezone() if settings.USE_TZ else None
    system = escape(_("the system"))
    parts = []
    for entry in entries:
        event = entry.event
        created = event.created_at
        if created is not None and tz is not None and timezone.is_aware(created):
            created = created.astimezone(tz)
        status_html = ""
        if event.from_status and event.to_status:
            from_label = from_statuses.get(event.from_status, escape(event.from_status))
            to_label = to_statuses.get(event.to_status, escape(event.to_status))
            status_html = f'<span class="muted small">{from_label} → {to_label}</span>'
        lines_html = ""
        if entry.lines:
            items = []
            for label, value in entry.lines:
                if label:
                    items.append(f"<dt>{escape(label)}</dt><dd>{_linebreaksbr(value)}</dd>")
                else:
                    items.append(f'<dd class="full">{_linebreaksbr(value)}</dd>')
            lines_html = f'<dl class="event-lines">{"".join(items)}</dl>'
        actor = event.actor
        parts.append(
            ENTRY.format(
                kind=escape(event.kind),
                when=created.strftime("%d.%m.%Y %H:%M") if created else "",
                kind_label=kinds.get(event.kind, escape(event.kind)),
                statuses=status_html,
                who=escape(actor.display_name) if actor is not None else system,
                lines=lines_html,
                warning=format_html('<div class="callout warn small">{}</div>', entry.warning) if entry.warning else "",
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above
