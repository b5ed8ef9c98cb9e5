"""The queue's rows are drawn in Python (appeals/desk/rows.py) for speed: the same HTML as the row template they
replace."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from appeals.access.selectors import appeals_queue_page
from appeals.desk.rows import QueueRowRenderer
from appeals.models import Appeal
from appeals.models.choices import AppealStatus, ApplicantType

from ..factories import valid_bin, valid_iin
from .conftest import make

# The row as templates/appeals/includes/queue_results.html drew it before appeals/desk/rows.py.
TEMPLATE_ROWS = """{% load i18n desk %}{% for appeal in rows %}
      <tr data-row>
        <td class="check"><input type="checkbox" name="ids" value="{{ appeal.pk }}" form="bulk" aria-label="{% blocktranslate with number=appeal.number %}Select {{ number }}{% endblocktranslate %}"></td>
        <td class="number"><a class="rowlink" href="{{ appeal.get_absolute_url }}">{{ appeal.number }}</a><div class="muted small">{{ appeal.registered_at|date:"d.m.Y H:i" }}</div></td>
        <td class="subject">
          <a href="{{ appeal.get_absolute_url }}" tabindex="-1">{{ appeal.subject|truncatechars:120 }}</a>
          <div class="muted small">
            {% if appeal.applicant_name %}{{ appeal.applicant_name }}{% else %}{{ appeal.get_applicant_type_display }}{% endif %}{% if appeal.applicant_iin or appeal.applicant_bin %} · <span class="mono">{{ appeal.applicant_iin|default:appeal.applicant_bin|masked }}</span>{% endif %}
            · {{ appeal.get_kind_display }} · {{ appeal.get_channel_display }} · <span lang="{{ appeal.language }}">{{ appeal.language|upper }}</span>
            {% if appeal.is_repeated %}<span class="tag warn">{% translate "repeated" %}</span>{% endif %}
            {% if appeal.escalated_at %}<span class="tag bad">{% translate "escalated" %}</span>{% endif %}
            {% if appeal.extension_count %}<span class="tag">{% translate "extended" %}</span>{% endif %}
            {% if appeal.reports_crime %}<span class="tag bad">{% translate "crime report" %}</span>{% endif %}
          </div>
        </td>
        <td><span class="status status-{{ appeal.status }}">{{ appeal.get_status_display }}</span></td>
        <td class="person">{% if appeal.assignee %}{{ appeal.assignee.display_name }}{% else %}<span class="muted">{% translate "not assigned" %}</span>{% endif %}<div class="muted small">{{ appeal.agency.name }}</div></td>
        <td class="due">{% deadline appeal %}<div class="muted small">{{ appeal.due_date|date:"d.m.Y" }}</div></td>
      </tr>
      {% endfor %}"""  # noqa: E501 - the template's own lines


@pytest.fixture
def varied_appeals(agency, executor):
    now = timezone.now()
    made = [
        make(agency=agency, subject="Яма <b>на</b> дороге & «кавычки» \"двойные\" 'одинарные'"),
        make(agency=agency, assignee=executor, status=AppealStatus.IN_PROGRESS, overdue=True, is_repeated=True),
        make(
            agency=agency,
            applicant_type=ApplicantType.ANONYMOUS,
            applicant_name="",
            applicant_iin="",
            applicant_bin="",
            reports_crime=True,
        ),
        make(agency=agency, applicant_iin="", applicant_bin=valid_bin(3), subject="Очень длинная тема " * 12),
        make(agency=agency, applicant_iin=valid_iin(5), extension_count=1, escalated_at=now, language="kk"),
        make(agency=agency, status=AppealStatus.CLOSED, assignee=executor, registered_at=now - timedelta(days=3)),
    ]
    return list(Appeal.objects.filter(pk__in=[a.pk for a in made]).select_related("agency", "assignee").order_by("pk"))


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_rows_drawn_in_python_are_what_the_template_drew(varied_appeals, language):
    rows = appeals_queue_page(Appeal.objects.order_by("pk"), offset=0, limit=100)
    assert [row.pk for row in rows] == [appeal.pk for appeal in varied_appeals]
    with translation.override(language):
        expected = Template(TEMPLATE_ROWS).render(Context({"rows": varied_appeals}))
        drawn = QueueRowRenderer().render(rows)
    assert drawn == expected
    assert "Яма &lt;b&gt;на&lt;/b&gt; дороге &amp;" in drawn  # the subject stays escaped


def test_the_queue_page_shows_the_rows(client, agency, supervisor, varied_appeals):
    client.force_login(supervisor)
    page = client.get("/appeals/?queue=all").content.decode()
    assert page.count("<tr data-row>") == len(varied_appeals)
    assert varied_appeals[0].number in page
