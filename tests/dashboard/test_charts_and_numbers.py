"""Chart axes of counts tick at whole numbers; numbers are written the active language's way (issue 16, 9 and 10)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from appeals.dashboard import charts

from .conftest import MARCH


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 2, 4, 6]),
        (23, [0, 10, 20, 30]),
        (25, [0, 10, 20, 30]),
        (97, [0, 25, 50, 75, 100]),
        (140, [0, 50, 100, 150]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_count_axes_tick_at_whole_numbers(largest, ticks):
    assert charts.count_ticks(largest) == ticks


def _ticks(svg: str) -> list[str]:
    return re.findall(r'<text class="tick"[^>]*>([^<]*)</text>', svg)


def test_the_weekly_chart_reads_whole_numbers_where_it_read_6_2_12_5_18_8():
    svg = charts.grouped_bars("Weekly", [("01.12", [charts.Bar("received", 23), charts.Bar("closed", 12)])], [])
    assert _ticks(svg) == ["0", "10", "20", "30"]


def test_horizontal_bars_tick_at_whole_numbers():
    svg = charts.horizontal_bars("Categories", [charts.Bar("Дороги", 4), charts.Bar("Вода", 1)])
    assert _ticks(svg) == ["0", "1", "2", "3", "4"]


@pytest.mark.parametrize(("language", "expected"), [("kk", "12,5"), ("ru", "12,5"), ("en", "12.5")])
def test_chart_values_use_the_decimal_separator_of_the_language(language, expected):
    with translation.override(language):
        svg = charts.line("On time", [charts.Bar("01.12", 12.5)])
    assert f">{expected}</text>" in svg


@pytest.mark.parametrize(("language", "expected"), [("kk", "100,0"), ("ru", "100,0"), ("en", "100.0")])
def test_numbers_follow_the_language(language, expected):
    with translation.override(language):
        assert number_format(100.0, 1) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_dashboard_writes_a_decimal_comma_in_kazakh_and_russian(client, supervisor, march, language):
    client.force_login(supervisor)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("appeals:dashboard"), MARCH).content.decode()
    assert f'lang="{language}"' in page
    assert "80,0 %" in page and "80.0 %" not in page


@pytest.mark.django_db
def test_the_print_page_has_a_print_button(client, supervisor, march):
    client.force_login(supervisor)
    page = client.get(reverse("appeals:dashboard_league_print"), MARCH).content.decode()
    assert "data-print" in page and "js/app.js" in page
