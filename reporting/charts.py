"""Server-rendered SVG charts for the dashboard and the board's PDF: horizontal bars for a period,
lines for a twelve-month trend. Each chart has a <title> and <desc>, is labelled by them, and sits
next to a table of the same numbers (the table is what a screen reader reads). Colours and dashes
are presentation attributes, not styles, so the pages' content security policy allows them.

A count a strategic reader sees as "fewer than 5" is drawn as 4 and labelled as such: the bar or
point does not give away the number its label hides.
"""

from html import escape as escape_text

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .figures import SMALL_COUNT, SMALL_COUNT_TEXT, count_shown

COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#505a5f", "#28a197", "#912b88"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 4", "3 1"]
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
LEGEND_ROW = 18


def _drawn(value, suppress):
    """The value to draw: a hidden small count as the top of its range."""
    if suppress and value and 0 < value < SMALL_COUNT:
        return SMALL_COUNT - 1
    return value or 0


def _label(value, suppress):
    shown = count_shown(value, suppress=suppress)
    return SMALL_COUNT_TEXT if shown == SMALL_COUNT_TEXT else str(shown if shown is not None else 0)


def bar_chart(chart_id, title, description, items, *, suppress, width=640):
    """items: [(label, value)]. A horizontal bar for each."""
    bar, gap, label_width, top = 22, 8, 230, 8
    height = top + len(items) * (bar + gap) + 8
    biggest = max([_drawn(v, suppress) for _, v in items] + [1])
    room = width - label_width - 110
    parts = []
    for n, (label, value) in enumerate(items):
        y = top + n * (bar + gap)
        length = round(room * _drawn(value, suppress) / biggest)
        shown = escape_text(_label(value, suppress))
        parts.append(
            f'<g><text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}" font-size="14">'
            f'{escape_text(_short(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{max(length, 0)}" height="{bar}" fill="{COLOURS[0]}">'
            f'<title>{escape_text(str(label))}: {shown}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" fill="{TEXT}" font-size="14">{shown}</text></g>'
        )
    # Written with the standard library's escape, not format_html per bar (a dashboard draws some
    # hundred bars); the same markup.
    return _svg(chart_id, title, description, width, height, mark_safe("".join(parts)))


def line_chart(chart_id, title, description, months, series, *, suppress, width=640, plot_h=200):
    """series: [(label, [value per month])]. One line per series, each with its own colour and dash,
    and a legend of three a row under the months."""
    left, right, top = 48, 12, 12
    plot_w = width - left - right
    height = top + plot_h + 30 + LEGEND_ROW * ((len(series) + 2) // 3) + 4
    biggest = max([_drawn(v, suppress) for _, values in series for v in values] + [1])
    step = plot_w / max(len(months) - 1, 1)

    def x(n):
        return round(left + n * step, 1)

    def y(value):
        return round(top + plot_h - plot_h * _drawn(value, suppress) / biggest, 1)

    parts = [format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="12">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="12">0</text>',
        left, top, left, top + plot_h, GRID, left, top + plot_h, left + plot_w, top + plot_h, GRID,
        left - 4, top + 10, TEXT, biggest, left - 4, top + plot_h, TEXT,
    )]
    for n, month in enumerate(months):
        if n % 2 == len(months) % 2 or len(months) <= 6:
            parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="12">{}</text>',
                                     x(n), top + plot_h + 18, TEXT, f"{month:%b %y}"))
    month_names = [escape_text(f"{month:%B %Y}") for month in months]
    for s, (label, values) in enumerate(series):
        colour, dash = COLOURS[s % len(COLOURS)], DASHES[s % len(DASHES)]
        points = " ".join(f"{x(n)},{y(v)}" for n, v in enumerate(values))
        parts.append(format_html('<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>',
                                 points, colour, mark_safe(f' stroke-dasharray="{dash}"') if dash else ""))
        # A point per month: plain formatting with the standard library's escape (format_html, and
        # Django's lazy-aware escape, per point were most of the dashboard's time); the same markup.
        label_text = escape_text(str(label))
        parts.append(mark_safe("".join(
            f'<circle cx="{x(n)}" cy="{y(v)}" r="3" fill="{colour}"><title>{label_text}, '
            f'{month_names[n]}: {escape_text(_label(v, suppress))}</title></circle>'
            for n, v in enumerate(values)
        )))
    per_row = 3
    for s, (label, _values) in enumerate(series):
        lx = left + (s % per_row) * (plot_w // per_row)
        ly = top + plot_h + 36 + (s // per_row) * LEGEND_ROW
        dash = DASHES[s % len(DASHES)]
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>'
            '<text x="{}" y="{}" fill="{}" font-size="12">{}</text>',
            lx, ly - 4, lx + 18, ly - 4, COLOURS[s % len(COLOURS)],
            mark_safe(f' stroke-dasharray="{dash}"') if dash else "", lx + 22, ly, TEXT, _short(label, 28),
        ))
    return _svg(chart_id, title, description, width, height, mark_safe("".join(parts)))


def _short(text, limit=30):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(chart_id, title, description, width, height, body):
    return format_html(
        '<svg class="app-chart" role="img" aria-labelledby="{0}-title {0}-desc" viewBox="0 0 {1} {2}" '
        'width="{1}" height="{2}" xmlns="http://www.w3.org/2000/svg" font-family="Arial, sans-serif">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>{5}</svg>',
        chart_id, width, height, title, description, body,
    )


def charts_for(breakdown, *, suppress):
    """The period's bars and the trend's lines of one breakdown (the lines: the bands with any
    episodes in the twelve months, at most eight)."""
    counts_episodes = breakdown.counts_children and bool(breakdown.rows) and breakdown.rows[0]["episodes"] is not None
    value_key = "episodes" if counts_episodes else "children"
    bars = bar_chart(
        f"{breakdown.key}-bars", f"{breakdown.title}: this period",
        f"A bar for each band: {value_key} in the period. The numbers are in the table that follows.",
        [(row["label"], row[value_key]) for row in breakdown.rows], suppress=suppress,
    )
    series = [(row["label"], row["trend"]) for row in breakdown.rows if row["trend"] and any(row["trend"])][:8]
    lines = None
    if series:
        lines = line_chart(
            f"{breakdown.key}-trend", f"{breakdown.title}: the last 12 months",
            "A line for each band, month by month. The numbers are in the table that follows.",
            breakdown.months, series, suppress=suppress,
        )
    return {"bars": bars, "trend": lines}
