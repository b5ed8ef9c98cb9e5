"""Server-rendered SVG charts (no JavaScript): every bar and point links to the queue behind it.

Each function returns safe markup: an <svg role="img"> with a <title>, axes with labels, and one
<a href> per bar or point, whose <title> gives the exact number on hover and to screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

BRAND = "#0b5cab"
SECOND = "#7fb3e6"
GOOD = "#1a6e2f"
WARN = "#c77700"
BAD = "#a61b12"
INK = "#1b2430"
MUTED = "#4f5b69"
GRID = "#e3e8ee"
FONT = 'font-family="Segoe UI, Noto Sans, Roboto, Arial, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    url: str = ""
    title: str = ""
    color: str = BRAND


def count_ticks(value: float, *, most: int = 4) -> list[int]:
    """Whole-number ticks for an axis of counts: 0, step, 2 step… up to the first tick at or above `value`.

    The step is 1, 2, 2.5 or 5 x 10^n (never below 1) and there are at most `most` intervals, so an axis
    of appeals never reads 6.2 / 12.5 / 18.8.
    """
    if value <= 0:
        return [0, 1]
    raw = value / most
    exponent = 10 ** max(0, math.floor(math.log10(raw))) if raw >= 1 else 1
    step = next(s * exponent for s in (1, 2, 2.5, 5, 10) if s * exponent >= raw and float(s * exponent).is_integer())
    top = step * math.ceil(value / step)
    return list(range(0, int(top) + 1, int(step)))


def _fmt(value: float) -> str:
    """A number as the active language writes it (a decimal comma in Kazakh and Russian)."""
    return number_format(value, 0 if float(value).is_integer() else 1)


def _link(url: str, inner: str) -> str:
    return format_html('<a href="{}">{}</a>', url, mark_safe(inner)) if url else inner  # noqa: S308


def _svg(title: str, width: int, height: int, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every piece of text is escaped where it is built
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" {FONT} font-size="12" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _y_axis(ticks: list[float], left: int, right: int, y0: int, height: int, unit: str = "") -> list[str]:
    parts = []
    top = ticks[-1]
    for value in ticks:
        y = y0 - height * value / top
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(_fmt(value))}{unit}</text>"
        )
    return parts


def grouped_bars(title: str, groups: list[tuple[str, list[Bar]]], legend: list[tuple[str, str]]) -> SafeString:
    """Vertical bars, several per group (e.g. received and closed per week), with a legend."""
    width, height = 580, 260
    left, right, top_pad, bottom = 40, width - 8, 30, height - 34
    plot_h = bottom - top_pad
    ticks = count_ticks(max((b.value for _g, bars in groups for b in bars), default=0))
    top = ticks[-1]
    body = _y_axis(ticks, left, right, bottom, plot_h)
    n = max(1, len(groups))
    slot = (right - left) / n
    per = max(1, max((len(bars) for _g, bars in groups), default=1))
    bar_w = max(3.0, min(22.0, (slot - 6) / per))
    show_values = n <= 14
    for i, (label, bars) in enumerate(groups):
        x0 = left + i * slot + (slot - bar_w * len(bars)) / 2
        for j, bar in enumerate(bars):
            h = plot_h * bar.value / top if top else 0
            x = x0 + j * bar_w
            rect = (
                f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar_w - 1:.1f}" height="{max(h, 0.5):.1f}" '
                f'fill="{bar.color}"><title>{escape(bar.title or f"{label}: {_fmt(bar.value)}")}</title></rect>'
            )
            if show_values and bar.value:
                rect += (
                    f'<text x="{x + (bar_w - 1) / 2:.1f}" y="{bottom - h - 3:.1f}" text-anchor="middle" '
                    f'font-size="10.5" fill="{INK}">{escape(_fmt(bar.value))}</text>'
                )
            body.append(_link(bar.url, rect))
        if n <= 14 or i % math.ceil(n / 14) == 0:
            body.append(
                f'<text x="{left + i * slot + slot / 2:.1f}" y="{bottom + 15}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(label)}</text>'
            )
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    x = left
    for name, color in legend:
        body.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{color}"/>')
        body.append(f'<text x="{x + 14}" y="15" fill="{INK}">{escape(name)}</text>')
        x += 14 + 8 * len(name) + 16
    return _svg(title, width, height, body)


def line(
    title: str, points: list[Bar], *, unit: str = "%", top: float = 100, target: float | None = None
) -> SafeString:
    """A line over groups (e.g. the weekly on-time rate); points without a value leave a gap."""
    width, height = 580, 230
    left, right, top_pad, bottom = 44, width - 14, 16, height - 34
    plot_h = bottom - top_pad
    body = _y_axis([top * i / 4 for i in range(5)], left, right, bottom, plot_h, unit)
    n = max(1, len(points))
    slot = (right - left) / n
    path: list[str] = []
    marks: list[str] = []
    for i, point in enumerate(points):
        x = left + i * slot + slot / 2
        if n <= 14 or i % math.ceil(n / 14) == 0:
            body.append(
                f'<text x="{x:.1f}" y="{bottom + 15}" text-anchor="middle" fill="{MUTED}">{escape(point.label)}</text>'
            )
        if point.value is None:
            path.append("")
            continue
        y = bottom - plot_h * point.value / top
        path.append(f"{x:.1f},{y:.1f}")
        color = GOOD if target is None or point.value >= target else BAD
        dot = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}" stroke="#fff" stroke-width="1.5">'
            f"<title>{escape(point.title or f'{point.label}: {_fmt(point.value)}{unit}')}</title></circle>"
        )
        if n <= 14:
            dot += (
                f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="10.5" fill="{INK}">'
                f"{escape(_fmt(point.value))}</text>"
            )
        marks.append(_link(point.url, dot))
    lines = []
    run: list[str] = []
    for p in [*path, ""]:
        if p:
            run.append(p)
        elif run:
            lines.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
            run = []
    if target is not None:
        y = bottom - plot_h * target / top
        body.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{WARN}" stroke-dasharray="4 3"/>'
        )
    body.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    return _svg(title, width, height, [*body, *lines, *marks])


def horizontal_bars(title: str, bars: list[Bar], *, label_width: int = 190) -> SafeString:
    """Horizontal bars with their labels on the left and the value at the end (backlog, categories)."""
    row_h = 28
    width = 580
    height = max(1, len(bars)) * row_h + 26
    left, right = label_width, width - 50
    ticks = count_ticks(max((b.value for b in bars), default=0))
    top = ticks[-1]
    body = []
    for tick in ticks:
        x = left + (right - left) * tick / top
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{height - 20}" stroke="{GRID}"/>')
        body.append(
            f'<text class="tick" x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(_fmt(tick))}</text>"
        )
    for i, bar in enumerate(bars):
        y = 6 + i * row_h
        w = (right - left) * bar.value / top if top else 0
        label = bar.label if len(bar.label) <= 30 else bar.label[:29] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y + 14}" text-anchor="end" fill="{INK}">{escape(label)}'
            f"<title>{escape(bar.label)}</title></text>"
        )
        rect = (
            f'<rect x="{left}" y="{y}" width="{max(w, 0.5):.1f}" height="{row_h - 8}" rx="2" fill="{bar.color}">'
            f"<title>{escape(bar.title or f'{bar.label}: {_fmt(bar.value)}')}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 14}" fill="{INK}" font-weight="600">{escape(_fmt(bar.value))}</text>'
        )
        body.append(_link(bar.url, rect))
    body.append(f'<line x1="{left}" x2="{left}" y1="2" y2="{height - 20}" stroke="{MUTED}"/>')
    return _svg(title, width, height, body)
