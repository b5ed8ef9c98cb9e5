"""The queue's rows drawn in Python: the markup of the former per-row template, without its per-row cost.

At a hundred rows a page, Django's template engine spent most of the queue page's time resolving
variables, filters and tags row by row (`get_FOO_display`, `|date`, `|truncatechars`, `{% deadline %}`,
`{% blocktranslate %}`). Here each row's display values are computed once in Python (choice labels and
deadline wordings once per page, not per row) and written with format_html, so the HTML and its
escaping are the same as the template's.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from agencies.models import Agency, User

from ..access.selectors import QueueRow
from ..calendar.workdays import local_today
from ..models import Appeal
from ..models.validators import mask_identifier
from .presenters import Deadline, appeal_deadline
from .widgets import html_escape as escape

# The indentation of the <tbody> in templates/appeals/includes/queue_results.html.
ROW_TEMPLATE = """
      <tr data-row>
        <td class="check"><input type="checkbox" name="ids" value="{pk}" form="bulk" aria-label="{select_label}"></td>
        <td class="number"><a class="rowlink" href="{url}">{number}</a><div class="muted small">{registered}</div></td>
        <td class="subject">
          <a href="{url}" tabindex="-1">{subject}</a>
          <div class="muted small">
            {applicant}{identifier}
            · {kind} · {channel} · <span lang="{language}">{language_upper}</span>
            {repeated}
            {escalated}
            {extended}
            {crime}
          </div>
        </td>
        <td><span class="status status-{status}">{status_label}</span></td>
        <td class="person">{person}<div class="muted small">{agency}</div></td>
        <td class="due">{deadline}<div class="muted small">{due}</div></td>
      </tr>
      """
IDENTIFIER = ' · <span class="mono">{}</span>'


def bare_instance(model, **values):
    """An instance holding only `values`, made without Model.__init__, to read a property of the model."""
    obj = model.__new__(model)
    obj.__dict__.update(values)
    return obj


def _word(words: dict, value) -> str:
    """The escaped label of a choice; a value without one stands for itself (as get_FOO_display)."""
    html = words.get(value)
    return escape(value) if html is None else html


def _labels(field_name: str) -> dict:
    """{value: label} of a choice field of Appeal, in the active language (as get_FOO_display words it)."""
    return {value: str(label) for value, label in Appeal._meta.get_field(field_name).flatchoices}


class QueueRowRenderer:
    """Draws the rows of one page; the words shared by many rows are looked up once."""

    def __init__(self, *, today: date | None = None) -> None:
        self.today = today or local_today()
        self.status = _labels("status")
        self.kind = _labels("kind")
        self.channel = _labels("channel")
        self.applicant_type = _labels("applicant_type")
        self.tags = {
            "repeated": format_html('<span class="tag warn">{}</span>', _("repeated")),
            "escalated": format_html('<span class="tag bad">{}</span>', _("escalated")),
            "extended": format_html('<span class="tag">{}</span>', _("extended")),
            "crime": format_html('<span class="tag bad">{}</span>', _("crime report")),
        }
        self.not_assigned = format_html('<span class="muted">{}</span>', _("not assigned"))
        self.select_label = _("Select %(number)s")
        # Every row links to its appeal: one reverse() for the page, the id put in its place.
        marker = 2**62
        self.url_parts = reverse("appeals:detail", kwargs={"pk": marker}).split(str(marker))
        self._deadlines: dict[tuple[str, date], SafeString] = {}
        # Escaped once per page: the words of the choices, the executors' and agencies' names.
        self.status_html = {value: escape(label) for value, label in self.status.items()}
        self.kind_html = {value: escape(label) for value, label in self.kind.items()}
        self.channel_html = {value: escape(label) for value, label in self.channel.items()}
        self._people: dict[int, str] = {}
        self._agencies: dict[int, str] = {}
        # |date converts to the current time zone (timezone.template_localtime), looked up once here.
        self.tz = timezone.get_current_timezone() if settings.USE_TZ else None

    def deadline(self, appeal: QueueRow) -> SafeString:
        """What `{% deadline %}` draws; appeals with the same status and due date share the wording."""
        key = (appeal.status, appeal.due_date)
        html = self._deadlines.get(key)
        if html is None:
            info: Deadline = appeal_deadline(appeal, today=self.today)
            if info.state == "done":
                html = format_html('<span class="muted">{}</span>', self.status.get(appeal.status, appeal.status))
            else:
                html = format_html('<span class="badge deadline-{}">{}</span>', info.state, info.text)
            self._deadlines[key] = html
        return html

    def row(self, appeal: QueueRow) -> str:
        pk = appeal.pk
        number = escape(appeal.number)
        identifier = appeal.applicant_iin or appeal.applicant_bin
        registered = appeal.registered_at
        if registered is not None and self.tz is not None and timezone.is_aware(registered):
            registered = registered.astimezone(self.tz)
        subject = appeal.subject
        # Truncator.chars returns a text this short unchanged but for its NFC normalisation.
        subject = unicodedata.normalize("NFC", subject) if len(subject) <= 120 else Truncator(subject).chars(120)
        language = appeal.language
        applicant = appeal.applicant_name or self.applicant_type.get(appeal.applicant_type, appeal.applicant_type)
        status = appeal.status
        return ROW_TEMPLATE.format(
            pk=pk,
            select_label=self.select_label % {"number": number},
            url=escape(f"{pk}".join(self.url_parts)),
            number=number,
            registered=registered.strftime("%d.%m.%Y %H:%M") if registered else "",
            subject=escape(subject),
            applicant=escape(applicant),
            identifier=IDENTIFIER.format(escape(mask_identifier(identifier))) if identifier else "",
            kind=_word(self.kind_html, appeal.kind),
            channel=_word(self.channel_html, appeal.channel),
            language=escape(language),
            language_upper=escape(language.upper()),
            repeated=self.tags["repeated"] if appeal.is_repeated else "",
            escalated=self.tags["escalated"] if appeal.escalated_at else "",
            extended=self.tags["extended"] if appeal.extension_count else "",
            crime=self.tags["crime"] if appeal.reports_crime else "",
            status=escape(status),
            status_label=_word(self.status_html, status),
            person=self.person(appeal),
            agency=self.agency(appeal),
            deadline=self.deadline(appeal),
            due=appeal.due_date.strftime("%d.%m.%Y") if appeal.due_date else "",
        )

    def person(self, row: QueueRow) -> str:
        if row.assignee_id is None:
            return self.not_assigned
        html = self._people.get(row.assignee_id)
        if html is None:
            # The name as User.display_name words it, from the row's values.
            user = bare_instance(
                User,
                username=row.assignee_username,
                first_name=row.assignee_first_name,
                last_name=row.assignee_last_name,
            )
            html = self._people[row.assignee_id] = escape(user.display_name)
        return html

    def agency(self, row: QueueRow) -> str:
        html = self._agencies.get(row.agency_id)
        if html is None:
            # Agency.name's language
            agency = bare_instance(Agency, name_kk=row.agency_name_kk, name_ru=row.agency_name_ru)
            html = self._agencies[row.agency_id] = escape(agency.name)
        return html

    def render(self, appeals) -> SafeString:
        return mark_safe("".join(self.row(appeal) for appeal in appeals))  # noqa: S308 - every value escaped above
