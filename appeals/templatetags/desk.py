"""Template helpers of the desk: deadlines, masked identifiers, capped counts, sortable headers."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_filters.widgets import DateRangeWidget

from ..desk.presenters import appeal_deadline, complaint_forward_clock
from ..desk.queues import COUNT_CAP
from ..desk.rows import QueueRowRenderer
from ..desk.timeline import timeline_html
from ..desk.widgets import date_range_html, field_html
from ..desk.widgets import html_escape as escape
from ..models.validators import mask_identifier

register = template.Library()


@register.simple_tag
def deadline(appeal, today=None, hide_done=False):
    """A coloured badge: 'N working days left', 'due today' or 'overdue by N working days'.

    For a finished appeal it repeats the status in plain text, unless `hide_done` (the workspace,
    whose status badge is already beside it).
    """
    info = appeal_deadline(appeal, today=today)
    if info.state == "done":
        if hide_done:
            return ""
        return format_html('<span class="muted">{}</span>', appeal.get_status_display())
    return format_html('<span class="badge deadline-{}">{}</span>', info.state, info.text)


@register.simple_tag
def forward_clock(appeal, today=None):
    """A badge for a complaint still to go up to the higher body: 'within N working days', 'today' or 'late'."""
    info = complaint_forward_clock(appeal, today=today)
    if info is None:
        return ""
    return format_html('<span class="badge deadline-{}" id="forward-clock">{}</span>', info.state, info.text)


@register.simple_tag
def queue_rows(appeals):
    """The <tr> of every appeal of a queue page (appeals/desk/rows.py)."""
    return QueueRowRenderer().render(appeals)


@register.simple_tag
def timeline_items(entries):
    """The <li> of every entry of the workspace's timeline (appeals/desk/timeline.py)."""
    return timeline_html(entries)


@register.simple_tag
def executor_options(groups):
    """The bulk bar's executors, an <optgroup> per agency (appeals/views/queue.py's ExecutorGroup), written in
    Python: a ministry's page lists some 200 of them, and the template's loop took a tenth of the page's time."""
    parts = []
    for group in groups:
        parts.append(f'<optgroup label="{escape(group.agency_name)}">')
        for person in group.people:
            parts.append(f'<option value="{int(person.pk)}">{escape(person.display_name)}</option>')
        parts.append("</optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 - every name is escaped


@register.simple_tag
def filter_field(field):
    """What {% include "appeals/includes/field.html" %} draws for `field`, drawn in Python (appeals/desk/widgets.py);
    a date range gets a label on each of its two inputs."""
    if isinstance(field.field.widget, DateRangeWidget):
        return date_range_html(field)
    return field_html(field)


@register.simple_tag
def form_field(field):
    """What {% include "appeals/includes/field.html" %} draws for `field`, drawn in Python (appeals/desk/widgets.py):
    the workspace's action forms draw a dozen fields on every view of an appeal."""
    return field_html(field)


@register.filter
def masked(value: str) -> str:
    return mask_identifier(value or "")


@register.filter
def capped(value) -> str:
    """A count as shown in menus: '1 000+' above the cap (never an exact count of a huge set)."""
    if value is None:
        return ""
    number = int(value)
    if number > COUNT_CAP:
        return f"{COUNT_CAP:,}+".replace(",", "\u202f")
    return f"{number:,}".replace(",", "\u202f")


def _sort_link(request, current: str, name: str, label: str):
    params = request.GET.copy()
    params.pop("page", None)
    if current == name:
        params["ordering"] = f"-{name}"
        state, arrow = "ascending", "▲"
    elif current == f"-{name}":
        params["ordering"] = name
        state, arrow = "descending", "▼"
    else:
        params["ordering"] = name
        state, arrow = "none", ""
    link = format_html(
        '<a href="?{}" title="{}">{}{}</a>',
        params.urlencode(),
        _("Sort by this column"),
        label,
        format_html(' <span aria-hidden="true">{}</span>', arrow) if arrow else "",
    )
    return state, link


@register.simple_tag(takes_context=True)
def sort_header(context, name: str, label: str, second_name: str = "", second_label: str = ""):
    """A column header that sorts by `name` (an OrderingFilter name); a second click reverses the order.

    A column showing two things (number and date) can offer a second, smaller sort link.
    """
    request = context["request"]
    current = context.get("ordering") or ""
    state, link = _sort_link(request, current, name, label)
    extra = ""
    if second_name:
        second_state, second_link = _sort_link(request, current, second_name, second_label)
        state = state if state != "none" else second_state
        extra = format_html(' <span class="sort-second">· {}</span>', second_link)
    return format_html('<th scope="col" aria-sort="{}">{}{}</th>', state, link, extra)


@register.simple_tag(takes_context=True)
def page_url(context, number: int):
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()


@register.filter
def get(mapping, key):
    """mapping[key] in a template ({{ forms|get:slug }}); None when missing."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def minutes(value) -> int:
    """A timedelta in whole minutes (at least 1), for "try again in N minutes"."""
    try:
        return max(1, int(value.total_seconds() // 60))
    except AttributeError:
        return 1
