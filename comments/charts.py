"""Charts for the admin's pages: inline SVG built with ``format_html``.

No chart library, no script, nothing fetched from elsewhere, no style attributes:
colours and sizes are SVG presentation attributes, and text uses ``currentColor`` so
it follows the admin's theme. Every chart has a ``<title>`` and a ``<desc>`` (named
by ``aria-labelledby``/``aria-describedby``); the page shows the same figures as a
table beside it.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

WIDTH = 640
FONT_SIZE = 12


@dataclass(frozen=True)
class Series:
    """One kind of value in a chart: its key, its name for people, its colour."""

    key: str
    label: str
    colour: str


def day_label(day: date) -> str:
    return formats.date_format(day, "j M")


def _nice_ceiling(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _svg(chart_id, title, description, width, height, body):
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="dashboard-chart" id="{id}" '
        'role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" font-size="{font}" fill="currentColor">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=width,
        h=height,
        font=FONT_SIZE,
        title=title,
        desc=description,
        body=body,
    )


def _legend(series, *, y):
    """One row of coloured squares with names, for charts with more than one series."""
    if len(series) < 2:
        return ""
    items, x = [], 0
    for s in series:
        items.append((x, y, s.colour, x + 16, y + 10, s.label))
        x += 28 + 7 * len(s.label)
    return format_html_join(
        "",
        '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect><text x="{}" y="{}">{}</text>',
        items,
    )


def _bar_title(label, one, value, series):
    """A bar's tooltip: "10 Nov, Rejected: 1"; the series is named only beside others."""
    return f"{label}, {one.label}: {value}" if len(series) > 1 else f"{label}: {value}"


def bar_chart(chart_id, *, title, description, rows, series):
    """Horizontal bars, one per row, stacked by series; each row's name above its bar.

    ``rows`` are ``(label, {series key: value})``. Names stand above the bars so long
    ones (reasons, full names) are never cut off.
    """
    row_height, bar_height, value_room = 40, 16, 60
    top = 24 if len(series) > 1 else 0
    plot = WIDTH - value_room
    # No value axis here: the longest bar takes the whole width, each total is written.
    largest = max([sum(values.values()) for _, values in rows] or [0]) or 1
    parts = []
    for index, (label, values) in enumerate(rows):
        y = top + index * row_height
        total = sum(values.get(s.key, 0) for s in series)
        parts.append(format_html('<text x="0" y="{}">{}</text>', y + 14, label))
        x = 0.0
        for s in series:
            value = values.get(s.key, 0)
            if not value:
                continue
            width = plot * value / largest
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                    f"{x:.1f}",
                    y + 20,
                    f"{width:.1f}",
                    bar_height,
                    s.colour,
                    _bar_title(label, s, value, series),
                )
            )
            x += width
        parts.append(format_html('<text x="{}" y="{}">{}</text>', f"{x + 6:.1f}", y + 33, total))
    if not rows:
        parts.append(format_html('<text x="0" y="{}">{}</text>', top + 14, _("Nothing yet.")))
    height = top + max(len(rows), 1) * row_height
    body = format_html_join("", "{}", ((p,) for p in [_legend(series, y=0), *parts]))
    return _svg(chart_id, title, description, WIDTH, height, body)


def day_chart(chart_id, *, title, description, days, values, series):
    """One column per day, stacked by series, with a value axis and every seventh day named.

    ``values`` is ``{series key: [value per day]}``.
    """
    left, right, top, bottom = 36, 24, 24 if len(series) > 1 else 8, 28
    plot_height = 160
    plot_width = WIDTH - left - right
    slot = plot_width / len(days)
    totals = [sum(values[s.key][i] for s in series) for i in range(len(days))]
    largest = _nice_ceiling(max(totals or [0]))
    baseline = top + plot_height
    parts = []
    for tick in sorted({0, largest // 2, largest} if largest > 1 else {0, largest}):
        y = baseline - plot_height * tick / largest
        parts.append(
            format_html(
                '<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="currentColor" '
                'stroke-opacity="0.25"></line>'
                '<text x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                WIDTH - right,
                left - 4,
                f"{y + 4:.1f}",
                tick,
                y=f"{y:.1f}",
            )
        )
    for index, day in enumerate(days):
        x = left + index * slot + slot * 0.15
        y = float(baseline)
        for s in series:
            value = values[s.key][index]
            if not value:
                continue
            height = plot_height * value / largest
            y -= height
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
                    f"{x:.1f}",
                    f"{y:.1f}",
                    f"{slot * 0.7:.1f}",
                    f"{height:.1f}",
                    s.colour,
                    _bar_title(day_label(day), s, value, series),
                )
            )
        if (len(days) - 1 - index) % 7 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + slot * 0.35:.1f}",
                    baseline + 18,
                    day_label(day),
                )
            )
    height = baseline + bottom
    body = format_html_join("", "{}", ((p,) for p in [_legend(series, y=0), *parts]))
    return _svg(chart_id, title, description, WIDTH, height, body)
