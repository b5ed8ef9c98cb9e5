"""Template helpers of the dashboard: its tables' rows and its signals, written in Python (appeals.dashboard.html)."""

from __future__ import annotations

from django import template

from ..dashboard import html

register = template.Library()


@register.simple_tag
def dashboard_rows(table_rows, indicators):
    """The <tr> of every (row, cells) of a dashboard table, or the line saying it is empty."""
    return html.table_rows(table_rows, len(indicators))


@register.simple_tag
def dashboard_total(cells):
    """The cells of a dashboard table's total line."""
    return html.total_cells(cells)


@register.simple_tag
def signal_items(signals):
    """Each pair signal with what it counts and its newest appeals."""
    return html.signal_items(signals)
