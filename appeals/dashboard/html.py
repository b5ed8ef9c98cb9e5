"""The dashboard's repeated markup written in Python: the rows of its tables, and the signals with their appeals.

The template engine resolved some 9 000 variables a request for a ministry's page (a league table of 21 bodies and
a staff table of 40 people by 20 indicators; signals, each with a sentence in three translated parts and its five
newest appeals), more for the whole country's: a fifth of the page's time. These functions write the markup the
template loops wrote, byte for byte, with the template engine's own helpers for each value (localisation, escaping,
the `date`, `floatformat` and `truncatechars` filters, the translations of the same messages):
appeals/templatetags/dashboard.py offers them to templates/dashboard/_table.html and _signals.html.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from html import escape

from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat, truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext

from .measures import Row

EMPTY = "—"


def _text(value) -> str:
    """A value as `{{ value }}` writes it: in local time, localised, escaped."""
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _date(value, pattern: str) -> str:
    """`{{ value|date:pattern }}`."""
    return _text(date_filter(template_localtime(value), pattern))


def _cell(cell: dict, *, drill: bool) -> str:
    # The cells' texts, links and keys are text: escaped as {{ }} escapes text (django.utils.html.escape).
    text = escape(cell["text"])
    if cell["url"] and cell["text"] not in (EMPTY, "0"):
        key = f' data-drill="{escape(cell["key"])}"' if drill else ""
        return f'<td class="num"><a href="{escape(cell["url"])}"{key}>{text}</a></td>'
    return f'<td class="num">{text}</td>'


def table_rows(rows: Iterable[tuple[Row, list[dict]]], columns: int) -> SafeString:
    """The <tr> of each (row, its cells) of templates/dashboard/_table.html, or its line for an empty table."""
    parts = []
    for row, cells in rows:
        note = f' <span class="muted small">({_text(row.note)})</span>' if row.note else ""
        parts.append(
            f'\n    <tr>\n      <th scope="row" class="name">{_text(row.label)}{note}</th>\n      '
            f"{''.join(_cell(cell, drill=True) for cell in cells)}\n    </tr>\n  "
        )
    if not parts:
        nothing = _text(gettext("Nothing in this period."))
        parts.append(f'\n    <tr><td colspan="{columns + 1}" class="muted">{nothing}</td></tr>\n  ')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


def total_cells(cells: list[dict]) -> SafeString:
    """The cells of the table's total line."""
    return mark_safe("".join(_cell(cell, drill=False) for cell in cells))  # noqa: S308 - every value is escaped


def _sentence(s) -> str:
    """What the pair signal counts, in the words of templates/dashboard/_signal_pair.html (its translations)."""
    count = ngettext("%(n)s appeal from %(people)s applicants", "%(n)s appeals from %(people)s applicants", s.count)
    text = count % {"n": _text(s.count), "people": _text(s.applicants)}
    if s.baseline is not None:
        text += ", " + gettext("usually %(baseline)s") % {"baseline": _text(s.baseline)}
    if s.kind == "long_standing":
        text += "; " + gettext("since %(since)s (%(months)s months), %(answered)s answered on the merits") % {
            "since": _date(s.since, "m.Y"),
            "months": _text(s.months),
            "answered": _text(s.answered),
        }
    if s.score is not None:
        text += f' <span class="muted small">({_text(s.score_name)} = {floatformat(s.score, "-4")})</span>'
    return text


class _AppealLists:
    """templates/dashboard/_appeal_list.html's markup: the appeals behind a signal, in a box that opens. What every
    appeal of a page shares is looked up once: its link but for the id, the time zone, each agency's name."""

    def __init__(self) -> None:
        marker = 2**62
        self.url_parts = reverse("appeals:detail", args=[marker]).split(str(marker))
        self.tz = timezone.get_current_timezone() if settings.USE_TZ else None  # what |date converts to
        self.agencies: dict[int, str] = {}

    def __call__(self, appeals: list) -> str:
        if not appeals:
            return "\n"
        summary = ngettext("%(n)s appeal", "%(n)s appeals", len(appeals)) % {"n": _text(len(appeals))}
        items = "".join(self._item(appeal) for appeal in appeals)
        return (
            f'<details class="dash-appeals-box"><summary class="small">{summary}</summary><ul class="dash-appeals">\n'
            f"{items}\n</ul></details>\n"
        )

    def _item(self, appeal) -> str:
        registered = appeal.registered_at
        if self.tz is not None and timezone.is_aware(registered):
            registered = registered.astimezone(self.tz)
        agency = self.agencies.get(appeal.agency_id)
        if agency is None:
            agency = self.agencies[appeal.agency_id] = _text(appeal.agency.name)
        subject = appeal.subject
        # |truncatechars:90 gives the text in NFC, cut when longer than 90 characters.
        subject = unicodedata.normalize("NFC", subject) if len(subject) <= 90 else truncatechars(subject, 90)
        return (
            f'<li><a href="{_text(str(appeal.pk).join(self.url_parts))}" class="mono">{_text(appeal.number)}</a>'
            f' <span class="muted small">{registered:%d.%m.%Y} · {agency}</span>'
            f'<br><span class="small">{_text(subject)}</span></li>'
        )


def signal_items(signals: Iterable) -> SafeString:
    """Each pair signal (appeals.listening.signals.Signal) as the dashboard lists it: where, how many of how many
    people against what usual level, and its newest appeals."""
    parts = []
    appeals = _AppealLists()
    for s in signals:
        where = _text(s.category.name) if s.category else _text(gettext("No category"))
        channel = f' <span class="badge deadline-overdue">{_text(s.channel_label)}</span>' if s.channel else ""
        parts.append(
            f'<div class="signal-item" data-signal="{_text(s.kind)}">\n'
            f'  <a href="{_text(s.url)}"><strong>{where}</strong> · {_text(s.region_label or EMPTY)}</a>{channel}:\n'
            f"  {_sentence(s)}\n"
            f"  {appeals(s.appeals)}\n</div>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
