"""The filter panel's selects are drawn in Python (appeals/widgets.py) for speed: the same HTML as Django's."""

import pytest
from django import forms
from django.test.html import parse_html

from appeals.widgets import FastSelect, FastSelectMultiple, speed_up_selects

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
