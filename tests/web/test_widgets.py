"""The filter panel's selects are drawn in Python (appeals/desk/widgets.py) for speed: the same HTML as Django's."""

import pytest
from django import forms
from django.test.html import parse_html

from appeals.desk.widgets import FastSelect, FastSelectMultiple, speed_up_selects

CHOICES = [("", "Any"), ("a<b", "A & <b>"), ("2", "Two"), ("2", "Two again"), ("Group", [("g1", "G1"), ("g2", "G2")])]


@pytest.mark.parametrize(
    ("django_widget", "fast_widget", "value"),
    [
        (forms.Select, FastSelect, "2"),
        (forms.Select, FastSelect, None),
        (forms.SelectMultiple, FastSelectMultiple, ["a<b", "g2"]),
        (forms.SelectMultiple, FastSelectMultiple, []),
    ],
)
def test_the_fast_selects_draw_what_django_draws(django_widget, fast_widget, value):
    attrs = {"size": 5, "data-flag": True, "hidden": False}
    expected = django_widget(choices=CHOICES, attrs=attrs).render("f", value, {"id": "id_f"})
    drawn = fast_widget(choices=CHOICES, attrs=attrs).render("f", value, {"id": "id_f"})
    assert parse_html(drawn) == parse_html(expected)
    assert "A &amp; &lt;b&gt;" in drawn  # labels stay escaped


def test_only_plain_selects_are_swapped():
    class Form(forms.Form):
        one = forms.ChoiceField(choices=CHOICES)
        many = forms.MultipleChoiceField(choices=CHOICES)
        boxes = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
        text = forms.CharField()

    form = Form()
    speed_up_selects(form)
    assert type(form.fields["one"].widget) is FastSelect
    assert type(form.fields["many"].widget) is FastSelectMultiple
    assert type(form.fields["boxes"].widget) is forms.CheckboxSelectMultiple
    assert type(form.fields["text"].widget) is forms.TextInput


@pytest.mark.parametrize("value", [["a<b"], [], ["2", "g2"]])
def test_the_fast_checkboxes_draw_exactly_what_django_draws(value):
    from appeals.desk.widgets import FastCheckboxSelectMultiple

    expected = forms.CheckboxSelectMultiple(choices=CHOICES).render("f", value, {"id": "id_f"})
    assert FastCheckboxSelectMultiple(choices=CHOICES).render("f", value, {"id": "id_f"}) == expected
    no_id = forms.CheckboxSelectMultiple(choices=CHOICES, attrs={"class": "x"}).render("f", value)
    assert FastCheckboxSelectMultiple(choices=CHOICES, attrs={"class": "x"}).render("f", value) == no_id


class _PanelForm(forms.Form):
    text = forms.CharField(label="Text & <more>", help_text="Help <b>", max_length=5)
    required_choice = forms.ChoiceField(choices=CHOICES, required=True)
    optional_choice = forms.ChoiceField(choices=CHOICES, required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES, required=False, widget=forms.CheckboxSelectMultiple)
    radios = forms.ChoiceField(choices=CHOICES[:3], required=False, widget=forms.RadioSelect)
    flag = forms.BooleanField(required=False, help_text="Tick it")
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    dates = forms.SplitDateTimeField(required=False)


@pytest.mark.parametrize(
    "data",
    [None, {"text": "too long text", "required_choice": "nope", "boxes": ["zz"], "flag": "on", "radios": "2"}],
)
def test_the_filter_fields_drawn_in_python_are_what_field_html_drew(data):
    from django.template.loader import render_to_string

    from appeals.desk.widgets import FastCheckboxSelectMultiple, field_html

    form = _PanelForm(data=data)
    form.is_valid()
    speed_up_selects(form)  # the same select markup in both (its own test above); the rest is Django's
    expected = {name: render_to_string("appeals/includes/field.html", {"field": form[name]}) for name in form.fields}
    form.fields["boxes"].widget.__class__ = FastCheckboxSelectMultiple
    for name in form.fields:
        assert field_html(form[name]) == expected[name], name


@pytest.fixture
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.usefixtures("_fresh_cache")
def test_the_filter_panels_option_lists_are_reused_and_renewed_when_staff_change(client, supervisor, agency):
    """The second page load reads no option lists; a new executor is in the executor filter at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agencies.choices import Role

    from ..conftest import member

    client.force_login(supervisor)
    url = "/appeals/?queue=tree"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        page = client.get(url)
    assert len(second.captured_queries) < len(first.captured_queries)
    assert "Newcomer" not in page.content.decode()

    member(agency, Role.EXECUTOR, username="newcomer", last_name="Newcomer")
    page = client.get(url).content.decode()
    executor_select = page[page.index('name="executor"') : page.index("</select>", page.index('name="executor"'))]
    assert "Newcomer" in executor_select


@pytest.mark.usefixtures("_fresh_cache")
def test_each_user_gets_their_own_option_lists(client, supervisor, agency, other_region):
    """Two users never share cached options: another region's supervisor sees only their own agencies."""
    from agencies.choices import Role

    from ..conftest import member

    client.force_login(supervisor)
    assert agency.name_ru in client.get("/appeals/?queue=tree", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    stranger = member(other_region, Role.SUPERVISOR, username="stranger")
    client.force_login(stranger)
    page = client.get("/appeals/?queue=tree", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    agency_select = page[page.index('name="agency"') : page.index("</select>", page.index('name="agency"'))]
    assert agency.name_ru not in agency_select and other_region.name_ru in agency_select
