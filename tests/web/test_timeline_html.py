"""The workspace's timeline is drawn in Python (appeals/desk/timeline.py) for speed: the same HTML as the template
loop it replaces, for every kind of entry, in every language."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from appeals.access.selectors import appeal_timeline
from appeals.desk.presenters import timeline_entries
from appeals.desk.timeline import timeline_html
from appeals.models import AppealEvent
from appeals.models.choices import AppealStatus, EventKind

from .conftest import make

# The loop as templates/appeals/includes/workspace.html drew it before appeals/desk/timeline.py.
TEMPLATE_TIMELINE = """{% load i18n %}{% for entry in timeline %}
          <li class="event event-{{ entry.event.kind }}">
            <div class="when">{{ entry.event.created_at|date:"d.m.Y H:i" }}</div>
            <div class="what">
              <strong>{{ entry.event.get_kind_display }}</strong>
              {% if entry.event.from_status and entry.event.to_status %}<span class="muted small">{{ entry.event.get_from_status_display }} → {{ entry.event.get_to_status_display }}</span>{% endif %}
              <div class="who muted small">{% if entry.event.actor %}{{ entry.event.actor.display_name }}{% else %}{% translate "the system" %}{% endif %}</div>
              {% if entry.lines %}<dl class="event-lines">{% for label, value in entry.lines %}{% if label %}<dt>{{ label }}</dt>{% endif %}<dd{% if not label %} class="full"{% endif %}>{{ value|linebreaksbr }}</dd>{% endfor %}</dl>{% endif %}
              {% if entry.warning %}<div class="callout warn small">{{ entry.warning }}</div>{% endif %}
            </div>
          </li>
          {% endfor %}"""  # noqa: E501 - the template's own lines


@pytest.fixture
def varied_events(agency, executor, supervisor, district):
    appeal = make(agency=agency, assignee=executor, status=AppealStatus.IN_PROGRESS)
    start = timezone.now() - timedelta(days=3)
    events = [
        (None, EventKind.REGISTERED, "", AppealStatus.REGISTERED, {"due_date": "2026-12-20"}),
        (supervisor, EventKind.ASSIGNED, AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, {"assignee": executor.pk}),
        (executor, EventKind.NOTE_ADDED, "", "", {"text": "Первая строка <b>жирно</b> & «кавычки»\r\nвторая\nтретья"}),
        (supervisor, EventKind.REDIRECTED, "", "", {"to_agency": district.pk, "to_number": "D-1", "reason": "<i>"}),
        (supervisor, EventKind.REDIRECTED, "", "", {"to_agency": district.pk, "late": True, "limit": "2026-12-01"}),
        (executor, EventKind.RETURNED, AppealStatus.AWAITING_APPROVAL, AppealStatus.IN_PROGRESS, {"comment": "x\ny"}),
        (None, EventKind.ESCALATED, "", "", {"overdue_working_days": 3}),
        (supervisor, EventKind.APPROVED, AppealStatus.AWAITING_APPROVAL, AppealStatus.ANSWERED, {"on_time": False}),
        (None, "unknown_kind", "nonsense", "other", {}),
    ]
    for minutes, (actor, kind, from_status, to_status, payload) in enumerate(events):
        AppealEvent.objects.create(
            appeal=appeal,
            actor=actor,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            payload=payload,
            created_at=start + timedelta(minutes=37 * minutes),  # the trail is append-only: set when written
        )
    return appeal


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_timeline_drawn_in_python_is_what_the_template_drew(varied_events, language):
    with translation.override(language):
        entries = timeline_entries(list(appeal_timeline(varied_events)))
        expected = Template(TEMPLATE_TIMELINE).render(Context({"timeline": entries}))
        drawn = timeline_html(entries)
    assert drawn == expected
    assert "Первая строка &lt;b&gt;жирно&lt;/b&gt; &amp; «кавычки»<br>вторая<br>третья" in drawn
    assert drawn.count('<li class="event') == 9


def test_the_workspace_shows_the_timeline(client, varied_events, executor):
    client.force_login(executor)
    page = client.get(f"/appeals/{varied_events.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert page.count('<li class="event') >= 9
    assert "вторая<br>третья" in page
